#!/usr/bin/python3
"""Live interop over 127.0.0.1 between pk_spec_impl.py (written from docs/protocol/mutauth-pk.md
alone) and the mutauth CLI, pinned raw keys (and one CA-mode run):

 (a) Python client  -> `mutauth listen` (--echo, and --once with stdin/stdout), sealed close;
 (b) `mutauth connect` -> Python server (in-process, and the pk_spec_impl.py CLI entry);
 (c) refused clients get no application data (name not allowed, name not pinned, key not pinned),
     both directions;
 (d) truncation and sealed alerts from the Python side are failures for the CLI.

MUTAUTH_BIN names the binary (CMake sets it); exit code 77 (skip) when it is absent.
Ports are chosen free at run time; every wait is bounded.
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
try:
    import pk_spec_impl as pk  # noqa: E402
except ImportError as e:  # python3-cryptography missing
    print(f"SKIP: {e} (install Debian's python3-cryptography for /usr/bin/python3)", flush=True)
    sys.exit(77)

BIN = os.environ.get("MUTAUTH_BIN", "")
TARGET = "host/server.example.test"
WAIT = 15.0  # upper bound of every wait, seconds


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def connect_retry(port, deadline):
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=2)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def keygen(path, comment):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path],
                   check=True, capture_output=True, timeout=30)


class Live(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.d = cls.tmp.name
        # CLI side: ssh-keygen keys
        keygen(os.path.join(d, "server"), "server")
        keygen(os.path.join(d, "alice"), "alice")
        # Python side: keys from python3-cryptography
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        cls.py_client = pk.Identity(Ed25519PrivateKey.generate(), b"alice")
        cls.py_bob = pk.Identity(Ed25519PrivateKey.generate(), b"bob")  # pinned, not allowed
        cls.py_srv_id = pk.Identity(Ed25519PrivateKey.generate())
        with open(os.path.join(d, "server.pub")) as f:
            cls.cli_server_key = pk.read_pubkey_line(f.read())[0]
        with open(os.path.join(d, "alice.pub")) as f:
            cls.cli_alice_key = pk.read_pubkey_line(f.read())[0]
        # the CLI server's trust: the Python client pinned as alice, bob pinned as bob
        with open(os.path.join(d, "authorized_keys"), "w") as f:
            f.write(f'principals="alice" {pk.pubkey_line(cls.py_client.public_key, "python-alice")}\n')
            f.write(f'principals="bob" {pk.pubkey_line(cls.py_bob.public_key, "python-bob")}\n')
        # the CLI client's trust: the Python server pinned for the target
        with open(os.path.join(d, "known_hosts"), "w") as f:
            f.write(f"{TARGET} {pk.pubkey_line(cls.py_srv_id.public_key, 'python-server')}\n")
        # for the pk_spec_impl.py CLI entry: an openssh-key-v1 file of the Python server key
        from cryptography.hazmat.primitives import serialization
        with open(os.path.join(d, "pyserver"), "wb") as f:
            f.write(cls.py_srv_id.sk.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                                   serialization.NoEncryption()))
        with open(os.path.join(d, "py_authorized_keys"), "w") as f:
            f.write(f'principals="alice" {pk.pubkey_line(cls.cli_alice_key, "alice")}\n')

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    # -------------------------------------------------------------------------------- helpers

    def start_cli_server(self, *extra, stdin_data=None):
        """Starts `mutauth listen` on a free port; returns (process, port). No probe connection (a
        --once server would take it as its client): the caller's first connect retries until it is up."""
        port = free_port()
        p = subprocess.Popen(
            [BIN, "listen", f"127.0.0.1:{port}", "--service", TARGET, "--identity", os.path.join(self.d, "server"),
             "--trust", os.path.join(self.d, "authorized_keys"), "--handshake-timeout", "10",
             "--idle-timeout", "10", *extra],
            stdin=self.stdin_file(stdin_data or b""), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(self.stop, p)
        return p, port

    def wait_listening(self, port):
        deadline = time.monotonic() + WAIT
        return connect_retry(port, deadline)

    def stdin_file(self, data):
        f = tempfile.TemporaryFile(dir=self.d)
        f.write(data)
        f.seek(0)
        self.addCleanup(f.close)
        return f

    def finish(self, p, terminate=False):
        """Waits (bounded) for p, terminating it first if asked; returns (stdout, stderr text) once."""
        if hasattr(p, "result"):
            return p.result
        if terminate and p.poll() is None:
            p.terminate()
        try:
            out, err = p.communicate(timeout=WAIT)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate(timeout=WAIT)
        p.result = (out, err.decode(errors="replace"))
        return p.result

    def stop(self, p):
        return self.finish(p, terminate=True)

    def py_client_session(self, port, identity, data, trust=None):
        sock = self.wait_listening(port)
        fr = pk.Framed(sock, WAIT)
        hs = pk.Initiator(TARGET, identity, trust or pk.ServerTrust({TARGET: self.cli_server_key}))
        try:
            sess = pk.client_handshake(fr, hs)
            fs = pk.FramedSession(fr, sess)
            if data is not None:
                fs.send(data)
                fs.close()
            return sess, fs.recv_all()
        finally:
            sock.close()

    def run_cli_client(self, port, data, *extra):
        return subprocess.run(
            [BIN, "connect", f"127.0.0.1:{port}", "--target", TARGET, "--identity", os.path.join(self.d, "alice"),
             "--trust", os.path.join(self.d, "known_hosts"), "--connect-timeout", "10", "--handshake-timeout", "10",
             "--idle-timeout", "10", *extra],
            input=data, capture_output=True, timeout=WAIT + 10)

    def py_server(self, authorize=lambda p: p == b"alice", behaviour="echo"):
        """A one-shot Python acceptor in a thread; returns (port, result dict, thread)."""
        ls = socket.socket()
        ls.bind(("127.0.0.1", 0))
        ls.listen(1)
        ls.settimeout(WAIT)
        port = ls.getsockname()[1]
        res = {}

        def serve():
            try:
                conn, _ = ls.accept()
            except OSError as e:
                res["error"] = pk.PkError("io_error", str(e))
                ls.close()
                return
            ls.close()
            with conn:
                fr = pk.Framed(conn, WAIT)
                hs = pk.Acceptor(TARGET, self.py_server_id(), pk.ClientTrust([(self.cli_alice_key, "alice")]),
                                 authorize)
                try:
                    sess = pk.server_handshake(fr, hs)
                    res["peer"] = sess.peer
                    fs = pk.FramedSession(fr, sess)
                    if behaviour == "echo":
                        got = fs.recv_all()
                        res["got"] = got
                        fs.send(b"reply:" + got + b"\0\0")
                        fs.close()
                    elif behaviour == "truncate":
                        fs.send(b"partial")
                        conn.shutdown(socket.SHUT_WR)  # EOF without a sealed close
                        time.sleep(0.5)
                    elif behaviour == "alert":
                        fs.send(b"partial")
                        fs.alert(pk.A_ABORTED)
                        time.sleep(0.5)
                    elif behaviour == "clear_alert_after":
                        fr.send(pk.REC_ALERT, b"\x01")  # forged/clear alert after the handshake: truncation
                        time.sleep(0.5)
                    # drain whatever the client still sends (bounded), recording sealed records
                    try:
                        while fr.recv() is not None:
                            pass
                    except pk.PkError:
                        pass
                except pk.PkError as e:
                    res["error"] = e
                    # after a refusal: anything else on the wire?
                    try:
                        conn.settimeout(2)
                        res["after"] = conn.recv(65536)
                    except OSError:
                        res["after"] = b""

        t = threading.Thread(target=serve, daemon=True)
        t.start()
        return port, res, t

    def py_server_id(self):
        return getattr(self, "_srv_override", None) or self.py_srv_id

    # -------------------------------------------------------------------------------- (a)

    def test_a1_python_client_to_cli_echo(self):
        p, port = self.start_cli_server("--allow", "alice", "--echo")
        try:
            data = b"hello from the spec implementation\0" + bytes(range(256)) * 100  # > one record
            sess, got = self.py_client_session(port, self.py_client, data)
            self.assertEqual(sess.peer, TARGET.encode())
            self.assertEqual(got, data)
        finally:
            out, err = self.stop(p)
        self.assertIn("peer=alice", err)
        self.assertIn("messages=4", err)

    def test_a2_python_client_to_cli_once_stdio(self):
        p, port = self.start_cli_server("--allow", "alice", "--once", stdin_data=b"from the CLI server\n")
        try:
            sess, got = self.py_client_session(port, self.py_client, b"from the python client\n")
            self.assertEqual(got, b"from the CLI server\n")
            out, err = self.finish(p)
            self.assertEqual(p.returncode, 0, err)
            self.assertEqual(out, b"from the python client\n")
        finally:
            self.stop(p)

    def test_a3_fresh_sessions_differ(self):
        # the CLI's ephemerals are fresh: two handshakes give different h_final and exporter outputs
        p, port = self.start_cli_server("--allow", "alice", "--echo")
        try:
            s1, _ = self.py_client_session(port, self.py_client, b"x")
            s2, _ = self.py_client_session(port, self.py_client, b"y")
            self.assertNotEqual(s1.channel_binding, s2.channel_binding)
            self.assertNotEqual(s1.export(b"l", b"", 32), s2.export(b"l", b"", 32))
        finally:
            self.stop(p)

    # -------------------------------------------------------------------------------- (b)

    def test_b1_cli_client_to_python_server(self):
        port, res, t = self.py_server()
        r = self.run_cli_client(port, b"hi from mutauth connect\n")
        t.join(WAIT)
        self.assertFalse(t.is_alive())
        self.assertNotIn("error", res, res.get("error"))
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
        self.assertEqual(res["peer"], b"alice")
        self.assertEqual(res["got"], b"hi from mutauth connect\n")
        self.assertEqual(r.stdout, b"reply:hi from mutauth connect\n\0\0")
        self.assertIn(b"peer=" + TARGET.encode(), r.stderr)

    def test_b2_cli_client_to_python_cli_entry(self):
        # retry the client until the server is up (no probe connection: the server is one-shot)
        port = free_port()
        p = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "pk_spec_impl.py"), "listen", f"127.0.0.1:{port}", "--service", TARGET,
             "--identity", os.path.join(self.d, "pyserver"), "--trust", os.path.join(self.d, "py_authorized_keys"),
             "--allow", "alice", "--echo", "--timeout", str(WAIT)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + WAIT
            while True:
                r = self.run_cli_client(port, b"echo me\n")
                if r.returncode != 3 or time.monotonic() > deadline:  # 3 = transport (not up yet)
                    break
                time.sleep(0.1)
            self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
            self.assertEqual(r.stdout, b"echo me\n")
        finally:
            out, err = self.stop(p)
        self.assertIn("peer=alice", err)

    # -------------------------------------------------------------------------------- (c)

    def test_c1_refused_python_client_not_allowed(self):
        # bob is pinned (verifies) but not in --allow: clear alert 3, no message 4, no data
        p, port = self.start_cli_server("--allow", "alice", "--once", stdin_data=b"SECRET server data\n")
        try:
            with self.assertRaises(pk.PkError) as e:
                self.py_client_session(port, self.py_bob, b"bob's data")
            self.assertEqual(e.exception.code, "unauthorized")
            out, err = self.finish(p)
            self.assertNotEqual(p.returncode, 0)
            self.assertEqual(out, b"")  # the server's application got nothing from bob
        finally:
            self.stop(p)

    def test_c2_refused_python_client_name_not_pinned(self):
        # the python client's key is pinned for alice, but it asserts carol: name_mismatch, alert 1
        carol = pk.Identity(self.py_client.sk, b"carol")
        p, port = self.start_cli_server("--allow", "alice", "--allow", "carol", "--once",
                                        stdin_data=b"SECRET server data\n")
        try:
            with self.assertRaises(pk.PkError) as e:
                self.py_client_session(port, carol, b"carol's data")
            self.assertEqual(e.exception.code, "peer_alert")
            self.assertIn("clear alert 1", str(e.exception))
            out, err = self.finish(p)
            self.assertNotEqual(p.returncode, 0)
            self.assertEqual(out, b"")
        finally:
            self.stop(p)

    def test_c3_refused_python_client_unknown_key(self):
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        stranger = pk.Identity(Ed25519PrivateKey.generate(), b"alice")
        p, port = self.start_cli_server("--allow", "alice", "--echo")
        try:
            with self.assertRaises(pk.PkError) as e:
                self.py_client_session(port, stranger, b"data")
            self.assertEqual(e.exception.code, "peer_alert")
        finally:
            self.stop(p)

    def test_c4_cli_client_refused_by_python_server(self):
        port, res, t = self.py_server(authorize=lambda p: False)
        r = self.run_cli_client(port, b"must not arrive\n")
        t.join(WAIT)
        self.assertEqual(res["error"].code, "unauthorized")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(r.stdout, b"")
        self.assertEqual(res.get("after", b""), b"")  # the CLI client sent nothing after its proof
        self.assertIn(b"not authorized", r.stderr)

    def test_c5_cli_client_refuses_unpinned_python_server(self):
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        self._srv_override = pk.Identity(Ed25519PrivateKey.generate())  # not in the CLI's known_hosts
        port, res, t = self.py_server()
        r = self.run_cli_client(port, b"must not leave\n")
        t.join(WAIT)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(res["error"].code, "peer_alert")  # the CLI answered message 2 with a clear alert
        self.assertIn("clear alert 1", str(res["error"]))

    # -------------------------------------------------------------------------------- (d)

    def test_d1_truncation_is_a_failure(self):
        port, res, t = self.py_server(behaviour="truncate")
        r = self.run_cli_client(port, b"")
        t.join(WAIT)
        self.assertNotEqual(r.returncode, 0, "EOF without a sealed close must not be a clean end")
        self.assertIn(b"trunc", r.stderr.lower(), r.stderr)

    def test_d2_sealed_alert_is_a_failure(self):
        port, res, t = self.py_server(behaviour="alert")
        r = self.run_cli_client(port, b"")
        t.join(WAIT)
        self.assertEqual(r.returncode, 1, r.stderr)

    def test_d3_clear_alert_after_handshake_is_truncation(self):
        port, res, t = self.py_server(behaviour="clear_alert_after")
        r = self.run_cli_client(port, b"")
        t.join(WAIT)
        self.assertNotEqual(r.returncode, 0, r.stderr)

    # -------------------------------------------------------------------------------- CA mode

    def test_e1_ca_mode_python_client_to_cli(self):
        d = os.path.join(self.d, "ca-mode")
        os.makedirs(d, exist_ok=True)
        keygen(os.path.join(d, "ca"), "ca")
        keygen(os.path.join(d, "server"), "server")
        keygen(os.path.join(d, "alice"), "alice")
        kg = lambda *a: subprocess.run(["ssh-keygen", "-q", *a], check=True, capture_output=True, timeout=30)
        kg("-s", os.path.join(d, "ca"), "-I", "server", "-h", "-n", TARGET, os.path.join(d, "server.pub"))
        kg("-s", os.path.join(d, "ca"), "-I", "alice", "-n", "alice", os.path.join(d, "alice.pub"))
        with open(os.path.join(d, "ca.pub")) as f:
            ca_line = " ".join(f.read().split()[:2])
        with open(os.path.join(d, "authorized_keys"), "w") as f:
            f.write(f"cert-authority {ca_line}\n")
        ca_key = pk.read_pubkey_line(ca_line)[0]
        alice = pk.Identity.from_openssh_file(os.path.join(d, "alice"), b"",
                                              pk.read_cert_file(os.path.join(d, "alice-cert.pub")))
        port = free_port()
        p = subprocess.Popen(
            [BIN, "listen", f"127.0.0.1:{port}", "--service", TARGET, "--identity", os.path.join(d, "server"),
             "--trust", os.path.join(d, "authorized_keys"), "--allow", "alice", "--echo",
             "--handshake-timeout", "10", "--idle-timeout", "10"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(self.stop, p)
        try:
            sess, got = self.py_client_session(port, alice, b"certified hello",
                                               trust=pk.ServerTrust(host_cas=[("*.example.test", ca_key)]))
            self.assertEqual(got, b"certified hello")
        finally:
            out, err = self.stop(p)
        self.assertIn("peer=alice", err)


if __name__ == "__main__":
    if not BIN or not os.access(BIN, os.X_OK):
        print(f"SKIP: mutauth binary not found (MUTAUTH_BIN={BIN!r}); build target mutauth_cli", flush=True)
        sys.exit(77)
    if shutil.which("ssh-keygen") is None:
        print("SKIP: ssh-keygen not installed", flush=True)
        sys.exit(77)
    unittest.main(verbosity=2)

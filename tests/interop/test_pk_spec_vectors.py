#!/usr/bin/python3
"""Checks pk_spec_impl.py (written from docs/protocol/mutauth-pk.md alone) against
 - the public Noise_NN_25519_ChaChaPoly_BLAKE2b vectors (cacophony, snow, noise-c) — §18.2 step 1;
 - the spec's own formulas (§2-§8) and a self-interop of both roles (pinned and CA mode);
 - the mutauth-pk/1 vector files tests/pk/vectors/{pinned,ca,refused}.txt (§18), when present.

Environment: MUTAUTH_SOURCE_DIR (default: two levels up), MUTAUTH_SHARED_DIR (default ../shared).
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
try:
    import pk_spec_impl as pk  # noqa: E402
except ImportError as e:  # python3-cryptography missing
    print(f"SKIP: {e} (install Debian's python3-cryptography for /usr/bin/python3)", flush=True)
    sys.exit(77)

SOURCE = os.environ.get("MUTAUTH_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
SHARED = os.environ.get("MUTAUTH_SHARED_DIR", os.path.join(os.path.dirname(SOURCE), "shared"))
NOISE_DIR = os.path.join(SHARED, "vectors", "noise")
VEC_DIR = os.path.join(SOURCE, "tests", "pk", "vectors")
NN = "Noise_NN_25519_ChaChaPoly_BLAKE2b"

# ------------------------------------------------------------------------------------------------
# §18.2 step 1: public Noise vectors. Message 1 carries a payload here (test only).


def noise_nn_entries():
    out = []
    for f in ("cacophony.json", "snow.json", "noise-c-basic.json"):
        p = os.path.join(NOISE_DIR, f)
        if not os.path.exists(p):
            continue
        with open(p) as fh:
            vectors = json.load(fh)["vectors"]
        for v in vectors:
            if (v.get("protocol_name") or v.get("name")) == NN:
                out.append((f, v))
    return out


class NoiseNNVectors(unittest.TestCase):
    def test_entries_present(self):
        self.assertGreaterEqual(len(noise_nn_entries()), 1, f"no {NN} vectors under {NOISE_DIR}")

    def test_replay(self):
        for f, v in noise_nn_entries():
            with self.subTest(file=f):
                iss = pk.SymmetricState(NN.encode())
                rss = pk.SymmetricState(NN.encode())
                iss.mix_hash(bytes.fromhex(v["init_prologue"]))
                rss.mix_hash(bytes.fromhex(v["resp_prologue"]))
                ie = pk.Ephemeral(bytes.fromhex(v["init_ephemeral"]))
                re_ = pk.Ephemeral(bytes.fromhex(v["resp_ephemeral"]))
                msgs = v["messages"]
                # message 1: -> e, payload in clear (EncryptAndHash without key)
                p0 = bytes.fromhex(msgs[0]["payload"])
                iss.mix_hash(ie.pub)
                m1 = ie.pub + iss.encrypt_and_hash(p0)
                self.assertEqual(m1.hex(), msgs[0]["ciphertext"])
                rss.mix_hash(m1[:32])
                self.assertEqual(rss.decrypt_and_hash(m1[32:]), p0)
                # message 2: <- e, ee, payload
                p1 = bytes.fromhex(msgs[1]["payload"])
                rss.mix_hash(re_.pub)
                rss.mix_key(re_.dh(m1[:32]))
                m2 = re_.pub + rss.encrypt_and_hash(p1)
                self.assertEqual(m2.hex(), msgs[1]["ciphertext"])
                iss.mix_hash(m2[:32])
                iss.mix_key(ie.dh(m2[:32]))
                self.assertEqual(iss.decrypt_and_hash(m2[32:]), p1)
                self.assertEqual(iss.h, rss.h)
                if "handshake_hash" in v:
                    self.assertEqual(iss.h.hex(), v["handshake_hash"])
                i_send, i_recv = iss.noise_split()
                r_recv, r_send = rss.noise_split()
                for idx, m in enumerate(msgs[2:]):
                    p = bytes.fromhex(m["payload"])
                    snd, rcv = (i_send, r_recv) if idx % 2 == 0 else (r_send, i_recv)
                    c = snd.encrypt_with_ad(b"", p)
                    self.assertEqual(c.hex(), m["ciphertext"], f"transport message {idx + 2}")
                    self.assertEqual(rcv.decrypt_with_ad(b"", c), p)


# ------------------------------------------------------------------------------------------------
# primitives and the spec's own examples


class Primitives(unittest.TestCase):
    def test_hmac_matches_stdlib(self):
        import hmac
        import hashlib
        for klen in (0, 1, 64, 128, 129, 200):
            key = bytes(range(klen % 256)) * (klen // 256 + 1)
            key = key[:klen]
            self.assertEqual(pk.HMAC(key, b"data"), hmac.new(key, b"data", hashlib.blake2b).digest())

    def test_nonce_layout(self):  # §2.5 example
        self.assertEqual(pk.nonce12(1).hex(), "000000000100000000000000")

    def test_prologue(self):  # §3.3
        self.assertEqual(pk.prologue().hex(), "6d7574617574682d706b0100")
        with self.assertRaises(pk.PkError):
            pk.prologue(b"x" * 129)

    def test_initial_h(self):  # §3.2
        s = pk.SymmetricState()
        self.assertEqual(s.h, pk.PROTOCOL + b"\0" * 31)
        self.assertEqual(len(pk.PROTOCOL), 33)

    def test_signed_data_layout(self):  # §5.4
        d = pk.signed_data(2, b"\xaa" * 64, 1, b"\x01" * 32, b"host/a.example")
        self.assertEqual(len(d), 160 + len(b"host/a.example"))
        self.assertEqual(d[:28], b"mutauth-pk/1 identity proof\0")

    def test_exporter(self):  # §7.2
        xs = b"\x07" * 64
        a = pk.exporter(xs, b"lbl", b"", 32)
        b = pk.exporter(xs, b"lbl", b"", 64)
        self.assertNotEqual(a, b[:32])  # L is in info: not prefixes
        self.assertEqual(len(pk.exporter(xs, b"lbl", b"ctx", 16320)), 16320)
        self.assertEqual(pk.exporter(xs, b"lbl", b"", 0), b"")
        for bad in ((b"", b"", 1), (b"x" * 256, b"", 1), (b"l", b"c" * 65536, 1), (b"l", b"", 16321)):
            with self.assertRaises(pk.PkError):
                pk.exporter(xs, *bad)
        info = b"mutauth-pk/1 exporter" + b"\x03lbl" + b"\x00\x00" + b"\x00\x20"
        self.assertEqual(a, pk.HMAC(xs, info + b"\x01")[:32])

    def test_names(self):  # §10.1
        self.assertEqual(pk.canonical_service("host/DB1.Example.com."), b"host/db1.example.com")
        self.assertEqual(pk.canonical_service("postgres/db1.example.com:5432"), b"postgres/db1.example.com:5432")
        self.assertEqual(pk.canonical_service("host@db1.example.com"), b"host/db1.example.com")
        for bad in ("host/localhost", "host/1.2.3.4", "host/a.example:0", "host/a.example:05",
                    "host/*.example.com", "/a.example", "host/a.example@R", "host/-a.example"):
            with self.assertRaises(pk.PkError, msg=bad):
                pk.parse_service_principal(bad)


# ------------------------------------------------------------------------------------------------
# self-interop, with the §4.6 table recomputed independently


def seed(i):
    return bytes([i]) * 32


SERVER_ID = pk.Identity.from_seed(seed(1))
CLIENT_ID = pk.Identity.from_seed(seed(2), b"alice")
TARGET = b"host/server.example.test"


def pinned_pair(cb=b"", authorize=lambda p: True, client=CLIENT_ID):
    st = pk.ServerTrust({TARGET: SERVER_ID.public_key})
    ct = pk.ClientTrust([(CLIENT_ID.public_key, b"alice")])
    i = pk.Initiator(TARGET, client, st, cb, ephemeral=seed(3))
    r = pk.Acceptor(TARGET, SERVER_ID, ct, authorize, cb, ephemeral=seed(4))
    return i, r


def run(i, r):
    m1 = i.write_message1()
    r.read_message1(m1)
    m2 = r.write_message2()
    i.read_message2(m2)
    m3 = i.write_message3()
    r.read_message3(m3)
    m4, rs = r.write_message4()
    is_ = i.read_message4(m4)
    return (m1, m2, m3, m4), is_, rs


class SelfInterop(unittest.TestCase):
    def test_pinned_and_table(self):
        i, r = pinned_pair()
        (m1, m2, m3, m4), is_, rs = run(i, r)
        self.assertEqual(len(m1), 34)
        self.assertEqual(len(m2), 2 + 32 + 70 + 32 + len(TARGET) + 16)
        self.assertEqual(len(m4), 2 + 3 + 5 + 16)
        self.assertEqual(dict(i.trace), dict(r.trace))
        # §4.6 recomputed from the wire bytes alone
        H = pk.HASH
        h0 = pk.PROTOCOL + b"\0" * 31
        h1 = H(h0 + pk.prologue())
        h2 = H(h1 + m1[2:])
        h3 = H(h2)
        h4 = H(h3 + m2[2:34])
        h5 = H(h4 + m2[34:])
        h6 = H(h5 + m3[2:])
        h7 = H(h6 + m4[2:])
        expect = dict(h0=h0, h1=h1, h2=h2, h3=h3, h4=h4, h5=h5, h6=h6, h7=h7)
        self.assertEqual(dict(i.trace), expect)
        dh = pk.Ephemeral(seed(3)).dh(pk.Ephemeral(seed(4)).pub)
        ck1, t = pk.HKDF(h0, dh, 2)
        k = t[:32]
        self.assertEqual(pk.DECRYPT(k, 0, h4, m2[34:])[:2], b"\x01\x01")
        self.assertEqual(pk.DECRYPT(k, 2, h6, m4[2:]), b"\x01\x00\x05alice")
        o1, o2, o3 = pk.HKDF(ck1, h7, 3)
        self.assertEqual(i.keys["k_IR"], o1[:32])
        self.assertEqual(i.keys["k_RI"], o2[:32])
        self.assertEqual(i.keys["xs"], o3)
        self.assertEqual(is_.channel_binding, h7)
        self.assertEqual(i.keys, r.keys)
        # records both ways (§8.1)
        rec = is_.seal(b"ping\0")
        self.assertEqual(len(rec), 5 + 1 + 16)
        self.assertEqual(rec, pk.ENCRYPT(o1[:32], 0, b"", b"ping\0\x01"))
        self.assertEqual(rs.open(rec), (b"ping\0", 1))
        self.assertEqual(is_.open(rs.seal(b"")), (b"", 1))
        self.assertEqual(is_.open(rs.seal_close()), (b"", 2))
        with self.assertRaises(pk.PkError):
            is_.open(rs.send_cs.encrypt_with_ad(b"", b"x\x01"))  # after close
        self.assertEqual(is_.export(b"l", b"c", 42), rs.export(b"l", b"c", 42))

    def test_deterministic(self):
        a = run(*pinned_pair())[0]
        b = run(*pinned_pair())[0]
        self.assertEqual(a, b)

    def test_channel_binding_mismatch(self):
        i, _ = pinned_pair(cb=b"A")
        _, r = pinned_pair(cb=b"B")
        r.read_message1(i.write_message1())
        with self.assertRaises(pk.PkError) as e:
            i.read_message2(r.write_message2())
        self.assertEqual(e.exception.code, "decrypt_failed")

    def test_refused(self):
        i, r = pinned_pair(authorize=lambda p: False)
        r.read_message1(i.write_message1())
        i.read_message2(r.write_message2())
        with self.assertRaises(pk.PkError) as e:
            r.read_message3(i.write_message3())
        self.assertEqual(e.exception.code, "unauthorized")
        self.assertEqual(pk.alert_for(e.exception), 3)
        self.assertEqual(pk.encode_record(pk.REC_ALERT, b"\x03").hex(), "15000103")

    def test_wrong_target_and_unknown_key(self):
        st = pk.ServerTrust({TARGET: SERVER_ID.public_key})
        i = pk.Initiator(b"host/other.example.test", CLIENT_ID, st)
        r = pk.Acceptor(TARGET, SERVER_ID, pk.ClientTrust())
        r.read_message1(i.write_message1())
        with self.assertRaises(pk.PkError) as e:
            i.read_message2(r.write_message2())
        self.assertEqual(e.exception.code, "name_mismatch")
        i, r = pinned_pair(client=pk.Identity.from_seed(seed(9), b"alice"))
        r.read_message1(i.write_message1())
        i.read_message2(r.write_message2())
        with self.assertRaises(pk.PkError) as e:
            r.read_message3(i.write_message3())
        self.assertEqual(e.exception.code, "unknown_peer_key")
        i, r = pinned_pair(client=pk.Identity.from_seed(seed(2), b"bob"))
        r.read_message1(i.write_message1())
        i.read_message2(r.write_message2())
        with self.assertRaises(pk.PkError) as e:
            r.read_message3(i.write_message3())
        self.assertEqual(e.exception.code, "name_mismatch")

    def test_message1_rules(self):
        _, r = pinned_pair()
        for m, code in ((b"\x01", "truncated"), (b"\x02\x01" + b"\0" * 32, "version_mismatch"),
                        (b"\x01\x02" + b"\0" * 32, "unexpected_message"), (b"\x01\x01" + b"\0" * 31, "truncated"),
                        (b"\x01\x01" + b"\x09" * 33, "nonempty_first_payload")):
            _, r = pinned_pair()
            with self.assertRaises(pk.PkError) as e:
                r.read_message1(m)
            self.assertEqual(e.exception.code, code)
        # low-order point: all-zero DH
        _, r = pinned_pair()
        r.read_message1(b"\x01\x01" + b"\0" * 32)
        with self.assertRaises(pk.PkError) as e:
            r.write_message2()
        self.assertEqual(e.exception.code, "malformed")

    def test_proof_parse_order(self):
        good = pk.make_proof(1, b"\0" * 64, CLIENT_ID, b"alice")
        self.assertEqual(pk.parse_proof(good).name, b"alice")
        cases = [(good[:3], "truncated"), (b"\x02" + good[1:], "version_mismatch"),
                 (good[:1] + b"\x03" + good[2:], "unsupported_key_type"),
                 (good[:2] + b"\x10\x01" + good[4:], "too_large"), (good + b"\0", "trailing_bytes"),
                 (good[:-1], "truncated")]
        for m, code in cases:
            with self.assertRaises(pk.PkError) as e:
                pk.parse_proof(m)
            self.assertEqual(e.exception.code, code)


# ------------------------------------------------------------------------------------------------
# CA mode with real ssh-keygen certificates


def _ssh_keygen_available():
    return subprocess.run(["sh", "-c", "command -v ssh-keygen"], capture_output=True).returncode == 0


@unittest.skipUnless(_ssh_keygen_available(), "ssh-keygen not installed")
class CertificateMode(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        kg = lambda *a: subprocess.run(["ssh-keygen", "-q", *a], check=True, capture_output=True, timeout=30)
        for n in ("ca", "server", "alice"):
            kg("-t", "ed25519", "-N", "", "-f", os.path.join(d, n))
        kg("-s", os.path.join(d, "ca"), "-I", "server", "-h", "-n", "host/server.example.test",
           os.path.join(d, "server.pub"))
        kg("-s", os.path.join(d, "ca"), "-I", "alice", "-n", "alice", os.path.join(d, "alice.pub"))
        kg("-t", "ed25519", "-N", "", "-f", os.path.join(d, "old"))
        kg("-s", os.path.join(d, "ca"), "-I", "old", "-h", "-n", "server.example.test", "-V", "20200101:20200102",
           os.path.join(d, "old.pub"))
        cls.old_cert = pk.read_cert_file(os.path.join(d, "old-cert.pub"))
        with open(os.path.join(d, "ca.pub")) as fh:
            ca_key = pk.read_pubkey_line(fh.read())[0]
        cls.server = pk.Identity.from_openssh_file(os.path.join(d, "server"), b"",
                                                   pk.read_cert_file(os.path.join(d, "server-cert.pub")))
        cls.alice = pk.Identity.from_openssh_file(os.path.join(d, "alice"), b"",
                                                  pk.read_cert_file(os.path.join(d, "alice-cert.pub")))
        cls.st = pk.ServerTrust(host_cas=[("*.example.test", ca_key)])
        cls.ct = pk.ClientTrust(user_cas=[(ca_key, None)])
        cls.ca_key = ca_key

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_handshake(self):
        i = pk.Initiator(TARGET, self.alice, self.st)  # name from the single principal (§10.2)
        r = pk.Acceptor(TARGET, self.server, self.ct)
        _, is_, rs = run(i, r)
        self.assertEqual(rs.peer, b"alice")
        self.assertEqual(is_.export(b"x", b"", 8), rs.export(b"x", b"", 8))

    def test_host_cert_checks(self):
        cert = self.server.cert
        self.assertEqual(pk.verify_host_certificate(cert, TARGET, self.st), self.server.public_key)
        for target, trust, code in (
                (b"host/other.example.test", self.st, "name_mismatch"),
                (b"ssh/server.example.test", self.st, "name_mismatch"),
                (TARGET, pk.ServerTrust(host_cas=[("*.other.test", self.ca_key)]), "untrusted_issuer"),
                (TARGET, pk.ServerTrust(host_cas=[("*.example.test,!server.example.test", self.ca_key)]),
                 "untrusted_issuer"),
                ):
            with self.assertRaises(pk.PkError) as e:
                pk.verify_host_certificate(cert, target, trust)
            self.assertEqual(e.exception.code, code)
        # validity window of old_cert: 2020-01-01 .. 2020-01-02 (local time of ssh-keygen); bare host principal
        c = pk.parse_certificate(self.old_cert)
        for now, code in ((c.valid_before + 300, "expired"), (c.valid_after - 301, "not_yet_valid")):
            with self.assertRaises(pk.PkError) as e:
                pk.verify_host_certificate(self.old_cert, TARGET, pk.ServerTrust(host_cas=[("*", self.ca_key)], now=now))
            self.assertEqual(e.exception.code, code)
        ok = pk.ServerTrust(host_cas=[("*", self.ca_key)], now=c.valid_before + 299)
        pk.verify_host_certificate(self.old_cert, TARGET, ok)  # bare host name stands for host/<host>
        with self.assertRaises(pk.PkError) as e:
            pk.verify_host_certificate(self.old_cert, b"ssh/server.example.test", ok)
        self.assertEqual(e.exception.code, "name_mismatch")
        bad = bytearray(cert)
        bad[-1] ^= 1
        with self.assertRaises(pk.PkError) as e:
            pk.verify_host_certificate(bytes(bad), TARGET, self.st)
        self.assertEqual(e.exception.code, "bad_signature")
        with self.assertRaises(pk.PkError) as e:
            pk.verify_host_certificate(self.alice.cert, TARGET, self.st)
        self.assertEqual(e.exception.code, "wrong_certificate_type")

    def test_user_cert_narrowing(self):
        t = pk.ClientTrust(user_cas=[(self.ca_key, ["bob"])])
        with self.assertRaises(pk.PkError) as e:
            pk.verify_user_certificate(self.alice.cert, b"alice", t)
        self.assertEqual(e.exception.code, "name_mismatch")  # §11.4 step 6 (revised)


# ------------------------------------------------------------------------------------------------
# §18 vector files


def parse_vector_file(path):
    """§18.1 / the files' header: `name = value`; '#' comments; text between the first and last '"'."""
    fields = {}
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    for ln in lines:
        ln = ln.rstrip("\n")
        if not ln.strip() or ln.startswith("#"):
            continue
        name, _, value = ln.partition(" = ")
        if not _:
            name, _, value = ln.partition("=")
        name, value = name.strip(), value.strip()
        assert name not in fields, f"{name} twice"
        if '"' in value:
            value = value[value.index('"') + 1:value.rindex('"')]
        fields[name] = value
    return fields


def X(v, k):
    return bytes.fromhex(v[k])


def T(v, k):
    return v[k].encode()


class VectorFiles(unittest.TestCase):
    def load(self, name):
        path = os.path.join(VEC_DIR, name)
        if not os.path.exists(path):
            self.skipTest(f"vector file {path} not present")
        v = parse_vector_file(path)
        self.assertEqual(v["vector"], name[:-4])
        return v

    def parties(self, v, authorize=lambda p: True):
        now = int(v["clock"]) if "clock" in v else None
        st = pk.parse_known_hosts([v["known_hosts_line"]], now=now)
        ct = pk.parse_authorized_keys([v["authorized_keys_line"]], now=now)
        hc = X(v, "host_certificate") if "host_certificate" in v else None
        uc = X(v, "user_certificate") if "user_certificate" in v else None
        cid = pk.Identity.from_seed(X(v, "client_identity_seed"), T(v, "client_name"), uc)
        sid = pk.Identity.from_seed(X(v, "server_identity_seed"), b"", hc)
        self.assertEqual(cid.public_key, X(v, "client_public_key"))
        self.assertEqual(sid.public_key, X(v, "server_public_key"))
        cb = X(v, "channel_binding_input")
        i = pk.Initiator(T(v, "target"), cid, st, cb, ephemeral=X(v, "client_ephemeral_private"))
        r = pk.Acceptor(T(v, "target"), sid, ct, authorize, cb, ephemeral=X(v, "server_ephemeral_private"))
        self.assertEqual(i.e.pub, X(v, "client_ephemeral_public"))
        self.assertEqual(r.e.pub, X(v, "server_ephemeral_public"))
        return i, r, cid, sid

    def check_common(self, v, i, r, cid, sid, full):
        tr_i, tr_r = dict(i.trace), dict(r.trace)
        for tr in (tr_i, tr_r):
            self.assertEqual(tr["h0"], X(v, "h_initial"))
            self.assertEqual(tr["h1"], X(v, "h_after_prologue"))
            self.assertEqual(tr["h3"], X(v, "h_after_msg1"))
            self.assertEqual(tr["h4"], X(v, "h_server_signs"))
            self.assertEqual(tr["h5"], X(v, "h_after_msg2"))
            self.assertEqual(tr["h6"], X(v, "h_after_msg3"))
            if full:
                self.assertEqual(tr["h7"], X(v, "h_after_msg4"))
        self.assertEqual(pk.prologue(X(v, "channel_binding_input")), X(v, "prologue"))
        dh = pk.Ephemeral(X(v, "client_ephemeral_private")).dh(X(v, "server_ephemeral_public"))
        self.assertEqual(dh, X(v, "dh_ee"))
        for hs in (i, r):
            self.assertEqual(hs.ck1, X(v, "ck_after_ee"))
            self.assertEqual(hs.k_handshake, X(v, "k_handshake"))
        k, h4, h5, h6 = X(v, "k_handshake"), X(v, "h_server_signs"), X(v, "h_after_msg2"), X(v, "h_after_msg3")
        # proofs: decrypt the vector's messages, and rebuild them (Ed25519 is deterministic)
        self.assertEqual(pk.DECRYPT(k, 0, h4, X(v, "msg2")[34:]), X(v, "proof_server"))
        self.assertEqual(pk.DECRYPT(k, 1, h5, X(v, "msg3")[2:]), X(v, "proof_client"))
        self.assertEqual(pk.make_proof(pk.ACCEPTOR, h4, sid, T(v, "target")), X(v, "proof_server"))
        self.assertEqual(pk.make_proof(pk.INITIATOR, h5, cid, T(v, "client_name")), X(v, "proof_client"))
        if full:
            self.assertEqual(pk.DECRYPT(k, 2, h6, X(v, "msg4")[2:]), X(v, "admission"))
            self.assertEqual(pk.make_admission(T(v, "client_name")), X(v, "admission"))

    def replay_full(self, v):
        # initiator role: write what we write, read the vector's messages
        i, r, cid, sid = self.parties(v)
        self.assertEqual(i.write_message1(), X(v, "msg1"))
        i.read_message2(X(v, "msg2"))
        self.assertEqual(i.write_message3(), X(v, "msg3"))
        is_ = i.read_message4(X(v, "msg4"))
        # acceptor role
        r.read_message1(X(v, "msg1"))
        self.assertEqual(r.write_message2(), X(v, "msg2"))
        r.read_message3(X(v, "msg3"))
        m4, rs = r.write_message4()
        self.assertEqual(m4, X(v, "msg4"))
        self.assertEqual(rs.peer, T(v, "client_name"))
        self.check_common(v, i, r, cid, sid, True)
        for keys in (i.keys, r.keys):
            self.assertEqual(keys["k_IR"], X(v, "transport_key_i2r"))
            self.assertEqual(keys["k_RI"], X(v, "transport_key_r2i"))
            self.assertEqual(keys["xs"], X(v, "exporter_secret"))
        for s in (is_, rs):
            self.assertEqual(s.channel_binding, X(v, "channel_binding"))
            self.assertEqual(s.channel_binding, X(v, "h_final"))
            for n in (1, 2, 3):
                self.assertEqual(s.export(T(v, f"exporter_{n}_label"), X(v, f"exporter_{n}_context"),
                                          int(v[f"exporter_{n}_length"])), X(v, f"exporter_{n}_output"), n)
        # records: seal ours, open the vector's
        self.assertEqual(is_.seal(X(v, "record_i2r_plaintext")), X(v, "record_i2r"))
        self.assertEqual(rs.seal(X(v, "record_r2i_plaintext")), X(v, "record_r2i"))
        self.assertEqual(is_.seal_close(), X(v, "record_i2r_close"))
        self.assertEqual(rs.open(X(v, "record_i2r")), (X(v, "record_i2r_plaintext"), pk.T_DATA))
        self.assertEqual(is_.open(X(v, "record_r2i")), (X(v, "record_r2i_plaintext"), pk.T_DATA))
        self.assertEqual(rs.open(X(v, "record_i2r_close")), (b"", pk.T_CLOSE))
        # a tampered message 4 is refused by the initiator
        i2, _, _, _ = self.parties(v)
        i2.write_message1()
        i2.read_message2(X(v, "msg2"))
        i2.write_message3()
        bad = bytearray(X(v, "msg4"))
        bad[-1] ^= 1
        with self.assertRaises(pk.PkError) as e:
            i2.read_message4(bytes(bad))
        self.assertEqual(e.exception.code, "decrypt_failed")

    def test_pinned(self):
        self.replay_full(self.load("pinned.txt"))

    def test_ca(self):
        v = self.load("ca.txt")
        self.replay_full(v)
        # the certificates themselves, per §11.3/§11.4 at the vector's clock
        now = int(v["clock"])
        st = pk.parse_known_hosts([v["known_hosts_line"]], now=now)
        ct = pk.parse_authorized_keys([v["authorized_keys_line"]], now=now)
        self.assertEqual(pk.verify_host_certificate(X(v, "host_certificate"), T(v, "target"), st),
                         X(v, "server_public_key"))
        self.assertEqual(pk.verify_user_certificate(X(v, "user_certificate"), T(v, "client_name"), ct),
                         X(v, "client_public_key"))
        self.assertEqual(pk.parse_certificate(X(v, "host_certificate")).ca_key, X(v, "ca_public_key"))
        self.assertEqual(pk.parse_certificate(X(v, "user_certificate")).ca_key, X(v, "ca_public_key"))

    def test_refused(self):
        v = self.load("refused.txt")
        admitted = T(v, "admitted_principal")
        i, r, cid, sid = self.parties(v, authorize=lambda p: p == admitted)
        self.assertEqual(i.write_message1(), X(v, "msg1"))
        i.read_message2(X(v, "msg2"))
        self.assertEqual(i.write_message3(), X(v, "msg3"))
        r.read_message1(X(v, "msg1"))
        self.assertEqual(r.write_message2(), X(v, "msg2"))
        with self.assertRaises(pk.PkError) as e:
            r.read_message3(X(v, "msg3"))
        self.assertEqual(e.exception.code, v["outcome"])
        self.assertEqual(pk.encode_record(pk.REC_ALERT, bytes([pk.alert_for(e.exception)])), X(v, "alert_record"))
        self.assertIsNone(r.keys)
        self.check_common(v, i, r, cid, sid, False)
        # the initiator receives the framed alert instead of message 4
        import socket
        a, b = socket.socketpair()
        try:
            a.sendall(X(v, "alert_record"))
            with self.assertRaises(pk.PkError) as e2:
                pk._recv_handshake(pk.Framed(b, 5.0), pk.INITIATOR)
            self.assertEqual(e2.exception.code, v["outcome"])
        finally:
            a.close()
            b.close()
        self.assertIsNone(i.keys)


if __name__ == "__main__":
    unittest.main(verbosity=2)

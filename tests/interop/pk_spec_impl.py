#!/usr/bin/python3
"""Independent implementation of mutauth-pk/1, written from docs/protocol/mutauth-pk.md alone.

Library: primitives (§2), Noise state objects (§3), the four-message handshake for both roles
(§4-§6, §14), key schedule and exporter (§7), stream records (§8.1), framing (§9), service
principal names (§10), OpenSSH certificates (§11) and a subset of the trust files (§12).
CLI entry: `pk_spec_impl.py connect|listen ...` (see --help), used by the live interop tests.

Requires /usr/bin/python3 with Debian's python3-cryptography. Fixed ephemerals are injectable
(`ephemeral=` arguments) for test vectors.
"""
import argparse
import base64
import hashlib
import os
import socket
import struct
import sys
import time

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

PROTOCOL = b"Noise_NN_25519_ChaChaPoly_BLAKE2b"
INITIATOR, ACCEPTOR = 1, 2
HASHLEN, BLOCKLEN = 64, 128
MAX_NONCE = 2**64 - 1
MAX_TEXT = 579
MAX_CRED = 4096

# framing record types (§9.1)
REC_HANDSHAKE, REC_ALERT, REC_SEALED = 0x16, 0x15, 0x17
# stream record types (§8.1)
T_DATA, T_CLOSE, T_ALERT = 0x01, 0x02, 0x03
# alert reasons (§9.4)
A_HANDSHAKE_FAILED, A_UNEXPECTED, A_UNAUTHORIZED, A_ABORTED = 1, 2, 3, 4
MAX_FRAME_BODY = 16640

CATEGORY = {
    # §16.1
    "malformed": 1, "truncated": 1, "trailing_bytes": 1, "too_large": 1, "bad_encoding": 1,
    "unexpected_message": 2, "app_data_before_auth": 2, "too_many_messages": 2,
    "version_mismatch": 2, "decrypt_failed": 2, "replayed": 2, "out_of_order": 2,
    "peer_alert": 2, "nonempty_first_payload": 2, "truncation": 2,
    "name_mismatch": 3, "untrusted_issuer": 3, "unknown_peer_key": 3,
    "wrong_certificate_type": 3, "expired": 3, "not_yet_valid": 3, "revoked": 3,
    "unauthorized": 3, "bad_signature": 3, "unsupported_key_type": 3, "no_principals": 3,
    "unknown_critical_option": 3, "key_mismatch": 3,
    "io_error": 4, "mechanism_failure": 4, "encrypted_key_unsupported": 4,
    "invalid_argument": 5, "wrong_state": 5, "record_too_large": 5, "nonce_exhausted": 5,
}


class PkError(Exception):
    def __init__(self, code, detail=""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail

    @property
    def category(self):
        return CATEGORY.get(self.code, 1)


def fail(code, detail=""):
    raise PkError(code, detail)


def require(cond, code, detail=""):
    if not cond:
        fail(code, detail)


def u16(n):
    return struct.pack(">H", n)


# ---------------------------------------------------------------------------------------------
# §2 primitives


def HASH(x):
    return hashlib.blake2b(x).digest()


def HMAC(key, data):
    if len(key) > BLOCKLEN:
        key = HASH(key)
    k0 = key + b"\0" * (BLOCKLEN - len(key))
    inner = HASH(bytes(b ^ 0x36 for b in k0) + data)
    return HASH(bytes(b ^ 0x5C for b in k0) + inner)


def HKDF(ck, ikm, n):
    assert n in (2, 3)
    temp = HMAC(ck, ikm)
    out1 = HMAC(temp, b"\x01")
    out2 = HMAC(temp, out1 + b"\x02")
    if n == 2:
        return out1, out2
    return out1, out2, HMAC(temp, out2 + b"\x03")


def nonce12(n):
    return b"\0\0\0\0" + struct.pack("<Q", n)


def ENCRYPT(k, n, ad, p):
    return ChaCha20Poly1305(k).encrypt(nonce12(n), p, ad)


def DECRYPT(k, n, ad, c):
    try:
        return ChaCha20Poly1305(k).decrypt(nonce12(n), c, ad)
    except InvalidTag:
        fail("decrypt_failed")


def REKEY(k):
    return ENCRYPT(k, MAX_NONCE, b"", b"\0" * 32)[:32]


class Ephemeral:
    """An X25519 key pair; `private` (32 bytes) may be fixed for vectors."""

    def __init__(self, private=None):
        self._sk = X25519PrivateKey.from_private_bytes(private) if private else X25519PrivateKey.generate()
        self.pub = self._sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    def dh(self, peer_pub):
        require(len(peer_pub) == 32, "truncated")
        try:
            out = self._sk.exchange(X25519PublicKey.from_public_bytes(peer_pub))
        except ValueError:  # all-zero output (§2.4)
            fail("malformed", "all-zero DH output")
        require(out != b"\0" * 32, "malformed", "all-zero DH output")
        return out

    def wipe(self):
        self._sk = None


class Identity:
    """An Ed25519 identity key, a name (may be empty) and optionally an OpenSSH certificate blob."""

    def __init__(self, sk: Ed25519PrivateKey, name=b"", cert=None):
        self.sk = sk
        self.public_key = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.name = name.encode() if isinstance(name, str) else name
        self.cert = cert
        if cert is not None:
            c = parse_certificate(cert)
            require(c.pk == self.public_key, "key_mismatch", "certificate does not certify the identity key")

    @classmethod
    def from_seed(cls, seed, name=b"", cert=None):
        return cls(Ed25519PrivateKey.from_private_bytes(seed), name, cert)

    @classmethod
    def from_openssh_file(cls, path, name=b"", cert=None):
        with open(path, "rb") as f:
            sk = serialization.load_ssh_private_key(f.read(), password=None)
        require(isinstance(sk, Ed25519PrivateKey), "unsupported_key_type")
        return cls(sk, name, cert)

    def sign(self, m):
        return self.sk.sign(m)


def ed25519_verify(pub, msg, sig):
    try:
        Ed25519PublicKey.from_public_bytes(pub).verify(sig, msg)
        return True
    except (InvalidSignature, ValueError):
        return False


# ---------------------------------------------------------------------------------------------
# §3 Noise state objects


class CipherState:
    def __init__(self, key=None):
        self.k = key
        self.n = 0

    def initialize_key(self, key):
        self.k = key
        self.n = 0

    def encrypt_with_ad(self, ad, p):
        if self.k is None:
            return p
        require(self.n != MAX_NONCE, "nonce_exhausted")
        c = ENCRYPT(self.k, self.n, ad, p)
        self.n += 1
        return c

    def decrypt_with_ad(self, ad, c):
        if self.k is None:
            return c
        require(len(c) >= 16, "truncated")
        require(self.n != MAX_NONCE, "nonce_exhausted")
        p = DECRYPT(self.k, self.n, ad, c)
        self.n += 1
        return p

    def rekey(self):
        self.k = REKEY(self.k)


class SymmetricState:
    def __init__(self, protocol_name=PROTOCOL):
        if len(protocol_name) <= HASHLEN:
            self.h = protocol_name + b"\0" * (HASHLEN - len(protocol_name))
        else:
            self.h = HASH(protocol_name)
        self.ck = self.h
        self.cs = CipherState()

    def mix_hash(self, data):
        self.h = HASH(self.h + data)

    def mix_key(self, ikm):
        self.ck, t = HKDF(self.ck, ikm, 2)
        self.cs.initialize_key(t[:32])

    def encrypt_and_hash(self, p):
        c = self.cs.encrypt_with_ad(self.h, p)
        self.mix_hash(c)
        return c

    def decrypt_and_hash(self, c):
        p = self.cs.decrypt_with_ad(self.h, c)
        self.mix_hash(c)
        return p

    def noise_split(self):
        """Plain Noise Split() (empty ikm, 2 outputs): only for the public Noise vectors."""
        t1, t2 = HKDF(self.ck, b"", 2)
        return CipherState(t1[:32]), CipherState(t2[:32])


def prologue(cb=b""):
    require(len(cb) <= 128, "invalid_argument", "channel binding longer than 128 bytes")
    return b"mutauth-pk" + b"\x01" + bytes([len(cb)]) + cb


# ---------------------------------------------------------------------------------------------
# §10 principal names

_LDH = set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
_SVC = _LDH | {ord("_")}


def _valid_host(host):
    if host.endswith("."):
        host = host[:-1]
    if not 1 <= len(host) <= 253:
        return None
    labels = host.split(".")
    if len(labels) < 2:
        return None
    for lab in labels:
        b = lab.encode("ascii", "replace")
        if not 1 <= len(b) <= 63 or any(c not in _LDH for c in b) or lab[0] == "-" or lab[-1] == "-":
            return None
    if labels[-1].isdigit():
        return None
    return host.lower()


def parse_service_principal(name):
    """§10.1, without realm. Returns (svc, host_lower, port_or_None); raises malformed."""
    if isinstance(name, bytes):
        try:
            name = name.decode("ascii")
        except UnicodeDecodeError:
            fail("malformed", "name is not ASCII")
    require("\0" not in name and len(name) <= MAX_TEXT, "malformed")
    if "/" in name:
        svc, rest = name.split("/", 1)
    elif "@" in name:  # GSS host-based form svc@host
        svc, rest = name.split("@", 1)
        require(":" not in rest, "malformed")
    else:
        fail("malformed", "no service")
    require("@" not in rest, "malformed", "realm not allowed in a pk name")
    require(1 <= len(svc) <= 63 and all(ord(c) in _SVC for c in svc), "malformed", "bad service")
    port = None
    if ":" in rest:
        require(rest.count(":") == 1, "malformed")
        rest, ps = rest.split(":")
        require(ps.isdigit() and ps[0] != "0" and 1 <= int(ps) <= 65535 and ps.isascii(), "malformed", "bad port")
        port = int(ps)
    host = _valid_host(rest)
    require(host is not None, "malformed", "bad host")
    return svc, host, port


def canonical_service(name):
    svc, host, port = parse_service_principal(name)
    return (f"{svc}/{host}" + (f":{port}" if port is not None else "")).encode()


# ---------------------------------------------------------------------------------------------
# §5 identity proofs, §6 admission


def signed_data(role, h, ctype, cred, name):
    return (b"mutauth-pk/1 identity proof" + b"\0" + bytes([role]) + h + bytes([ctype]) + HASH(cred)
            + u16(len(name)) + name)


def make_proof(role, h, identity, name):
    ctype, cred = (2, identity.cert) if identity.cert is not None else (1, identity.public_key)
    sig = identity.sign(signed_data(role, h, ctype, cred, name))
    return bytes([1, ctype]) + u16(len(cred)) + cred + u16(len(name)) + name + sig


class Proof:
    def __init__(self, ctype, cred, name, sig):
        self.ctype, self.cred, self.name, self.sig = ctype, cred, name, sig


def parse_proof(p):
    """§5.5, in that order."""
    require(len(p) >= 4, "truncated")
    require(p[0] == 1, "version_mismatch")
    require(p[1] in (1, 2), "unsupported_key_type")
    c = struct.unpack(">H", p[2:4])[0]
    require(c <= MAX_CRED, "too_large")
    require(len(p) - 4 >= c, "truncated")
    cred = p[4:4 + c]
    off = 4 + c
    require(len(p) - off >= 2, "truncated")
    m = struct.unpack(">H", p[off:off + 2])[0]
    require(m <= MAX_TEXT, "too_large")
    off += 2
    require(len(p) - off >= m, "truncated")
    name = p[off:off + m]
    off += m
    require(len(p) - off >= 64, "truncated")
    sig = p[off:off + 64]
    off += 64
    require(off == len(p), "trailing_bytes")
    require(m != 0, "malformed", "empty name")
    return Proof(p[1], cred, name, sig)


def make_admission(name):
    return b"\x01" + u16(len(name)) + name


def parse_admission(a):
    require(len(a) >= 1, "truncated")
    require(a[0] == 1, "version_mismatch")
    require(len(a) >= 3, "truncated")
    m = struct.unpack(">H", a[1:3])[0]
    require(m <= MAX_TEXT, "too_large")
    require(len(a) - 3 >= m, "truncated")
    require(len(a) == 3 + m, "trailing_bytes")
    require(m != 0, "malformed", "empty name")
    return a[3:]


def check_header(msg, number):
    require(len(msg) >= 2, "truncated")
    require(msg[0] == 1, "version_mismatch")
    require(msg[1] == number, "unexpected_message", f"expected message {number}, got {msg[1]}")


# ---------------------------------------------------------------------------------------------
# §11 OpenSSH certificates

CERT_TYPE = b"ssh-ed25519-cert-v01@openssh.com"


class _Reader:
    def __init__(self, b):
        self.b, self.o = b, 0

    def take(self, n):
        require(len(self.b) - self.o >= n, "truncated")
        r = self.b[self.o:self.o + n]
        self.o += n
        return r

    def u32(self):
        return struct.unpack(">I", self.take(4))[0]

    def u64(self):
        return struct.unpack(">Q", self.take(8))[0]

    def string(self, bound=None):
        n = self.u32()
        require(len(self.b) - self.o >= n, "truncated")
        if bound is not None:
            require(n <= bound, "too_large")
        return self.take(n)

    def done(self):
        return self.o == len(self.b)


def _printable(b, space=False):
    return all(0x21 <= c <= 0x7E or (space and c == 0x20) for c in b)


def _name_data_list(blob):
    r = _Reader(blob)
    out, prev = [], None
    while not r.done():
        name = r.string()
        data = r.string()
        require(len(name) > 0 and _printable(name), "bad_encoding", "option name")
        require(prev is None or name > prev, "bad_encoding", "options not strictly increasing")
        prev = name
        out.append((name, data))
    return out


class Certificate:
    pass


def ed25519_blob(pub):
    return struct.pack(">I", 11) + b"ssh-ed25519" + struct.pack(">I", 32) + pub


def parse_certificate(blob):
    """§11.1 strict parse."""
    require(len(blob) <= MAX_CRED, "too_large")
    r = _Reader(blob)
    t = r.string()
    if t != CERT_TYPE:
        fail("unsupported_key_type" if t.endswith(b"-cert-v01@openssh.com") else "bad_encoding", "certificate type")
    c = Certificate()
    c.nonce = r.string(256)
    c.pk = r.string()
    require(len(c.pk) == 32, "bad_encoding", "pk")
    c.serial = r.u64()
    c.type = r.u32()
    require(c.type in (1, 2), "bad_encoding", "cert type")
    c.key_id = r.string(127)
    require(_printable(c.key_id, space=True), "bad_encoding", "key id")
    pr = _Reader(r.string())
    c.principals = []
    while not pr.done():
        p = pr.string(MAX_TEXT)
        require(1 <= len(p) and _printable(p), "bad_encoding", "principal")
        c.principals.append(p)
    require(len(c.principals) <= 256, "too_large", "principals")
    c.valid_after = r.u64()
    c.valid_before = r.u64()
    c.critical_options = _name_data_list(r.string())
    c.extensions = _name_data_list(r.string())
    reserved = r.string()
    require(reserved == b"", "bad_encoding", "reserved")
    sigkey = r.string()
    c.signed_part = blob[:r.o]
    kr = _Reader(sigkey)
    kt = kr.string()
    require(kt == b"ssh-ed25519", "unsupported_key_type", "CA key type")
    c.ca_key = kr.string()
    require(len(c.ca_key) == 32 and kr.done(), "bad_encoding", "CA key")
    sig = r.string()
    sr = _Reader(sig)
    st = sr.string()
    require(st == b"ssh-ed25519", "unsupported_key_type", "signature algorithm")
    c.signature = sr.string()
    require(len(c.signature) == 64 and sr.done(), "bad_encoding", "signature")
    require(r.done(), "trailing_bytes")
    return c


def check_validity(c, now, skew=300):
    require(c.valid_after < c.valid_before, "expired", "empty validity window")
    require(not (c.valid_after > now + skew), "not_yet_valid")
    require(not (now >= c.valid_before + skew), "expired")  # python ints: no overflow


def ssh_pattern_match(pattern, s):
    """ssh_config(5) pattern: * and ?, ASCII case-insensitive."""
    p, s = pattern.lower(), s.lower()

    def m(i, j):
        while i < len(p):
            if p[i] == "*":
                return any(m(i + 1, k) for k in range(j, len(s) + 1))
            if j >= len(s) or (p[i] != "?" and p[i] != s[j]):
                return False
            i, j = i + 1, j + 1
        return j == len(s)

    return m(0, 0)


def host_patterns_match(patterns, host):
    matched = False
    for pat in patterns.split(","):
        if pat.startswith("!"):
            if ssh_pattern_match(pat[1:], host):
                return False
        elif ssh_pattern_match(pat, host):
            matched = True
    return matched


# ---------------------------------------------------------------------------------------------
# §12 trust (in-memory; file parsers below)


class ServerTrust:
    """What an initiator trusts: pins {canonical principal bytes: key32}, host CAs [(patterns, key32)]."""

    def __init__(self, pins=None, host_cas=None, now=None, skew=300, host_wide=False, revoked_keys=()):
        self.pins = {}  # canonical principal -> set of keys
        for name, key in (pins or {}).items():
            self.add_pin(name, key)
        self.host_cas = list(host_cas or [])
        self.now = now
        self.skew = skew
        self.host_wide = host_wide
        self.revoked_keys = set(revoked_keys)

    def add_pin(self, name, key):
        self.pins.setdefault(canonical_service(name), set()).add(key)

    def clock(self):
        return int(time.time()) if self.now is None else self.now


class ClientTrust:
    """What an acceptor trusts: pins [(key32, principal bytes)], user CAs [(key32, principals list or None)]."""

    def __init__(self, pins=(), user_cas=(), now=None, skew=300, revoked_keys=()):
        self.pins = [(k, p.encode() if isinstance(p, str) else p) for k, p in pins]
        self.user_cas = [(k, None if ps is None else [x.encode() if isinstance(x, str) else x for x in ps])
                         for k, ps in user_cas]
        self.now = now
        self.skew = skew
        self.revoked_keys = set(revoked_keys)

    def clock(self):
        return int(time.time()) if self.now is None else self.now


def _principal_matches_target(p, target):
    svc, host, port = target
    t = f"{svc}/{host}" + (f":{port}" if port is not None else "")
    try:
        ps = p.decode("ascii")
    except UnicodeDecodeError:
        return False
    if "/" in ps:
        if len(ps) != len(t):
            return False
        ps_svc, ps_rest = ps.split("/", 1)
        return ps_svc == svc and ps_rest.lower() == t[len(svc) + 1:].lower()
    return ps.lower() == host and svc == "host" and port is None


def verify_host_certificate(blob, target_name, trust: ServerTrust):
    """§11.3 for target T. Returns the certified key."""
    target = parse_service_principal(target_name)
    c = parse_certificate(blob)
    require(any(k == c.ca_key and host_patterns_match(pats, target[1]) for pats, k in trust.host_cas),
            "untrusted_issuer")
    require(c.type == 2, "wrong_certificate_type")
    check_validity(c, trust.clock(), trust.skew)
    require(c.principals, "no_principals")
    ok = False
    for p in c.principals:
        if _principal_matches_target(p, target):
            ok = True
        elif trust.host_wide and b"/" not in p and p.decode("ascii", "replace").lower() == target[1]:
            ok = True
    require(ok, "name_mismatch", "no certificate principal matches the target")
    require(not c.critical_options, "unknown_critical_option")
    require(c.pk not in trust.revoked_keys and c.ca_key not in trust.revoked_keys, "revoked")
    require(ed25519_verify(c.ca_key, c.signed_part, c.signature), "bad_signature", "CA signature")
    return c.pk


def verify_user_certificate(blob, asserted, trust: ClientTrust):
    """§11.4 for asserted name N. Returns the certified key."""
    c = parse_certificate(blob)
    entries = [ps for k, ps in trust.user_cas if k == c.ca_key]
    require(entries, "untrusted_issuer")
    require(c.type == 1, "wrong_certificate_type")
    check_validity(c, trust.clock(), trust.skew)
    require(c.principals, "no_principals")
    require(asserted in c.principals, "name_mismatch")
    require(any(ps is None or asserted in ps for ps in entries), "name_mismatch", "principals= narrowing (§11.4 step 6)")
    require(not c.critical_options, "unknown_critical_option")
    require(c.pk not in trust.revoked_keys and c.ca_key not in trust.revoked_keys, "revoked")
    require(ed25519_verify(c.ca_key, c.signed_part, c.signature), "bad_signature", "CA signature")
    return c.pk


# ---------------------------------------------------------------------------------------------
# §7 key schedule, §8.1 stream session


def exporter(xs, label, context, L):
    require(1 <= len(label) <= 255 and len(context) <= 65535 and 0 <= L <= 255 * 64, "invalid_argument")
    if L == 0:
        return b""
    info = b"mutauth-pk/1 exporter" + bytes([len(label)]) + label + u16(len(context)) + context + u16(L)
    out, t, i = b"", b"", 1
    while len(out) < L:
        t = HMAC(xs, t + info + bytes([i]))
        out += t
        i += 1
    return out[:L]


class Session:
    """A stream session (§8.1) after the split."""

    def __init__(self, send_key, recv_key, xs, channel_binding, peer=b"", local=b""):
        self.send_cs = CipherState(send_key)
        self.recv_cs = CipherState(recv_key)
        self.xs = xs
        self.channel_binding = channel_binding
        self.peer = peer
        self.local = local
        self.peer_closed = False
        self.sent_close = False

    def export(self, label, context, L):
        return exporter(self.xs, label, context, L)

    def seal(self, content, rtype=T_DATA):
        require(not self.sent_close, "wrong_state", "record after own close/alert")
        if rtype == T_DATA:
            require(len(content) <= 65518, "record_too_large")
        if rtype in (T_CLOSE, T_ALERT):
            self.sent_close = True
        return self.send_cs.encrypt_with_ad(b"", content + bytes([rtype]))

    def seal_close(self):
        return self.seal(b"", T_CLOSE)

    def seal_alert(self, reason):
        return self.seal(bytes([reason]), T_ALERT)

    def open(self, record):
        """Returns (content, type). Raises on any refusal of §8.1."""
        require(not self.peer_closed, "unexpected_message", "record after the peer's close/alert")
        require(len(record) >= 17, "truncated")
        inner = self.recv_cs.decrypt_with_ad(b"", record)
        content, rtype = inner[:-1], inner[-1]
        if rtype == T_DATA:
            pass
        elif rtype == T_CLOSE:
            require(content == b"", "malformed", "close with content")
            self.peer_closed = True
        elif rtype == T_ALERT:
            require(len(content) == 1, "malformed", "alert length")
            self.peer_closed = True
        else:
            fail("malformed", f"unknown record type {rtype}")
        return content, rtype


def transcript_split(sym):
    o1, o2, o3 = HKDF(sym.ck, sym.h, 3)
    return o1[:32], o2[:32], o3, sym.h


# ---------------------------------------------------------------------------------------------
# §4 handshake, sans-IO, with an h trace for vectors


class _Handshake:
    def __init__(self, cb, ephemeral):
        self.sym = SymmetricState(PROTOCOL)
        self.trace = [("h0", self.sym.h)]
        self.sym.mix_hash(prologue(cb))
        self._t("h1")
        self.e = Ephemeral(ephemeral)
        self.session = None
        self.keys = None

    def _t(self, label):
        self.trace.append((label, self.sym.h))

    def _split(self, send_is_ir, peer, local):
        k_ir, k_ri, xs, cbv = transcript_split(self.sym)
        self.keys = {"k_IR": k_ir, "k_RI": k_ri, "xs": xs, "channel_binding": cbv, "ck": self.sym.ck}
        if send_is_ir:
            self.session = Session(k_ir, k_ri, xs, cbv, peer, local)
        else:
            self.session = Session(k_ri, k_ir, xs, cbv, peer, local)
        self.sym = None  # wipe ck, k
        return self.session


class Initiator(_Handshake):
    def __init__(self, target, identity: Identity, trust: ServerTrust, cb=b"", ephemeral=None):
        name = identity.name
        if not name and identity.cert is not None:
            ps = parse_certificate(identity.cert).principals
            require(len(ps) == 1, "invalid_argument", "certificate lists several principals; set a name")
            name = ps[0]
        require(name, "invalid_argument", "the client has no name")
        require(1 <= len(name) <= MAX_TEXT, "invalid_argument")
        self.name = name
        self.target = target.encode() if isinstance(target, str) else target
        self.target_parsed = parse_service_principal(self.target)
        self.identity = identity
        self.trust = trust
        super().__init__(cb, ephemeral)
        self.state = 1

    def write_message1(self):
        require(self.state == 1, "wrong_state")
        self.sym.mix_hash(self.e.pub)
        self._t("h2")
        self.sym.encrypt_and_hash(b"")
        self._t("h3")
        self.state = 2
        return b"\x01\x01" + self.e.pub

    def read_message2(self, m2):
        require(self.state == 2, "wrong_state")
        check_header(m2, 2)
        body = m2[2:]
        require(len(body) >= 48, "truncated")
        e_r = body[:32]
        self.sym.mix_hash(e_r)
        self._t("h4")
        self.sym.mix_key(self.e.dh(e_r))
        self.k_handshake, self.ck1 = self.sym.cs.k, self.sym.ck
        self.e.wipe()
        h_r = self.sym.h
        proof = parse_proof(self.sym.decrypt_and_hash(body[32:]))
        self._t("h5")
        self.peer_proof = proof
        # §14.1 steps 5-8
        got = parse_service_principal(proof.name)  # malformed
        require(got == self.target_parsed, "name_mismatch", f"server proved {proof.name!r}")
        if proof.ctype == 2:
            key = verify_host_certificate(proof.cred, self.target, self.trust)
        else:
            require(len(proof.cred) == 32, "malformed", "raw key length")
            pinned = self.trust.pins.get(canonical_service(self.target), set())
            require(proof.cred in pinned, "unknown_peer_key", "server key not pinned for the target")
            require(proof.cred not in self.trust.revoked_keys, "revoked")
            key = proof.cred
        require(ed25519_verify(key, signed_data(ACCEPTOR, h_r, proof.ctype, proof.cred, proof.name), proof.sig),
                "bad_signature")
        self.state = 3

    def write_message3(self):
        require(self.state == 3, "wrong_state")
        h_i = self.sym.h
        c3 = self.sym.encrypt_and_hash(make_proof(INITIATOR, h_i, self.identity, self.name))
        self._t("h6")
        self.state = 4
        return b"\x01\x03" + c3

    def read_message4(self, m4):
        require(self.state == 4, "wrong_state")
        check_header(m4, 4)
        adm = parse_admission(self.sym.decrypt_and_hash(m4[2:]))
        self._t("h7")
        require(adm == self.name, "name_mismatch", "admitted name differs")
        self.state = 5
        return self._split(True, self.peer_proof.name, self.name)


class Acceptor(_Handshake):
    def __init__(self, service, identity: Identity, trust: ClientTrust, authorize=lambda p: True, cb=b"",
                 ephemeral=None):
        self.service = service.encode() if isinstance(service, str) else service
        require(canonical_service(self.service) == self.service, "invalid_argument", "service not canonical")
        self.identity = identity
        self.trust = trust
        self.authorize = authorize
        super().__init__(cb, ephemeral)
        self.state = 1

    def read_message1(self, m1):
        require(self.state == 1, "wrong_state")
        check_header(m1, 1)
        require(len(m1) >= 34, "truncated")
        require(len(m1) == 34, "nonempty_first_payload")
        self.sym.mix_hash(m1[2:34])
        self._t("h2")
        self.sym.decrypt_and_hash(b"")
        self._t("h3")
        self.e_i = m1[2:34]
        self.state = 2

    def write_message2(self):
        require(self.state == 2, "wrong_state")
        self.sym.mix_hash(self.e.pub)
        self._t("h4")
        self.sym.mix_key(self.e.dh(self.e_i))
        self.k_handshake, self.ck1 = self.sym.cs.k, self.sym.ck
        self.e.wipe()
        h_r = self.sym.h
        c2 = self.sym.encrypt_and_hash(make_proof(ACCEPTOR, h_r, self.identity, self.service))
        self._t("h5")
        self.state = 3
        return b"\x01\x02" + self.e.pub + c2

    def read_message3(self, m3):
        """Verifies proof_I and runs the policy; raises unauthorized on refusal."""
        require(self.state == 3, "wrong_state")
        check_header(m3, 3)
        h_i = self.sym.h
        proof = parse_proof(self.sym.decrypt_and_hash(m3[2:]))
        self._t("h6")
        n = proof.name
        if proof.ctype == 2:
            key = verify_user_certificate(proof.cred, n, self.trust)
        else:
            require(len(proof.cred) == 32, "malformed", "raw key length")
            names = [p for k, p in self.trust.pins if k == proof.cred]
            require(names, "unknown_peer_key")
            require(n in names, "name_mismatch", "key pinned for other names")
            require(proof.cred not in self.trust.revoked_keys, "revoked")
            key = proof.cred
        require(ed25519_verify(key, signed_data(INITIATOR, h_i, proof.ctype, proof.cred, n), proof.sig),
                "bad_signature")
        self.principal = n
        self.state = 4
        require(self.authorize(n), "unauthorized", f"policy refused {n!r}")
        self.state = 5

    def write_message4(self):
        require(self.state == 5, "wrong_state")
        c4 = self.sym.encrypt_and_hash(make_admission(self.principal))
        self._t("h7")
        self.state = 6
        return b"\x01\x04" + c4, self._split(False, self.principal, self.service)


def alert_for(err: PkError):
    """§16.2"""
    if err.code == "peer_alert":
        return None
    if err.code == "unauthorized":
        return A_UNAUTHORIZED
    if err.category == 2:
        return A_UNEXPECTED
    return A_HANDSHAKE_FAILED


# ---------------------------------------------------------------------------------------------
# §9 framing


def encode_record(rtype, body):
    require(len(body) <= 65535, "too_large")
    return bytes([rtype]) + u16(len(body)) + body


class Framed:
    """Framing over a socket; every read bounded by the socket timeout."""

    def __init__(self, sock, timeout=10.0):
        self.sock = sock
        sock.settimeout(timeout)
        self.buf = b""

    def send(self, rtype, body):
        self.sock.sendall(encode_record(rtype, body))

    def _fill(self, n):
        while len(self.buf) < n:
            try:
                d = self.sock.recv(65536)
            except socket.timeout:
                fail("io_error", "timeout")
            except OSError as e:
                fail("io_error", str(e))
            if not d:
                return False
            self.buf += d
        return True

    def recv(self):
        """Returns (type, body) or None at a clean EOF at a record boundary; raises on framing errors."""
        if not self._fill(3):
            if self.buf:
                fail("truncated", "EOF inside a record header")
            return None
        rtype, n = self.buf[0], struct.unpack(">H", self.buf[1:3])[0]
        require(rtype in (REC_HANDSHAKE, REC_ALERT, REC_SEALED), "malformed", f"record type {rtype:#x}")
        require(n <= MAX_FRAME_BODY, "too_large")
        require(not (rtype == REC_HANDSHAKE and n == 0), "malformed", "empty handshake record")
        require(not (rtype == REC_ALERT and n != 1), "malformed", "alert length")
        if not self._fill(3 + n):
            fail("truncated", "EOF inside a record body")
        body = self.buf[3:3 + n]
        self.buf = self.buf[3 + n:]
        return rtype, body

    def shutdown_write(self):
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def _recv_handshake(fr, role):
    r = fr.recv()
    if r is None:
        fail("io_error", "EOF during the handshake")
    rtype, body = r
    if rtype == REC_ALERT:
        if role == INITIATOR and body[0] == A_UNAUTHORIZED:
            fail("unauthorized", "server refused us (clear alert 3)")
        fail("peer_alert", f"clear alert {body[0]}")
    if rtype == REC_SEALED:
        fail("app_data_before_auth")
    return body


def _send_alert_on_failure(fr, err):
    a = alert_for(err)
    if a is not None and err.code not in ("io_error",):
        try:
            fr.send(REC_ALERT, bytes([a]))
        except OSError:
            pass


def client_handshake(fr: Framed, hs: Initiator):
    try:
        fr.send(REC_HANDSHAKE, hs.write_message1())
        hs.read_message2(_recv_handshake(fr, INITIATOR))
        fr.send(REC_HANDSHAKE, hs.write_message3())
        return hs.read_message4(_recv_handshake(fr, INITIATOR))
    except PkError as e:
        # the initiator's "unauthorized" only ever comes from a received clear alert 3: never answer it
        if e.code != "unauthorized":
            _send_alert_on_failure(fr, e)
        raise


def server_handshake(fr: Framed, hs: Acceptor):
    try:
        hs.read_message1(_recv_handshake(fr, ACCEPTOR))
        fr.send(REC_HANDSHAKE, hs.write_message2())
        hs.read_message3(_recv_handshake(fr, ACCEPTOR))
        m4, session = hs.write_message4()
        fr.send(REC_HANDSHAKE, m4)
        return session
    except PkError as e:
        _send_alert_on_failure(fr, e)
        raise


class FramedSession:
    """Stream session over framing (§9.3)."""

    def __init__(self, fr: Framed, session: Session):
        self.fr, self.s = fr, session

    def send(self, data):
        for i in range(0, max(len(data), 1), 16384):
            self.fr.send(REC_SEALED, self.s.seal(data[i:i + 16384]))

    def close(self):
        self.fr.send(REC_SEALED, self.s.seal_close())
        self.fr.shutdown_write()

    def alert(self, reason=A_ABORTED):
        self.fr.send(REC_SEALED, self.s.seal_alert(reason))

    def recv(self):
        """Returns bytes of a data record, or None on the peer's sealed close; raises otherwise."""
        r = self.fr.recv()
        if r is None:
            fail("truncation", "EOF before the peer's sealed close")
        rtype, body = r
        require(rtype != REC_ALERT, "truncation", "clear alert after the handshake")
        require(rtype != REC_HANDSHAKE, "unexpected_message", "handshake record after the handshake")
        content, t = self.s.open(body)
        if t == T_CLOSE:
            return None
        if t == T_ALERT:
            fail("peer_alert", f"sealed alert {content[0]}")
        return content

    def recv_all(self):
        out = b""
        while True:
            d = self.recv()
            if d is None:
                return out
            out += d


# ---------------------------------------------------------------------------------------------
# trust files (§12 subset, enough for tests)


def read_pubkey_line(line):
    """'ssh-ed25519 AAAA... [comment]' -> (key32, comment)."""
    parts = line.split(None, 2)
    require(len(parts) >= 2 and parts[0] == "ssh-ed25519", "unsupported_key_type")
    blob = base64.b64decode(parts[1])
    r = _Reader(blob)
    require(r.string() == b"ssh-ed25519", "bad_encoding")
    k = r.string()
    require(len(k) == 32 and r.done(), "bad_encoding")
    return k, (parts[2].strip() if len(parts) > 2 else "")


def read_cert_file(path):
    with open(path) as f:
        parts = f.read().split()
    require(parts and parts[0] == CERT_TYPE.decode(), "unsupported_key_type")
    return base64.b64decode(parts[1])


def pubkey_line(key32, comment=""):
    return ("ssh-ed25519 " + base64.b64encode(ed25519_blob(key32)).decode() + (" " + comment if comment else ""))


def load_known_hosts(path, **kw):
    with open(path) as f:
        return parse_known_hosts(f.read().splitlines(), **kw)


def parse_known_hosts(lines, **kw):
    t = ServerTrust(**kw)
    for ln in lines:
        ln = ln.strip()
        if not ln or ln.startswith("#"):
            continue
        if ln.startswith("@cert-authority "):
            _, pats, rest = ln.split(None, 2)
            t.host_cas.append((pats, read_pubkey_line(rest)[0]))
            continue
        require(not ln.startswith("@") and not ln.startswith("|"), "malformed", ln)
        names, rest = ln.split(None, 1)
        key = read_pubkey_line(rest)[0]
        for n in names.split(","):
            require("*" not in n and "?" not in n, "malformed", "wildcard in pinned name")
            if n.startswith("["):
                host, port = n[1:].split("]:")
                t.add_pin(f"host/{host}:{port}", key)
            elif "/" in n:
                t.add_pin(n, key)
            else:
                t.add_pin(f"host/{n}", key)
    return t


def load_authorized_keys(path, **kw):
    with open(path) as f:
        return parse_authorized_keys(f.read().splitlines(), **kw)


def parse_authorized_keys(lines, **kw):
    pins, cas = [], []
    for ln in lines:
        ln = ln.strip()
        if not ln or ln.startswith("#"):
            continue
        opts = None
        if not ln.startswith("ssh-ed25519 "):
            opts, ln = ln.split(None, 1)
        is_ca, principals = False, None
        if opts:
            for o in opts.split(","):  # simple: principals="a" without commas in other options
                if o == "cert-authority":
                    is_ca = True
                elif o.startswith('principals="'):
                    principals = [o[len('principals="'):].rstrip('"')]
                elif principals is not None and o.endswith('"'):
                    principals.append(o.rstrip('"'))
                else:
                    fail("malformed", f"unsupported option {o}")
        key, comment = read_pubkey_line(ln)
        if is_ca:
            cas.append((key, principals))
        else:
            name = principals[0] if principals else comment
            require(name and " " not in name, "malformed", "pinned key without a principal")
            pins.append((key, name))
    return ClientTrust(pins=pins, user_cas=cas, **kw)


# ---------------------------------------------------------------------------------------------
# CLI


def _identity(args):
    cert = None
    cp = args.identity + "-cert.pub"
    if os.path.exists(cp):
        cert = read_cert_file(cp)
    return Identity.from_openssh_file(args.identity, getattr(args, "name", "") or b"", cert)


def _pump(fs: FramedSession, data_in, out):
    """Send data_in then a sealed close; read until the peer's sealed close; write to out."""
    if data_in is not None:
        fs.send(data_in)
        fs.close()
    got = fs.recv_all()
    out.write(got)
    out.flush()
    return got


def main(argv=None):
    ap = argparse.ArgumentParser(prog="pk_spec_impl.py", description="mutauth-pk/1 from the spec (Python)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("connect", help="client: stdin -> server, server -> stdout")
    c.add_argument("address")
    c.add_argument("--target", required=True)
    c.add_argument("--identity", required=True, help="openssh-key-v1 Ed25519 private key file")
    c.add_argument("--name", default="", help="client principal to assert")
    c.add_argument("--trust", required=True, help="known_hosts subset")
    c.add_argument("--timeout", type=float, default=10.0)
    s = sub.add_parser("listen", help="server: one connection, --echo or stdin/stdout")
    s.add_argument("address")
    s.add_argument("--service", required=True)
    s.add_argument("--identity", required=True)
    s.add_argument("--trust", required=True, help="authorized_keys subset")
    s.add_argument("--allow", action="append", default=[])
    s.add_argument("--echo", action="store_true")
    s.add_argument("--timeout", type=float, default=10.0)
    a = ap.parse_args(argv)
    host, port = a.address.rsplit(":", 1)
    try:
        if a.cmd == "connect":
            a.name = a.name.encode()
            hs = Initiator(a.target, _identity(a), load_known_hosts(a.trust))
            sock = socket.create_connection((host, int(port)), timeout=a.timeout)
            fr = Framed(sock, a.timeout)
            sess = client_handshake(fr, hs)
            print(f"pk_spec_impl: authenticated local={sess.local.decode()} peer={sess.peer.decode()}",
                  file=sys.stderr)
            fs = FramedSession(fr, sess)
            _pump(fs, sys.stdin.buffer.read(), sys.stdout.buffer)
        else:
            allow = {x.encode() for x in a.allow}
            hs = Acceptor(a.service, _identity(a), load_authorized_keys(a.trust), lambda p: p in allow)
            ls = socket.socket()
            ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            ls.bind((host, int(port)))
            ls.listen(1)
            ls.settimeout(a.timeout)
            conn, _ = ls.accept()
            fr = Framed(conn, a.timeout)
            sess = server_handshake(fr, hs)
            print(f"pk_spec_impl: authenticated local={sess.local.decode()} peer={sess.peer.decode()}",
                  file=sys.stderr)
            fs = FramedSession(fr, sess)
            if a.echo:
                data = fs.recv_all()
                fs.send(data)
                fs.close()
            else:
                _pump(fs, sys.stdin.buffer.read(), sys.stdout.buffer)
    except PkError as e:
        print(f"pk_spec_impl: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

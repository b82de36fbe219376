#!/usr/bin/python3
"""TEST ONLY: an independent GSS-API krb5 peer (python3-gssapi over MIT libgssapi_krb5) that
mutauth's Kerberos mechanism must interoperate with.

    gss_peer.py initiate <service@host> [<cb hex>]  (client; default credentials)
    gss_peer.py accept <service@host> [<cb hex>]    (server; keytab from KRB5_KTNAME)

With <cb hex>, the context binds those bytes as the application data of its GSS channel
bindings (RFC 2744 §3.11), addresses GSS_C_AF_UNSPEC and empty, as mutauth does
(docs/kerberos.md, "Channel bindings").

Speaks hex lines on stdin/stdout:
    TOKEN <hex>   a context token (either direction)
    WRAP <hex>    a wrap token (gss_wrap with confidentiality) of a mutauth data record: its
                  plaintext is content | 0x01 (docs/kerberos.md, "Records")
    PLAIN <hex>   the whole plaintext this peer unwrapped from the other side's WRAP, type byte
                  included: this peer does not interpret it, the test does
    CLOSE <hex>   a wrap token of a mutauth close record: plaintext 0x02 alone
    PEER <name>   the peer name this side authenticated
    BOUND 0|1     acceptor with <cb hex> only: whether ret_flags had GSS_C_CHANNEL_BOUND_FLAG
    PRF <hex>     GSS_Pseudo_random(GSS_C_PRF_KEY_FULL, "mutauth interop", 32) (RFC 4401):
                  mutauth's exporter with an empty context
    PRFCTX <hex>  GSS_Pseudo_random(GSS_C_PRF_KEY_FULL, "mutauth interop" | 0x00 | PRF_CONTEXT,
                  32): mutauth's exporter with context PRF_CONTEXT
    DONE
The PRF is computed through ctypes on an exported/imported copy of the context, because
python-gssapi 1.8 has no binding for gss_pseudo_random.
"""
import ctypes
import sys

import gssapi
import gssapi.raw

PRF_LABEL = b"mutauth interop"
# The exporter context the interop test uses (tests/krb5/test_krb5.cpp, interop_context): it
# holds a NUL and a non-ASCII byte, so that a length or C-string slip shows.
PRF_CONTEXT = bytes.fromhex("00") + b"interop context" + bytes.fromhex("ff")
DATA = b"\x01"   # mutauth content types (the last byte of a record's plaintext)
CLOSE = b"\x02"
FLAGS = (gssapi.RequirementFlag.mutual_authentication
         | gssapi.RequirementFlag.replay_detection
         | gssapi.RequirementFlag.out_of_sequence_detection
         | gssapi.RequirementFlag.confidentiality
         | gssapi.RequirementFlag.integrity)


def send(tag, data):
    payload = data.hex() if isinstance(data, bytes) else data
    sys.stdout.write(f"{tag} {payload}\n")
    sys.stdout.flush()


def expect(tag):
    line = sys.stdin.readline()
    if not line:
        sys.exit(f"gss_peer: EOF while waiting for {tag}")
    got, _, payload = line.strip().partition(" ")
    if got != tag:
        sys.exit(f"gss_peer: expected {tag}, got {got}")
    return bytes.fromhex(payload)


class Buffer(ctypes.Structure):
    _fields_ = [("length", ctypes.c_size_t), ("value", ctypes.c_void_p)]


def prf(ctx, inputs):
    """Exports the context (which consumes it) and runs gss_pseudo_random on the import, once
    per prf_in in `inputs`; returns the 32-byte outputs in that order."""
    token = gssapi.raw.export_sec_context(ctx)
    lib = ctypes.CDLL("libgssapi_krb5.so.2")
    minor = ctypes.c_uint32(0)
    handle = ctypes.c_void_p(None)
    inbuf = Buffer(len(token), ctypes.cast(ctypes.c_char_p(token), ctypes.c_void_p))
    major = lib.gss_import_sec_context(ctypes.byref(minor), ctypes.byref(inbuf), ctypes.byref(handle))
    if major != 0:
        sys.exit(f"gss_import_sec_context: major {major:#x} minor {minor.value}")
    values = []
    for prf_in in inputs:
        # Exactly prf_in's bytes (its NULs included; the length is explicit), alive for the call.
        raw = ctypes.create_string_buffer(prf_in, len(prf_in))
        label = Buffer(len(prf_in), ctypes.cast(raw, ctypes.c_void_p))
        out = Buffer(0, None)
        major = lib.gss_pseudo_random(ctypes.byref(minor), handle, 0, ctypes.byref(label),
                                      ctypes.c_ssize_t(32), ctypes.byref(out))
        if major != 0:
            sys.exit(f"gss_pseudo_random: major {major:#x} minor {minor.value}")
        values.append(ctypes.string_at(out.value, out.length))
        lib.gss_release_buffer(ctypes.byref(minor), ctypes.byref(out))
    lib.gss_delete_sec_context(ctypes.byref(minor), ctypes.byref(handle), None)
    return values


def finish(ctx):
    """A sealed close, then both exporter values (label alone; label | 0x00 | context)."""
    send("CLOSE", ctx.wrap(CLOSE, True).message)
    plain, with_context = prf(ctx, [PRF_LABEL, PRF_LABEL + b"\x00" + PRF_CONTEXT])
    send("PRF", plain)
    send("PRFCTX", with_context)
    send("DONE", "")


GSS_C_AF_UNSPEC = 0


def bindings(cb_hex):
    if cb_hex is None:
        return None
    return gssapi.raw.ChannelBindings(initiator_address_type=GSS_C_AF_UNSPEC,
                                      acceptor_address_type=GSS_C_AF_UNSPEC,
                                      application_data=bytes.fromhex(cb_hex))


def initiate(target, cb_hex=None):
    name = gssapi.Name(target, gssapi.NameType.hostbased_service)
    ctx = gssapi.SecurityContext(name=name, mech=gssapi.MechType.kerberos, flags=FLAGS,
                                 usage="initiate", channel_bindings=bindings(cb_hex))
    send("TOKEN", ctx.step())
    ctx.step(expect("TOKEN"))
    if not ctx.complete:
        sys.exit("gss_peer: initiator not complete after the AP-REP")
    send("PEER", str(ctx.target_name))
    send("WRAP", ctx.wrap(b"ping from python-gssapi" + DATA, True).message)
    res = ctx.unwrap(expect("WRAP"))
    if not res.encrypted:
        sys.exit("gss_peer: record was not encrypted")
    send("PLAIN", res.message)
    finish(ctx)


def accept(service, cb_hex=None):
    creds = gssapi.Credentials(name=gssapi.Name(service, gssapi.NameType.hostbased_service),
                               usage="accept")
    ctx = gssapi.SecurityContext(creds=creds, usage="accept", channel_bindings=bindings(cb_hex))
    out = ctx.step(expect("TOKEN"))
    if not ctx.complete:
        sys.exit("gss_peer: acceptor not complete after the AP-REQ")
    send("TOKEN", out)
    send("PEER", str(ctx.initiator_name))
    if cb_hex is not None:
        # GSS_C_CHANNEL_BOUND_FLAG (MIT >= 1.19): the initiator bound the same bytes.
        send("BOUND", "1" if gssapi.RequirementFlag.channel_bound in ctx.actual_flags else "0")
    res = ctx.unwrap(expect("WRAP"))
    if not res.encrypted:
        sys.exit("gss_peer: record was not encrypted")
    send("PLAIN", res.message)
    send("WRAP", ctx.wrap(b"pong from python-gssapi" + DATA, True).message)
    finish(ctx)


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in ("initiate", "accept"):
        sys.exit(__doc__)
    try:
        (initiate if sys.argv[1] == "initiate" else accept)(*sys.argv[2:])
    except gssapi.exceptions.GSSError as e:
        send("ERROR", str(e).replace("\n", " "))
        sys.exit(1)

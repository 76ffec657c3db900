#!/usr/bin/env python3
"""rawclient.py - a hostile test client for the integration tests. It speaks
mtlsvpn/1 (TLS 1.3, ALPN, a client certificate) but sends what a real client
never would: packets with forged inner sources, malformed frames, or no
certificate at all; or it answers the CONFIG's FEATURES offer late, or not
at all ("update"); or it times the gateway's keepalives ("keepalive"); or
it offers to continue a session whose proof it cannot have ("continue":
another identity's cid, or a wrong proof); or it makes a
session with one certificate and continues it, with a valid proof, on a
connection with another ("recontinue"). It prints one result line and exits
0 when the gateway behaved as required, 1 otherwise."""
import argparse
import ctypes
import hashlib
import hmac
import os
import select
import socket
import ssl
import struct
import sys
import time

FRAME_DATA, FRAME_CONFIG, FRAME_KEEPALIVE, FRAME_BYE = 1, 2, 3, 4
FRAME_CONFIG_UPDATE, FRAME_FEATURES = 5, 6


def connect(a, with_cert=True, alpn=("mtlsvpn/1",)):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_verify_locations(a.ca)
    ctx.set_alpn_protocols(list(alpn))
    if with_cert:
        ctx.load_cert_chain(a.cert, a.key)
    raw = socket.create_connection((a.host, a.port), timeout=10)
    s = ctx.wrap_socket(raw, server_hostname=a.server_name)
    s.settimeout(10)
    return s


class Reader:
    def __init__(self, s):
        self.s, self.buf = s, b""

    def frame(self, deadline):
        while True:
            if len(self.buf) >= 4:
                ver, typ, n = struct.unpack("!BBH", self.buf[:4])
                if ver != 1:
                    raise ValueError("bad frame version %d from the gateway" % ver)
                if len(self.buf) >= 4 + n:
                    p = self.buf[4:4 + n]
                    self.buf = self.buf[4 + n:]
                    return typ, p
            left = deadline - time.monotonic()
            if left <= 0:
                return None, None
            self.s.settimeout(left)
            try:
                d = self.s.recv(65536)
            except socket.timeout:
                return None, None
            if not d:
                return "eof", None
            self.buf += d


def parse_config(p):
    out, i = {}, 0
    while i + 3 <= len(p):
        t, n = struct.unpack("!BH", p[i:i + 3])
        v = p[i + 3:i + 3 + n]
        if t == 0x01:
            out["v4"] = socket.inet_ntop(socket.AF_INET, v[:4])
        elif t == 0x02:
            out["v6"] = socket.inet_ntop(socket.AF_INET6, v[:16])
        elif t == 0x0a:
            out["gw4"] = socket.inet_ntop(socket.AF_INET, v[:4])
        elif t == 0x0b:
            out["gw6"] = socket.inet_ntop(socket.AF_INET6, v[:16])
        elif t in (0x04, 0x05):
            fam = socket.AF_INET if t == 0x04 else socket.AF_INET6
            out.setdefault("routes", []).append(
                "%s/%d" % (socket.inet_ntop(fam, v[:-1]), v[-1]))
        elif t == 0x06:
            out.setdefault("dns", []).append(socket.inet_ntop(socket.AF_INET, v))
        elif t == 0x09:
            out["keepalive"] = struct.unpack("!H", v)[0]
        elif t == 0x84:
            out["dead_peer"] = struct.unpack("!I", v)[0]
        elif t == 0x86:
            out["features"] = struct.unpack("!I", v)[0]
        elif t == 0x87 and n == 11:
            out["cid"] = "%016x" % struct.unpack("!Q", v[:8])[0]
        i += 3 + n
    return out


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def echo4(src, dst, ident, seq):
    icmp = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + b"mtlsvpn-test" * 4
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), seq, 0, 64, 1, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + icmp


def echo6(src, dst, ident, seq):
    s6, d6 = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
    icmp = struct.pack("!BBHHH", 128, 0, 0, ident, seq) + b"mtlsvpn-test" * 4
    pseudo = s6 + d6 + struct.pack("!I3xB", len(icmp), 58)
    icmp = icmp[:2] + struct.pack("!H", csum(pseudo + icmp)) + icmp[4:]
    return struct.pack("!IHBB", 6 << 28, len(icmp), 58, 64) + s6 + d6 + icmp


def frame(t, p):
    return struct.pack("!BBH", 1, t, len(p)) + p


def offset(addr, fam, k):
    b = bytearray(socket.inet_pton(fam, addr))
    b[-1] = (b[-1] + k) & 0xff
    return socket.inet_ntop(fam, bytes(b))


def get_config(s, r):
    t, p = r.frame(time.monotonic() + 10)
    if t != FRAME_CONFIG:
        print("expected CONFIG, got %r" % (t,))
        sys.exit(1)
    return parse_config(p)


def cmd_forge(a):
    """Forged sources are dropped; the true source still gets its replies."""
    s = connect(a)
    r = Reader(s)
    cfg = get_config(s, r)
    out = b""
    for i in range(a.count):
        out += frame(FRAME_DATA, echo4(offset(cfg["v4"], socket.AF_INET, 50), cfg["gw4"], 0x4d56, i))
        if "v6" in cfg:
            out += frame(FRAME_DATA, echo6(offset(cfg["v6"], socket.AF_INET6, 50), cfg["gw6"], 0x4d56, i))
    for i in range(3):
        out += frame(FRAME_DATA, echo4(cfg["v4"], cfg["gw4"], 0x4d57, 100 + i))
        if "v6" in cfg:
            out += frame(FRAME_DATA, echo6(cfg["v6"], cfg["gw6"], 0x4d57, 100 + i))
    s.sendall(out)
    want = 6 if "v6" in cfg else 3
    got, forged_replies = 0, 0
    deadline = time.monotonic() + 5
    while got < want and time.monotonic() < deadline:
        t, p = r.frame(deadline)
        if t is None or t == "eof":
            break
        if t != FRAME_DATA:
            continue
        if p[0] >> 4 == 4 and p[9] == 1 and p[20] == 0:
            ident = struct.unpack("!H", p[24:26])[0]
        elif p[0] >> 4 == 6 and p[6] == 58 and p[40] == 129:
            ident = struct.unpack("!H", p[44:46])[0]
        else:
            continue
        if ident == 0x4d57:
            got += 1
        elif ident == 0x4d56:
            forged_replies += 1
    print("address=%s sent_forged=%d replies=%d/%d forged_replies=%d" %
          (cfg["v4"], a.count * (2 if "v6" in cfg else 1), got, want, forged_replies))
    if a.hold:
        time.sleep(a.hold)
    s.close()
    return 0 if got == want and forged_replies == 0 else 1


def cmd_malformed(a):
    """A malformed frame closes this session (a BYE, then EOF)."""
    s = connect(a)
    r = Reader(s)
    get_config(s, r)
    bad = {"version": struct.pack("!BBH", 9, FRAME_DATA, 4) + b"\x45\0\0\4",
           "type": struct.pack("!BBH", 1, 0x77, 0),
           "keepalive-payload": struct.pack("!BBH", 1, FRAME_KEEPALIVE, 1) + b"x",
           "empty-data": struct.pack("!BBH", 1, FRAME_DATA, 0)}[a.kind]
    s.sendall(bad)
    deadline = time.monotonic() + 5
    bye = None
    while True:
        try:
            t, p = r.frame(deadline)
        except (ssl.SSLError, OSError):
            t = "eof"
        if t == FRAME_BYE:
            bye = struct.unpack("!H", p[:2])[0]
            continue
        if t == "eof":
            print("closed bye=%s" % bye)
            return 0 if bye == 6 else 1
        if t is None:
            print("still open after 5 s")
            return 1


def cmd_nocert(a):
    """Without a client certificate no CONFIG ever arrives."""
    try:
        s = connect(a, with_cert=False)
        r = Reader(s)
        t, _ = r.frame(time.monotonic() + 5)
    except (ssl.SSLError, OSError) as e:
        print("refused: %s" % e)
        return 0
    if t == FRAME_CONFIG:
        print("accepted without a certificate")
        return 1
    print("refused: %s" % ("connection closed" if t == "eof" else "nothing received"))
    return 0 if t == "eof" else 1


def cmd_stay(a):
    """Ignores every BYE and keeps the session alive with keepalives until
    the gateway closes it (or --hold seconds pass). Prints the BYEs seen."""
    s = connect(a)
    r = Reader(s)
    get_config(s, r)
    print("up", flush=True)
    byes = []
    end = time.monotonic() + (a.hold or 60)
    next_ka = 0
    while time.monotonic() < end:
        if time.monotonic() >= next_ka:
            try:
                s.sendall(frame(FRAME_KEEPALIVE, b""))
            except (ssl.SSLError, OSError):
                break
            next_ka = time.monotonic() + 1
        try:
            t, p = r.frame(min(end, next_ka))
        except (ssl.SSLError, OSError):
            t = "eof"
        if t == FRAME_BYE:
            byes.append("%d:%s" % (struct.unpack("!H", p[:2])[0], p[2:].decode()))
            print("bye " + byes[-1], flush=True)
        elif t == "eof":
            print("closed by the gateway after %s" % byes, flush=True)
            return 0
    print("still open after %s" % byes, flush=True)
    return 1


def cmd_keepalive(a):
    """An idle session's keepalives (protocol.md section 7), timed from the
    gateway's last frame, with the K and dead-peer limit its CONFIG gives:
    a KEEPALIVE sent while the gateway has been silent for less than K/2
    gets no answer; one sent after K/2 is answered at once; and with the
    client silent, the gateway's own comes after K plus its grace, not
    after K."""
    s = connect(a)
    r = Reader(s)
    cfg = get_config(s, r)
    spoke = time.monotonic()
    k, dp = cfg.get("keepalive"), cfg.get("dead_peer")
    if not k or not dp:
        print("the CONFIG has no KEEPALIVE or DEAD_PEER: %r" % (cfg,))
        return 1
    own = k + min(k / 4, (dp - k) / 2)
    s.sendall(frame(FRAME_KEEPALIVE, b""))
    t, _ = r.frame(spoke + k / 4)
    if t is not None:
        print("frame %r within K/4 of the CONFIG: a KEEPALIVE answered too early" % (t,))
        return 1
    time.sleep(max(0, spoke + 0.625 * k - time.monotonic()))
    sent = time.monotonic()
    s.sendall(frame(FRAME_KEEPALIVE, b""))
    t, _ = r.frame(spoke + 0.875 * k)
    if t != FRAME_KEEPALIVE:
        print("KEEPALIVE after %.2f s of the gateway's silence: got %r, not an answer" %
              (sent - spoke, t))
        return 1
    answered = time.monotonic()
    t, _ = r.frame(answered + own - 0.25)
    if t is not None:
        print("frame %r %.2f s after the answer: sooner than K plus grace (%.2f s)" %
              (t, time.monotonic() - answered, own))
        return 1
    t, _ = r.frame(answered + own + 2)
    if t != FRAME_KEEPALIVE:
        print("no KEEPALIVE of the gateway's own within %.2f s of its answer: %r" % (own + 2, t))
        return 1
    print("K %d s, dead peer %d s: early KEEPALIVE unanswered, answer in %.0f ms, "
          "the gateway's own %.2f s after it" %
          (k, dp, (answered - sent) * 1000, time.monotonic() - answered))
    return 0


def cmd_update(a):
    """Holds the session, sending keepalives, until the file --go exists;
    then answers the FEATURES offer (--features) or stays silent, and
    waits --wait seconds for a CONFIG_UPDATE: with --features it must come
    and carry --want-route, without it none may come."""
    s = connect(a)
    r = Reader(s)
    cfg = get_config(s, r)
    if not cfg.get("features", 0) & 1:
        print("the CONFIG offers no CONFIG_UPDATE: %r" % (cfg,))
        return 1
    end = time.monotonic() + 30
    while not os.path.exists(a.go):
        if time.monotonic() > end:
            print("no %s after 30 s" % a.go)
            return 1
        s.sendall(frame(FRAME_KEEPALIVE, b""))
        t, p = r.frame(time.monotonic() + 0.5)
        if t == FRAME_CONFIG_UPDATE:
            print("CONFIG_UPDATE before FEATURES: %r" % (parse_config(p),))
            return 1
        if t in ("eof", FRAME_BYE):
            print("the gateway closed the session")
            return 1
    if a.features:
        s.sendall(frame(FRAME_FEATURES, struct.pack("!I", 1)))
    deadline = time.monotonic() + a.wait
    while True:
        t, p = r.frame(deadline)
        if t is None:
            print("no CONFIG_UPDATE in %g s" % a.wait)
            return 1 if a.features else 0
        if t in ("eof", FRAME_BYE):
            print("the gateway closed the session")
            return 1
        if t == FRAME_CONFIG_UPDATE:
            upd = parse_config(p)
            print("CONFIG_UPDATE routes=%s dns=%s" %
                  (",".join(upd.get("routes", [])), ",".join(upd.get("dns", []))))
            return 0 if a.features and a.want_route in upd.get("routes", []) else 1


def cmd_continue(a):
    """CONTINUE(cid, a random proof) under mtlsvpn-continue/1: the gateway
    must choose the continuation, then answer with a CONFIG of a new
    session (another cid), saying nothing of the session named."""
    s = connect(a, alpn=("mtlsvpn-continue/1", "mtlsvpn/1"))
    if s.selected_alpn_protocol() != "mtlsvpn-continue/1":
        print("the gateway chose %r, not the continuation" % s.selected_alpn_protocol())
        return 1
    s.sendall(frame(0x0a, bytes.fromhex(a.cid) + os.urandom(32)))
    cfg = get_config(s, Reader(s))
    print("CONFIG cid=%s v4=%s" % (cfg.get("cid"), cfg.get("v4")))
    return 0 if cfg.get("cid") not in (None, a.cid) else 1


# The TLS exporter (RFC 8446 7.5), which Python's ssl module does not offer:
# OpenSSL's own, called on the SSL * behind the socket. CPython 3.x lays a
# _ssl._SSLSocket out as PyObject_HEAD (2 pointers), the Socket weakref,
# then SSL *ssl; SSL_get_version on the pointer must answer TLSv1.3 before
# it is used, so a different layout stops the test instead of misleading it.
def exporter(s, label, context):
    lib = ctypes.CDLL("libssl.so.3")
    lib.SSL_get_version.argtypes = [ctypes.c_void_p]
    lib.SSL_get_version.restype = ctypes.c_char_p
    lib.SSL_export_keying_material.argtypes = [
        ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t,
        ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int]
    ptr = ctypes.c_void_p.from_address(id(s._sslobj) + 3 * ctypes.sizeof(ctypes.c_void_p)).value
    if lib.SSL_get_version(ptr) != b"TLSv1.3":
        raise RuntimeError("cannot reach the SSL object behind Python's socket")
    out = ctypes.create_string_buffer(32)
    if lib.SSL_export_keying_material(ptr, out, 32, label, len(label), context,
                                      len(context), 1) != 1:
        raise RuntimeError("SSL_export_keying_material failed")
    return out.raw


def cmd_recontinue(a):
    """A session with --cert whose UDP channel is taken (FEATURES), then a
    second connection with --cert2 offering to continue it with the valid
    proof (docs/protocol.md 12.10, as client/cont.c computes it). Prints
    both CONFIGs (or the second's BYE); --expect continued: the second has
    the first's cid; --expect new: another cid; --expect refused: the
    second is closed with a BYE. --old-bye: then waits that long for a BYE
    on the first connection (the old session closed), prints it, and fails
    without one. --hold: keeps the connections that long."""
    s1 = connect(a)
    r1 = Reader(s1)
    c1 = get_config(s1, r1)
    if "cid" not in c1:
        print("the gateway offered no UDP channel")
        return 1
    cid = bytes.fromhex(c1["cid"])
    s1.sendall(frame(FRAME_FEATURES, struct.pack("!I", 0x4)))
    s0 = exporter(s1, b"EXPORTER-mtlsvpn-dchan", cid)
    # The gateway makes the channel when it reads FEATURES: before the
    # second connection's handshake is through, but give it a moment.
    time.sleep(0.5)
    a.cert, a.key = a.cert2, a.key2
    s2 = connect(a, alpn=("mtlsvpn-continue/1", "mtlsvpn/1"))
    if s2.selected_alpn_protocol() != "mtlsvpn-continue/1":
        print("the gateway chose %r, not the continuation" % s2.selected_alpn_protocol())
        return 1
    e = exporter(s2, b"EXPORTER-mtlsvpn-continue", b"")
    k = hmac.new(s0, b"mtlsvpn dchan continue" + b"\x01", hashlib.sha256).digest()
    proof = hmac.new(k, b"mtlsvpn continue v1" + cid + e, hashlib.sha256).digest()
    s2.sendall(frame(0x0a, cid + proof))
    t, p = Reader(s2).frame(time.monotonic() + 10)
    if t == FRAME_CONFIG:
        c2 = parse_config(p)
        second = "cid=%s v4=%s" % (c2.get("cid"), c2.get("v4"))
    elif t == FRAME_BYE and len(p) >= 2:
        c2 = None
        second = "BYE %d %r" % (struct.unpack("!H", p[:2])[0], p[2:].decode("utf-8", "replace"))
    else:
        print("expected CONFIG or BYE, got %r" % (t,))
        return 1
    print("first cid=%s v4=%s port=%d; second %s port=%d" %
          (c1["cid"], c1.get("v4"), s1.getsockname()[1], second, s2.getsockname()[1]),
          flush=True)
    if a.old_bye:
        deadline = time.monotonic() + a.old_bye
        while True:
            t, p = r1.frame(deadline)
            if t in (None, "eof", FRAME_BYE):
                break
        if t != FRAME_BYE or len(p) < 2:
            print("no BYE on the first connection within %g s (got %r)" % (a.old_bye, t))
            return 1
        print("first connection: BYE %d %r" % (struct.unpack("!H", p[:2])[0],
                                               p[2:].decode("utf-8", "replace")), flush=True)
    if a.hold:
        time.sleep(a.hold)
    s2.close()
    s1.close()
    if a.expect == "refused":
        return 0 if c2 is None else 1
    same = c2 is not None and c2.get("cid") == c1["cid"]
    return 0 if c2 is not None and same == (a.expect == "continued") else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["forge", "malformed", "nocert", "stay", "update", "continue",
                                        "recontinue", "keepalive"])
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", type=int, default=8443)
    ap.add_argument("--server-name", required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--count", type=int, default=5)
    ap.add_argument("--hold", type=float, default=0)
    ap.add_argument("--old-bye", type=float, default=0)
    ap.add_argument("--kind", default="version")
    ap.add_argument("--go")
    ap.add_argument("--features", action="store_true")
    ap.add_argument("--wait", type=float, default=5)
    ap.add_argument("--want-route")
    ap.add_argument("--cid", help="continue: the session's cid, 16 hex digits")
    ap.add_argument("--cert2", help="recontinue: the second connection's certificate")
    ap.add_argument("--key2")
    ap.add_argument("--expect", choices=["continued", "new", "refused"], default="continued")
    a = ap.parse_args()
    sys.exit({"forge": cmd_forge, "malformed": cmd_malformed, "nocert": cmd_nocert,
              "stay": cmd_stay, "update": cmd_update, "continue": cmd_continue,
              "recontinue": cmd_recontinue, "keepalive": cmd_keepalive}[a.cmd](a))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""fakegw.py - a one-connection stand-in for the gateway, for the client's
side of the FEATURES negotiation (docs/protocol.md, section 5.3). It does
the TLS 1.3 handshake (ALPN mtlsvpn/1, the client's certificate required),
sends a CONFIG that offers FEATURES or not (--offer), notes whether the
client answers with a FEATURES frame, then (--push) sends a CONFIG_UPDATE
anyway and notes whether the client refuses it with BYE 6. It prints one
line, "features=yes|no bye=N|none", and exits 0 if it got a connection."""
import argparse
import socket
import ssl
import struct
import sys
import time


def frame(t, p):
    return struct.pack("!BBH", 1, t, len(p)) + p


def attr(t, v):
    return struct.pack("!BH", t, len(v)) + v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True)
    ap.add_argument("--port", type=int, default=8444)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--offer", type=int, default=1)
    ap.add_argument("--push", action="store_true")
    a = ap.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(a.cert, a.key)
    ctx.load_verify_locations(a.ca)
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.set_alpn_protocols(["mtlsvpn/1"])
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((a.listen, a.port))
    ls.listen(1)
    ls.settimeout(20)
    raw, _ = ls.accept()
    raw.settimeout(10)
    s = ctx.wrap_socket(raw, server_side=True)
    cfg = (attr(0x01, socket.inet_aton("10.9.0.2") + b"\x18") + attr(0x03, struct.pack("!H", 1400)) +
           attr(0x09, struct.pack("!H", 10)) + attr(0x04, socket.inet_aton("10.50.0.0") + b"\x18"))
    if a.offer:
        cfg += attr(0x86, struct.pack("!I", a.offer))
    s.sendall(frame(2, cfg))
    buf, features, bye = b"", False, None
    pushed = False
    deadline = time.monotonic() + 6
    while time.monotonic() < deadline and bye is None:
        if not pushed and a.push and time.monotonic() > deadline - 4:
            s.sendall(frame(5, attr(0x04, socket.inet_aton("10.51.0.0") + b"\x18")))
            pushed = True
        s.settimeout(0.2)
        try:
            d = s.recv(65536)
        except (socket.timeout, ssl.SSLWantReadError):
            continue
        except (ssl.SSLError, OSError):
            break
        if not d:
            break
        buf += d
        while len(buf) >= 4:
            _, t, n = struct.unpack("!BBH", buf[:4])
            if len(buf) < 4 + n:
                break
            p, buf = buf[4:4 + n], buf[4 + n:]
            if t == 6:
                features = True
            elif t == 4:
                bye = struct.unpack("!H", p[:2])[0]
    print("features=%s bye=%s" % ("yes" if features else "no", "none" if bye is None else bye))
    sys.stdout.flush()
    s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

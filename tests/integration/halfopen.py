#!/usr/bin/env python3
"""halfopen.py - a stranger who holds half-open connections to the gateway,
for test_halfopen.sh. Bounded in time; talks only to the address given
(inside the test's namespaces).

  halfopen.py hold DST PORT SRCS COUNT SECONDS RATE OUT
      Opens COUNT connections in order, round robin over the comma-separated
      source addresses SRCS, each sending a whole ClientHello and then
      nothing. 0.5 s after the last one it records which are already closed
      by the gateway (they must be the oldest), then keeps COUNT open for
      SECONDS by reopening each one the gateway closes, at most RATE new
      connections a second (0: as fast as it can), and writes a JSON report
      to OUT.
  halfopen.py idle DST PORT SRC COUNT MODE SECONDS
      Opens COUNT connections (MODE silent: send nothing; hello: a whole
      ClientHello), prints "open N" once all are open, holds them SECONDS,
      closes them and prints "closed".
"""
import json
import select
import socket
import ssl
import sys
import time


def hello_bytes():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.set_alpn_protocols(["mtlsvpn/1"])
    out = ssl.MemoryBIO()
    obj = ctx.wrap_bio(ssl.MemoryBIO(), out, server_hostname="gw.test")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def open_one(dst, port, src, hello):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.settimeout(5)
    s.connect((dst, port))
    if hello is not None:
        s.sendall(hello)
    s.setblocking(False)
    return s


def closed_by_peer(s):
    """True once the gateway has closed s (EOF or reset); drains replies."""
    try:
        while True:
            d = s.recv(65536)
            if d == b"":
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True


def hold(dst, port, srcs, count, seconds, rate, out):
    hello = hello_bytes()
    conns = {}
    for i in range(count):
        conns[i] = open_one(dst, port, srcs[i % len(srcs)], hello)
    time.sleep(0.5)
    closed_first = sorted(i for i, s in conns.items() if closed_by_peer(s))
    report = {"count": count, "closed_first": closed_first, "reopened": 0,
              "closed_total": len(closed_first)}
    # The test starts its employee's connections only after this line, so
    # they never take part in what the first COUNT opened found.
    print("held %d, %d closed" % (count, len(closed_first)), flush=True)
    for i in closed_first:
        conns[i].close()
        del conns[i]
    nxt = count
    start = time.monotonic()
    end = start + seconds
    while time.monotonic() < end:
        while len(conns) < count and time.monotonic() < end:
            if rate > 0 and report["reopened"] >= rate * (time.monotonic() - start):
                break
            try:
                conns[nxt] = open_one(dst, port, srcs[nxt % len(srcs)], hello)
                report["reopened"] += 1
            except OSError:
                pass
            nxt += 1
        r, _, _ = select.select(list(conns.values()), [], [], 0.05)
        gone = [i for i, s in conns.items() if s in r and closed_by_peer(s)]
        for i in gone:
            conns[i].close()
            del conns[i]
        report["closed_total"] += len(gone)
    for s in conns.values():
        s.close()
    with open(out, "w") as f:
        json.dump(report, f)


def idle(dst, port, src, count, mode, seconds):
    hello = hello_bytes() if mode == "hello" else None
    conns = [open_one(dst, port, src, hello) for _ in range(count)]
    print("open %d" % len(conns), flush=True)
    time.sleep(seconds)
    for s in conns:
        s.close()
    print("closed", flush=True)


def main():
    if sys.argv[1] == "hold":
        dst, port, srcs, count, seconds, rate, out = sys.argv[2:9]
        hold(dst, int(port), srcs.split(","), int(count), float(seconds), float(rate), out)
    elif sys.argv[1] == "idle":
        dst, port, src, count, mode, seconds = sys.argv[2:8]
        idle(dst, int(port), src, int(count), mode, float(seconds))
    else:
        sys.exit("usage: see the module's docstring")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Count a command's round trips from a packet capture of its own namespace.

    capture.py [--iface eth0] [--rtt-ms R] [--json FILE] [--list] -- CMD [ARG...]

Runs CMD while an AF_PACKET socket (Linux, root; standard library only, no
tcpdump needed) captures every IPv4 packet on IFACE in both directions, then
prints one JSON object (and writes it to --json FILE) with CMD's exit status
and the counts below.  Run it inside the client's namespace (lab.sh exec cli
...), where nothing else talks, so every packet is CMD's.

Turns (the round trips the client waited for): packets are taken in time
order, pure TCP ACKs (no payload, no SYN/FIN/RST) are ignored in both
directions, and so are the client's own ICMP errors (port unreachable for a
late reply to a socket already closed: not a request); a "significant"
packet is any other one.  A turn starts at
the client's first significant packet, and again at every client packet
that follows a server packet (the last significant packet before it came
in).  A client retransmission with nothing received in between is the same
turn; several requests sent together before any answer are one turn, as are
the answers.  With --rtt-ms R (the lab's added RTT), a client packet starts a
new turn only if at least R/2 ms passed since the current turn began: the
answer to a packet of this turn cannot have come back sooner, so anything
earlier is part of the same burst (e.g. the LDAP request right after a
TCP handshake's ACK at RTT 0 is still a turn of its own, but not at RTT 20
when it follows an unrelated reply within 1 ms).  Run at a known added RTT
(bench/run.sh uses RTT 20) this is the most reliable count; at RTT 0 it is
the direction rule alone.

Limits: a timer-driven client packet (a retransmission of another, still
unanswered request) that happens to follow an unrelated server packet counts
as a turn, so under packet loss turns can be over-counted by the number of
such coincidences; turns between a client and several servers at once are
merged (that is the point: they cost one RTT).
"""
import argparse
import json
import os
import select
import socket
import struct
import subprocess
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # kernel receive time of each packet


def parse(frame):
    """(proto, src, dst, sport, dport, payload_len, flags) of an IPv4 frame, or None."""
    if len(frame) < 34 or frame[12:14] != b"\x08\x00":
        return None
    ip = frame[14:]
    ihl = (ip[0] & 0x0F) * 4
    total = struct.unpack("!H", ip[2:4])[0]
    proto = ip[9]
    src, dst = socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20])
    l4 = ip[ihl:total]
    if proto == 17 and len(l4) >= 8:
        sp, dp, ulen = struct.unpack("!HHH", l4[:6])
        return ("udp", src, dst, sp, dp, max(ulen - 8, 0), "")
    if proto == 6 and len(l4) >= 20:
        sp, dp = struct.unpack("!HH", l4[:4])
        off = (l4[12] >> 4) * 4
        fl = l4[13]
        names = "".join(n for b, n in ((0x02, "S"), (0x01, "F"), (0x04, "R"), (0x10, "A"), (0x08, "P")) if fl & b)
        return ("tcp", src, dst, sp, dp, max(len(l4) - off, 0), names)
    if proto == 1:
        return ("icmp", src, dst, 0, 0, len(l4), "")
    return None


def significant(p):
    proto, _, _, _, _, plen, fl = p["pkt"]
    if proto == "icmp":
        return not p["out"]  # our own ICMP errors (a late reply to a closed port) ask nothing
    if proto != "tcp":
        return True
    return plen > 0 or any(c in fl for c in "SFR")


def count(pkts, rtt_ms=0.0):
    turns = 0
    last = None  # direction of the last significant packet
    turn_t = None
    req = rexmit = 0
    seen = set()
    for p in pkts:
        if not significant(p):
            continue
        if p["out"]:
            req += 1
            proto, src, dst, sp, dp, plen, fl = p["pkt"]
            key = (proto, dst, sp, dp, plen, fl, p["sum"])
            if key in seen:
                rexmit += 1
            seen.add(key)
            if turn_t is None or (last == "in" and (p["t"] - turn_t) * 1000 >= rtt_ms / 2):
                turns += 1
                turn_t = p["t"]
            last = "out"
        else:
            last = "in"
    return {
        "turns": turns,
        "client_packets": sum(1 for p in pkts if p["out"]),
        "server_packets": sum(1 for p in pkts if not p["out"]),
        "client_requests": req,
        "client_retransmissions": rexmit,
    }


def capture_run(cmd, env=None, iface="eth0", rtt_ms=0.0, timeout=60.0, listing=None):
    """Run cmd (stdout/stderr discarded) under capture; the counts as a dict."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    try:
        s.bind((iface, 0))
        s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        s.setblocking(False)
        pkts = []

        def drain():
            while True:
                try:
                    data, anc, _, addr = s.recvmsg(65535, 64)
                except BlockingIOError:
                    return
                p = parse(data)
                if not p:
                    continue
                t = time.time()
                for lvl, typ, val in anc:
                    if lvl == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS and len(val) >= 16:
                        sec, nsec = struct.unpack("qq", val[:16])
                        t = sec + nsec / 1e9
                # the payload's bytes tell a retransmission (same bytes again) from a new request
                pkts.append({"t": t, "out": addr[2] == PACKET_OUTGOING, "pkt": p, "sum": hash(data[34:])})

        drain()
        pkts.clear()  # anything from before the command
        t0 = time.time()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        limit = time.monotonic() + timeout
        while proc.poll() is None:
            if time.monotonic() > limit:
                proc.kill()
                proc.wait()
                break
            select.select([s], [], [], 0.01)
            drain()
        t1 = time.time()
        end = time.monotonic() + 0.05  # its last packets may still be queued to us
        while time.monotonic() < end:
            select.select([s], [], [], 0.01)
            drain()
    finally:
        s.close()
    pkts = [p for p in pkts if t0 <= p["t"] <= t1 + 0.001]
    pkts.sort(key=lambda p: p["t"])
    if listing is not None:
        for p in pkts:
            proto, src, dst, sp, dp, plen, fl = p["pkt"]
            print("%8.1f %s %s %s:%d > %s:%d len %d %s" % ((p["t"] - t0) * 1000, "out" if p["out"] else " in",
                  proto, src, sp, dst, dp, plen, fl), file=listing)
    r = count(pkts, rtt_ms)
    r["exit"] = proc.returncode
    r["wall_ms"] = round((t1 - t0) * 1000, 1)
    r["rtt_ms"] = rtt_ms
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iface", default="eth0")
    ap.add_argument("--rtt-ms", type=float, default=0.0, help="the added RTT (turns closer than half of it merge)")
    ap.add_argument("--json", help="also write the result here")
    ap.add_argument("--list", action="store_true", help="print every packet to stderr")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        ap.error("no command")
    r = capture_run(cmd, None, a.iface, a.rtt_ms, 600.0, sys.stderr if a.list else None)
    out = json.dumps(r)
    print(out)
    if a.json:
        with open(a.json, "w") as f:
            f.write(out + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

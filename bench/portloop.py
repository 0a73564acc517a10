#!/usr/bin/python3
"""The peer for `nltrust ping` that an admin would write without nc: a plain
sequential TCP connect loop over the DC ports, one DC after another.

usage: portloop.py [--timeout S] IP...

Covers TCP reachability of the given addresses only: no DC location (the
addresses are given), no UDP (CLDAP, Kerberos), no clock, no LDAP/Kerberos
exchange.  Exit 1 when a port is not open.  Imports only socket and sys, so
the interpreter's own footprint is what gets measured.
"""
import socket
import sys

PORTS = (53, 88, 135, 389, 445, 464, 636, 3268, 3269)


def main(argv):
    timeout = 1.0
    if len(argv) > 1 and argv[0] == "--timeout":
        timeout = float(argv[1])
        argv = argv[2:]
    if not argv:
        print("usage: portloop.py [--timeout S] IP...", file=sys.stderr)
        return 2
    bad = 0
    for ip in argv:
        for port in PORTS:
            try:
                with socket.create_connection((ip, port), timeout=timeout):
                    state = "open"
            except OSError as e:
                state = "closed (%s)" % (e.strerror or e.__class__.__name__)
                bad += 1
            print("%s %d/tcp %s" % (ip, port, state))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

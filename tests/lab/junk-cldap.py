#!/usr/bin/python3
"""A deliberately broken CLDAP "DC" for the nltrust lab (host `junk`).

Usage: junk-cldap.py PIDFILE ADDR=MODE [ADDR=MODE ...]
Binds UDP port 389 on each ADDR and answers every datagram according to MODE.
Every answer is deterministic (the same bytes on every run, apart from the
echoed LDAP messageID), so tests may assert on them:

  garbage    32 bytes that are not BER at all:
             de ad be ef followed by sha256(b"nltrust-lab junk")[:28]
  badblob    a well-formed CLDAP reply (SearchResultEntry with the request's
             messageID, one attribute "Netlogon", then SearchResultDone) whose
             Netlogon value is a LOGON_SAM_LOGON_RESPONSE_EX header (opcode 23,
             flags 0x000003fd, a fixed GUID) followed by a DNS compression
             pointer to itself (c0 18): a pointer loop in the first name.
  truncated  the same envelope, but the Netlogon value is a plausible
             LOGON_SAM_LOGON_RESPONSE_EX cut off in the middle of the DNS host
             name (a label says 16 bytes, 3 follow).

Nothing listens on TCP, so LDAP over TCP to these addresses is refused.
"""
import hashlib
import os
import selectors
import socket
import struct
import sys

GUID = bytes.fromhex('00112233445566778899aabbccddeeff')
HEAD = struct.pack('<HHI', 23, 0, 0x000003fd) + GUID


def tlv(tag, content):
    n = len(content)
    if n < 0x80:
        ln = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, 'big')
        ln = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + ln + content


def msgid_of(req):
    """messageID of an LDAPMessage, or 1 if the request is not one."""
    try:
        if req[0] != 0x30:
            return 1
        p = 2 + (req[1] & 0x7f if req[1] & 0x80 else 0)
        if req[p] != 0x02 or not 1 <= req[p + 1] <= 4:
            return 1
        return int.from_bytes(req[p + 2:p + 2 + req[p + 1]], 'big', signed=True)
    except IndexError:
        return 1


def envelope(msgid, blob):
    mid = tlv(0x02, msgid.to_bytes(max(1, (msgid.bit_length() + 8) // 8), 'big', signed=True))
    attr = tlv(0x30, tlv(0x04, b'Netlogon') + tlv(0x31, tlv(0x04, blob)))
    entry = tlv(0x30, mid + tlv(0x64, tlv(0x04, b'') + tlv(0x30, attr)))
    done = tlv(0x30, mid + tlv(0x65, b'\x0a\x01\x00\x04\x00\x04\x00'))
    return entry + done


def answer(mode, req):
    if mode == 'garbage':
        return b'\xde\xad\xbe\xef' + hashlib.sha256(b'nltrust-lab junk').digest()[:28]
    if mode == 'badblob':
        return envelope(msgid_of(req), HEAD + b'\xc0\x18')
    if mode == 'truncated':
        name = b'\x03lab\x04test\x00'
        blob = HEAD + name + b'\xc0\x18' + b'\x10dc9'
        return envelope(msgid_of(req), blob)
    raise ValueError(mode)


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    sel = selectors.DefaultSelector()
    for spec in sys.argv[2:]:
        addr, mode = spec.split('=')
        answer(mode, b'')  # validate the mode
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, 389))
        sel.register(s, selectors.EVENT_READ, mode)
    with open(sys.argv[1] + '.tmp', 'w') as f:
        f.write('%d\n' % os.getpid())
    os.rename(sys.argv[1] + '.tmp', sys.argv[1])
    print('junk-cldap: listening: %s' % ' '.join(sys.argv[2:]), flush=True)
    while True:
        for key, _ in sel.select():
            try:
                req, peer = key.fileobj.recvfrom(65536)
                key.fileobj.sendto(answer(key.data, req), peer)
                print('junk-cldap: %s %s:%d %d bytes' % (key.data, peer[0], peer[1], len(req)),
                      flush=True)
            except OSError as e:
                print('junk-cldap: %s' % e, flush=True)


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/python3
"""Probes and helpers for the nltrust lab (tests/lab/lab.sh).

Standard library only, except `sites` and `cldap --samba` (python3-samba).

  labtool.py cldap IP [--domain D] [--user U] [--aac N] [--ntver N] [--tcp]
                      [--timeout S] [--json] | --samba
        Send one CLDAP ping (the LDAP rootDSE search for the Netlogon attribute)
        over UDP (or LDAP over TCP with --tcp) and print the decoded
        NETLOGON_SAM_LOGON_RESPONSE_EX. Exit 0 answer, 1 no answer, 2 malformed.
        --samba: ask with Samba's own client (python3-samba net.finddc) instead,
        an independent decoder to cross-check against.
  labtool.py wait-dc IP --domain D [--srv NAME,...] [--user U] [--timeout S]
        Wait until a DC answers: TCP 88/389/445/135, CLDAP, LDAP over TCP, DNS
        SRV _ldap._tcp.dc._msdcs.D (listing every --srv name), and with --user
        a CLDAP ping that knows that account. On timeout, says which checks
        still fail and exits 1.
  labtool.py ping IP [--count N] [--interval S]
        ICMP echo (this machine has no ping(8)); prints per-packet RTTs and a
        summary line "rtt min/avg/max = a/b/c ms, N/M received".
  labtool.py port IP PORT [--timeout S]
        Exit 0 if a TCP connection to IP:PORT succeeds.
  labtool.py sites SMB_CONF SITE=SUBNET[,SUBNET] ...
        Create sites and subnets offline in a DC's sam.ldb (one process instead
        of several samba-tool runs).
"""
import argparse
import json
import os
import socket
import struct
import subprocess
import sys
import time

# ---------------------------------------------------------------- BER / LDAP


def ber_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, 'big')
    return bytes([0x80 | len(b)]) + b


def tlv(tag, content):
    return bytes([tag]) + ber_len(len(content)) + content


def ber_int(tag, v):
    b = v.to_bytes(max(1, (v.bit_length() + 8) // 8), 'big', signed=True)
    return tlv(tag, b)


def eq(attr, value):
    return tlv(0xa3, tlv(0x04, attr.encode()) + tlv(0x04, value))


def cldap_request(msgid, domain, user=None, aac=None, ntver=6):
    terms = []
    if domain:
        terms.append(eq('DnsDomain', domain.encode()))
    if user:
        terms.append(eq('User', user.encode()))
    if aac is not None:
        terms.append(eq('AAC', struct.pack('<I', aac)))
    terms.append(eq('NtVer', struct.pack('<I', ntver)))
    search = (tlv(0x04, b'') + ber_int(0x0a, 0) + ber_int(0x0a, 0) +
              ber_int(0x02, 0) + ber_int(0x02, 0) + tlv(0x01, b'\x00') +
              tlv(0xa0, b''.join(terms)) + tlv(0x30, tlv(0x04, b'Netlogon')))
    return tlv(0x30, ber_int(0x02, msgid) + tlv(0x63, search))


class Malformed(Exception):
    pass


def ber_read(buf, pos):
    """-> (tag, content_start, content_end)"""
    if pos + 2 > len(buf):
        raise Malformed('truncated TLV header at %d' % pos)
    tag = buf[pos]
    n = buf[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7f
        if k == 0 or k > 4 or pos + k > len(buf):
            raise Malformed('bad BER length at %d' % (pos - 1))
        n = int.from_bytes(buf[pos:pos + k], 'big')
        pos += k
    if pos + n > len(buf):
        raise Malformed('BER length %d exceeds data at %d' % (n, pos))
    return tag, pos, pos + n


def netlogon_from_ldap(buf, msgid):
    """First LDAPMessage of buf must be a SearchResultEntry with Netlogon."""
    tag, s, e = ber_read(buf, 0)
    if tag != 0x30:
        raise Malformed('not an LDAPMessage (tag 0x%02x)' % tag)
    tag, s2, e2 = ber_read(buf, s)
    if tag != 0x02:
        raise Malformed('no messageID')
    got = int.from_bytes(buf[s2:e2], 'big', signed=True)
    if got != msgid:
        raise Malformed('messageID %d, expected %d' % (got, msgid))
    tag, s3, e3 = ber_read(buf, e2)
    if tag == 0x65:
        raise Malformed('SearchResultDone without an entry')
    if tag != 0x64:
        raise Malformed('not a SearchResultEntry (tag 0x%02x)' % tag)
    _, _, p = ber_read(buf, s3)             # skip objectName
    tag, p, end = ber_read(buf, p)          # attributes
    while p < end:
        tag, a, ae = ber_read(buf, p)       # PartialAttribute
        tag, ts, te = ber_read(buf, a)
        name = buf[ts:te].decode('ascii', 'replace')
        tag, vs, ve = ber_read(buf, te)
        if name.lower() == 'netlogon' and vs < ve:
            tag, v, ve2 = ber_read(buf, vs)
            return bytes(buf[v:ve2])
        p = ae
    raise Malformed('no Netlogon attribute')

# ------------------------------------------------------------ Netlogon blob

OPCODES = {23: 'LOGON_SAM_LOGON_RESPONSE_EX', 25: 'LOGON_SAM_USER_UNKNOWN_EX',
           24: 'LOGON_SAM_PAUSE_RESPONSE_EX', 19: 'LOGON_SAM_LOGON_RESPONSE',
           21: 'LOGON_SAM_USER_UNKNOWN'}
DS_FLAGS = [(0x1, 'pdc'), (0x4, 'gc'), (0x8, 'ldap'), (0x10, 'ds'), (0x20, 'kdc'),
            (0x40, 'timeserv'), (0x80, 'closest'), (0x100, 'writable'),
            (0x200, 'good_timeserv'), (0x400, 'ndnc'), (0x800, 'select_secret_domain_6'),
            (0x1000, 'full_secret_domain_6'), (0x2000, 'ws'), (0x4000, 'ds_8'),
            (0x8000, 'ds_9'), (0x10000, 'ds_10'), (0x20000, 'key_list'),
            (0x20000000, 'dns_controller'), (0x40000000, 'dns_domain'),
            (0x80000000, 'dns_forest')]


def dns_name(blob, pos):
    """RFC 1035 name with compression -> (name, next_pos). Bounded."""
    labels, nxt, hops = [], None, 0
    while True:
        if pos >= len(blob):
            raise Malformed('name runs past the blob')
        n = blob[pos]
        if n == 0:
            pos += 1
            break
        if n & 0xc0 == 0xc0:
            if pos + 1 >= len(blob):
                raise Malformed('truncated compression pointer')
            hops += 1
            if hops > 32:
                raise Malformed('compression pointer loop')
            if nxt is None:
                nxt = pos + 2
            pos = ((n & 0x3f) << 8) | blob[pos + 1]
            continue
        if n & 0xc0:
            raise Malformed('bad label type 0x%02x' % n)
        if pos + 1 + n > len(blob):
            raise Malformed('label runs past the blob')
        labels.append(blob[pos + 1:pos + 1 + n].decode('utf-8', 'replace'))
        pos += 1 + n
    return '.'.join(labels), (nxt if nxt is not None else pos)


def decode_netlogon(blob):
    if len(blob) < 24:
        raise Malformed('Netlogon blob of %d bytes' % len(blob))
    op, sbz, flags = struct.unpack_from('<HHI', blob, 0)
    guid = blob[8:24]
    r = {'opcode': op, 'opcode_name': OPCODES.get(op, 'unknown'),
         'flags': '0x%08x' % flags,
         'flag_names': [n for b, n in DS_FLAGS if flags & b]}
    d1, d2, d3 = struct.unpack_from('<IHH', guid, 0)
    r['domain_guid'] = '%08x-%04x-%04x-%s-%s' % (d1, d2, d3, guid[8:10].hex(), guid[10:].hex())
    if op not in (23, 25, 24):
        return r
    pos = 24
    for f in ('forest', 'dns_domain', 'dns_host', 'netbios_domain', 'netbios_host',
              'user', 'server_site', 'client_site'):
        r[f], pos = dns_name(blob, pos)
    if pos + 8 <= len(blob):
        # without 5EX_WITH_IP / WITH_CLOSEST_SITE the tail is NtVer + tokens
        r['tail_hex'] = blob[pos:].hex()
        r['nt_version'] = '0x%08x' % struct.unpack_from('<I', blob, len(blob) - 8)[0]
    return r


def samba_finddc(ip, domain):
    """Samba's own CLDAP client (libnet finddc) as an independent decoder."""
    from samba import net, param, credentials
    from samba.dcerpc import nbt
    lp = param.LoadParm()
    lp.set('realm', domain.upper())
    c = credentials.Credentials()
    c.guess(lp)
    x = net.Net(c, lp).finddc(domain=domain, address=ip,
                              flags=nbt.NBT_SERVER_LDAP | nbt.NBT_SERVER_DS)
    return {'command': int(x.command), 'server_type': '0x%08x' % x.server_type,
            'forest': str(x.forest), 'dns_domain': str(x.dns_domain),
            'pdc_dns_name': str(x.pdc_dns_name), 'domain_name': str(x.domain_name),
            'pdc_name': str(x.pdc_name), 'user_name': str(x.user_name),
            'server_site': str(x.server_site), 'client_site': str(x.client_site),
            'nt_version': '0x%08x' % x.nt_version}

# ------------------------------------------------------------------- probes


def cldap_ping(ip, domain, user=None, aac=None, ntver=6, tcp=False, timeout=1.0):
    """-> (blob or None, error string or None). None/None never happens."""
    msgid = int(time.monotonic() * 1000) % 100000 + 1
    req = cldap_request(msgid, domain, user, aac, ntver)
    try:
        if tcp:
            with socket.create_connection((ip, 389), timeout=timeout) as s:
                s.settimeout(timeout)
                s.sendall(req)
                buf = b''
                deadline = time.monotonic() + timeout
                while True:
                    try:
                        tag, cs, ce = ber_read(buf, 0)
                        if ce <= len(buf):
                            break
                    except Malformed:
                        pass
                    if time.monotonic() > deadline:
                        return None, 'timeout'
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    buf += chunk
        else:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.settimeout(timeout)
                s.connect((ip, 389))
                s.send(req)
                buf = s.recv(65536)
    except socket.timeout:
        return None, 'timeout'
    except OSError as e:
        return None, e.strerror or str(e)
    try:
        return netlogon_from_ldap(buf, msgid), None
    except Malformed as e:
        return None, 'malformed: %s (%d bytes: %s)' % (e, len(buf), buf[:48].hex())


def tcp_open(ip, port, timeout=0.5):
    try:
        with socket.create_connection((ip, port), timeout=timeout):
            return True
    except OSError:
        return False


def srv_targets(ip, name):
    try:
        out = subprocess.run(['dig', '+short', '+time=1', '+tries=1', '@' + ip, 'SRV', name],
                             capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    t = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4:
            t.add(parts[3].rstrip('.').lower())
    return t


def cmd_cldap(a):
    if a.samba:
        try:
            r = samba_finddc(a.ip, a.domain)
        except Exception as e:
            print('cldap %s (samba finddc): %s' % (a.ip, e), file=sys.stderr)
            return 1
        for k, v in r.items():
            print('%s: %s' % (k, v))
        return 0
    blob, err = cldap_ping(a.ip, a.domain, a.user, a.aac, a.ntver, a.tcp, a.timeout)
    if blob is None:
        print('cldap %s: %s' % (a.ip, err), file=sys.stderr)
        return 2 if err.startswith('malformed') else 1
    try:
        r = decode_netlogon(blob)
    except Malformed as e:
        print('cldap %s: malformed Netlogon blob: %s (%s)' % (a.ip, e, blob.hex()),
              file=sys.stderr)
        return 2
    if a.json:
        print(json.dumps(r, indent=1, sort_keys=True))
    else:
        for k, v in r.items():
            print('%s: %s' % (k, ' '.join(v) if isinstance(v, list) else v))
    return 0


def cmd_wait_dc(a):
    deadline = time.monotonic() + a.timeout
    want_srv = set(x.lower() for x in a.srv.split(',') if x) if a.srv else set()
    srv_name = '_ldap._tcp.dc._msdcs.' + a.domain
    while True:
        if a.pid and not os.path.exists('/proc/%d' % a.pid):
            print('the daemon (pid %d) exited' % a.pid, file=sys.stderr)
            return 1
        missing = []
        for port, what in ((88, 'kerberos'), (389, 'ldap'), (445, 'smb'), (135, 'epmapper')):
            if not tcp_open(a.ip, port):
                missing.append('%s tcp/%d' % (what, port))
        if not missing:
            blob, err = cldap_ping(a.ip, a.domain, timeout=0.5)
            if blob is None or blob[:2] != b'\x17\x00':
                missing.append('CLDAP ping udp/389 (%s)' % (err or 'opcode %s' % blob[:2].hex()))
            blob, err = cldap_ping(a.ip, a.domain, tcp=True, timeout=1)
            if blob is None:
                missing.append('LDAP rootDSE tcp/389 (%s)' % err)
            got = srv_targets(a.ip, srv_name)
            if not got:
                missing.append('DNS SRV %s (no answer)' % srv_name)
            elif not want_srv <= got:
                missing.append('DNS SRV %s lists %s, not yet %s' %
                               (srv_name, ','.join(sorted(got)), ','.join(sorted(want_srv - got))))
            if a.user:
                blob, err = cldap_ping(a.ip, a.domain, user=a.user, aac=0x80, timeout=0.5)
                if blob is None or blob[:2] != b'\x17\x00':
                    missing.append('account %s (%s)' % (a.user, err or
                                   'DC answers %s' % OPCODES.get(blob[0], blob[:2].hex())))
        if not missing:
            return 0
        if time.monotonic() >= deadline:
            print('not ready after %gs: %s' % (a.timeout, '; '.join(missing)), file=sys.stderr)
            return 1
        time.sleep(0.2)


def icmp_cksum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def cmd_ping(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    ident = os.getpid() & 0xffff
    rtts = []
    for seq in range(a.count):
        body = struct.pack('!HH', ident, seq) + b'nltrust-lab-ping'
        pkt = struct.pack('!BBH', 8, 0, icmp_cksum(b'\x08\x00\x00\x00' + body)) + body
        t0 = time.monotonic()
        s.sendto(pkt, (a.ip, 0))
        deadline = t0 + a.timeout
        got = None
        while got is None:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            s.settimeout(left)
            try:
                d, addr = s.recvfrom(2048)
            except socket.timeout:
                break
            ihl = (d[0] & 15) * 4
            if (addr[0] == a.ip and len(d) >= ihl + 8 and d[ihl] == 0 and
                    struct.unpack_from('!HH', d, ihl + 4) == (ident, seq)):
                got = (time.monotonic() - t0) * 1000
        if got is None:
            print('seq=%d timeout' % seq)
        else:
            rtts.append(got)
            print('seq=%d rtt=%.3f ms' % (seq, got))
        if seq + 1 < a.count:
            time.sleep(a.interval)
    if rtts:
        print('rtt min/avg/max = %.3f/%.3f/%.3f ms, %d/%d received' %
              (min(rtts), sum(rtts) / len(rtts), max(rtts), len(rtts), a.count))
    else:
        print('0/%d received' % a.count)
    return 0 if rtts else 1


def cmd_port(a):
    return 0 if tcp_open(a.ip, a.port, a.timeout) else 1


def cmd_sites(a):
    from samba.param import LoadParm
    from samba.samdb import SamDB
    from samba.auth import system_session
    from samba import sites, subnets
    lp = LoadParm()
    lp.load(a.conf)
    samdb = SamDB(url=lp.samdb_url(), session_info=system_session(), lp=lp)
    cfg = samdb.get_config_basedn()
    for spec in a.spec:
        site, _, nets = spec.partition('=')
        if site != 'Default-First-Site-Name':
            sites.create_site(samdb, cfg, site)
        for net in filter(None, nets.split(',')):
            subnets.create_subnet(samdb, cfg, net, site)
    return 0


def main():
    ap = argparse.ArgumentParser(description='nltrust lab probes')
    sub = ap.add_subparsers(dest='cmd', required=True)
    p = sub.add_parser('cldap')
    p.add_argument('ip')
    p.add_argument('--domain', default='lab.test')
    p.add_argument('--user')
    p.add_argument('--aac', type=lambda x: int(x, 0))
    p.add_argument('--ntver', type=lambda x: int(x, 0), default=6)
    p.add_argument('--tcp', action='store_true')
    p.add_argument('--timeout', type=float, default=1.0)
    p.add_argument('--samba', action='store_true', help="ping with Samba's own CLDAP client (libnet finddc) instead")
    p.add_argument('--json', action='store_true')
    p.set_defaults(fn=cmd_cldap)
    p = sub.add_parser('wait-dc')
    p.add_argument('ip')
    p.add_argument('--domain', default='lab.test')
    p.add_argument('--srv')
    p.add_argument('--user')
    p.add_argument('--pid', type=int, help='fail at once when this process is gone')
    p.add_argument('--timeout', type=float, default=60)
    p.set_defaults(fn=cmd_wait_dc)
    p = sub.add_parser('ping')
    p.add_argument('ip')
    p.add_argument('--count', type=int, default=5)
    p.add_argument('--interval', type=float, default=0.2)
    p.add_argument('--timeout', type=float, default=1.0)
    p.set_defaults(fn=cmd_ping)
    p = sub.add_parser('port')
    p.add_argument('ip')
    p.add_argument('port', type=int)
    p.add_argument('--timeout', type=float, default=0.5)
    p.set_defaults(fn=cmd_port)
    p = sub.add_parser('sites')
    p.add_argument('conf')
    p.add_argument('spec', nargs='+')
    p.set_defaults(fn=cmd_sites)
    a = ap.parse_args()
    return a.fn(a)


if __name__ == '__main__':
    sys.exit(main())

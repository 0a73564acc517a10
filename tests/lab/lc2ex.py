#!/usr/bin/python3
"""lc2ex.py - NetrLogonControl2Ex through Samba's own client (an independent
peer for nltrust's codec and judge), run inside a lab namespace:

  lc2ex.py SERVER_IP FUNCTION LEVEL [DOMAIN] [--user U --password-file F]
           [--kerberos] [--auth-level sign|seal|none] [--hex]

FUNCTION is a number or QUERY, REDISCOVER, TC_QUERY, TC_VERIFY, CHANGE_PASSWORD.
Prints one JSON object: werror (number), flags, pdc_connection_status,
tc_connection_status, trusted_dc_name, and with --hex the reply stub as
Samba's NDR packs it (ndr_pack_out of the call: tests/vectors/README.md).
Exit 0 when the server answered (whatever its WERROR), 1 when it did not.
"""
import argparse
import json
import sys

from samba import WERRORError, credentials, param
from samba.dcerpc import netlogon
from samba.ndr import ndr_pack_out

CODES = {'QUERY': 1, 'REDISCOVER': 5, 'TC_QUERY': 6, 'CHANGE_PASSWORD': 9, 'TC_VERIFY': 10}

a = argparse.ArgumentParser()
a.add_argument('server')
a.add_argument('function')
a.add_argument('level', type=int)
a.add_argument('domain', nargs='?')
a.add_argument('--user')
a.add_argument('--password-file')
a.add_argument('--kerberos', action='store_true')
a.add_argument('--auth-level', default='seal', choices=['sign', 'seal', 'none'])
a.add_argument('--hex', action='store_true')
o = a.parse_args()
fn = CODES.get(o.function.upper()) or int(o.function, 0)

lp = param.LoadParm()
lp.load_default()
creds = credentials.Credentials()
creds.guess(lp)
if o.user:
    creds.parse_string(o.user)
    with open(o.password_file) as f:
        creds.set_password(f.readline().rstrip('\n'))
    creds.set_kerberos_state(credentials.MUST_USE_KERBEROS if o.kerberos
                             else credentials.DONT_USE_KERBEROS)
else:
    creds.set_anonymous()
binding = 'ncacn_ip_tcp:%s' % o.server
if o.auth_level != 'none' and o.user:
    binding += '[%s]' % o.auth_level
res = {'function': fn, 'level': o.level, 'domain': o.domain}
try:
    c = netlogon.netlogon(binding, lp, creds)
    data = o.domain if o.domain is not None else None
    q = c.netr_LogonControl2Ex(None, fn, o.level, data)
    res['werror'] = 0
except WERRORError as e:
    res['werror'] = e.args[0]
    q = None
except Exception as e:  # noqa: BLE001 - any transport failure is "no answer"
    res['error'] = str(e)
    print(json.dumps(res))
    sys.exit(1)
if q is not None:
    for k, attr in (('flags', 'flags'), ('pdc_connection_status', 'pdc_connection_status'),
                    ('tc_connection_status', 'tc_connection_status'), ('trusted_dc_name', 'trusted_dc_name'),
                    ('logon_attempts', 'logon_attempts')):
        if hasattr(q, attr):
            v = getattr(q, attr)
            res[k] = v[0] if isinstance(v, (tuple, list)) else v
    if o.hex:
        f = netlogon.netr_LogonControl2Ex()
        f.in_function_code = fn
        f.in_level = o.level
        try:
            f.out_query = q
            f.result = 0
            res['hex'] = ndr_pack_out(f).hex()
        except Exception as e:  # noqa: BLE001
            res['hex_error'] = str(e)
print(json.dumps(res))

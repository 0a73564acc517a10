#!/usr/bin/python3
"""The peers of `nltrust show-target` and `nltrust verify --target` written with impacket, for
bench/run.sh's target group (BENCH_TARGET=1).

    impacket_target.py lsaquery HOST DOMAIN USER PWFILE
    impacket_target.py tcverify HOST DOMAIN USER PWFILE TRUSTED

Both log on to HOST over SMB (impacket's SMBConnection: SMB 3.x, NTLM, signing as the server asks)
as DOMAIN\\USER with the first line of PWFILE; the name lookup is the resolver's (getaddrinfo).
lsaquery: \\PIPE\\lsarpc, LsarOpenPolicy2, LsarQueryInformationPolicy (opnum 7; a Samba member does
not serve opnum 46) for PolicyPrimaryDomainInformation: the domain name and SID, as rpcclient's
lsaquery prints them.  tcverify: \\PIPE\\netlogon, NetrLogonControl2Ex TC_QUERY then TC_VERIFY at
level 2 for TRUSTED, as `nltest /sc_verify` and `nltrust verify --target` ask.  Prints one line
and exits 0; exits 1 on any failure (a TC_VERIFY answer other than success included).
"""
import sys


def login(host, domain, user, pwfile):
    from impacket.smbconnection import SMBConnection
    with open(pwfile) as f:
        pw = f.readline().rstrip("\n")
    c = SMBConnection(host, host, timeout=10)
    c.login(user, pw, domain)
    return c


def bind(conn, pipe, uuid):
    from impacket.dcerpc.v5 import transport
    t = transport.SMBTransport(conn.getRemoteHost(), filename=pipe, smb_connection=conn)
    d = t.get_dce_rpc()
    d.connect()
    d.bind(uuid)
    return d


def lsaquery(host, domain, user, pwfile):
    from impacket.dcerpc.v5 import lsad
    from impacket.dcerpc.v5.dtypes import MAXIMUM_ALLOWED
    c = login(host, domain, user, pwfile)
    d = bind(c, r"\lsarpc", lsad.MSRPC_UUID_LSAD)
    h = lsad.hLsarOpenPolicy2(d, MAXIMUM_ALLOWED | lsad.POLICY_VIEW_LOCAL_INFORMATION)["PolicyHandle"]
    r = lsad.hLsarQueryInformationPolicy(d, h, lsad.POLICY_INFORMATION_CLASS.PolicyPrimaryDomainInformation)
    info = r["PolicyInformation"]["PolicyPrimaryDomainInfo"]
    print("Domain Name: %s\nDomain Sid: %s" % (info["Name"], info["Sid"].formatCanonical()))
    c.logoff()
    return 0


def tcverify(host, domain, user, pwfile, trusted):
    from impacket.dcerpc.v5 import nrpc
    c = login(host, domain, user, pwfile)
    d = bind(c, r"\netlogon", nrpc.MSRPC_UUID_NRPC)
    out = []
    ok = False
    for code, name in ((nrpc.NETLOGON_CONTROL_TC_QUERY, "TC_QUERY"), (nrpc.NETLOGON_CONTROL_TC_VERIFY, "TC_VERIFY")):
        req = nrpc.NetrLogonControl2Ex()
        req["ServerName"] = nrpc.NULL
        req["FunctionCode"] = code
        req["QueryLevel"] = 2
        req["Data"]["tag"] = code
        req["Data"]["TrustedDomainName"] = trusted + "\x00"
        r = d.request(req)
        i = r["Buffer"]["NetlogonInfo2"]
        out.append("%s flags 0x%x pdc %d tc %d" % (name, i["netlog2_flags"], i["netlog2_pdc_connection_status"],
                                                    i["netlog2_tc_connection_status"]))
        if name == "TC_VERIFY":
            ok = (i["netlog2_flags"] & 0x80) and i["netlog2_pdc_connection_status"] == 0 and \
                i["netlog2_tc_connection_status"] == 0
    print("; ".join(out))
    c.logoff()
    return 0 if ok else 1


def main(argv):
    try:
        if len(argv) == 6 and argv[1] == "lsaquery":
            return lsaquery(*argv[2:6])
        if len(argv) == 7 and argv[1] == "tcverify":
            return tcverify(*argv[2:7])
    except Exception as ex:  # one line, as the other peers do
        print("impacket_target: %s: %s" % (argv[1], ex), file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/python3
"""A Netlogon secure-channel check written with impacket: the peer of
`nltrust verify --method netlogon` in bench/run.sh (group netlogon).

    impacket_netlogon.py KEYTAB MACHINE DC

Given the DC (no discovery): the endpoint mapper on TCP 135 (ept_map of the
Netlogon interface), then on the port it names NetrServerReqChallenge and
NetrServerAuthenticate3 as MACHINE$ (workstation secure channel, AES and
secure RPC among the flags), with the NT hash = the keytab's newest rc4-hmac
key of MACHINE$ (read with impacket.krb5.keytab), and a check of the server's
credential.  It does not do nltrust's last step, a NetrLogonGetCapabilities
sealed with schannel: impacket 0.10 seals schannel with RC4/HMAC-MD5 only
(rpcrt passes aes=False), and an attempt to patch AES sealing in got
fault 0x721 (RPC_S_SEC_PKG_ERROR) from Samba 4.17, so the check stops at the
verified server credential.

Prints "Netlogon OK ..." and exits 0, or says what failed and exits 1.
"""
import os
import sys
import time


def nt_hash(path, machine):
    """The rc4-hmac (etype 23) key of MACHINE$ with the highest kvno."""
    from impacket.krb5.keytab import Keytab
    want = (machine.upper() + "$").encode()
    best = None
    for e in Keytab.loadFile(path).entries:
        if e.deleted:
            continue
        comps = e.main_part["principal"].prettyPrint().split(b"@")[0]
        kb = e.main_part["keyblock"]
        if comps.upper() == want and kb["keytype"] == 23:
            if best is None or e.kvno > best[0]:
                best = (e.kvno, kb["keyvalue"]["data"])
    return best


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    keytab, machine, dc = argv
    machine = machine.upper().rstrip("$")
    t0 = time.monotonic()
    from impacket.dcerpc.v5 import epm, nrpc, rpcrt, transport

    k = nt_hash(keytab, machine)
    if not k:
        print("no rc4-hmac key of %s$ in %s" % (machine, keytab), file=sys.stderr)
        return 1
    kvno, nthash = k
    binding = epm.hept_map(dc, nrpc.MSRPC_UUID_NRPC, protocol="ncacn_ip_tcp")
    dce = transport.DCERPCTransportFactory(binding).get_dce_rpc()
    dce.connect()
    dce.bind(nrpc.MSRPC_UUID_NRPC)
    server = "\\\\" + dc + "\x00"
    cc = os.urandom(8)
    r = nrpc.hNetrServerReqChallenge(dce, server, machine + "\x00", cc)
    sc = r["ServerChallenge"]
    sk = nrpc.ComputeSessionKeyAES(None, cc, sc, nthash)
    ccred = nrpc.ComputeNetlogonCredentialAES(cc, sk)
    flags = 0x612fffff          # what nltrust asks for: AES, secure RPC, strong keys, ...
    try:
        r = nrpc.hNetrServerAuthenticate3(
            dce, server, machine + "$\x00",
            nrpc.NETLOGON_SECURE_CHANNEL_TYPE.WorkstationSecureChannel,
            machine + "\x00", ccred, flags)
    except nrpc.DCERPCSessionError as e:
        print("NetrServerAuthenticate3 as %s$ refused: %s" % (machine, e), file=sys.stderr)
        return 1
    got = r["ServerCredential"]["Data"] if hasattr(r["ServerCredential"], "fields") \
        else r["ServerCredential"]
    if bytes(got) != nrpc.ComputeNetlogonCredentialAES(sc, sk):
        print("the server's credential does not match: not the DC that holds the secret",
              file=sys.stderr)
        return 1
    neg, rid = r["NegotiateFlags"], r["AccountRid"]
    dce.disconnect()
    print("Netlogon OK: %s$ at %s (%s), kvno %d, flags %#x, RID %d in %.1f ms" % (
        machine, dc, binding, kvno, neg, rid, (time.monotonic() - t0) * 1e3))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception as e:                  # impacket raises many kinds
        print("error: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        sys.exit(1)

#!/usr/bin/python3
"""A Netlogon secure-channel check written with impacket: the peer of
`nltrust verify --method netlogon` in bench/run.sh (group netlogon).

    impacket_netlogon.py [--seal] KEYTAB MACHINE DC

Given the DC (no discovery): the endpoint mapper on TCP 135 (ept_map of the
Netlogon interface), then on the port it names NetrServerReqChallenge and
NetrServerAuthenticate3 as MACHINE$ (workstation secure channel, AES and
secure RPC among the flags), with the NT hash = the keytab's newest rc4-hmac
key of MACHINE$ (read with impacket.krb5.keytab), and a check of the server's
credential.  --seal adds what nltrust does after that: NetrLogonGetCapabilities
on a new connection bound with schannel at privacy level (AES), whose answer
must equal the negotiated flags.  impacket 0.10 seals schannel with RC4 only,
so --seal patches nrpc's SIGN/SEAL/UNSEAL to AES (see aes_schannel()).

Prints "Netlogon OK ..." and exits 0, or says what failed and exits 1.
"""
import os
import struct
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


def aes_schannel():
    """impacket 0.10's rpcrt always calls nrpc.SIGN/SEAL/UNSEAL with aes=False
    (RC4/HMAC-MD5 schannel), and its AES branch uses the 8-byte-checksum
    NL_AUTH_SIGNATURE.  Replace them with AES schannel (MS-NRPC 3.3.4.2):
    NL_AUTH_SHA2_SIGNATURE, HMAC-SHA256 checksum, AES-128-CFB8."""
    import hashlib
    import hmac
    from Cryptodome.Cipher import AES
    from impacket.dcerpc.v5 import nrpc

    def xorkey(key):
        return bytes(b ^ 0xf0 for b in key)

    def sign(data, confounder, seq, key, aes=False):
        s = nrpc.NL_AUTH_SHA2_SIGNATURE()
        s["SignatureAlgorithm"] = nrpc.NL_SIGNATURE_HMAC_SHA256
        s["SealAlgorithm"] = (nrpc.NL_SEAL_AES128 if confounder
                              else nrpc.NL_SEAL_NOT_ENCRYPTED)
        hm = hmac.new(key, digestmod=hashlib.sha256)
        hm.update(s.getData()[:8])
        hm.update(confounder or b"")
        hm.update(bytes(data))
        s["Checksum"] = hm.digest()[:8] + b"\0" * 24
        s["SequenceNumber"] = nrpc.encryptSequenceNumberAES(
            nrpc.deriveSequenceNumber(seq), s["Checksum"], key)
        return s

    def seal(data, confounder, seq, key, aes=False):
        confounder = os.urandom(8)
        s = sign(data, confounder, seq, key)
        iv = nrpc.deriveSequenceNumber(seq) * 2
        c = AES.new(xorkey(key), AES.MODE_CFB, iv)
        s["Confounder"] = c.encrypt(confounder)
        return c.encrypt(bytes(data)), s

    def unseal(data, auth_data, key, aes=False):
        a = nrpc.NL_AUTH_SHA2_SIGNATURE(auth_data)
        seq = nrpc.decryptSequenceNumberAES(a["SequenceNumber"], a["Checksum"], key)
        c = AES.new(xorkey(key), AES.MODE_CFB, seq * 2)
        conf = c.decrypt(a["Confounder"])
        return c.decrypt(data), conf

    nrpc.SIGN, nrpc.SEAL, nrpc.UNSEAL = sign, seal, unseal


def main(argv):
    seal = "--seal" in argv
    argv = [x for x in argv if x != "--seal"]
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
    extra = ""
    if seal:
        aes_schannel()
        # the client credential goes on, as MS-NRPC 3.1.4.5 says
        stored = ccred
        ts = int(time.time())
        c = (struct.unpack("<I", stored[:4])[0] + ts) & 0xffffffff
        stored = struct.pack("<I", c) + stored[4:]
        auth = nrpc.NETLOGON_AUTHENTICATOR()
        auth["Credential"] = nrpc.ComputeNetlogonCredentialAES(stored, sk)
        auth["Timestamp"] = ts
        t = transport.DCERPCTransportFactory(binding)
        d2 = t.get_dce_rpc()
        d2.set_credentials(machine + "$", "", domain=os.environ.get("NETBIOS_DOMAIN", "LAB"), nthash=nthash)
        d2.set_auth_type(rpcrt.RPC_C_AUTHN_NETLOGON)
        d2.set_auth_level(rpcrt.RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
        d2.set_session_key(sk)
        d2.connect()
        d2.bind(nrpc.MSRPC_UUID_NRPC)
        r = nrpc.hNetrLogonGetCapabilities(d2, server, machine + "\x00", auth)
        caps = r["ServerCapabilities"]["ServerCapabilities"]
        if caps != neg:
            print("sealed NetrLogonGetCapabilities says %#x, negotiated %#x" % (caps, neg),
                  file=sys.stderr)
            return 1
        d2.disconnect()
        extra = ", sealed capabilities match"
    print("Netlogon OK: %s$ at %s (%s), kvno %d, flags %#x, RID %d%s in %.1f ms" % (
        machine, dc, binding, kvno, neg, rid, extra, (time.monotonic() - t0) * 1e3))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception as e:                  # impacket raises many kinds
        print("error: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        sys.exit(1)

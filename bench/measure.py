#!/usr/bin/python3
"""nltrust benchmark helper (python3 standard library only).

    measure.py run    --label L --out FILE [options]   time and probe every tool once per
                                                        condition; run it inside the client
                                                        namespace (bench/run.sh does, through
                                                        `tests/lab/lab.sh exec cli`)
    measure.py report --rtt0 FILE... --rtt20 FILE... --out FILE [--meta K=V ...]
                                                        merge the runs of two conditions (one
                                                        file per phase and host), print the
                                                        table and the targets, write the JSON
    measure.py accounts --groups G                      the scratch computer accounts the
                                                        groups need (bench/run.sh creates them)

Method (see bench/README.md):
- wall time: time.perf_counter_ns() just before os.posix_spawn() and just after
  os.wait4() returns; the child's stdout/stderr go to files, stdin is /dev/null.
- peak RSS: VmHWM of the tool's own address space, read from /proc/PID/status at
  the PTRACE_EVENT_EXIT stop (the process has finished but its memory is still
  mapped).  wait4()'s ru_maxrss is not used for this: Linux folds the peak RSS
  of the pre-exec address space (the spawning Python's) into it.
- shared libraries: at the same stop, the distinct ELF files mapped in
  /proc/PID/maps, minus the executable (so ld.so and every dlopen()ed module
  still loaded count, the vdso does not).  A second run with LD_DEBUG=files
  counts every object the dynamic loader mapped (`file=... needed by` /
  `dynamically loaded by`) as a cross-check.
- tools that change a password (group reset) are checked after every run,
  outside the timed window: the keytab's kvno must have gone up by one, and
  `nltrust verify` with that keytab must exit 0 (see check_*()).
"""
import argparse
import ctypes
import json
import os
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import capture  # noqa: E402  (bench/capture.py: round trips counted from packets)

# ------------------------------------------------------------------ tools

PORTLOOP_PORTS = "53 88 135 389 445 464 636 3268 3269"
GROUPS = ("discover", "ping", "verify", "netlogon", "reset")

# Scratch computer accounts, created by bench/run.sh with `nltrust join` before
# measuring: keytab ACCT_DIR/NAME.keytab, journal ACCT_DIR/NAME.state.  Each
# tool that changes a password has its own, so that a tool that breaks its
# account breaks nobody else's measurements.  The verify group only reads.
ACCOUNTS = {"verify": ["benchv"],
            "reset": ["benchr1", "benchr2", "benchr3"]}


def acct(a, name):
    d = a.acct_dir or "/nonexistent"
    return os.path.join(d, name + ".keytab"), os.path.join(d, name + ".state")


def tool_table(a):
    """The tools, in display order.  group: the table section; base: the row
    the ratio columns divide by; host: the lab namespace it runs in (one
    `measure.py run` per host); expect: regex the warm-up's stdout (or, with
    expect_in="all", stdout+stderr) must match; env: added to the environment;
    check: after every run of a tool that changes a password (see check_run)."""
    conf = a.smbconf
    gencache = os.path.join(a.net_lock_dir, "gencache.tdb") if a.net_lock_dir else None
    dcs = [x for x in (a.dcs or "").split(",") if x]
    realm = a.realm
    kenv = {"KRB5_CONFIG": a.krb5_config} if a.krb5_config else {}
    kinit_cc = "FILE:" + os.path.join(a.work_dir or "/nonexistent", "kinit-%s.ccache" % a.host)
    t = []
    # ---- discover, ping (cli): as before
    t += [
        dict(id="nltrust-discover", group="discover", name="nltrust discover",
             argv=[a.nltrust, "discover", a.domain], expect=r"<- chosen", dc_rx=r"^DC:\s+(\S+)",
             covers="DNS SRV (with the domain's A/AAAA at once, or the DCs' A/AAAA "
                    "after it), CLDAP ping to every DC at once, DsGetDcName choice"),
        dict(id="adcli-info", group="discover", name="adcli info",
             argv=["adcli", "info", a.domain], expect=r"domain-controller = \S",
             dc_rx=r"domain-controller = (\S+)",
             covers="DNS SRV, CLDAP pings (one DC after another, with fixed waits), "
                    "chosen DC and its flags"),
        dict(id="net-ads-lookup", group="discover", name="net ads lookup",
             argv=["net", "ads", "lookup", "-s", conf], expect=r"Domain Controller: \S",
             dc_rx=r"Domain Controller: (\S+)",
             covers="Samba DC location (server-affinity cache in gencache.tdb, else "
                    "DNS SRV), CLDAP ping to the first DC that answers, its reply"),
        dict(id="net-ads-lookup-nocache", group="discover",
             name="net ads lookup, no cache",
             argv=["net", "ads", "lookup", "-s", conf], expect=r"Domain Controller: \S",
             dc_rx=r"Domain Controller: (\S+)", pre_unlink=gencache,
             covers="as above, gencache.tdb deleted before every run (outside the "
                    "timed window): DNS SRV every time, like nltrust"),
        dict(id="nltrust-ping", group="ping", name="nltrust ping",
             argv=[a.nltrust, "ping", a.domain], expect=r"reachable",
             covers="discover, then per DC at once: TCP 53/88/135/389/445/464/636/"
                    "3268/3269, UDP CLDAP and Kerberos, clock skew"),
        dict(id="net-ads-info", group="ping", name="net ads info",
             argv=["net", "ads", "info", "-s", conf], expect=r"LDAP server name: \S",
             covers="DC location (cached), CLDAP, anonymous LDAP rootDSE read on TCP "
                    "389 with the DC's time: one DC, one TCP port, clock"),
        dict(id="portloop", group="ping", name="python port loop",
             argv=[a.python, a.portloop] + dcs, expect=r"/tcp open",
             covers="sequential TCP connect to the 9 ports of the given DC addresses: "
                    "no discovery, no UDP, no clock"),
    ]
    for x in t:
        x.update(host="cli", base=("nltrust-" + x["group"]))
    # ---- verify: the same scratch account for the three read-only tools (cli)
    vkt, _ = acct(a, "benchv")
    t += [
        dict(id="nltrust-verify", group="verify", host="cli", base="nltrust-verify",
             name="nltrust verify",
             argv=[a.nltrust, "verify", "--method", "kerberos", "-K", vkt, "-m", "benchv",
                   a.domain],
             expect=r"^Healthy", env=kenv, account="BENCHV",
             covers="discover, then pinned to the chosen DC over TCP: AS exchange with "
                    "the keytab's newest key, TGS for ldap/DC, sealed LDAP bind, read of "
                    "kvno/UAC/enctypes/pwdLastSet, comparison with the keytab"),
        dict(id="adcli-testjoin", group="verify", host="cli", base="nltrust-verify",
             name="adcli testjoin",
             argv=["adcli", "testjoin", "-K", vkt, "-D", a.domain],
             expect=r"validated join", expect_in="all", env=kenv,
             covers="DNS SRV, pings with fixed waits, pinned krb5.conf, kinit from the "
                    "keytab, SASL GSS-SPNEGO LDAP bind, 3 searches"),
        dict(id="kinit-k", group="verify", host="cli", base="nltrust-verify",
             name="kinit -k",
             argv=["kinit", "-c", kinit_cc, "-k", "-t", vkt, "BENCHV$@" + realm],
             expect=None, env=kenv,
             covers="MIT kinit with the keytab: KDC from DNS SRV (krb5.conf "
                    "dns_lookup_kdc), UDP first; AS exchange only, no directory read"),
    ]
    # ---- verify on ws1: its own account, so that net ads testjoin compares
    t += [
        dict(id="nltrust-verify-ws1", group="verify", host="ws1",
             base="nltrust-verify-ws1", name="nltrust verify (ws1)",
             argv=[a.nltrust, "verify", "--method", "kerberos", "-K", a.ws1_keytab or "",
                   "-m", "WS1", a.domain],
             expect=r"^Healthy", account="WS1",
             covers="as above, for WS1$ on the member, with its keytab"),
        dict(id="nltrust-verify-ws1-netlogon", group="verify", host="ws1",
             base="nltrust-verify-ws1-netlogon", name="nltrust verify --method netlogon (ws1)",
             argv=[a.nltrust, "verify", "--method", "netlogon", "-K", a.ws1_keytab or "",
                   "-m", "WS1", a.domain],
             expect=r"^Healthy", account="WS1",
             covers="discover, then on the chosen DC: endpoint mapper (TCP 135) for the "
                    "Netlogon port, ReqChallenge + Authenticate3 (AES, secure RPC) with the "
                    "keytab's rc4-hmac key, server credential check, sealed "
                    "LogonGetCapabilities"),
        dict(id="nltrust-verify-ws1-all", group="verify", host="ws1",
             base="nltrust-verify-ws1-all", name="nltrust verify --method all (ws1)",
             argv=[a.nltrust, "verify", "--method", "all", "-K", a.ws1_keytab or "",
                   "-m", "WS1", a.domain],
             expect=r"^Healthy", account="WS1",
             covers="the default: the Kerberos check (AS, TGS, sealed LDAP read) and the "
                    "Netlogon check, one discovery"),
        dict(id="net-ads-testjoin", group="verify", host="ws1",
             base="nltrust-verify-ws1", name="net ads testjoin (ws1)",
             argv=["net", "ads", "testjoin", "-s", a.ws1_conf or ""],
             expect=r"Join is OK", expect_in="all",
             covers="DC location, LDAP rootDSE, Kerberos (AS x2 + TGS) from secrets.tdb, "
                    "SASL bind; falls back to NTLM if Kerberos fails"),
        dict(id="kinit-k-ws1", group="verify", host="ws1", base="nltrust-verify-ws1",
             name="kinit -k (ws1)",
             argv=["kinit", "-c", kinit_cc, "-k", "-t", a.ws1_keytab or "", "WS1$@" + realm],
             expect=None,
             covers="MIT kinit with ws1's keytab and krb5.conf: AS exchange only"),
    ]
    # ---- netlogon (ws1): the secure channel, nltrust beside Samba and impacket
    t += [
        dict(id="nltrust-netlogon", group="netlogon", host="ws1", base="nltrust-netlogon",
             name="nltrust verify --method netlogon",
             argv=[a.nltrust, "verify", "--method", "netlogon", "-K", a.ws1_keytab or "",
                   "-m", "WS1", a.domain],
             expect=r"^Healthy", account="WS1",
             covers="discover, endpoint mapper, ReqChallenge + Authenticate3 (AES) with "
                    "the keytab's NT hash, server credential check, sealed (schannel, "
                    "privacy) LogonGetCapabilities = negotiated flags"),
        dict(id="net-rpc-testjoin", group="netlogon", host="ws1", base="nltrust-netlogon",
             name="net rpc testjoin (ws1)",
             argv=["net", "rpc", "testjoin", "-s", a.ws1_conf or ""],
             expect=r"is OK", expect_in="all",
             covers="DC location, SMB to the DC's port 445 (anonymous/NTLM session), "
                    "\\PIPE\\netlogon, ReqChallenge + Authenticate with the password "
                    "in secrets.tdb, schannel bind"),
        dict(id="wbinfo-t", group="netlogon", host="ws1", base="nltrust-netlogon",
             name="wbinfo -t (ws1)",
             argv=["wbinfo", "-t"],
             expect=r"succeeded", expect_in="all",
             covers="asks ws1's running winbindd (its socket in ws1's /run/samba) to "
                    "check the trust secret over its Netlogon connection to the DC"),
        # equal footing with impacket (issue 11): given the DC, and the Netlogon port cached in the
        # state directory by the warm-up run, so no endpoint mapper
        dict(id="nltrust-netlogon-dc", group="netlogon", host="ws1", base="nltrust-netlogon",
             name="nltrust verify --method netlogon -S DC, port cached",
             argv=[a.nltrust, "verify", "--method", "netlogon", "-S", a.ws1_dc or "dc1." + a.domain,
                   "--state-dir", os.path.join(a.work_dir or "/nonexistent", "nlcache-%s" % a.host),
                   "-K", a.ws1_keytab or "", "-m", "WS1", a.domain],
             expect=r"^Healthy", account="WS1",
             covers="given the DC (no discovery; no LDAP ping once the state directory knows the DC), the Netlogon port from the "
                    "state directory's cache (validated by the bind), ReqChallenge + Authenticate3, "
                    "server credential, sealed LogonGetCapabilities"),
        dict(id="impacket-netlogon", group="netlogon", host="ws1", base="nltrust-netlogon",
             name="impacket netlogon (ws1)",
             argv=[a.python, a.impacket_netlogon, a.ws1_keytab or "", "WS1",
                   a.ws1_dc or "dc1." + a.domain],
             expect=r"^Netlogon OK",
             covers="bench/impacket_netlogon.py, given the DC (no discovery): ept_map "
                    "(TCP 135), ReqChallenge + Authenticate3 (AES) with the keytab's "
                    "rc4-hmac key, server credential check; no sealed call"),
    ]
    # ---- reset: one account per tool (cli)
    r1kt, r1st = acct(a, "benchr1")
    r2kt, _ = acct(a, "benchr2")
    r3kt, _ = acct(a, "benchr3")
    srv = a.reset_server or "dcb." + a.domain
    t += [
        dict(id="nltrust-reset", group="reset", host="cli", base="nltrust-reset",
             name="nltrust reset-password",
             argv=[a.nltrust, "reset-password", "-K", r1kt, "-m", "benchr1",
                   "--state-dir", r1st, a.domain],
             expect=r"^Confirmed", env=kenv, mutates=True,
             check=dict(kind="keytab", keytab=r1kt, machine="benchr1"),
             covers="discover, journal, kpasswd change as the machine, confirmation by "
                    "an AS exchange with the new password, atomic keytab rewrite, commit"),
        dict(id="adcli-update", group="reset", host="cli", base="nltrust-reset",
             name="adcli update",
             argv=["adcli", "update", "--computer-password-lifetime=0", "-K", r2kt,
                   "-D", a.domain, "-N", "BENCHR2", "-H", "benchr2." + a.domain],
             expect=None, env=kenv, mutates=True,
             check=dict(kind="keytab", keytab=r2kt, machine="benchr2"),
             covers="discovery with fixed waits, kinit, LDAP bind and searches, kpasswd "
                    "change, kvno read, SPN/attribute checks, salt probe, keytab edit"),
        dict(id="msktutil-update", group="reset", host="cli", base="nltrust-reset",
             name="msktutil update --server",
             argv=["msktutil", "update", "--server", srv, "--realm", realm,
                   "--computer-name", "BENCHR3", "-k", r3kt, "-N",
                   "-h", "benchr3." + a.domain],
             expect=None, env=kenv, mutates=True,
             check=dict(kind="keytab", keytab=r3kt, machine="benchr3"),
             covers="given the DC (no discovery): kinit from the keytab, sealed LDAP, "
                    "attribute updates, kvno read, kpasswd change, keytab entries for "
                    "every SPN"),
        dict(id="net-ads-changetrustpw", group="reset", host="ws1", base="nltrust-reset",
             name="net ads changetrustpw (ws1)",
             argv=["net", "ads", "changetrustpw", "-s", a.ws1_conf or ""],
             expect=r"succeeded", expect_in="all", mutates=True,
             check=dict(kind="samba", keytab=a.ws1_keytab, machine="WS1",
                        dc=a.ws1_dc),
             covers="DC location, kinit from secrets.tdb, kpasswd change (kpasswd DC "
                    "from DNS), secrets.tdb update; the ws1 keytab is not touched "
                    "(kerberos method = dedicated keytab)"),
    ]
    for i, x in enumerate(t):
        x["order"] = i
    want = set(a.groups.split(","))
    return [x for x in t if x["group"] in want and x["host"] == a.host]


# ----------------------------------------------------------- keytab, checks

def keytab_kvno(path, machine):
    """Highest kvno of MACHINE$@* in an MIT keytab (format 0x0502), or None."""
    want = (machine.upper() + "$").encode()
    try:
        data = open(path, "rb").read()
    except OSError:
        return None
    if data[:2] != b"\x05\x02":
        return None
    best, off = None, 2
    while off + 4 <= len(data):
        (size,) = struct.unpack_from(">i", data, off)
        off += 4
        if size == 0:
            break
        if size < 0:
            off += -size
            continue
        e, off = data[off:off + size], off + size
        try:
            (ncomp,) = struct.unpack_from(">H", e, 0)
            p = 2
            (rlen,) = struct.unpack_from(">H", e, p)
            p += 2 + rlen
            comps = []
            for _ in range(ncomp):
                (clen,) = struct.unpack_from(">H", e, p)
                comps.append(e[p + 2:p + 2 + clen])
                p += 2 + clen
            p += 4 + 4                          # name type, timestamp
            kvno = e[p]
            p += 1
            (_etype, klen) = struct.unpack_from(">HH", e, p)
            p += 4 + klen
            if len(e) - p >= 4:
                (k32,) = struct.unpack_from(">I", e, p)
                if k32:
                    kvno = k32
        except (struct.error, IndexError):
            continue
        if len(comps) == 1 and comps[0].upper() == want:
            best = kvno if best is None else max(best, kvno)
    return best


def quiet(argv, env, timeout=30):
    """Run a check command (never timed); exit code and combined output."""
    try:
        p = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=timeout)
        return p.returncode, (p.stdout + p.stderr).decode(errors="replace")
    except subprocess.TimeoutExpired:
        return -9, "timed out"


def samba_machine_password(secrets, domain):
    """The member's current machine password from secrets.tdb (tdbdump), or None."""
    try:
        p = subprocess.run(["tdbdump", "-k", "SECRETS/MACHINE_PASSWORD/" + domain.upper(),
                            secrets], stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if p.returncode != 0:
        return None
    # tdbdump prints bytes outside printable ASCII (and the backslash) as \XX
    raw = re.sub(rb"\\([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]),
                 p.stdout.rstrip(b"\n"))
    return raw.rstrip(b"\0") or None


def pinned_krb5_conf(a, dc, tmpdir):
    """A krb5.conf whose only KDC is DC, over TCP (for the kinit cross-check)."""
    path = os.path.join(tmpdir, "krb5-%s.conf" % dc)
    if not os.path.exists(path):
        with open(path, "w") as f:
            f.write("[libdefaults]\n\tdefault_realm = %s\n\tdns_lookup_kdc = false\n"
                    "\tdns_lookup_realm = false\n\trdns = false\n"
                    "\tudp_preference_limit = 1\n[realms]\n\t%s = {\n\t\tkdc = %s\n\t}\n"
                    % (a.realm, a.realm, dc))
    return path


def kinit_ok(a, keytab, machine, dc, env, tmpdir):
    """MIT kinit with the keytab's newest key, at DC only: an independent
    opinion on the keytab (nltrust verify is the tool under test)."""
    e = dict(env, KRB5_CONFIG=pinned_krb5_conf(a, dc, tmpdir))
    return quiet(["kinit", "-c", "MEMORY:bench", "-k", "-t", keytab,
                  "%s$@%s" % (machine.upper(), a.realm)], e)[0] == 0


def check_run(a, t, env, before, tmpdir):
    """After one run of a password-changing tool (outside the timed window):
    did the keytab's kvno go up by one; does the keytab still work, by MIT
    kinit at the DC the tool used and by nltrust verify (with discovery, as
    the host itself would); and, for net, which DCs accept the password it
    left in secrets.tdb."""
    c = t["check"]
    res = {"kvno_before": before, "kvno_after": keytab_kvno(c["keytab"], c["machine"])}
    res["kvno_incremented"] = (before is not None and res["kvno_after"] is not None
                               and res["kvno_after"] == before + 1)
    # --method kerberos: the scratch keytabs hold no rc4-hmac key (nltrust join
    # writes AES only), and the Kerberos check is what these checks always were
    code, out = quiet([a.nltrust, "verify", "--method", "kerberos", "-K", c["keytab"],
                       "-m", c["machine"], a.domain], env)
    res["verify_exit"] = code
    if code != 0:
        res["verify_output"] = out[-800:]
    dcs = [d for d in (a.dc_names or "").split(",") if d]
    kdc = c.get("dc") or a.reset_server
    res["kinit_dc"] = kdc
    res["kinit_ok"] = kinit_ok(a, c["keytab"], c["machine"], kdc, env, tmpdir)
    if c["kind"] == "keytab" and (code != 0 or not res["kinit_ok"]):
        # which DC (if any) takes this keytab's newest key: a tool that changed
        # the password elsewhere, or not at all
        res["keytab_accepted_by"] = {d: kinit_ok(a, c["keytab"], c["machine"], d, env, tmpdir)
                                     for d in dcs}
    if c["kind"] == "samba":
        pw = samba_machine_password(a.ws1_secrets, a.netbios_domain)
        pwf = os.path.join(tmpdir, "machine.pw")
        acc = {}
        if pw is not None:
            fd = os.open(pwf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.write(fd, pw + b"\n")
            os.close(fd)
            for d in dcs:
                acc[d] = quiet([a.nltrust, "verify", "-q", "--method", "kerberos",
                                "--machine-password-file", pwf,
                                "-m", c["machine"], "-S", d, a.domain], env)[0] == 0
            os.unlink(pwf)
        res["secrets_accepted_by"] = acc
        res["secrets_ok"] = bool(acc) and all(acc.values())
        # keep net's next run meaningful: if only one DC took the new password
        # (kpasswd went to a DC that Kerberos did not use), replicate it over
        good = [d for d, ok in acc.items() if ok]
        bad = [d for d, ok in acc.items() if not ok]
        if good and bad and a.admin_pass_file:
            pw = open(a.admin_pass_file).readline().strip()
            for d in bad:
                rc, out = quiet(["samba-tool", "drs", "replicate", d, good[0], a.base_dn,
                                 "-s", a.ws1_conf, "-U", "Administrator%" + pw],
                                env, timeout=60)
                res.setdefault("repaired", []).append(
                    "%s <- %s: %s" % (d, good[0], "ok" if rc == 0 else "exit %d" % rc))
    # works: the kvno went up and the DC takes the keytab's newest key (MIT
    # kinit); nltrust verify's own verdict is kept apart (verify_exit), so a
    # bug in nltrust cannot make a peer look broken
    res["ok"] = (res["kvno_incremented"] and res["kinit_ok"]
                 and (c["kind"] != "samba" or res.get("secrets_ok", False)))
    res["verify_disagrees"] = (code == 0) != res["kinit_ok"]
    return res


# ---------------------------------------------------------------- running

_current_pid = None


def _on_alarm(signum, frame):
    if _current_pid:
        try:
            os.kill(_current_pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _file_actions(out, err):
    wr = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    return [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, out, wr, 0o600),
            (os.POSIX_SPAWN_OPEN, 2, err, wr, 0o600)]


def timed_run(argv, env, out, err, timeout):
    """Wall time (ns) around one process, its exit code, whether it timed out."""
    global _current_pid
    fa = _file_actions(out, err)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    t0 = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=fa)
    _current_pid = pid
    _, status, _ru = os.wait4(pid, 0)
    t1 = time.perf_counter_ns()
    signal.setitimer(signal.ITIMER_REAL, 0)
    _current_pid = None
    killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    return t1 - t0, os.waitstatus_to_exitcode(status), killed


# ptrace through libc (ctypes is in the standard library)
PTRACE_TRACEME, PTRACE_CONT, PTRACE_SETOPTIONS = 0, 7, 0x4200
PTRACE_O_TRACEEXEC, PTRACE_O_TRACEEXIT, PTRACE_O_EXITKILL = 0x10, 0x40, 0x100000
PTRACE_EVENT_EXEC, PTRACE_EVENT_EXIT = 4, 6
_libc = None


def libc():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
        _libc.ptrace.restype = ctypes.c_long
        _libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p,
                                 ctypes.c_void_p]
    return _libc


_elf_cache = {}


def is_elf(path):
    if path not in _elf_cache:
        try:
            with open(path, "rb") as f:
                _elf_cache[path] = f.read(4) == b"\x7fELF"
        except OSError:
            _elf_cache[path] = False
    return _elf_cache[path]


def mapped_libs(pid):
    exe = os.path.realpath("/proc/%d/exe" % pid)
    libs = set()
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            parts = line.split(None, 5)
            if len(parts) < 6 or not parts[5].startswith("/"):
                continue
            path = parts[5].rstrip("\n")
            if path.endswith(" (deleted)"):
                path = path[:-len(" (deleted)")]
            real = os.path.realpath(path)
            if real != exe and is_elf(real):
                libs.add(real)
    return sorted(libs)


def probe_run(argv, env, out, err, timeout):
    """Run once under ptrace; at the exit stop read VmHWM and the mapped ELF files."""
    global _current_pid
    lc = libc()
    wr = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    pid = os.fork()
    if pid == 0:
        try:
            fd = os.open("/dev/null", os.O_RDONLY)
            os.dup2(fd, 0)
            os.dup2(os.open(out, wr, 0o600), 1)
            os.dup2(os.open(err, wr, 0o600), 2)
            if lc.ptrace(PTRACE_TRACEME, 0, None, None) != 0:
                os._exit(125)
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    _current_pid = pid
    signal.setitimer(signal.ITIMER_REAL, timeout)
    res = {"hwm_kb": None, "libs": None, "error": None}
    try:
        _, status = os.waitpid(pid, 0)          # the SIGTRAP after execve
        if not os.WIFSTOPPED(status):
            res["error"] = "child did not stop after exec (status %#x)" % status
            return res
        opts = PTRACE_O_TRACEEXIT | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL
        if lc.ptrace(PTRACE_SETOPTIONS, pid, None, ctypes.c_void_p(opts)) != 0:
            res["error"] = "PTRACE_SETOPTIONS: %s" % os.strerror(ctypes.get_errno())
        lc.ptrace(PTRACE_CONT, pid, None, None)
        while True:
            _, status = os.waitpid(pid, 0)
            if os.WIFEXITED(status) or os.WIFSIGNALED(status):
                res["exit"] = os.waitstatus_to_exitcode(status)
                break
            if not os.WIFSTOPPED(status):
                continue
            sig, event = os.WSTOPSIG(status), status >> 16
            if sig == signal.SIGTRAP and event == PTRACE_EVENT_EXIT:
                for line in open("/proc/%d/status" % pid):
                    if line.startswith("VmHWM:"):
                        res["hwm_kb"] = int(line.split()[1])
                res["libs"] = mapped_libs(pid)
                lc.ptrace(PTRACE_CONT, pid, None, None)
            elif sig == signal.SIGTRAP and event == PTRACE_EVENT_EXEC:
                lc.ptrace(PTRACE_CONT, pid, None, None)
            else:                                # pass the signal on
                lc.ptrace(PTRACE_CONT, pid, None, ctypes.c_void_p(sig))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _current_pid = None
    if res["hwm_kb"] is None and not res["error"]:
        res["error"] = "no exit stop seen (ptrace not permitted here?)"
    return res


LDD_RE = re.compile(r"file=(\S+) \[(\d+)\];\s+(?:needed by|dynamically loaded by)")


def lddebug_run(argv, env, out, err, tmpdir, timeout):
    """Run once with LD_DEBUG=files; distinct objects the loader mapped in the
    tool's own process (its LD_DEBUG_OUTPUT.PID file)."""
    base = os.path.join(tmpdir, "lddebug")
    for n in os.listdir(tmpdir):
        if n.startswith("lddebug."):
            os.unlink(os.path.join(tmpdir, n))
    e = dict(env, LD_DEBUG="files", LD_DEBUG_OUTPUT=base)
    global _current_pid
    signal.setitimer(signal.ITIMER_REAL, timeout)
    pid = os.posix_spawn(argv[0], argv, e, file_actions=_file_actions(out, err))
    _current_pid = pid
    os.wait4(pid, 0)
    signal.setitimer(signal.ITIMER_REAL, 0)
    _current_pid = None
    try:
        text = open("%s.%d" % (base, pid)).read()
    except OSError:
        return None
    return len({(m.group(2), m.group(1)) for m in LDD_RE.finditer(text)})


def verbose_run(argv, env, out, timeout):
    """Run once with stderr on a pipe and stamp every line with the time it
    arrived (ms since spawn): nltrust -v's timeline."""
    t0 = time.perf_counter_ns()
    try:
        p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                             stdout=open(out, "wb"), stderr=subprocess.PIPE)
    except OSError as e:
        return {"argv": argv, "ms": 0.0, "exit": 127, "stderr": str(e), "lines": []}
    lines, buf = [], b""
    deadline = time.monotonic() + timeout
    fd = p.stderr.fileno()
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            p.kill()
            break
        chunk = os.read(fd, 65536)
        now = (time.perf_counter_ns() - t0) / 1e6
        if not chunk:
            break
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            lines.append([round(now, 1), line.decode(errors="replace")])
    code = p.wait()
    ms = (time.perf_counter_ns() - t0) / 1e6
    if buf:
        lines.append([round(ms, 1), buf.decode(errors="replace")])
    text = "\n".join(l for _, l in lines)
    m = KDC_RE.search(text)
    return {"argv": argv, "ms": round(ms, 3), "exit": code, "stderr": text[:8000],
            "lines": lines[:300],
            "kdc_exchanges": int(m.group(1)) if m else None,
            "tcp_connections": int(m.group(2)) if m else None}


KDC_RE = re.compile(r"Kerberos: (\d+) KDC exchange\(s\) over (\d+) TCP connection\(s\)")


def cmd_run(a):
    signal.signal(signal.SIGALRM, _on_alarm)
    env = dict(os.environ)
    # beside --out, so that bench/run.sh's cleanup removes it even after a kill
    tmpdir = tempfile.mkdtemp(prefix="measure-", dir=os.path.dirname(os.path.abspath(a.out)))
    try:
        return _run(a, env, tmpdir)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def _run(a, base_env, tmpdir):
    out, err = os.path.join(tmpdir, "out"), os.path.join(tmpdir, "err")
    tools = tool_table(a)
    if a.tools:
        tools = [t for t in tools if t["id"] in a.tools.split(",")]
    probe_groups = set((a.probe_groups or ",".join(GROUPS)).split(","))
    result = {"label": a.label, "runs": a.runs, "hostname": os.uname().nodename,
              "host": a.host,
              "env": {k: base_env[k] for k in ("KRB5CCNAME", "KRB5_CONFIG") if k in base_env},
              "tools": {}}

    def envof(t):
        return dict(base_env, **t.get("env", {}))

    def prep(t):
        if t.get("pre_unlink"):
            try:
                os.unlink(t["pre_unlink"])
            except FileNotFoundError:
                pass
        if t.get("check"):
            t["_kvno"] = keytab_kvno(t["check"]["keytab"], t["check"]["machine"])

    def after(t, r, what):
        """the check of a password-changing tool, never timed"""
        if not t.get("check"):
            return None
        c = check_run(a, t, envof(t), t.get("_kvno"), tmpdir)
        c["run"] = what
        r.setdefault("checks", []).append(c)
        if not c["ok"]:
            print("bench: %s: %s (%s): check failed: %s" % (
                a.label, t["name"], what,
                json.dumps({k: v for k, v in c.items() if k != "verify_output"})),
                file=sys.stderr)
        return c

    live = []
    for t in tools:
        r = result["tools"][t["id"]] = {
            "name": t["name"], "group": t["group"], "host": t["host"], "base": t["base"],
            "order": t["order"], "argv": t["argv"], "env_added": t.get("env", {}),
            "covers": t["covers"], "mutates": bool(t.get("mutates")),
            "samples_ms": [], "exit": []}
        exe = t["argv"][0]
        path = exe if os.sep in exe else shutil.which(exe)
        if not path or not os.access(path, os.X_OK):
            r["error"] = "missing: %s" % exe
            print("bench: %s: %s" % (a.label, r["error"]), file=sys.stderr)
            continue
        t["argv"] = [path] + t["argv"][1:]
        r["argv"] = t["argv"]
        # warm-up: fills the page cache, the DCs' caches, net's gencache; for
        # reset tools it is also the first password change (adcli's first
        # update adds keytab entries that later ones do not)
        prep(t)
        ns, code, killed = timed_run(t["argv"], envof(t), out, err, a.timeout)
        stdout = open(out, errors="replace").read()
        stderr = open(err, errors="replace").read()
        r["warmup"] = {"ms": ns / 1e6, "exit": code, "stdout_head": stdout[:2000],
                       "stderr_head": stderr[:2000]}
        after(t, r, "warm-up")
        text = stdout + stderr if t.get("expect_in") == "all" else stdout
        bad = (killed or code != 0 if t["expect"] is None
               else killed or not re.search(t["expect"], text, re.M))
        if bad and a.keep_failing:
            # under packet loss a failed warm-up is a result, not a broken setup: measure anyway
            r["warmup"]["failed"] = True
        elif bad:
            r["error"] = ("timed out" if killed else
                          "warm-up exit %d" % code if t["expect"] is None else
                          "warm-up output does not match /%s/ (exit %d)" % (t["expect"], code))
            print("bench: %s: %s: %s: %s" % (a.label, t["name"], r["error"],
                                             (stdout + stderr).strip()[-300:]),
                  file=sys.stderr)
            continue
        live.append(t)

    # round-robin, so drift hits every tool alike
    for i in range(a.runs):
        for t in live:
            prep(t)
            ns, code, killed = timed_run(t["argv"], envof(t), out, err, a.timeout)
            r = result["tools"][t["id"]]
            r["samples_ms"].append(round(ns / 1e6, 3))
            r["exit"].append(-9 if killed else code)
            if t.get("dc_rx"):
                m = re.search(t["dc_rx"], open(out, errors="replace").read(), re.M)
                r.setdefault("dcs", []).append(m.group(1).rstrip(".").lower() if m and code == 0 else None)
            if code != 0 and "first_failure" not in r:
                r["first_failure"] = {"run": i + 1, "exit": code,
                                      "stdout": open(out, errors="replace").read()[-1500:],
                                      "stderr": open(err, errors="replace").read()[-1500:]}
            after(t, r, "run %d" % (i + 1))
        print("bench: %s %s: round %d/%d done" % (a.label, a.host, i + 1, a.runs),
              file=sys.stderr)

    for t in live:
        r = result["tools"][t["id"]]
        s = r["samples_ms"]
        r.update(median_ms=statistics.median(s), min_ms=min(s), max_ms=max(s))
        if t["group"] not in probe_groups:
            continue
        prep(t)
        p = probe_run(t["argv"], envof(t), out, err, a.timeout)
        after(t, r, "ptrace probe")
        r["probe"] = {"hwm_kb": p["hwm_kb"], "libs": p["libs"], "error": p["error"]}
        r["rss_mb"] = None if p["hwm_kb"] is None else round(p["hwm_kb"] / 1024, 2)
        r["libs"] = None if p["libs"] is None else len(p["libs"])
        if t.get("mutates"):
            continue        # one extra password change is enough
        prep(t)
        r["libs_lddebug"] = lddebug_run(t["argv"], envof(t), out, err, tmpdir, a.timeout)

    # round trips from a packet capture of this namespace (bench/capture.py), one run per tool
    if a.capture_iface:
        for t in live:
            r = result["tools"][t["id"]]
            prep(t)
            try:
                r["capture"] = capture.capture_run(t["argv"], envof(t), a.capture_iface,
                                                   a.capture_rtt_ms, a.timeout)
            except Exception as ex:  # a capture that fails must not lose the measurements
                r["capture"] = {"error": "capture on %s: %s: %s" % (a.capture_iface,
                                                                   type(ex).__name__, ex)}
            after(t, r, "capture")

    # nltrust's own account of where the time goes: -v, every stderr line stamped
    result["nltrust_verbose"] = {}
    for t in live:
        if not t["id"].startswith("nltrust-"):
            continue
        prep(t)
        v = [t["argv"][0], "-v"] + t["argv"][1:]
        result["nltrust_verbose"][t["id"]] = verbose_run(v, envof(t), out, a.timeout)
        after(t, result["tools"][t["id"]], "nltrust -v")
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
    return 0


# ---------------------------------------------------------------- report

def fmt(x, spec, width):
    return ("%" + str(width) + "s") % ("-" if x is None else format(x, spec))


def load_condition(files):
    """Merge the files of one condition (one per phase and host)."""
    c = {"tools": {}, "nltrust_verbose": {}, "runs": None, "labels": []}
    for f in files:
        d = json.load(open(f))
        c["runs"] = c["runs"] or d["runs"]
        c["labels"].append("%s/%s" % (d["label"], d.get("host", "cli")))
        c["tools"].update(d["tools"])
        v = d.get("nltrust_verbose") or {}
        if "argv" in v:                     # an old single-entry file
            v = {"nltrust-discover": v}
        c["nltrust_verbose"].update(v)
    return c


def works_of(t0, t20):
    """yes/no per tool: every timed run exited 0, and for a tool that changes a
    password every check after a timed run passed (kvno +1, keytab verifies,
    for net: every DC accepts the password in secrets.tdb)."""
    runs = ok = 0
    for t in (t0, t20):
        if not t:
            continue
        codes = t.get("exit") or []
        checks = {c["run"]: c for c in t.get("checks", [])}
        for i, code in enumerate(codes):
            runs += 1
            c = checks.get("run %d" % (i + 1))
            if code == 0 and (not t.get("mutates") or (c and c["ok"])):
                ok += 1
    if not runs:
        return None, 0, 0
    return ok == runs, ok, runs


def check_summary(t0, t20):
    """One line per password-changing tool: what the checks found."""
    cs = [c for t in (t0, t20) if t for c in t.get("checks", [])]
    if not cs:
        return None
    n = len(cs)
    inc = sum(1 for c in cs if c["kvno_incremented"])
    ver = sum(1 for c in cs if c["verify_exit"] == 0)
    kv = [c["kvno_after"] for c in cs if c["kvno_after"] is not None]
    kin = sum(1 for c in cs if c.get("kinit_ok"))
    dis = sum(1 for c in cs if c.get("verify_disagrees"))
    parts = ["%d runs checked (timed, warm-up, probe, -v)" % n,
             "keytab kvno +1: %d/%d" % (inc, n),
             "kinit -k at %s: %d/%d" % ((cs[0].get("kinit_dc") or "?").split(".")[0], kin, n),
             "nltrust verify exit 0: %d/%d" % (ver, n)]
    if dis:
        parts.append("NLTRUST VERIFY DISAGREES WITH KINIT %d time(s)" % dis)
    if kv:
        parts.append("keytab kvno %s -> %s" % (cs[0]["kvno_before"], kv[-1]))
    acc = {}
    for c in cs:
        for d, ok in (c.get("secrets_accepted_by") or {}).items():
            acc.setdefault(d, 0)
            acc[d] += ok
    if acc:
        parts.append("secrets.tdb password accepted by " +
                     ", ".join("%s %d/%d" % (d.split(".")[0], k, n) for d, k in acc.items()))
    rep = [x for c in cs for x in c.get("repaired", [])]
    if rep:
        parts.append("replicated after %d run(s) to bring the other DC up to date" % len(rep))
    kacc = {}
    for c in cs:
        for d, ok in (c.get("keytab_accepted_by") or {}).items():
            kacc.setdefault(d, 0)
            kacc[d] += ok
    if kacc:
        parts.append("after failed checks, keytab accepted by " +
                     ", ".join("%s %d" % (d.split(".")[0], k) for d, k in kacc.items()))
    return "; ".join(parts)


MILESTONES = [("DC chosen", r"Kerberos pinned to|<- chosen|CLDAP ping to .*: \S+ in "),
              ("AS ok", r"Kerberos AS exchange as \S+ at \S+: ok"),
              ("LDAP bound", r"LDAP bound to"),
              ("Netlogon port", r"Netlogon on \S+ is at TCP"),
              ("Netlogon ok", r"Netlogon secure channel with \S+: ok")]


def milestones(v0, v20, rtt):
    """RT estimates of the moments nltrust -v reports: the first line matching
    each milestone (for "DC chosen", the last CLDAP reply if there is no
    "pinned" line), and the exit."""
    if not v0 or not v20 or not v0.get("lines") or not v20.get("lines"):
        return None
    out = []

    def when(v, rx, last=False):
        hits = [ms for ms, line in v["lines"] if re.search(rx, line)]
        return (hits[-1] if last else hits[0]) if hits else None

    for label, rx in MILESTONES:
        pinned = label == "DC chosen" and any("Kerberos pinned" in l for _, l in v20["lines"])
        r = "Kerberos pinned to" if pinned else rx
        t0, t20 = when(v0, r, last=not pinned), when(v20, r, last=not pinned)
        if t0 is not None and t20 is not None:
            out.append((label, (t20 - t0) / rtt))
    out.append(("exit", (v20["ms"] - v0["ms"]) / rtt))
    return out


def cmd_report(a):
    c0 = load_condition(a.rtt0)
    c20 = load_condition(a.rtt20)
    meta = dict(kv.split("=", 1) for kv in a.meta)
    rtt = a.rtt
    ids = sorted(c0["tools"].keys(), key=lambda k: c0["tools"][k].get("order", 0))
    rows = []
    for tid in ids:
        t0, t20 = c0["tools"][tid], c20["tools"].get(tid, {})
        m0, m20 = t0.get("median_ms"), t20.get("median_ms")
        rss = [x for x in (t0.get("rss_mb"), t20.get("rss_mb")) if x is not None]
        libs = [x for x in (t0.get("libs"), t20.get("libs")) if x is not None]
        lddb = [x for x in (t0.get("libs_lddebug"), t20.get("libs_lddebug")) if x is not None]
        works, n_ok, n_runs = works_of(t0, t20)
        rows.append({
            "id": tid, "tool": t0["name"], "group": t0["group"],
            "host": t0.get("host", "cli"), "base": t0.get("base"),
            "argv": t0["argv"], "env_added": t0.get("env_added", {}),
            "covers": t0["covers"],
            "rtt0_median_ms": m0, "rtt20_median_ms": m20,
            "rtt0_samples_ms": t0.get("samples_ms"), "rtt20_samples_ms": t20.get("samples_ms"),
            "rtt0_exit": t0.get("exit"), "rtt20_exit": t20.get("exit"),
            "round_trips": None if m0 is None or m20 is None else (m20 - m0) / rtt,
            "rt_capture": (t20.get("capture") or {}).get("turns"),
            "rt_capture_rtt0": (t0.get("capture") or {}).get("turns"),
            "capture": {"rtt0": t0.get("capture"), "rtt20": t20.get("capture")},
            "rss_mb": max(rss) if rss else None,
            "libs": max(libs) if libs else None,
            "libs_lddebug": max(lddb) if lddb else None,
            "libs_list": (t0.get("probe") or {}).get("libs"),
            "works": works, "works_ok": n_ok, "works_runs": n_runs,
            "checks": {"rtt0": t0.get("checks"), "rtt20": t20.get("checks")},
            "check_summary": check_summary(t0, t20),
            "first_failure": {"rtt0": t0.get("first_failure"),
                              "rtt20": t20.get("first_failure")},
            "errors": [e for e in (t0.get("error"), t20.get("error"),
                                   (t0.get("probe") or {}).get("error"),
                                   (t20.get("probe") or {}).get("error")) if e],
        })
    by = {r["id"]: r for r in rows}
    for r in rows:
        b = by.get(r["base"] or ("nltrust-" + r["group"]))
        for k in ("rtt0", "rtt20"):
            mine, ref = r[k + "_median_ms"], b and b[k + "_median_ms"]
            r["ratio_" + k] = (None if r is b or mine is None or not ref
                               else mine / ref)

    groups = {r["group"] for r in rows}
    targets = []

    def target(name, ok, detail):
        targets.append({"target": name, "result": "n/a" if ok is None else
                        ("PASS" if ok else "MISS"), "detail": detail})

    def med(r, k):
        return r and r[k + "_median_ms"]

    if "discover" in groups:
        disc, adcli = by.get("nltrust-discover"), by.get("adcli-info")
        nets = [by[k] for k in ("net-ads-lookup", "net-ads-lookup-nocache") if k in by]
        if med(disc, "rtt0") and med(adcli, "rtt0"):
            x = adcli["rtt0_median_ms"] / disc["rtt0_median_ms"]
            target("discover >= 10x faster than adcli info at RTT 0", x >= 10,
                   "%.1fx (%.1f ms vs %.1f ms)" % (x, disc["rtt0_median_ms"],
                                                   adcli["rtt0_median_ms"]))
        else:
            target("discover >= 10x faster than adcli info at RTT 0", None, "no data")
        for k, label in (("rtt0", "0"), ("rtt20", "20")):
            vals = [(n["tool"], n[k + "_median_ms"]) for n in nets
                    if n[k + "_median_ms"] is not None]
            if not med(disc, k) or not vals:
                target("discover faster than net ads lookup at RTT %s" % label, None, "no data")
                continue
            best = min(v for _, v in vals)
            target("discover faster than net ads lookup at RTT %s" % label,
                   disc[k + "_median_ms"] < best,
                   "%.1f ms vs %s" % (disc[k + "_median_ms"],
                                       ", ".join("%.1f ms (%s)" % (v, n) for n, v in vals)))
        limit = 2 * rtt + 10
        m20 = med(disc, "rtt20")
        target("discover <= 2 RT + 10 ms at RTT %g (<= %g ms)" % (rtt, limit),
               None if not m20 else m20 <= limit,
               "no data" if not m20 else "%.1f ms, %.1f RT" % (m20, disc["round_trips"] or 0))
    if "verify" in groups:
        for vid in ("nltrust-verify", "nltrust-verify-ws1"):
            v = by.get(vid)
            name = "verify (Kerberos)%s <= 5 RT, discovery included" % (" (ws1)" if vid.endswith("ws1")
                                                               else "")
            if not v or v["round_trips"] is None:
                target(name, None, "no data")
            else:
                m = dict(milestones(c0["nltrust_verbose"].get(vid),
                                    c20["nltrust_verbose"].get(vid), rtt) or [])
                target(name, v["round_trips"] <= 5 and v["works"],
                       "%.1f RT (%.1f ms at RTT 0, %.1f ms at RTT %g)%s%s" % (
                           v["round_trips"], v["rtt0_median_ms"], v["rtt20_median_ms"], rtt,
                           "; Kerberos verdict (AS ok) alone: %.1f RT" % m["AS ok"]
                           if "AS ok" in m else "",
                           "" if v["works"] else "; NOT healthy in every run"))
    if "netlogon" in groups or "verify" in groups:
        # the Netlogon check: the netlogon group's row, else the verify group's
        nv = next((by[k] for k in ("nltrust-netlogon", "nltrust-verify-ws1-netlogon")
                   if k in by and by[k]["round_trips"] is not None), None)
        n1 = "verify --method netlogon <= 9 RT, discovery excluded (total - 2)"
        n2 = "verify --method netlogon <= 9 RT, discovery included"
        if not nv:
            target(n1, None, "no data")
            target(n2, None, "no data")
        else:
            m = dict(milestones(c0["nltrust_verbose"].get(nv["id"]),
                                c20["nltrust_verbose"].get(nv["id"]), rtt) or [])
            tl = ("; from -v: DC chosen %.1f, Netlogon ok %.1f RT, so %.1f after discovery"
                  % (m["DC chosen"], m["Netlogon ok"], m["Netlogon ok"] - m["DC chosen"])
                  if "DC chosen" in m and "Netlogon ok" in m else "")
            own = nv["round_trips"] - 2
            target(n1, own <= 9 and nv["works"],
                   "%.1f RT (%s: %.1f RT - 2)%s%s" % (
                       own, nv["tool"], nv["round_trips"], tl,
                       "" if nv["works"] else "; NOT healthy in every run"))
            target(n2, nv["round_trips"] <= 9 and nv["works"],
                   "%.1f RT (%.1f ms at RTT 0, %.1f ms at RTT %g)%s" % (
                       nv["round_trips"], nv["rtt0_median_ms"], nv["rtt20_median_ms"], rtt,
                       "" if nv["works"] else "; NOT healthy in every run"))
    if "verify" in groups:
        va = by.get("nltrust-verify-ws1-all")
        name = "verify --method all <= 10 RT from a cold start (ws1)"
        if not va or va["round_trips"] is None:
            target(name, None, "no data")
        else:
            m = dict(milestones(c0["nltrust_verbose"].get(va["id"]),
                                c20["nltrust_verbose"].get(va["id"]), rtt) or [])
            target(name, va["round_trips"] <= 10 and va["works"],
                   "%.1f RT (%.1f ms at RTT 0, %.1f ms at RTT %g)%s%s" % (
                       va["round_trips"], va["rtt0_median_ms"], va["rtt20_median_ms"], rtt,
                       "; from -v: " + ", ".join("%s %.1f" % kv for kv in m.items())
                       if m else "",
                       "" if va["works"] else "; NOT healthy in every run"))
    if "netlogon" in groups:
        nv = by.get("nltrust-netlogon")
        peers = [r for r in rows if r["group"] == "netlogon" and r is not nv
                 and not r["id"].startswith("nltrust")]
        name = "verify --method netlogon >= 3x faster than every peer at RTT %g" % rtt
        if not med(nv, "rtt20") or not peers:
            target(name, None, "no data")
        else:
            have = [r for r in peers if r["rtt20_median_ms"]]
            lacking = [r["tool"] for r in peers if not r["rtt20_median_ms"]]
            xs = [(r["rtt20_median_ms"] / nv["rtt20_median_ms"], r) for r in have]
            ok = bool(have) and all(x >= 3 for x, _ in xs) and nv["works"]
            target(name, None if not have else ok,
                   ", ".join("%.1fx %s (%.1f ms)" % (x, r["tool"], r["rtt20_median_ms"])
                             for x, r in xs) +
                   " vs %.1f ms" % nv["rtt20_median_ms"] +
                   ("; no data for %s" % ", ".join(lacking) if lacking else "") +
                   ("" if all(r["works"] for _, r in xs) else
                    "; a peer failed: %s" % ", ".join(r["tool"] for _, r in xs
                                                      if not r["works"])))
    if "netlogon" in groups:
        nd, ip = by.get("nltrust-netlogon-dc"), by.get("impacket-netlogon")
        name = ("given the DC, port cached: verify --method netlogon >= 3x faster than impacket "
                "netlogon at RTT %g" % rtt)
        if not med(nd, "rtt20") or not med(ip, "rtt20"):
            target(name, None, "no data")
        else:
            x = ip["rtt20_median_ms"] / nd["rtt20_median_ms"]
            target(name, x >= 3 and nd["works"] and ip["works"],
                   "%.1fx (%.1f ms vs %.1f ms; %.1f RT vs %.1f RT)%s" % (
                       x, ip["rtt20_median_ms"], nd["rtt20_median_ms"], ip["round_trips"] or 0,
                       nd["round_trips"] or 0, "" if nd["works"] else "; NOT healthy in every run"))
    if "reset" in groups:
        rs, ad = by.get("nltrust-reset"), by.get("adcli-update")
        name = "reset-password <= 12 RT (keytab rewrite, confirmation)"
        if not rs or rs["round_trips"] is None:
            target(name, None, "no data")
        else:
            target(name, rs["round_trips"] <= 12 and rs["works"],
                   "%.1f RT (%.1f ms at RTT 0, %.1f ms at RTT %g)%s" % (
                       rs["round_trips"], rs["rtt0_median_ms"], rs["rtt20_median_ms"], rtt,
                       "" if rs["works"] else "; a check FAILED"))
        name = "reset-password >= 4x faster than adcli update at RTT %g" % rtt
        if med(rs, "rtt20") and med(ad, "rtt20"):
            x = ad["rtt20_median_ms"] / rs["rtt20_median_ms"]
            target(name, x >= 4 and rs["works"],
                   "%.1fx (%.1f ms vs %.1f ms)%s" % (
                       x, rs["rtt20_median_ms"], ad["rtt20_median_ms"],
                       "" if ad["works"] else "; adcli update failed a check"))
        else:
            target(name, None, "no data")
    nl = [r for r in rows if r["id"].startswith("nltrust-")]
    rss = [r["rss_mb"] for r in nl if r["rss_mb"] is not None]
    target("nltrust peak RSS <= 10 MB", (max(rss) <= 10) if rss else None,
           ", ".join("%s %.2f" % (r["tool"].replace("nltrust ", ""), r["rss_mb"])
                     for r in nl if r["rss_mb"] is not None) + " MB" if rss else "no data")
    libs = [r["libs"] for r in nl if r["libs"] is not None]
    target("nltrust <= 40 shared libraries", (max(libs) <= 40) if libs else None,
           ", ".join("%s %d" % (r["tool"].replace("nltrust ", ""), r["libs"])
                     for r in nl if r["libs"] is not None) or "no data")

    # ---- packet loss (optional): every run counts, failures included
    loss_rows = []
    if a.loss:
        cl = load_condition(a.loss)
        for tid, t in sorted(cl["tools"].items(), key=lambda kv: kv[1].get("order", 0)):
            smp, codes = t.get("samples_ms") or [], t.get("exit") or []
            base = by.get(tid)
            ref_dcs = [d for d in (c0["tools"].get(tid, {}).get("dcs") or []) if d]
            ref = max(set(ref_dcs), key=ref_dcs.count) if ref_dcs else None
            dcs = t.get("dcs") or []
            loss_rows.append({
                "id": tid, "tool": t["name"], "group": t["group"], "runs": len(smp),
                "ok": sum(1 for c in codes if c == 0),
                "mean_ms": statistics.mean(smp) if smp else None,
                "median_ms": statistics.median(smp) if smp else None,
                "max_ms": max(smp) if smp else None,
                "samples_ms": smp, "exit": codes,
                "rtt0_median_ms": base and base["rtt0_median_ms"],
                "loss_free_dc": ref, "dcs": dcs,
                "same_dc": (sum(1 for d in dcs if d and d == ref) if ref and dcs else None),
                "capture": t.get("capture"), "error": t.get("error")})
        lb = {r["id"]: r for r in loss_rows}
        pct = a.loss_pct
        d = lb.get("nltrust-discover")
        name = "discover at %g %% loss: every run ok, same DC as loss-free" % pct
        if not d or not d["runs"]:
            target(name, None, "no data")
        else:
            target(name, d["ok"] == d["runs"] and d["same_dc"] == d["runs"],
                   "%d/%d ok, %s/%d chose %s" % (d["ok"], d["runs"], d["same_dc"], d["runs"],
                                                 d["loss_free_dc"]))
            target("discover at %g %% loss: mean <= 1 s, worst <= 2.5 s" % pct,
                   d["mean_ms"] <= 1000 and d["max_ms"] <= 2500,
                   "mean %.0f ms, worst %.0f ms over %d runs" % (d["mean_ms"], d["max_ms"], d["runs"]))
        for r in loss_rows:
            if r["group"] in ("verify", "reset") and r["id"].startswith("nltrust-") and r["runs"]:
                ref = r["rtt0_median_ms"]
                target("%s at %g %% loss never slower than 3x loss-free" % (r["tool"], pct),
                       None if not ref else r["max_ms"] <= 3 * ref and r["ok"] == r["runs"],
                       "worst %.0f ms vs 3 x %s ms; %d/%d ok" % (
                           r["max_ms"], "?" if not ref else "%.0f" % ref, r["ok"], r["runs"]))

    # ---- print
    print("nltrust bench, %s; %s runs per cell (median); RTT 0 = no added delay "
          "(measured %s ms), RTT %g = lab latency %g each way (measured %s ms)"
          % (meta.get("date", "?"), c0["runs"], meta.get("rtt0_measured", "?"), rtt,
             rtt / 2, meta.get("rtt20_measured", "?")))
    print("nltrust: %s; load average %s" % (meta.get("nltrust", "?"), meta.get("load", "?")))
    print()
    hdr = ("%-9s %-38s %9s %9s %6s %5s %7s %5s %8s %8s  %s"
           % ("GROUP", "TOOL", "RTT0 ms", "RTT20 ms", "RT", "RTcap", "RSS MB", "libs",
              "x/nlt@0", "x/nlt@20", "works"))
    print(hdr)
    print("-" * len(hdr))
    last = None
    for r in rows:
        g = r["group"] if r["group"] != last else ""
        last = r["group"]
        w = ("-" if r["works"] is None else
             "%s %d/%d" % ("yes" if r["works"] else "NO", r["works_ok"], r["works_runs"]))
        print("%-9s %-38s %s %s %s %s %s %s %s %s  %s%s" % (
            g, r["tool"],
            fmt(r["rtt0_median_ms"], ".1f", 9), fmt(r["rtt20_median_ms"], ".1f", 9),
            fmt(r["round_trips"], ".1f", 6), fmt(r["rt_capture"], "d", 5), fmt(r["rss_mb"], ".1f", 7),
            fmt(r["libs"], "d", 5), fmt(r["ratio_rtt0"], ".1f", 8),
            fmt(r["ratio_rtt20"], ".1f", 8), w,
            ("  ERROR: " + "; ".join(r["errors"])) if r["errors"] else ""))
    print()
    print("RTcap = round trips counted from a packet capture of the tool's namespace at RTT %g "
          "(bench/capture.py: client sends\nthat follow a server packet, at least RTT/2 after the "
          "turn before; one run per tool; see bench/README.md)." % rtt)
    print("RT = (RTT20 - RTT0) / %g: round trips on the critical path.  x/nlt = the row's "
          "median / its nltrust row's\n(verify peers on ws1 against nltrust verify on ws1; "
          "netlogon peers against verify --method netlogon;\nnet ads changetrustpw against "
          "nltrust reset-password on cli).\nworks = timed runs "
          "that exited 0 and, for reset tools, whose check passed (kvno +1, MIT kinit at the "
          "DC takes the\nkeytab's newest key; for net also: every DC takes the secrets.tdb "
          "password)." % rtt)
    bad = [(r["tool"], k, r[k]) for r in rows for k in ("rtt0_exit", "rtt20_exit")
           if r[k] and any(c != 0 for c in r[k])]
    for tool, k, codes in bad:
        print("note: %s exit codes at %s: %s" % (tool, k.replace("_exit", ""), codes))
    for r in rows:
        for k, f in r["first_failure"].items():
            if f:
                print("note: %s first failed at %s run %d (exit %d): %s" % (
                    r["tool"], k, f["run"], f["exit"],
                    " | ".join((f["stdout"] + f["stderr"]).strip().splitlines()[-3:])))
    checked = [r for r in rows if r["check_summary"]]
    if checked:
        print()
        print("checks after every password change (outside the timed window):")
        for r in checked:
            print("  %-28s %s" % (r["tool"], r["check_summary"]))
        for r in checked:
            cs = [c for k in ("rtt0", "rtt20") for c in (r["checks"][k] or [])
                  if c.get("verify_disagrees")]
            if cs:
                c = cs[0]
                print("  first disagreement (%s, %s): kinit at %s %s, keytab kvno %s; "
                      "nltrust verify exit %d:" % (
                          r["tool"], c["run"], (c["kinit_dc"] or "?").split(".")[0],
                          "ok" if c["kinit_ok"] else "failed", c["kvno_after"],
                          c["verify_exit"]))
                for line in (c.get("verify_output") or "").strip().splitlines():
                    print("      " + line)
    if loss_rows:
        print()
        print("at %g %% packet loss (lab.sh loss %g, bridge-wide, both directions); every run "
              "counts, failures included:" % (a.loss_pct, a.loss_pct))
        lh = "%-38s %7s %9s %9s %9s %6s  %s" % ("TOOL", "ok", "mean ms", "median", "worst",
                                               "RTcap", "DC (loss-free DC in every run?)")
        print("  " + lh)
        for r in loss_rows:
            cap = (r["capture"] or {}).get("turns")
            print("  %-38s %7s %s %s %s %s  %s%s" % (
                r["tool"], "%d/%d" % (r["ok"], r["runs"]), fmt(r["mean_ms"], ".1f", 9),
                fmt(r["median_ms"], ".1f", 9), fmt(r["max_ms"], ".1f", 9), fmt(cap, "d", 6),
                "-" if r["same_dc"] is None else "%d/%d %s" % (r["same_dc"], r["runs"],
                                                              r["loss_free_dc"]),
                ("  ERROR: " + r["error"]) if r["error"] else ""))
        print("  (RTcap here: turns of one captured run at loss, retransmissions that follow an "
              "answer included)")
    print()
    for t in targets:
        print("%-4s  %-66s %s" % (t["result"], t["target"], t["detail"]))
    kdc = [(tid, k, v) for tid in ids for k, c in (("rtt0", c0), ("rtt20", c20))
           for v in [c["nltrust_verbose"].get(tid)] if v and v.get("kdc_exchanges") is not None]
    if kdc:
        print()
        print("nltrust's Kerberos traffic (from -v):")
        for tid, k, v in kdc:
            print("  %-38s at %-5s %d KDC exchange(s) over %d TCP connection(s)" % (
                by[tid]["tool"], k.upper().replace("RTT", "RTT "), v["kdc_exchanges"],
                v["tcp_connections"]))
    ms_rows = []
    for tid in ids:
        m = milestones(c0["nltrust_verbose"].get(tid), c20["nltrust_verbose"].get(tid), rtt)
        if m:
            ms_rows.append((tid, m))
    if ms_rows:
        print()
        print("where nltrust's round trips go: (t@RTT%g - t@RTT0) / %g when a -v line "
              "arrived (one run each):" % (rtt, rtt))
        for tid, m in ms_rows:
            print("  %-38s %s" % (by[tid]["tool"], ", ".join(
                "%s %.1f" % (label, x) for label, x in m)))
    nl_tl = ("nltrust-netlogon" if "nltrust-netlogon" in c20["nltrust_verbose"]
             else "nltrust-verify-ws1-netlogon")
    for tid in ("nltrust-discover", "nltrust-verify", nl_tl, "nltrust-reset"):
        v = c20["nltrust_verbose"].get(tid)
        if not v:
            continue
        print()
        print("nltrust -v %s at RTT %g (%.1f ms, exit %d); ms since spawn when the line "
              "arrived, and since the line before:" % (
                  " ".join(os.path.basename(x) if x.startswith("/") else x
                           for x in v["argv"][2:]), rtt, v["ms"], v["exit"]))
        prev = 0.0
        for ms, line in v.get("lines") or [[None, l] for l in v["stderr"].splitlines()]:
            if ms is None:
                print("  %7s %7s  %s" % ("", "", line))
                continue
            print("  %7.1f %+7.1f  %s" % (ms, ms - prev, line))
            prev = ms
        print("  %7.1f %+7.1f  (exit)" % (v["ms"], v["ms"] - prev))

    doc = {"meta": dict(meta, runs=c0["runs"], rtt_ms=rtt), "rows": rows,
           "targets": targets, "loss": {"pct": a.loss_pct, "rows": loss_rows} if loss_rows else None,
           "nltrust_verbose": {"rtt0": c0["nltrust_verbose"], "rtt20": c20["nltrust_verbose"]},
           "warmup": {k: {tid: t.get("warmup") for tid, t in c["tools"].items()}
                      for k, c in (("rtt0", c0), ("rtt20", c20))}}
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out + ".tmp", "w") as f:
        json.dump(doc, f, indent=1)
    os.replace(a.out + ".tmp", a.out)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--label", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "7")))
    r.add_argument("--nltrust", required=True)
    r.add_argument("--host", default="cli", help="the lab host this runs in: cli or ws1")
    r.add_argument("--groups", default=",".join(GROUPS))
    r.add_argument("--probe-groups", help="groups whose tools get the RSS/libs probe runs "
                   "(default: all)")
    r.add_argument("--domain", default="lab.test")
    r.add_argument("--realm", default="LAB.TEST")
    r.add_argument("--netbios-domain", default="LAB")
    r.add_argument("--base-dn", default="DC=lab,DC=test")
    r.add_argument("--smbconf", help="minimal smb.conf for net (discover, ping)")
    r.add_argument("--net-lock-dir", help="net's lock directory (gencache.tdb)")
    r.add_argument("--dcs", help="comma-separated DC addresses (port loop)")
    r.add_argument("--dc-names", help="comma-separated DC names (checks)")
    r.add_argument("--portloop", default=os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "portloop.py"))
    r.add_argument("--python", default=sys.executable)
    r.add_argument("--impacket-netlogon", default=os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "impacket_netlogon.py"))
    r.add_argument("--acct-dir", help="keytabs and journals of the scratch accounts")
    r.add_argument("--work-dir", help="scratch files (kinit's ccache)")
    r.add_argument("--krb5-config", help="the host's krb5.conf, for the Kerberos peers")
    r.add_argument("--reset-server", help="the DC given to msktutil --server")
    r.add_argument("--ws1-conf")
    r.add_argument("--ws1-keytab")
    r.add_argument("--ws1-secrets", help="ws1's secrets.tdb (net's checks)")
    r.add_argument("--ws1-dc", help="the DC ws1 uses (its site's; net's kinit check)")
    r.add_argument("--admin-pass-file", help="the lab's Administrator password (samba-tool "
                   "drs replicate after net ads changetrustpw)")
    r.add_argument("--timeout", type=float, default=30.0, help="per process, seconds")
    r.add_argument("--capture-iface", help="count each tool's round trips from a capture of this "
                   "interface (one extra run per tool; needs root)")
    r.add_argument("--capture-rtt-ms", type=float, default=0.0,
                   help="the added RTT, for capture.py's half-RTT rule")
    r.add_argument("--tools", help="only these tool ids (comma-separated), e.g. nltrust-discover")
    r.add_argument("--keep-failing", action="store_true",
                   help="measure a tool whose warm-up failed (packet loss) instead of dropping it")
    q = sub.add_parser("report")
    q.add_argument("--rtt0", required=True, action="append")
    q.add_argument("--rtt20", required=True, action="append")
    q.add_argument("--rtt", type=float, default=20.0, help="the added RTT, ms")
    q.add_argument("--out", required=True)
    q.add_argument("--meta", action="append", default=[], help="KEY=VALUE for the JSON")
    q.add_argument("--loss", action="append", default=[],
                   help="files of a run under packet loss (lab.sh loss PCT), optional")
    q.add_argument("--loss-pct", type=float, default=30.0, help="the loss of --loss, %%")
    c = sub.add_parser("accounts")
    c.add_argument("--groups", default=",".join(GROUPS))
    a = p.parse_args()
    if a.cmd == "run":
        if a.runs < 1:
            p.error("--runs must be >= 1")
        bad = set(a.groups.split(",")) - set(GROUPS)
        if bad:
            p.error("unknown group(s): %s (known: %s)" % (",".join(sorted(bad)),
                                                          ",".join(GROUPS)))
        return cmd_run(a)
    if a.cmd == "accounts":
        print(" ".join(n for g in a.groups.split(",") for n in ACCOUNTS.get(g, [])))
        return 0
    return cmd_report(a)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)

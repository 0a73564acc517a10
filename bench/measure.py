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
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time

# ------------------------------------------------------------------ tools

PORTLOOP_PORTS = "53 88 135 389 445 464 636 3268 3269"


def tool_table(a):
    """The tools, in display order.  group: which nltrust command a row is
    compared with.  expect: regex the warm-up's stdout must match."""
    conf = a.smbconf
    gencache = os.path.join(a.net_lock_dir, "gencache.tdb") if a.net_lock_dir else None
    dcs = [x for x in a.dcs.split(",") if x]
    return [
        dict(id="nltrust-discover", group="discover", name="nltrust discover",
             argv=[a.nltrust, "discover", a.domain], expect=r"<- chosen",
             covers="DNS SRV + A/AAAA of every DC, CLDAP ping to every DC at once, "
                    "DsGetDcName choice"),
        dict(id="adcli-info", group="discover", name="adcli info",
             argv=["adcli", "info", a.domain], expect=r"domain-controller = \S",
             covers="DNS SRV, CLDAP pings (one DC after another, with fixed waits), "
                    "chosen DC and its flags"),
        dict(id="net-ads-lookup", group="discover", name="net ads lookup",
             argv=["net", "ads", "lookup", "-s", conf], expect=r"Domain Controller: \S",
             covers="Samba DC location (server-affinity cache in gencache.tdb, else "
                    "DNS SRV), CLDAP ping to the first DC that answers, its reply"),
        dict(id="net-ads-lookup-nocache", group="discover",
             name="net ads lookup, no cache",
             argv=["net", "ads", "lookup", "-s", conf], expect=r"Domain Controller: \S",
             pre_unlink=gencache,
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


def cmd_run(a):
    signal.signal(signal.SIGALRM, _on_alarm)
    env = dict(os.environ)
    # beside --out, so that bench/run.sh's cleanup removes it even after a kill
    tmpdir = tempfile.mkdtemp(prefix="measure-", dir=os.path.dirname(os.path.abspath(a.out)))
    try:
        return _run(a, env, tmpdir)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def _run(a, env, tmpdir):
    out, err = os.path.join(tmpdir, "out"), os.path.join(tmpdir, "err")
    tools = tool_table(a)
    result = {"label": a.label, "runs": a.runs, "hostname": os.uname().nodename,
              "env": {k: env[k] for k in ("KRB5CCNAME", "KRB5_CONFIG") if k in env},
              "tools": {}}

    def prep(t):
        if t.get("pre_unlink"):
            try:
                os.unlink(t["pre_unlink"])
            except FileNotFoundError:
                pass

    live = []
    for t in tools:
        r = result["tools"][t["id"]] = {"name": t["name"], "group": t["group"],
                                        "argv": t["argv"], "covers": t["covers"],
                                        "samples_ms": [], "exit": []}
        exe = t["argv"][0]
        path = exe if os.sep in exe else shutil.which(exe)
        if not path or not os.access(path, os.X_OK):
            r["error"] = "missing: %s" % exe
            print("bench: %s: %s" % (a.label, r["error"]), file=sys.stderr)
            continue
        t["argv"] = [path] + t["argv"][1:]
        r["argv"] = t["argv"]
        # warm-up: fills the page cache, the DCs' caches, net's gencache
        prep(t)
        ns, code, killed = timed_run(t["argv"], env, out, err, a.timeout)
        stdout = open(out, errors="replace").read()
        r["warmup"] = {"ms": ns / 1e6, "exit": code, "stdout_head": stdout[:2000],
                       "stderr_head": open(err, errors="replace").read()[:2000]}
        if killed or not re.search(t["expect"], stdout):
            r["error"] = ("timed out" if killed else
                          "warm-up output does not match /%s/ (exit %d)" % (t["expect"], code))
            print("bench: %s: %s: %s" % (a.label, t["name"], r["error"]), file=sys.stderr)
            continue
        live.append(t)

    # round-robin, so drift hits every tool alike
    for i in range(a.runs):
        for t in live:
            prep(t)
            ns, code, killed = timed_run(t["argv"], env, out, err, a.timeout)
            r = result["tools"][t["id"]]
            r["samples_ms"].append(round(ns / 1e6, 3))
            r["exit"].append(-9 if killed else code)
        print("bench: %s: round %d/%d done" % (a.label, i + 1, a.runs), file=sys.stderr)

    for t in live:
        r = result["tools"][t["id"]]
        s = r["samples_ms"]
        r.update(median_ms=statistics.median(s), min_ms=min(s), max_ms=max(s))
        prep(t)
        p = probe_run(t["argv"], env, out, err, a.timeout)
        r["probe"] = {"hwm_kb": p["hwm_kb"], "libs": p["libs"], "error": p["error"]}
        r["rss_mb"] = None if p["hwm_kb"] is None else round(p["hwm_kb"] / 1024, 2)
        r["libs"] = None if p["libs"] is None else len(p["libs"])
        prep(t)
        r["libs_lddebug"] = lddebug_run(t["argv"], env, out, err, tmpdir, a.timeout)

    # nltrust's own account of where the time goes
    v = [a.nltrust, "-v", "discover", a.domain]
    ns, code, _ = timed_run(v, env, out, err, a.timeout)
    result["nltrust_verbose"] = {"argv": v, "ms": round(ns / 1e6, 3), "exit": code,
                                 "stderr": open(err, errors="replace").read()[:8000]}
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
    return 0


# ---------------------------------------------------------------- report

def fmt(x, spec, width):
    return ("%" + str(width) + "s") % ("-" if x is None else format(x, spec))


def cmd_report(a):
    c0 = json.load(open(a.rtt0))
    c20 = json.load(open(a.rtt20))
    meta = dict(kv.split("=", 1) for kv in a.meta)
    rtt = a.rtt
    ids = list(c0["tools"].keys())
    rows = []
    for tid in ids:
        t0, t20 = c0["tools"][tid], c20["tools"].get(tid, {})
        m0, m20 = t0.get("median_ms"), t20.get("median_ms")
        rss = [x for x in (t0.get("rss_mb"), t20.get("rss_mb")) if x is not None]
        libs = [x for x in (t0.get("libs"), t20.get("libs")) if x is not None]
        lddb = [x for x in (t0.get("libs_lddebug"), t20.get("libs_lddebug")) if x is not None]
        rows.append({
            "id": tid, "tool": t0["name"], "group": t0["group"], "argv": t0["argv"],
            "covers": t0["covers"],
            "rtt0_median_ms": m0, "rtt20_median_ms": m20,
            "rtt0_samples_ms": t0.get("samples_ms"), "rtt20_samples_ms": t20.get("samples_ms"),
            "rtt0_exit": t0.get("exit"), "rtt20_exit": t20.get("exit"),
            "round_trips": None if m0 is None or m20 is None else (m20 - m0) / rtt,
            "rss_mb": max(rss) if rss else None,
            "libs": max(libs) if libs else None,
            "libs_lddebug": max(lddb) if lddb else None,
            "libs_list": (t0.get("probe") or {}).get("libs"),
            "errors": [e for e in (t0.get("error"), t20.get("error"),
                                   (t0.get("probe") or {}).get("error"),
                                   (t20.get("probe") or {}).get("error")) if e],
        })
    base = {r["group"]: r for r in rows if r["id"].startswith("nltrust-")}
    for r in rows:
        b = base.get(r["group"])
        for k in ("rtt0", "rtt20"):
            mine, ref = r[k + "_median_ms"], b and b[k + "_median_ms"]
            r["ratio_" + k] = (None if r is b or mine is None or not ref
                               else mine / ref)

    by = {r["id"]: r for r in rows}
    disc, adcli = by.get("nltrust-discover"), by.get("adcli-info")
    nets = [by[k] for k in ("net-ads-lookup", "net-ads-lookup-nocache") if k in by]
    targets = []

    def target(name, ok, detail):
        targets.append({"target": name, "result": "n/a" if ok is None else
                        ("PASS" if ok else "MISS"), "detail": detail})

    def both(*xs):
        return all(x is not None for x in xs)

    if both(disc["rtt0_median_ms"], adcli and adcli["rtt0_median_ms"]):
        x = adcli["rtt0_median_ms"] / disc["rtt0_median_ms"]
        target("discover >= 10x faster than adcli info at RTT 0", x >= 10,
               "%.1fx (%.1f ms vs %.1f ms)" % (x, disc["rtt0_median_ms"], adcli["rtt0_median_ms"]))
    else:
        target("discover >= 10x faster than adcli info at RTT 0", None, "no data")
    for k, label in (("rtt0", "0"), ("rtt20", "20")):
        vals = [(n["tool"], n[k + "_median_ms"]) for n in nets if n[k + "_median_ms"] is not None]
        if disc[k + "_median_ms"] is None or not vals:
            target("discover faster than net ads lookup at RTT %s" % label, None, "no data")
            continue
        best = min(v for _, v in vals)
        target("discover faster than net ads lookup at RTT %s" % label,
               disc[k + "_median_ms"] < best,
               "%.1f ms vs %s" % (disc[k + "_median_ms"],
                                   ", ".join("%.1f ms (%s)" % (v, n) for n, v in vals)))
    limit = 2 * rtt + 10
    m20 = disc["rtt20_median_ms"]
    target("discover <= 2 RT + 10 ms at RTT %g (<= %g ms)" % (rtt, limit),
           None if m20 is None else m20 <= limit,
           "no data" if m20 is None else "%.1f ms, %.1f RT" % (m20, disc["round_trips"] or 0))
    nl = [r for r in rows if r["id"].startswith("nltrust-")]
    rss = [r["rss_mb"] for r in nl if r["rss_mb"] is not None]
    target("nltrust peak RSS <= 10 MB", (max(rss) <= 10) if rss else None,
           ", ".join("%s %.2f MB" % (r["tool"], r["rss_mb"]) for r in nl if r["rss_mb"] is not None)
           or "no data")
    libs = [r["libs"] for r in nl if r["libs"] is not None]
    target("nltrust <= 40 shared libraries", (max(libs) <= 40) if libs else None,
           ", ".join("%s %d" % (r["tool"], r["libs"]) for r in nl if r["libs"] is not None)
           or "no data")

    # ---- print
    print("nltrust bench, %s; %s runs per cell (median); RTT 0 = no added delay "
          "(measured %s ms), RTT %g = lab latency %g each way (measured %s ms)"
          % (meta.get("date", "?"), c0["runs"], meta.get("rtt0_measured", "?"), rtt,
             rtt / 2, meta.get("rtt20_measured", "?")))
    print("nltrust: %s; load average %s" % (meta.get("nltrust", "?"), meta.get("load", "?")))
    print()
    hdr = ("%-9s %-26s %9s %9s %6s %7s %5s %8s %8s"
           % ("GROUP", "TOOL", "RTT0 ms", "RTT20 ms", "RT", "RSS MB", "libs",
              "x/nlt@0", "x/nlt@20"))
    print(hdr)
    print("-" * len(hdr))
    last = None
    for r in rows:
        g = r["group"] if r["group"] != last else ""
        last = r["group"]
        print("%-9s %-26s %s %s %s %s %s %s %s%s" % (
            g, r["tool"],
            fmt(r["rtt0_median_ms"], ".1f", 9), fmt(r["rtt20_median_ms"], ".1f", 9),
            fmt(r["round_trips"], ".1f", 6), fmt(r["rss_mb"], ".1f", 7),
            fmt(r["libs"], "d", 5), fmt(r["ratio_rtt0"], ".1f", 8),
            fmt(r["ratio_rtt20"], ".1f", 8),
            ("  ERROR: " + "; ".join(r["errors"])) if r["errors"] else ""))
    print()
    print("RT = (RTT20 - RTT0) / %g: round trips on the critical path.  x/nlt = the row's "
          "median / the nltrust row's of its group." % rtt)
    bad = [(r["tool"], k, r[k]) for r in rows for k in ("rtt0_exit", "rtt20_exit")
           if r[k] and any(c != 0 for c in r[k])]
    for tool, k, codes in bad:
        print("note: %s exit codes at %s: %s" % (tool, k.replace("_exit", ""), codes))
    print()
    for t in targets:
        print("%-4s  %-50s %s" % (t["result"], t["target"], t["detail"]))
    v = c20.get("nltrust_verbose")
    if v:
        print()
        print("nltrust -v discover at RTT %g (%.1f ms, exit %d):" % (rtt, v["ms"], v["exit"]))
        sys.stdout.write("".join("  " + l + "\n" for l in v["stderr"].splitlines()))

    doc = {"meta": dict(meta, runs=c0["runs"], rtt_ms=rtt), "rows": rows,
           "targets": targets,
           "nltrust_verbose": {"rtt0": c0.get("nltrust_verbose"),
                               "rtt20": c20.get("nltrust_verbose")},
           "warmup": {c["label"]: {k: v.get("warmup") for k, v in c["tools"].items()}
                      for c in (c0, c20)}}
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
    r.add_argument("--domain", default="lab.test")
    r.add_argument("--smbconf", required=True)
    r.add_argument("--net-lock-dir", help="net's lock directory (gencache.tdb)")
    r.add_argument("--dcs", required=True, help="comma-separated DC addresses (port loop)")
    r.add_argument("--portloop", default=os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "portloop.py"))
    r.add_argument("--python", default=sys.executable)
    r.add_argument("--timeout", type=float, default=30.0, help="per process, seconds")
    q = sub.add_parser("report")
    q.add_argument("--rtt0", required=True)
    q.add_argument("--rtt20", required=True)
    q.add_argument("--rtt", type=float, default=20.0, help="the added RTT, ms")
    q.add_argument("--out", required=True)
    q.add_argument("--meta", action="append", default=[], help="KEY=VALUE for the JSON")
    a = p.parse_args()
    if a.cmd == "run":
        if a.runs < 1:
            p.error("--runs must be >= 1")
        return cmd_run(a)
    return cmd_report(a)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)

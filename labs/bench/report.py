#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the raw runs of labs/bench/guest.sh into a table and results.json.

usage: labs/bench/report.py BENCHDIR     (make bench: build/bench)

BENCHDIR holds host-env.txt (written by run.sh) and raw/ (written in the
VM). Every metric is a median over the rounds. Ratios are medians of
per-round ratios: run i of one variant against run i of the other, which
ran a few seconds apart. Under QEMU/TCG a single run moves by about 20 %,
so only such paired ratios mean anything, and even they only to a few
per cent.
"""
import json
import os
import re
import statistics
import sys

VARIANTS = ["ours", "stock", "go", "notrace", "traced"]
LABELS = {
    "ours": "wgtour.ko (tracepoints in, off)",
    "stock": "wireguard.ko (stock)",
    "go": "wireguard-go",
    "notrace": "wgtour.ko (tracepoints out)",
    "traced": "wgtour.ko + bpftrace wgtour:*",
}
METRICS = ["tcp_mbps", "udp_mbps", "ping_ms"]
# pairs whose ratio the report gives: (numerator, denominator)
PAIRS = [("ours", "stock"), ("go", "stock"), ("notrace", "stock"),
         ("traced", "stock"), ("ours", "notrace"), ("traced", "notrace"),
         ("traced", "ours")]


def read_env(path):
    env = {}
    if not os.path.exists(path):
        return env
    with open(path) as f:
        for line in f:
            for m in re.finditer(r'(\w+)=(.*?)(?=\s\w+=|$)', line.rstrip("\n")):
                env[m.group(1)] = m.group(2)
    return env


def ping_rtts(path):
    try:
        with open(path) as f:
            return [float(x) for x in re.findall(r'time=([\d.]+) ms', f.read())]
    except OSError:
        return []


def iperf(path):
    """(receiver Mbit/s, extra) of an iperf3 -J file, or (None, error)."""
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as err:
        return None, {"error": str(err)}
    if "error" in data and "end" not in data:
        return None, {"error": data["error"]}
    end = data.get("end", {})
    recv = end.get("sum_received") or end.get("sum") or {}
    bps = recv.get("bits_per_second")
    if bps is None:
        return None, {"error": data.get("error", "no result")}
    extra = {}
    if "retransmits" in end.get("sum_sent", {}):
        extra["retransmits"] = end["sum_sent"]["retransmits"]
    if "lost_percent" in end.get("sum", {}):
        extra["lost_percent"] = end["sum"]["lost_percent"]
        extra["sent_mbps"] = end.get("sum_sent", end["sum"])["bits_per_second"] / 1e6
    return bps / 1e6, extra


def bpftrace_events(path):
    try:
        with open(path) as f:
            counts = {m.group(1): int(m.group(2)) for m in
                      re.finditer(r'@\[tracepoint:wgtour:(\w+)\]: (\d+)', f.read())}
    except OSError:
        return None
    return counts


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def load_runs(raw):
    runs = []
    with open(os.path.join(raw, "runs.txt")) as f:
        for line in f:
            fields = line.split()
            if len(fields) < 3:
                continue
            variant, rnd, status = fields[:3]
            prefix = os.path.join(raw, f"{variant}-{rnd}")
            rtts = ping_rtts(prefix + "-ping.txt")
            tcp, tcp_x = iperf(prefix + "-tcp.json")
            udp, udp_x = iperf(prefix + "-udp.json")
            run = {
                "variant": variant, "round": int(rnd), "status": status,
                "wgtour_events_registered": int(fields[3]) if len(fields) > 3 else None,
                "tcp_mbps": tcp, "tcp": tcp_x, "udp_mbps": udp, "udp": udp_x,
                "ping_ms": median(rtts), "ping_rtts_ms": rtts,
            }
            if variant == "traced":
                counts = bpftrace_events(prefix + "-bpftrace.txt")
                run["bpftrace_events"] = counts
                run["bpftrace_total"] = sum(counts.values()) if counts else None
            runs.append(run)
    return runs


def paired_ratio(runs, num, den, metric):
    by = {(r["variant"], r["round"]): r[metric] for r in runs}
    ratios = []
    for (v, rnd), x in by.items():
        y = by.get((den, rnd))
        if v == num and x is not None and y:
            ratios.append(x / y)
    return median(ratios), ratios


def fmt(x, spec):
    return format(x, spec) if x is not None else "-"


def main():
    bench = sys.argv[1] if len(sys.argv) > 1 else "build/bench"
    raw = os.path.join(bench, "raw")
    env = read_env(os.path.join(raw, "env.txt"))
    env.update(read_env(os.path.join(bench, "host-env.txt")))
    runs = load_runs(raw)

    medians = {}
    for v in VARIANTS:
        mine = [r for r in runs if r["variant"] == v]
        medians[v] = {m: median([r[m] for r in mine]) for m in METRICS}
        medians[v]["udp_lost_percent"] = median(
            [r["udp"].get("lost_percent") for r in mine])
        medians[v]["runs"] = len(mine)
        medians[v]["failed_runs"] = sum(r["status"] != "ok" for r in mine)
        if v == "traced":
            medians[v]["bpftrace_total"] = median([r.get("bpftrace_total") for r in mine])
    ratios = {}
    for num, den in PAIRS:
        key = f"{num}/{den}"
        ratios[key] = {}
        for m in METRICS:
            med, each = paired_ratio(runs, num, den, m)
            mn, md = medians[num][m], medians[den][m]
            ratios[key][m] = {"paired_median": med, "per_round": each,
                              "of_medians": mn / md if mn is not None and md else None}

    results = {"environment": env, "runs": runs, "medians": medians,
               "ratios": ratios,
               "note": "QEMU/TCG, -cpu qemu64: a single run varies by about +-20 %; "
                       "only ratios of interleaved runs (paired_median) mean anything"}
    with open(os.path.join(bench, "results.json"), "w") as f:
        json.dump(results, f, indent=1)

    print(f"wgtour bench: {env.get('kernel', '?')}, {env.get('smp', '?')} vCPUs "
          f"({env.get('cpu_model', '?')}), QEMU/TCG; {env.get('rounds', '?')} interleaved "
          f"rounds, iperf3 {env.get('secs', '?')} s a stream, "
          f"{env.get('pings', '?')} pings; commit {env.get('git_commit', '?')[:12]}"
          + (" (module/ has uncommitted changes)" if env.get("module_dirty", "0") != "0" else ""))
    print(f"host: {env.get('host_cpus', '?')} CPUs, load average "
          f"{env.get('host_loadavg_before', '?')} before, {env.get('host_loadavg_after', '?')} after; "
          f"{env.get('host_other_qemus', '?')} other QEMU processes at the start"
          " (a busy host slows the guest down and widens the noise)")
    busy = False
    for when in ("host_loadavg_before", "host_loadavg_after"):
        try:
            busy |= float(env[when].split()[0]) > float(env["host_cpus"])
        except (KeyError, ValueError, IndexError):
            pass
    if busy:
        print("WARNING: the host was busy (1-minute load average above its CPU count, before or after):")
        print("         the guest's vCPUs were starved unevenly; runs vary far beyond the usual +-20 %")
    print()
    print(f"{'variant':33} {'TCP Mbit/s':>10} {'UDP Mbit/s':>10} {'UDP loss':>8} "
          f"{'ping ms':>7}   {'TCP':>5} {'UDP':>5} {'ping':>5}  (x stock)")
    for v in VARIANTS:
        md = medians[v]
        r = ratios.get(f"{v}/stock", {})
        cols = [fmt(r.get(m, {}).get("paired_median"), ".2f") if v != "stock" else "1"
                for m in METRICS]
        fail = f"  [{md['failed_runs']} of {md['runs']} runs failed]" if md["failed_runs"] else ""
        print(f"{LABELS[v]:33} {fmt(md['tcp_mbps'], '10.1f')} {fmt(md['udp_mbps'], '10.1f')} "
              f"{fmt(md['udp_lost_percent'], '7.1f')}% {fmt(md['ping_ms'], '7.3f')}   "
              f"{cols[0]:>5} {cols[1]:>5} {cols[2]:>5}{fail}")
    print()
    print("spread over the runs (min-max): TCP Mbit/s, UDP Mbit/s, ping ms")
    for v in VARIANTS:
        mine = [r for r in runs if r["variant"] == v]
        cells = []
        for m, spec in (("tcp_mbps", ".1f"), ("udp_mbps", ".1f"), ("ping_ms", ".2f")):
            xs = [r[m] for r in mine if r[m] is not None]
            cells.append(f"{min(xs):{spec}}-{max(xs):{spec}}" if xs else "-")
        print(f"  {LABELS[v]:33} {cells[0]:>13} {cells[1]:>13} {cells[2]:>13}")
    print()
    print("what the tracepoints cost (paired ratios; TCP, UDP: higher is faster; ping: lower is faster)")
    for num, den in [("ours", "notrace"), ("traced", "notrace"), ("traced", "ours")]:
        r = ratios[f"{num}/{den}"]
        print(f"  {num + ' / ' + den:18} TCP {fmt(r['tcp_mbps']['paired_median'], '.2f')}  "
              f"UDP {fmt(r['udp_mbps']['paired_median'], '.2f')}  "
              f"ping {fmt(r['ping_ms']['paired_median'], '.2f')}")
    tot = medians["traced"].get("bpftrace_total")
    if tot is not None:
        print(f"  (bpftrace counted a median {tot:.0f} wgtour events per traced run)")
    print()
    print("noise: one run varies by about +-20 % under QEMU/TCG; medians of the runs, and ratios")
    print("paired round by round (interleaved runs seconds apart), are all that mean anything here;")
    print("a ratio within about 0.9-1.1 is no difference. Raw runs: results.json.")
    return 1 if any(r["status"] != "ok" for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the raw runs of labs/bench/guest.sh into a table, results.json and
ratios.svg.

usage: labs/bench/report.py BENCHDIR     (make bench: build/bench)

BENCHDIR holds host-env.txt (written by run.sh), raw/ (the 2-vCPU boot:
every variant and case, and the crypto ceiling) and, when the 4-vCPU boot
ran, raw-smp4/ (ours and stock, TCP with 4 streams). With no run listed in
raw/runs.txt (or no such file) it says so and exits 1, writing nothing.
It writes BENCHDIR/results.json and BENCHDIR/ratios.svg, and prints the
table. The rows of the variants rawtp, tpbtf and tpcount (count-events'
raw_tp, tp_btf and tracepoint programs on every wgtour event, not run by
default) are there only when raw/ has runs of them.

Each metric compares two variants measured in the same round of the same
boot, seconds apart: per round the ratio num / den (for UDP loss, the
difference in percentage points; for the cost of a traced event,
microseconds: see PER_EVENT), then the median of those per-round values
with a 95 % percentile-bootstrap interval: the rounds resampled with
replacement BOOT_RESAMPLES times, the median of each resample, the 2.5th and
97.5th percentiles of those medians. The generator is seeded with the
metric's name, so the same raw data always gives the same numbers. Under
QEMU/TCG a single run moves by about 20 %; only such paired comparisons
mean anything, and with few rounds the interval is wide: an interval that
straddles a goal says "unclear", not "met".
"""
import json
import math
import operator
import os
import random
import re
import statistics
import sys
from xml.sax.saxutils import escape

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "traces"))
from render import svg_start  # noqa: E402  traces/render.py: every SVG's first lines

BOOT_RESAMPLES = 10000
VARIANTS = ["ours", "stock", "go", "notrace", "traced", "rawtp", "tpbtf", "tpcount"]
LABELS = {
    "ours": "wgtour.ko (tracepoints in, off)",
    "stock": "wireguard.ko (stock)",
    "go": "wireguard-go",
    "notrace": "wgtour.ko (tracepoints out)",
    "traced": "wgtour.ko + bpftrace wgtour:*",
    "rawtp": "wgtour.ko + raw_tp wgtour:*",
    "tpbtf": "wgtour.ko + tp_btf wgtour:*",
    "tpcount": "wgtour.ko + tracepoint wgtour:*",
}
# Not in make bench's default run (BENCH_VARIANTS): their metrics are left
# out of the table, results.json and ratios.svg when no run of theirs is.
# count-events' mode for each of its variants (labs/bench/guest.sh).
COUNT_MODES = {"rawtp": "raw_tp", "tpbtf": "tp_btf", "tpcount": "tracepoint"}
OPTIONAL_VARIANTS = set(COUNT_MODES)
# The variants that count every wgtour event: what counts them (the prefix
# of the run's keys <counter>_events, _total and _per_datagram, the events
# per datagram received) and the file it writes: bpftrace for traced,
# count-events for the others.
EVENT_COUNTERS = {"traced": ("bpftrace", "-bpftrace.txt"),
                  **{v: ("count", "-count.txt") for v in COUNT_MODES}}
# What each run yields (None when the case did not run or failed).
VALUES = ["tcp_mbps", "tcp4_mbps", "udp_mbps", "udp_pps", "udp_lost_percent",
          "udp64_pps", "udp64_lost_percent", "ping_ms", "loaded_ping_ms",
          "loaded_tcp_mbps"]
# tcrypt's block size closest to a tunnel datagram: 1420 bytes, the
# WireGuard MTU (tcrypt.c's aead_sizes).
CRYPTO_BLOCK = 1420


def count_metrics(variant, tcp):
    """The rows of a count-events variant: TCP (when asked), UDP 64 B
    packets/s and µs per event, each over ours'."""
    mode = COUNT_MODES[variant]
    rows = [(f"{variant}_tcp", f"{mode} on: TCP", (variant, "tcp_mbps"),
             ("ours", "tcp_mbps"), "smp2", "ratio", None)] if tcp else []
    return rows + [
        (f"{variant}_udp64", f"{mode} on: UDP 64 B pkt/s", (variant, "udp64_pps"),
         ("ours", "udp64_pps"), "smp2", "ratio", None),
        (f"{variant}_event_us", f"{mode} on: us per event, UDP 64 B",
         (variant, "udp64_pps"), ("ours", "udp64_pps"), "smp2", "per_event", None),
    ]


# The metrics: key, title, numerator (variant, value), denominator
# (variant, value), boot ("smp2": raw/, "smp4": raw-smp4/), kind ("ratio"
# num/den, "diff" num - den, "per_event" see PER_EVENT) and goal (op,
# bound) or None.
METRICS = [
    ("tcp", "TCP, 1 stream", ("ours", "tcp_mbps"), ("stock", "tcp_mbps"),
     "smp2", "ratio", (">=", 1.0)),
    ("tcp4_smp4", "TCP, 4 streams, 4 vCPUs", ("ours", "tcp4_mbps"),
     ("stock", "tcp4_mbps"), "smp4", "ratio", (">=", 1.0)),
    ("tcp4_smp2", "TCP, 4 streams, 2 vCPUs", ("ours", "tcp4_mbps"),
     ("stock", "tcp4_mbps"), "smp2", "ratio", None),
    ("udp_pps", "UDP 1368 B, packets/s received", ("ours", "udp_pps"),
     ("stock", "udp_pps"), "smp2", "ratio", (">=", 1.0)),
    ("udp64_pps", "UDP 64 B, packets/s received", ("ours", "udp64_pps"),
     ("stock", "udp64_pps"), "smp2", "ratio", (">=", 1.0)),
    ("ping", "ping RTT, idle", ("ours", "ping_ms"), ("stock", "ping_ms"),
     "smp2", "ratio", ("<=", 1.0)),
    ("ping_loaded", "ping RTT under a TCP stream", ("ours", "loaded_ping_ms"),
     ("stock", "loaded_ping_ms"), "smp2", "ratio", ("<=", 1.0)),
    ("loss", "UDP flood 1368 B, loss (% points)", ("ours", "udp_lost_percent"),
     ("stock", "udp_lost_percent"), "smp2", "diff", ("<=", 0.0)),
    ("loss64", "UDP flood 64 B, loss (% points)", ("ours", "udp64_lost_percent"),
     ("stock", "udp64_lost_percent"), "smp2", "diff", ("<=", 0.0)),
    ("notrace_tcp", "tracepoints off: TCP", ("ours", "tcp_mbps"),
     ("notrace", "tcp_mbps"), "smp2", "ratio", (">=", 0.99)),
    ("notrace_udp64", "tracepoints off: UDP 64 B pkt/s", ("ours", "udp64_pps"),
     ("notrace", "udp64_pps"), "smp2", "ratio", (">=", 0.99)),
    ("traced_tcp", "bpftrace on: TCP", ("traced", "tcp_mbps"),
     ("ours", "tcp_mbps"), "smp2", "ratio", (">=", 0.85)),
    ("traced_udp64", "bpftrace on: UDP 64 B pkt/s", ("traced", "udp64_pps"),
     ("ours", "udp64_pps"), "smp2", "ratio", (">=", 0.85)),
    # No goal: it explains traced_udp64's ratio rather than being one.
    ("traced_event_us", "bpftrace on: us per event, UDP 64 B",
     ("traced", "udp64_pps"), ("ours", "udp64_pps"), "smp2", "per_event", None),
    # No goals: what the events cost with count-events' programs, for
    # comparison: raw_tp and tp_btf without records, tracepoint with them.
    *count_metrics("rawtp", tcp=True),
    *count_metrics("tpbtf", tcp=False),
    *count_metrics("tpcount", tcp=True),
    # The same records, bpftrace's program against count-events': what
    # bpftrace's own map costs on top of them.
    ("traced_tpcount_tcp", "bpftrace / tracepoint: TCP", ("traced", "tcp_mbps"),
     ("tpcount", "tcp_mbps"), "smp2", "ratio", None),
    ("traced_tpcount", "bpftrace / tracepoint: UDP 64 B", ("traced", "udp64_pps"),
     ("tpcount", "udp64_pps"), "smp2", "ratio", None),
    ("crypto", "TCP / crypto ceiling", ("ours", "tcp_mbps"),
     ("crypto", "ceiling_mbps"), "smp2", "ratio", (">=", 0.7)),
    ("crypto_stock", "stock TCP / crypto ceiling", ("stock", "tcp_mbps"),
     ("crypto", "ceiling_mbps"), "smp2", "ratio", None),
    ("go_tcp", "wireguard-go TCP", ("go", "tcp_mbps"), ("stock", "tcp_mbps"),
     "smp2", "ratio", None),
]
# A "per_event" metric, in µs (the printed table's footnote says how it is
# worked out). rx_udp stands for the datagrams because it fires once per
# data datagram received, whichever case sent it.
PER_EVENT = ("us per event (bpftrace on): (1/pkt/s traced - 1/pkt/s ours), each round,\n"
             "  over the traced run's wgtour events per rx_udp (one per datagram received);\n"
             "  bpftrace counts the run's five cases together, so that ratio is the whole\n"
             "  run's, not the 64-byte flood's own")
# Its last lines when the count-events rows are in the table.
PER_EVENT_COUNT = ("  raw_tp, tp_btf, tracepoint on: the same, counted by count-events\n"
                   "  (build/count-events: a raw_tp or tp_btf program per event, given the\n"
                   "  tracepoint's arguments, or a tracepoint program, given the event's\n"
                   "  record, filled first, as bpftrace's programs are)")
# Scaling from 2 to 4 vCPUs against stock's: (ours/stock at 4 vCPUs) /
# (ours/stock at 2 vCPUs), which equals ours' scaling over stock's; the two
# boots are not paired round by round, so each side is resampled alone.
SCALING = ("scaling", "TCP 4 streams: scaling 2->4 vCPUs",
           "tcp4_smp4", "tcp4_smp2", (">=", 1.0))


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
    """(receiver Mbit/s, extra) of an iperf3 -J file, or (None, error).
    For UDP, extra has the receiver's packets/s and lost_percent."""
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
    if "packets" in recv and "lost_packets" in recv and recv.get("seconds"):
        # iperf3's "packets" at the receiver counts what was sent (the
        # highest sequence number seen); those that arrived are the rest.
        extra["pps"] = (recv["packets"] - recv["lost_packets"]) / recv["seconds"]
    return bps / 1e6, extra


def bpftrace_events(path):
    try:
        with open(path) as f:
            counts = {m.group(1): int(m.group(2)) for m in
                      re.finditer(r'@\[tracepoint:wgtour:(\w+)\]: (\d+)', f.read())}
    except OSError:
        return None
    return counts


def count_events(path):
    """The counts count-events printed when it stopped ("NAME COUNT" lines
    after its "attached" line; "total N" is their sum), or None without
    the file."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return None
    _, attached, after = text.partition("count-events: attached")
    return {m.group(1): int(m.group(2)) for m in
            re.finditer(r'^(\w+) (\d+)$', after if attached else "", re.M)
            if m.group(1) != "total"}


def tcrypt(path, vcpus):
    """The crypto ceiling of one run of tcrypt mode=213 sec=1 (its dmesg
    lines): rfc7539esp(chacha20,poly1305) sealing and opening CRYPTO_BLOCK
    bytes, each on one vCPU. The ceiling is the tunnel payload, in Mbit/s,
    that every vCPU could seal once and open once if it did nothing else:
    vcpus / (1/seal + 1/open)."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return None, {"error": "no tcrypt output"}
    rates = {}
    driver = None
    direction = None
    for line in text.splitlines():
        m = re.search(r'testing speed of \S+ \((\S+)\) (encryption|decryption)', line)
        if m:
            driver, direction = m.group(1), m.group(2)
            continue
        m = re.search(r'\(\d+ bit key, (\d+) byte blocks\): (\d+) operations in (\d+) '
                      r'seconds \((\d+) bytes\)', line)
        if m and direction and int(m.group(1)) == CRYPTO_BLOCK and int(m.group(3)) > 0:
            rates[direction] = int(m.group(4)) / int(m.group(3))
    extra = {"driver": driver, "block": CRYPTO_BLOCK,
             "seal_MBps": rates.get("encryption", 0) / 1e6 or None,
             "open_MBps": rates.get("decryption", 0) / 1e6 or None,
             "vcpus": vcpus}
    if len(rates) != 2 or not vcpus or not all(rates.values()):
        extra["error"] = "no rate for both directions at %d-byte blocks" % CRYPTO_BLOCK
        return None, extra
    per_vcpu = 1 / (1 / rates["encryption"] + 1 / rates["decryption"])
    return vcpus * per_vcpu * 8 / 1e6, extra


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def load_runs(raw, boot):
    """Every run listed in RAW/runs.txt, with its values."""
    runs = []
    env = read_env(os.path.join(raw, "env.txt"))
    try:
        vcpus = int(env.get("smp", ""))
    except ValueError:
        vcpus = None
    try:
        f = open(os.path.join(raw, "runs.txt"))
    except OSError:
        return runs
    with f:
        for line in f:
            fields = line.split()
            if len(fields) < 3:
                continue
            variant, rnd, status = fields[:3]
            prefix = os.path.join(raw, f"{variant}-{rnd}")
            run = {"boot": boot, "variant": variant, "round": int(rnd),
                   "status": status}
            if variant == "crypto":
                run["ceiling_mbps"], run["crypto"] = tcrypt(prefix + "-tcrypt.txt", vcpus)
                runs.append(run)
                continue
            run["wgtour_events_registered"] = int(fields[3]) if len(fields) > 3 else None
            for case in ("tcp", "tcp4", "udp", "udp64", "loaded-tcp"):
                mbps, extra = iperf(f"{prefix}-{case}.json")
                name = case.replace("-", "_")
                run[name + "_mbps"], run[name] = mbps, extra
            for case in ("udp", "udp64"):
                run[case + "_pps"] = run[case].get("pps")
                run[case + "_lost_percent"] = run[case].get("lost_percent")
            for case, name in (("ping", "ping"), ("loaded-ping", "loaded_ping")):
                rtts = ping_rtts(f"{prefix}-{case}.txt")
                run[name + "_ms"], run[name + "_rtts_ms"] = median(rtts), rtts
            if run["loaded_tcp_mbps"] is None:
                # no stream ran (iperf3 failed): these pings were not under load
                run["loaded_ping_ms"] = None
            if variant in EVENT_COUNTERS:
                counter, suffix = EVENT_COUNTERS[variant]
                parse = bpftrace_events if counter == "bpftrace" else count_events
                counts = parse(prefix + suffix)
                total = sum(counts.values()) if counts else None
                run[counter + "_events"] = counts
                run[counter + "_total"] = total
                # None without a file or an rx_udp line: no round to divide by
                run[counter + "_per_datagram"] = (total / counts["rx_udp"]
                                                  if counts and counts.get("rx_udp") else None)
            runs.append(run)
    return runs


def paired(runs, boot, num, den, kind):
    """Per-round num/den (or num - den, or per_event) over the rounds where
    both ran ok and the value can be had: ([round, ...], [value, ...])."""
    by = {(r["variant"], r["round"]): r for r in runs
          if r["boot"] == boot and r["status"] == "ok"}
    rounds, vals = [], []
    for (v, rnd) in sorted(by, key=lambda k: k[1]):
        if v != num[0] or (den[0], rnd) not in by:
            continue
        x, y = by[(v, rnd)].get(num[1]), by[(den[0], rnd)].get(den[1])
        if x is None or y is None:
            continue
        if kind == "ratio":
            if y == 0:
                continue
            vals.append(x / y)
        elif kind == "per_event":
            per = by[(v, rnd)].get(EVENT_COUNTERS[v][0] + "_per_datagram")
            if not (x and y and per):
                continue
            vals.append((1 / x - 1 / y) * 1e6 / per)
        else:
            vals.append(x - y)
        rounds.append(rnd)
    return rounds, vals


def bootstrap(samples, stat, seed):
    """95 % percentile-bootstrap interval of stat(resample, ...): each list
    in SAMPLES resampled with replacement, on its own, BOOT_RESAMPLES
    times; the generator seeded with SEED (a string: the same on every
    run of Python)."""
    rng = random.Random(seed)
    est = sorted(stat(*[[rng.choice(s) for _ in s] for s in samples])
                 for _ in range(BOOT_RESAMPLES))
    return [est[int(0.025 * BOOT_RESAMPLES)], est[int(0.975 * BOOT_RESAMPLES) - 1]]


# A goal (op, bound): the value must be at least (">=") or at most ("<=")
# the bound.
HOLDS = {">=": operator.ge, "<=": operator.le}


def judge(entry, goal):
    """A metric's goal and verdict: met when the goal holds at both ends of
    its 95 % interval (so all along it), missed when at neither, unclear
    when the interval straddles the bound."""
    entry["goal"] = {"op": goal[0], "value": goal[1]} if goal else None
    entry["verdict"] = None
    if goal and entry.get("ci95"):
        holds = [HOLDS[goal[0]](end, goal[1]) for end in entry["ci95"]]
        entry["verdict"] = "met" if all(holds) else "unclear" if any(holds) else "missed"
    return entry


def metrics(runs):
    out = []
    by_key = {}
    ran = {r["variant"] for r in runs}
    for key, title, num, den, boot, kind, goal in METRICS:
        if any(v in OPTIONAL_VARIANTS and v not in ran for v in (num[0], den[0])):
            continue
        rounds, vals = paired(runs, boot, num, den, kind)
        entry = {"key": key, "title": title, "kind": kind, "boot": boot,
                 "pair": f"{num[0]}{'/' if kind == 'ratio' else ' - '}{den[0]}",
                 "numerator": list(num), "denominator": list(den),
                 "n": len(vals), "rounds": rounds, "per_round": vals,
                 "median": median(vals),
                 "ci95": bootstrap([vals], statistics.median, key) if vals else None}
        by_key[key] = entry
        out.append(judge(entry, goal))
    key, title, top, bottom, goal = SCALING
    a, b = by_key[top]["per_round"], by_key[bottom]["per_round"]
    entry = {"key": key, "title": title, "kind": "ratio", "boot": "smp4/smp2",
             "pair": "ours/stock", "n": min(len(a), len(b)),
             "of": [top, bottom], "rounds": by_key[top]["rounds"],
             "per_round": [x / median(b) for x in a] if a and b else [],
             "median": median(a) / median(b) if a and b else None,
             "ci95": bootstrap([a, b], lambda x, y: statistics.median(x) /
                               statistics.median(y), key) if a and b else None,
             "note": f"median({top}) / median({bottom}); each resampled alone; "
                     f"per_round: each round of {top} over the median of {bottom}"}
    out.append(judge(entry, goal))
    return out


def fmt(x, spec):
    """x formatted, or "-" as wide as SPEC's width."""
    if x is not None:
        return format(x, spec)
    return "-".rjust(int(re.match(r"\d*", spec).group() or 0))


def svg_axis(lo, hi, log):
    """Map a value to 0..1 on the panel's axis, and the axis' ticks."""
    if log:
        lo, hi = math.log(lo), math.log(hi)
        cands = [0.05, 0.1, 0.25, 0.5, 0.7, 0.85, 1.0, 1.25, 1.5, 2, 3, 4, 8]
        ticks = [t for t in cands if lo <= math.log(t) <= hi]

        def pos(v):
            return (math.log(max(v, 1e-9)) - lo) / (hi - lo)
    else:
        step = 10 ** math.floor(math.log10(max(hi - lo, 1e-9)))
        if (hi - lo) / step < 4:
            step /= 2
        ticks = [i * step for i in range(math.ceil(lo / step), math.floor(hi / step) + 1)]

        def pos(v):
            return (v - lo) / (hi - lo)
    return pos, ticks


def svg(entries, title, subtitle):
    """ratios.svg: a row per metric, each round's value a dot, the median a
    tick, the 95 % interval a bar, grey lines at 1.0 (0 for differences),
    the goal a red dashed mark."""
    W, label_w, right = 1160, 440, 110
    row_h, top = 34, 84
    plot_x0, plot_x1 = label_w, W - right
    panels = []
    for kind, log, ref, axis_title in (("ratio", True, 1.0, "ratio (log scale)"),
                                       ("diff", False, 0.0, "difference, % points"),
                                       ("per_event", False, 0.0, "us per traced event")):
        rows = [e for e in entries if e["kind"] == kind]
        if not rows:
            continue
        vals = [ref] + [v for e in rows for v in e["per_round"]]
        vals += [v for e in rows for v in (e["ci95"] or [])]
        vals += [e["goal"]["value"] for e in rows if e["goal"]]
        lo, hi = min(vals), max(vals)
        if log:
            lo, hi = max(lo, 1e-3) / 1.15, hi * 1.15
        else:
            pad = max((hi - lo) * 0.08, 0.5)
            lo, hi = lo - pad, hi + pad
        panels.append((rows, svg_axis(lo, hi, log), ref, axis_title))
    height = top + sum(len(p[0]) * row_h + 70 for p in panels) + 40
    o = svg_start(W, height, 13, title, subtitle=subtitle)
    o.append('<text x="10" y="62" font-size="12" fill="#444">dots: one per round; black '
             'tick: median; blue bar: 95 % bootstrap interval; grey line: no difference; '
             'red dashes: the goal</text>')
    y = top
    for rows, (pos, ticks), ref, axis_title in panels:
        def X(v):
            return plot_x0 + (plot_x1 - plot_x0) * min(max(pos(v), 0.0), 1.0)
        y0, y1 = y, y + len(rows) * row_h
        for t in ticks:
            o.append(f'<line x1="{X(t):.1f}" y1="{y0}" x2="{X(t):.1f}" y2="{y1}" '
                     'stroke="#e4e4e4"/>')
            o.append(f'<text x="{X(t):.1f}" y="{y1 + 16}" text-anchor="middle" '
                     f'font-size="12">{t:g}</text>')
        o.append(f'<text x="{(plot_x0 + plot_x1) / 2:.1f}" y="{y1 + 34}" '
                 f'text-anchor="middle" font-size="12">{escape(axis_title)}</text>')
        o.append(f'<line x1="{X(ref):.1f}" y1="{y0 - 4}" x2="{X(ref):.1f}" y2="{y1 + 2}" '
                 'stroke="#777" stroke-width="1.5"/>')
        for i, e in enumerate(rows):
            cy = y0 + i * row_h + row_h / 2
            if i % 2:
                o.append(f'<rect x="0" y="{cy - row_h / 2:.1f}" width="{W}" '
                         f'height="{row_h}" fill="#000" fill-opacity="0.03"/>')
            label = f"{e['title']} ({e['pair']}, n={e['n']})"
            o.append(f'<text x="{label_w - 10}" y="{cy + 4:.1f}" text-anchor="end">'
                     f'{escape(label)}</text>')
            if e["ci95"]:
                a, b = X(e["ci95"][0]), X(e["ci95"][1])
                o.append(f'<rect x="{a:.1f}" y="{cy - 6:.1f}" width="{max(b - a, 2):.1f}" '
                         'height="12" fill="#4a7fd4" fill-opacity="0.35"/>')
            if e["goal"]:
                g = X(e["goal"]["value"])
                o.append(f'<line x1="{g:.1f}" y1="{cy - 13:.1f}" x2="{g:.1f}" '
                         f'y2="{cy + 13:.1f}" stroke="#d62728" stroke-width="2" '
                         'stroke-dasharray="4 3"/>')
            n = len(e["per_round"])
            for j, v in enumerate(e["per_round"]):
                dy = (j - (n - 1) / 2) * (8 / max(n - 1, 1)) if n > 1 else 0
                o.append(f'<circle cx="{X(v):.1f}" cy="{cy + dy:.1f}" r="3.5" '
                         'fill="#222" fill-opacity="0.7"/>')
            if e["median"] is not None:
                m = X(e["median"])
                o.append(f'<line x1="{m:.1f}" y1="{cy - 10:.1f}" x2="{m:.1f}" '
                         f'y2="{cy + 10:.1f}" stroke="black" stroke-width="3"/>')
                colour = {"met": "#2a7d2a", "missed": "#c0392b"}.get(e["verdict"], "#555")
                o.append(f'<text x="{plot_x1 + 8}" y="{cy + 4:.1f}" font-size="12">'
                         f'{e["median"]:.2f} <tspan fill="{colour}">{e["verdict"] or ""}'
                         '</tspan></text>')
        y = y1 + 70
    o.append('</svg>')
    return "\n".join(o) + "\n"


def main():
    if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    bench = sys.argv[1] if len(sys.argv) > 1 else "build/bench"
    raw = os.path.join(bench, "raw")
    env = read_env(os.path.join(raw, "env.txt"))
    env.update(read_env(os.path.join(bench, "host-env.txt")))
    env4 = read_env(os.path.join(bench, "raw-smp4", "env.txt"))
    runs = load_runs(raw, "smp2")
    if not runs:
        sys.exit(f"report.py: no runs in {os.path.join(raw, 'runs.txt')}: expected "
                 "a line per run, as labs/bench/guest.sh writes it (make bench: build/bench/raw)")
    runs += load_runs(os.path.join(bench, "raw-smp4"), "smp4")

    medians = {}
    for boot in ("smp2", "smp4"):
        for v in VARIANTS:
            mine = [r for r in runs if r["variant"] == v and r["boot"] == boot]
            if not mine:
                continue
            ok = [r for r in mine if r["status"] == "ok"]
            md = {m: median([r.get(m) for r in ok]) for m in VALUES}
            md["runs"] = len(mine)
            md["failed_runs"] = len(mine) - len(ok)
            if v in EVENT_COUNTERS:
                for k in ("_total", "_per_datagram"):
                    k = EVENT_COUNTERS[v][0] + k
                    md[k] = median([r.get(k) for r in ok])
            medians.setdefault(boot, {})[v] = md
    crypto = [r for r in runs if r["variant"] == "crypto"]
    medians["crypto"] = {
        "ceiling_mbps": median([r["ceiling_mbps"] for r in crypto if r["status"] == "ok"]),
        "seal_MBps": median([r["crypto"].get("seal_MBps") for r in crypto]),
        "open_MBps": median([r["crypto"].get("open_MBps") for r in crypto]),
        "driver": next((r["crypto"]["driver"] for r in crypto if r["crypto"].get("driver")), None),
        "runs": len(crypto)}
    scaling = {}
    for v in ("ours", "stock"):
        a = medians.get("smp4", {}).get(v, {}).get("tcp4_mbps")
        b = medians.get("smp2", {}).get(v, {}).get("tcp4_mbps")
        scaling[v] = a / b if a is not None and b else None
    table = metrics(runs)

    results = {"environment": env, "environment_smp4": env4, "runs": runs,
               "medians": medians, "scaling_of_medians": scaling, "metrics": table,
               "bootstrap": {"resamples": BOOT_RESAMPLES, "interval": "95 % percentile",
                             "statistic": "median of the per-round values",
                             "seed": "the metric's key"},
               "note": "QEMU/TCG: a single run varies by about +-20 %; only paired, "
                       "per-round comparisons of interleaved runs mean anything"}
    with open(os.path.join(bench, "results.json"), "w") as f:
        json.dump(results, f, indent=1)

    head = (f"wgtour bench: {env.get('kernel', '?')}, {env.get('smp', '?')} vCPUs "
            f"({env.get('cpu_model', '?')}), QEMU/TCG; {env.get('rounds', '?')} interleaved "
            f"rounds, iperf3 {env.get('secs', '?')} s a stream, "
            f"{env.get('pings', '?')} pings; commit {env.get('git_commit', '?')[:12]}"
            + (" (module/ has uncommitted changes)" if env.get("module_dirty", "0") != "0" else ""))
    print(head)
    if env4:
        print(f"second boot: {env4.get('smp', '?')} vCPUs, {env4.get('rounds', '?')} rounds "
              "of ours and stock, TCP with 4 streams")
    print(f"host: {env.get('host_cpus', '?')} CPUs, load average "
          f"{env.get('host_loadavg_before', '?')} before, {env.get('host_loadavg_after', '?')} after; "
          f"{env.get('host_other_qemus', '?')} other QEMU processes at the start"
          " (a busy host slows the guest down and widens the noise)")
    # Busy: more runnable threads than CPUs before the run; after it, the
    # load average still counts the VM's own vCPU threads, as many as the
    # larger boot had.
    busy = False
    vm_threads = max(int(env.get("smp", 0) or 0), int(env4.get("smp", 0) or 0))
    for when, own in (("host_loadavg_before", 0), ("host_loadavg_after", vm_threads)):
        try:
            busy |= float(env[when].split()[0]) > float(env["host_cpus"]) + own
        except (KeyError, ValueError, IndexError):
            pass
    if busy:
        print("WARNING: the host was busy (1-minute load average above its CPU count before the run,")
        print("         or above that plus the VM's vCPUs after it):")
        print("         the guest's vCPUs were starved unevenly; runs vary far beyond the usual +-20 %")
    try:
        if int(env4.get("smp", 0)) > int(env.get("host_cpus", 0)) > 0:
            print(f"WARNING: {env4['smp']} vCPUs on {env['host_cpus']} host CPUs: "
                  "the 4-vCPU boot cannot scale beyond the host's cores")
    except ValueError:
        pass
    print()
    print(f"{'paired, per round':38} {'pair':14} {'n':>2} {'median':>7}  "
          f"{'95 % interval':>15}  {'goal':>7}  verdict")
    for e in table:
        ci = e["ci95"]
        spec = "7.3f" if e["kind"] == "ratio" else "7.2f"
        cis = f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci and e["kind"] == "ratio" else \
            f"[{ci[0]:.2f}, {ci[1]:.2f}]" if ci else "-"
        goal = f"{e['goal']['op']} {e['goal']['value']:g}" if e["goal"] else ""
        print(f"{e['title']:38} {e['pair']:14} {e['n']:>2} {fmt(e['median'], spec)}  "
              f"{cis:>15}  {goal:>7}  {e['verdict'] or ''}")
    print()
    print("medians of the runs, 2 vCPUs:")
    print(f"  {'variant':33} {'TCP':>6} {'TCP x4':>6} {'UDP':>6} {'UDP pps':>8} {'loss':>5} "
          f"{'64B pps':>8} {'loss':>5} {'ping':>6} {'loaded':>6}")
    print(f"  {'':33} {'Mbit/s':>6} {'Mbit/s':>6} {'Mbit/s':>6} {'':>8} {'%':>5} "
          f"{'':>8} {'%':>5} {'ms':>6} {'ms':>6}")
    for v in VARIANTS:
        md = medians.get("smp2", {}).get(v)
        if not md:
            continue
        fail = f"  [{md['failed_runs']} of {md['runs']} runs failed]" if md["failed_runs"] else ""
        print(f"  {LABELS[v]:33} {fmt(md['tcp_mbps'], '6.1f')} {fmt(md['tcp4_mbps'], '6.1f')} "
              f"{fmt(md['udp_mbps'], '6.1f')} {fmt(md['udp_pps'], '8.0f')} "
              f"{fmt(md['udp_lost_percent'], '5.1f')} {fmt(md['udp64_pps'], '8.0f')} "
              f"{fmt(md['udp64_lost_percent'], '5.1f')} {fmt(md['ping_ms'], '6.2f')} "
              f"{fmt(md['loaded_ping_ms'], '6.2f')}{fail}")
    if "smp4" in medians:
        print(f"medians, {env4.get('smp', '?')} vCPUs: TCP, 4 streams, Mbit/s (scaling: over 2 vCPUs' median)")
        for v, md in medians["smp4"].items():
            fail = f"  [{md['failed_runs']} of {md['runs']} runs failed]" if md["failed_runs"] else ""
            print(f"  {LABELS[v]:33} {fmt(md['tcp4_mbps'], '6.1f')}  "
                  f"scaling {fmt(scaling.get(v), '.2f')}{fail}")
    c = medians["crypto"]
    if c["runs"]:
        print(f"crypto ceiling: {fmt(c['ceiling_mbps'], '.0f')} Mbit/s of tunnel payload "
              f"({env.get('smp', '?')} vCPUs x one vCPU sealing {fmt(c['seal_MBps'], '.1f')} "
              f"and opening {fmt(c['open_MBps'], '.1f')} MB/s, {CRYPTO_BLOCK}-byte blocks, "
              f"tcrypt: {c['driver'] or '?'}; medians of {c['runs']} runs)")
    traced = medians.get("smp2", {}).get("traced", {})
    if traced.get("bpftrace_total") is not None:
        print(f"bpftrace counted a median {traced['bpftrace_total']:.0f} wgtour events per "
              f"traced run, {fmt(traced['bpftrace_per_datagram'], '.1f')} per datagram received")
    for v, kind in COUNT_MODES.items():
        md = medians.get("smp2", {}).get(v, {})
        if md.get("count_total") is not None:
            print(f"count-events ({kind}) counted a median {md['count_total']:.0f} wgtour events "
                  f"per run, {fmt(md['count_per_datagram'], '.1f')} per datagram received")
    print()
    print("verdict: met / missed when the whole 95 % interval is on one side of the goal;")
    print("unclear when it straddles it (more rounds narrow it). Ratios: TCP, UDP higher is")
    print("faster; ping lower is faster; loss: percentage points over stock's.")
    print(PER_EVENT)
    if any(e["numerator"][0] in OPTIONAL_VARIANTS for e in table if "numerator" in e):
        print(PER_EVENT_COUNT)
    print("Raw runs: results.json; each round's value: ratios.svg.")

    subtitle = head if len(head) < 150 else head[:147] + "..."
    with open(os.path.join(bench, "ratios.svg"), "w") as f:
        f.write(svg(table, "wgtour vs stock wireguard.ko: paired per-round comparisons",
                    subtitle))
    return 1 if any(r["status"] != "ok" for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())

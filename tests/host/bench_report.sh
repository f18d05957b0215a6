#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# labs/bench/report.py (make bench's table) on a small hand-made run in
# tests/host/data/bench/: raw/ as labs/bench/guest.sh writes it (3 rounds of
# the five variants and the crypto ceiling, 2 vCPUs), raw-smp4/ (ours and
# stock, 4 streams, 4 vCPUs) and host-env.txt. The numbers it must print are
# worked out here another way, from the raw files: per round the ratio,
# sorted by hand, the middle one the median; with 3 rounds the 95 %
# bootstrap interval of the median is [min, max] (a resample's median is the
# smallest value whenever 2 of its 3 draws are, with probability 7/27, far
# above 2.5 %), and equal ratios give an interval of that one value. So
# that the percentiles themselves are tested, a second run made here has
# 17 rounds of TCP alone, whose interval lies strictly inside [min, max].
. "$(dirname "$0")/../lib/ktap.sh"

cd "$WGTOUR_ROOT" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r tests/host/data/bench "$tmp/b"

ktap_plan 17

python3 labs/bench/report.py "$tmp/b" > "$tmp/table.txt" 2> "$tmp/err.txt"
# shellcheck disable=SC2034 # rc is read in ktap_check's expression
rc=$?
sed 's/^/# /' "$tmp/table.txt" "$tmp/err.txt"
ktap_check "report.py runs on the fixture and exits 0" '[ "$rc" = 0 ]'

# want [-f RESULTS] KEY MEDIAN LO HI: the metric KEY of RESULTS (the
# fixture's results.json) has these (to 1e-9).
want()
{
	local res=$tmp/b/results.json
	[ "$1" != -f ] || { res=$2; shift 2; }
	python3 - "$res" "$@" <<'EOF'
import json, sys
res, key, *want = sys.argv[1:]
m = {e["key"]: e for e in json.load(open(res))["metrics"]}[key]
got = [m["median"]] + m["ci95"]
ok = len(want) == 3 and all(abs(g - float(w)) < 1e-9 for g, w in zip(got, want))
print(f"# {key}: median {got[0]}, ci95 {got[1:]}; want {want}")
sys.exit(0 if ok else 1)
EOF
}

# by_hand KIND VARIANT:WHAT [VARIANT:WHAT]: the test's own arithmetic on
# the raw files, per round NUM/DEN, NUM - DEN, NUM alone or the µs per
# traced event (KIND ratio, diff, value, per_event), then "median lo hi" as
# above. Rounds 1 2 3, or those in $ROUNDS (1 or 3 of them); the fixture's
# copy, or the run in $BENCH_DIR.
by_hand()
{
	python3 - "${BENCH_DIR:-$tmp/b}" "${ROUNDS:-1 2 3}" "$@" <<'EOF'
import json, re, sys
b, rounds, kind, *sides = sys.argv[1:]

def value(side, rnd):
    variant, what = side.split(":")
    p = f"{b}/raw/{variant}-{rnd}"
    if what == "tcp":
        return json.load(open(p + "-tcp.json"))["end"]["sum_received"]["bits_per_second"] / 1e6
    if what == "loss":
        return json.load(open(p + "-udp.json"))["end"]["sum"]["lost_percent"]
    if what == "pps64":
        # what arrived: iperf3's receiver counts as "packets" what was sent
        r = json.load(open(p + "-udp64.json"))["end"]["sum_received"]
        return (r["packets"] - r["lost_packets"]) / r["seconds"]
    if what == "ping":
        rtts = sorted(float(x) for x in re.findall(r"time=([\d.]+) ms", open(p + "-ping.txt").read()))
        return rtts[len(rtts) // 2]
    if what == "ceiling":
        # tcrypt's 1420-byte lines, bytes in 1 second: sealing, then
        # opening; 2 vCPUs, each byte sealed once and opened once
        rates = [int(x) for x in re.findall(r"1420 byte blocks\): \d+ operations in 1 "
                                            r"seconds \((\d+) bytes", open(p + "-tcrypt.txt").read())]
        return 2 * 8 / (1 / rates[0] + 1 / rates[1]) / 1e6
    if what == "per_datagram":
        # every count bpftrace printed, over rx_udp's (once per datagram)
        counts = dict(re.findall(r"wgtour:(\w+)\]: (\d+)", open(p + "-bpftrace.txt").read()))
        return sum(map(int, counts.values())) / int(counts["rx_udp"])
    if what == "count_per_datagram":
        # count-events' "NAME COUNT" lines after "attached", less "total"
        text = open(p + "-count.txt").read().split("count-events: attached")[1]
        counts = dict(re.findall(r"^(\w+) (\d+)$", text, re.M))
        del counts["total"]
        return sum(map(int, counts.values())) / int(counts["rx_udp"])
    raise SystemExit(f"by_hand: what is {what}?")

xs = []
for r in map(int, rounds.split()):
    n = value(sides[0], r)
    if kind == "value":
        xs.append(n)
    elif kind == "ratio":
        xs.append(n / value(sides[1], r))
    elif kind == "per_event":
        # seconds a datagram took longer traced, in µs, per event it fired
        xs.append((1 / n - 1 / value(sides[1], r)) * 1e6 / value(sides[2], r))
    else:
        xs.append(n - value(sides[1], r))
xs.sort()
print(xs[len(xs) // 2], xs[0], xs[-1])
EOF
}

ktap_check "TCP ours/stock: median and interval as worked out from the iperf3 files" \
	'want tcp $(by_hand ratio ours:tcp stock:tcp)'
ktap_check "UDP 64-byte packets/s received, ours/stock, from the iperf3 files" \
	'want udp64_pps $(by_hand ratio ours:pps64 stock:pps64)'
ktap_check "ping idle ours/stock (equal every round): the interval is that one ratio" \
	'want ping $(by_hand ratio ours:ping stock:ping)'
ktap_check "UDP flood loss: the per-round difference in points over stock's" \
	'want loss $(by_hand diff ours:loss stock:loss)'
ceiling=$(printf '%.0f' "$(by_hand value crypto:ceiling | cut -d' ' -f1)")
ktap_check "the crypto ceiling from tcrypt's 1420-byte lines ($ceiling Mbit/s), and TCP over it" \
	'grep -q "^crypto ceiling: $ceiling Mbit/s" "$tmp/table.txt" &&
	 want crypto $(by_hand ratio ours:tcp crypto:ceiling)'
# per_event's sides: traced pkt/s, ours pkt/s, the traced run's events per
# datagram. The fixture's README works them out: (1e6/10000 - 1e6/20000)
# / 10, (1e6/10000 - 1e6/18000) / 8, (1e6/10000 - 1e6/19000) / 5 µs.
# shellcheck disable=SC2034 # by_sum is read in ktap_check's expression
by_sum=$(awk 'BEGIN { printf "%.17g %.17g %.17g", (1e6/10000 - 1e6/18000) / 8,
	(1e6/10000 - 1e6/20000) / 10, (1e6/10000 - 1e6/19000) / 5 }')
ktap_check "µs per traced event, UDP 64 B: (1/traced - 1/ours pkt/s) over events per rx_udp" \
	'want traced_event_us $(by_hand per_event traced:pps64 ours:pps64 traced:per_datagram) &&
	 want traced_event_us $by_sum'
# A round whose traced run has no bpftrace file (round 2) or no rx_udp line
# (round 3) has nothing to divide by: left out, round 1 alone remains.
cp -r "$tmp/b" "$tmp/gaps"
rm "$tmp/gaps/raw/traced-2-bpftrace.txt"
sed -i '/wgtour:rx_udp\]/d' "$tmp/gaps/raw/traced-3-bpftrace.txt"
python3 labs/bench/report.py "$tmp/gaps" > "$tmp/gaps.txt" 2>&1
# shellcheck disable=SC2034 # rc is read in ktap_check's expression
rc=$?
ktap_check "µs per event: rounds without a bpftrace file or an rx_udp count are left out" \
	'[ "$rc" = 0 ] &&
	 want -f "$tmp/gaps/results.json" traced_event_us \
		$(ROUNDS=1 by_hand per_event traced:pps64 ours:pps64 traced:per_datagram) &&
	 python3 - "$tmp/gaps/results.json" <<\EOF
import json, sys
m = {e["key"]: e for e in json.load(open(sys.argv[1]))["metrics"]}
sys.exit(m["traced_event_us"]["rounds"] != [1])
EOF'
ktap_check "scaling 2->4 vCPUs vs stock's: (450/300) / (300/300)" 'want scaling 1.5 1.5 1.5'

# The variants rawtp, tpbtf and tpcount (count-events; not in make bench's
# default run), added here to a copy of the fixture: 64-byte floods of
# 16,000, 15,000 and 17,100 pkt/s (rawtp), 15,000 each round (tpbtf) and
# 14,000 each round (tpcount) against
# ours' 20,000, 18,000 and 19,000; count-events' output as it prints it,
# with a libbpf warning before and a recursion-miss line after the
# counts; 8, 10 and 5 events per rx_udp (rawtp), 8 each round (tpbtf).
cp -r tests/host/data/bench "$tmp/ce"
add_count_run()
{
	local variant=$1 mode=$2 rnd=$3 pps=$4 rx=$5 other=$6
	echo "$variant $rnd ok 47" >> "$tmp/ce/raw/runs.txt"
	echo "{\"end\": {\"sum_received\": {\"bits_per_second\": 8e6, \"packets\": $((3 * pps)),
		\"lost_packets\": 0, \"seconds\": 3}}}" > "$tmp/ce/raw/$variant-$rnd-udp64.json"
	printf '%s\n' "libbpf: a warning" "count-events: attached 47 programs ($mode)" \
		"rx_udp $rx" "tx_xmit $other" "total $((rx + other))" \
		"count-events: 2 events not counted: their program was already running on that CPU" \
		> "$tmp/ce/raw/$variant-$rnd-count.txt"
}
add_count_run rawtp raw_tp 1 16000 10000 70000
add_count_run rawtp raw_tp 2 15000 10000 90000
add_count_run rawtp raw_tp 3 17100 10000 40000
for rnd in 1 2 3; do
	add_count_run tpbtf tp_btf $rnd 15000 5000 35000
	add_count_run tpcount tracepoint $rnd 14000 5000 35000
done
python3 labs/bench/report.py "$tmp/ce" > "$tmp/ce.txt" 2>&1
# shellcheck disable=SC2034 # rc is read in ktap_check's expression
rc=$?
grep -e 'raw_tp' -e 'tp_btf' -e 'tracepoint' "$tmp/ce.txt" | sed 's/^/# /'
ktap_check "raw_tp, tp_btf and tracepoint on: UDP 64 B ratio and µs per event from the iperf3 and count-events files; bpftrace over tracepoint" \
	'[ "$rc" = 0 ] &&
	 want -f "$tmp/ce/results.json" rawtp_udp64 \
		$(BENCH_DIR=$tmp/ce by_hand ratio rawtp:pps64 ours:pps64) &&
	 want -f "$tmp/ce/results.json" rawtp_event_us \
		$(BENCH_DIR=$tmp/ce by_hand per_event rawtp:pps64 ours:pps64 rawtp:count_per_datagram) &&
	 want -f "$tmp/ce/results.json" tpbtf_udp64 \
		$(BENCH_DIR=$tmp/ce by_hand ratio tpbtf:pps64 ours:pps64) &&
	 want -f "$tmp/ce/results.json" tpbtf_event_us \
		$(BENCH_DIR=$tmp/ce by_hand per_event tpbtf:pps64 ours:pps64 tpbtf:count_per_datagram) &&
	 want -f "$tmp/ce/results.json" tpcount_udp64 \
		$(BENCH_DIR=$tmp/ce by_hand ratio tpcount:pps64 ours:pps64) &&
	 want -f "$tmp/ce/results.json" traced_tpcount \
		$(BENCH_DIR=$tmp/ce by_hand ratio traced:pps64 tpcount:pps64)'
# Their rows have no goal and change no other; a run without them (the
# fixture) has none of their rows, lines or labels.
ktap_check "count-events rows: no goal, the other metrics unchanged, none without their runs" \
	'python3 - "$tmp/b/results.json" "$tmp/ce/results.json" <<\EOF &&
import json, sys
old, new = ({m["key"]: m for m in json.load(open(f))["metrics"]} for f in sys.argv[1:])
added = {"rawtp_tcp", "rawtp_udp64", "rawtp_event_us", "tpbtf_udp64", "tpbtf_event_us",
         "tpcount_tcp", "tpcount_udp64", "tpcount_event_us", "traced_tpcount_tcp", "traced_tpcount"}
ok = set(new) - set(old) == added and all(new[k]["goal"] is None for k in added)
ok &= all(new[k] == old[k] for k in old)
sys.exit(0 if ok else 1)
EOF
	 grep -q "^count-events (raw_tp) counted a median 80000 wgtour events per run, 8.0 per datagram" "$tmp/ce.txt" &&
	 grep -q "^  wgtour.ko + tp_btf wgtour:\*" "$tmp/ce.txt" &&
	 grep -q "^count-events (tracepoint) counted a median" "$tmp/ce.txt" &&
	 ! grep -q -e raw_tp -e tp_btf -e "tracepoint on" -e count-events "$tmp/table.txt"'

ktap_check "results.json: every metric has its median, interval, rounds, goal and verdict" \
	'python3 - "$tmp/b/results.json" <<\EOF
import json, sys
r = json.load(open(sys.argv[1]))
keys = {"key", "title", "median", "ci95", "n", "per_round", "goal", "verdict"}
ms = {m["key"]: m for m in r["metrics"]}
ok = all(keys <= set(m) for m in ms.values()) and len(ms) == 18
ok &= ms["tcp"]["n"] == 3 and ms["tcp"]["goal"] == {"op": ">=", "value": 1.0}
ok &= [ms[k]["verdict"] for k in ("tcp", "udp64_pps", "ping", "notrace_tcp", "traced_tcp")] == \
      ["unclear", "missed", "met", "met", "missed"]
sys.exit(0 if ok else 1)
EOF'

cp "$tmp/b/results.json" "$tmp/first.json"
python3 labs/bench/report.py "$tmp/b" > "$tmp/table2.txt" 2>&1
# With 3 rounds the interval is [min, max] whatever the seed, and medians
# take few values: the mean of 25 values shows whether the seed is fixed.
ktap_check "a second run on the same data prints and writes the same (fixed seed)" \
	'cmp -s "$tmp/table.txt" "$tmp/table2.txt" && cmp -s "$tmp/first.json" "$tmp/b/results.json" &&
	 python3 -B - <<\EOF
import statistics, sys
sys.path.insert(0, "labs/bench")
import report
xs = [0.7 + 0.02 * ((i * 7) % 25) for i in range(25)]
a = report.bootstrap([xs], statistics.mean, "k")
sys.exit(0 if a == report.bootstrap([xs], statistics.mean, "k") and
         min(xs) < a[0] < statistics.mean(xs) < a[1] < max(xs) else 1)
EOF'

# 17 rounds, made here: stock at 100 Mbit/s, ours at these, so TCP
# ours/stock is each over 100; sorted by hand: 0.81 0.83 0.85 0.87 0.88 0.90
# 0.91 0.93 0.95 0.97 0.99 1.01 1.04 1.07 1.09 1.12 1.13, the 9th the median.
ours17="93 81 104 88 112 97 85 109 90 101 83 95 107 87 99 113 91"
mkdir -p "$tmp/r17/raw"
round=0
for mbps in $ours17; do
	round=$((round + 1))
	echo "ours $round ok 0" >> "$tmp/r17/raw/runs.txt"
	echo "stock $round ok 0" >> "$tmp/r17/raw/runs.txt"
	echo "{\"end\": {\"sum_received\": {\"bits_per_second\": ${mbps}e6}}}" \
		> "$tmp/r17/raw/ours-$round-tcp.json"
	echo '{"end": {"sum_received": {"bits_per_second": 100e6}}}' \
		> "$tmp/r17/raw/stock-$round-tcp.json"
done
python3 labs/bench/report.py "$tmp/r17" > /dev/null 2>&1
# exact_ci X...: "median lo hi" of the values X, the interval not by
# resampling but from the exact law of a resample's median. With n values
# (n odd), that median is at most the k-th smallest when at least (n+1)/2
# of the n draws are, each with probability k/n: P(k) = the sum over
# j >= (n+1)/2 of C(n, j) (k/n)^j (1 - k/n)^(n-j). The 2.5th percentile of
# 10000 resampled medians is then the smallest k-th value with P(k) > 0.025,
# the 97.5th the smallest with P(k) >= 0.975. Refused when a P(k) is so
# near a cut that 10000 draws could land on either side of it. Here
# P(4) = 0.008, P(5) = 0.036, P(12) = 0.964, P(13) = 0.992: the interval
# is [5th, 13th] = [0.88, 1.04], strictly inside [0.81, 1.13].
exact_ci()
{
	python3 - "$@" <<'EOF'
import math, sys
xs = sorted(float(x) for x in sys.argv[1:])
n, half = len(xs), len(xs) // 2 + 1
p = [sum(math.comb(n, j) * (k / n) ** j * (1 - k / n) ** (n - j) for j in range(half, n + 1))
     for k in range(1, n + 1)]
if n % 2 == 0 or any(abs(q - cut) < 0.005 for q in p for cut in (0.025, 0.975)):
    sys.exit(f"exact_ci: n={n}, P(k)={p}: wants n odd and no P(k) near a cut")
lo = next(x for x, q in zip(xs, p) if q > 0.025)
hi = next(x for x, q in zip(xs, p) if q >= 0.975)
print(f"{xs[n // 2]:g} {lo:g} {hi:g}")
EOF
}
# shellcheck disable=SC2034 # ratios17 is read in ktap_check's expression
ratios17=$(for m in $ours17; do echo "$m / 100" | bc -l; done)
ktap_check "17 rounds: the median and 95 % interval the exact law of a resampled median gives, inside [min, max]" \
	'ci=$(exact_ci $ratios17) && echo "# exact: $ci" && [ "$ci" = "0.95 0.88 1.04" ] &&
	 want -f "$tmp/r17/results.json" tcp $ci'

# no_runs DIR: report.py on a directory with no runs fails, says so in one
# line naming DIR's raw/runs.txt, and writes nothing there.
no_runs()
{
	local err
	! python3 labs/bench/report.py "$1" > /dev/null 2> "$tmp/no-runs.txt" || return 1
	err=$(cat "$tmp/no-runs.txt")
	echo "# report.py $1: $err"
	[ "$(wc -l < "$tmp/no-runs.txt")" = 1 ] && [[ $err == *"$1/raw/runs.txt"* ]] &&
		[ ! -e "$1/results.json" ]
}
mkdir -p "$tmp/empty" "$tmp/no-rounds/raw"
: > "$tmp/no-rounds/raw/runs.txt"
ktap_check "no runs (a missing, an empty directory, an empty runs.txt): a one-line error naming it, a failed exit" \
	'no_runs "$tmp/missing" && no_runs "$tmp/empty" && no_runs "$tmp/no-rounds"'

# busy_warned BEFORE AFTER: does the table warn of a busy host (2 CPUs; the
# fixture's larger boot has 4 vCPUs, whose threads the load after counts)?
busy_warned()
{
	cp -r tests/host/data/bench "$tmp/busy"
	sed -i "s/^host_loadavg_before=.*/host_loadavg_before=$1 0 0/
		s/^host_loadavg_after=.*/host_loadavg_after=$2 0 0/" "$tmp/busy/host-env.txt"
	python3 labs/bench/report.py "$tmp/busy" > "$tmp/busy.txt"
	grep -q "WARNING: the host was busy" "$tmp/busy.txt"
	local found=$?
	rm -rf "$tmp/busy"
	return $found
}
ktap_check "busy host: warned at a load of 2.5 before or 6.5 after, not at 0.3 before and 5.5 after" \
	'busy_warned 2.5 1.0 && busy_warned 0.3 6.5 && ! busy_warned 0.3 5.5'

ktap_check "ratios.svg parses as XML: an svg with a title, a row per metric, a dot per round" \
	'python3 - "$tmp/b/ratios.svg" "$tmp/b/results.json" <<\EOF
import json, sys
import xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
ms = json.load(open(sys.argv[2]))["metrics"]
texts = ["".join(t.itertext()) for t in root.iter(ns + "text")]
ok = root.tag == ns + "svg" and "paired per-round" in texts[0]
ok &= all(any(t.startswith(m["title"] + " (") for t in texts) for m in ms)
ok &= len(list(root.iter(ns + "circle"))) == sum(len(m["per_round"]) for m in ms)
ok &= all(float(t.get("font-size", 13)) >= 11 for t in root.iter(ns + "text"))
sys.exit(0 if ok else 1)
EOF'
ktap_finish

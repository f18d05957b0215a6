#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: throughput and latency of wgtour.ko against the stock
# wireguard.ko and wireguard-go, and what wgtour's tracepoints cost
# (labs/bench/guest.sh does the measuring, in the lab VM), in two boots:
#
#   2 vCPUs   every variant and case, interleaved round by round, and the
#             crypto ceiling (tcrypt) once a round: build/bench/raw/
#   4 vCPUs   ours and stock only, TCP with 4 streams: build/bench/raw-smp4/
#             (with the 2-vCPU boot's 4-stream runs, the scaling 2->4)
#
# Here, on the host: a copy of module/wgtour.ko (the lead may rebuild
# module/ while we measure), and a second build of the same sources with
# -DNOTRACE, which makes <linux/tracepoint.h> turn every trace_*() into an
# empty inline; nm proves no __tracepoint_* symbol is left in it. After the
# VM: labs/bench/report.py prints the table (table.txt), writes
# results.json and ratios.svg.
#
# Environment: BENCH_ROUNDS (6), BENCH_SECS (3, per iperf3 stream),
# BENCH_PINGS (20); BENCH_QUICK=1 (make bench QUICK=1): 3 rounds of 2 s
# and 10 pings, the same table with wider intervals; BENCH_SMP4=0 skips
# the 4-vCPU boot; BENCH_VARIANTS, the 2-vCPU boot's variants (guest.sh's
# five by default; "rawtp", "tpbtf" and "tpcount", which are not among
# them, need build/count-events, built here when they are asked for).
#
# What a run costs, as measured: the README's "make bench" row.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/labs/bench/lib.sh"
out=$root/build/bench
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	rounds=${BENCH_ROUNDS:-3} secs=${BENCH_SECS:-2} pings=${BENCH_PINGS:-10}
else
	rounds=${BENCH_ROUNDS:-6} secs=${BENCH_SECS:-3} pings=${BENCH_PINGS:-20}
fi
smp4=${BENCH_SMP4:-1}
variants=$bench_variants
# only when set: the guest's own default stands otherwise
guest_env=()
[ -n "${BENCH_VARIANTS:-}" ] && guest_env=(env BENCH_VARIANTS="$BENCH_VARIANTS")
kver=$("$root/labs/vm/kver") || exit 1
start=$(date +%s.%N)

mkdir -p "$out"
rm -rf "$out/notrace" "$out/raw" "$out/raw-smp4" "$out/results.json" "$out/ratios.svg"
cp "$root/module/wgtour.ko" "$out/wgtour.ko" || exit 1

echo "bench: building wgtour.ko with the tracepoints compiled out (build/bench/notrace/)"
mkdir -p "$out/notrace"
cp "$root"/module/*.[ch] "$root/module/Kbuild" "$out/notrace/"
echo 'ccflags-y += -DNOTRACE' >> "$out/notrace/Kbuild"
if ! make --no-print-directory -C "/lib/modules/$kver/build" M="$out/notrace" \
	modules > "$out/notrace/build.log" 2>&1; then
	cat "$out/notrace/build.log" >&2
	exit 1
fi
tp_in=$(nm "$out/wgtour.ko" | grep -c ' __tracepoint_')
tp_out=$(nm "$out/notrace/wgtour.ko" | grep -c ' __tracepoint_')
echo "bench: __tracepoint_* symbols: $tp_in in wgtour.ko, $tp_out in notrace/wgtour.ko"
if [ "$tp_in" = 0 ] || [ "$tp_out" != 0 ]; then
	echo "bench: the two builds do not differ in their tracepoints" >&2
	exit 1
fi

case " $variants " in
*" rawtp "*|*" tpbtf "*|*" tpcount "*)
	echo "bench: building build/count-events (variants rawtp, tpbtf, tpcount)"
	make --no-print-directory -C "$root" build/count-events || exit 1 ;;
esac

{
	host_env_before "$root" "$out/wgtour.ko"
	echo "tracepoints_in=$tp_in tracepoints_out=$tp_out"
	echo "qemu_cpu=${WGTOUR_CPU:-qemu64}"
} > "$out/host-env.txt"

echo "bench: booting the lab VM, 2 vCPUs: $(wc -w <<< "$variants") variants x $rounds rounds, interleaved, and the crypto ceiling"
"$root/labs/vm/run" --no-module --name bench --smp 2 --timeout 3600 -- \
	"${guest_env[@]}" labs/bench/guest.sh build/bench/raw build/bench/wgtour.ko \
	build/bench/notrace/wgtour.ko "$rounds" "$secs" "$pings"
rc=$?
rc4=0
if [ "$rc" = 0 ] && [ "$smp4" = 1 ]; then
	echo "bench: booting the lab VM, 4 vCPUs: ours and stock x $rounds rounds, TCP with 4 streams"
	"$root/labs/vm/run" --no-module --name bench-smp4 --smp 4 --timeout 1800 -- \
		env BENCH_VARIANTS="ours stock" BENCH_CASES=tcp4 BENCH_CRYPTO=0 \
		labs/bench/guest.sh build/bench/raw-smp4 build/bench/wgtour.ko \
		build/bench/notrace/wgtour.ko "$rounds" "$secs" "$pings"
	rc4=$?
fi
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
{
	host_env_after "$root" bench "$elapsed"
	[ "$smp4" = 1 ] && echo "vm_seconds_smp4=$(cat "$root/build/vm/runs/bench-smp4/elapsed" 2>/dev/null)"
} >> "$out/host-env.txt"
if [ "$rc" != 0 ]; then
	echo "bench: the VM run failed (rc $rc; logs in build/vm/runs/bench/)" >&2
	exit "$rc"
fi
if [ "$rc4" != 0 ]; then
	echo "bench: the 4-vCPU run failed (rc $rc4; logs in build/vm/runs/bench-smp4/);" \
		"the table lacks its rows" >&2
fi
python3 "$root/labs/bench/report.py" "$out" | tee "$out/table.txt"
rc=${PIPESTATUS[0]}
echo "bench: $(printf '%.0f' "$elapsed") s in all; results in build/bench/:" \
	"table.txt, results.json, ratios.svg, raw/, raw-smp4/ (VM logs: build/vm/runs/bench*/)"
[ "$rc" = 0 ] || exit "$rc"
exit "$rc4"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: throughput and latency of wgtour.ko against the stock
# wireguard.ko and wireguard-go, and what wgtour's tracepoints cost, in one
# boot of the lab VM (labs/bench/guest.sh does the measuring).
#
# Here, on the host: a copy of module/wgtour.ko (the lead may rebuild
# module/ while we measure), and a second build of the same sources with
# -DNOTRACE, which makes <linux/tracepoint.h> turn every trace_*() into an
# empty inline; nm proves no __tracepoint_* symbol is left in it. After the
# VM: labs/bench/report.py prints the table and writes results.json.
#
# Environment: BENCH_ROUNDS (4), BENCH_SECS (3, per iperf3 stream),
# BENCH_PINGS (20).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/build/bench
rounds=${BENCH_ROUNDS:-4} secs=${BENCH_SECS:-3} pings=${BENCH_PINGS:-20}
kver=$("$root/labs/vm/kver") || exit 1
start=$(date +%s.%N)

mkdir -p "$out"
rm -rf "$out/notrace" "$out/raw"
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

{
	echo "git_commit=$(git -C "$root" rev-parse HEAD)"
	echo "module_dirty=$(git -C "$root" status --porcelain -- module | grep -c .)"
	echo "ko_sha256=$(sha256sum "$out/wgtour.ko" | cut -d' ' -f1)"
	echo "tracepoints_in=$tp_in tracepoints_out=$tp_out"
	echo "host_cpus=$(nproc)"
	echo "host_loadavg_before=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "host_other_qemus=$(pgrep -c qemu-system)"
	echo "qemu_cpu=${WGTOUR_CPU:-qemu64}"
} > "$out/host-env.txt"

echo "bench: booting the lab VM: 5 variants x $rounds rounds, interleaved (several minutes)"
"$root/labs/vm/run" --no-module --name bench --smp 2 --timeout 1200 -- \
	labs/bench/guest.sh build/bench/raw build/bench/wgtour.ko \
	build/bench/notrace/wgtour.ko "$rounds" "$secs" "$pings"
rc=$?
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
{
	echo "host_loadavg_after=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "vm_seconds=$(cat "$root/build/vm/runs/bench/elapsed" 2>/dev/null)"
	echo "total_seconds=$elapsed"
} >> "$out/host-env.txt"
if [ "$rc" != 0 ]; then
	echo "bench: the VM run failed (rc $rc; logs in build/vm/runs/bench/)" >&2
	exit "$rc"
fi
python3 "$root/labs/bench/report.py" "$out" | tee "$out/table.txt"
rc=${PIPESTATUS[0]}
echo "bench: $(printf '%.0f' "$elapsed") s in all; results in build/bench/:" \
	"table.txt, results.json, raw/ (VM logs: build/vm/runs/bench/)"
exit "$rc"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make profile: where the CPUs' time goes under one iperf3 TCP stream
# through the tunnel, wgtour.ko and the stock wireguard.ko, in one boot of
# the lab VM (2 vCPUs, like make bench's main boot).
#
# Here, on the host: a copy of module/wgtour.ko (module/ may be rebuilt
# while the VM runs), the boot, then labs/bench/flame.py on what the guest
# left. labs/bench/profile-guest.sh does the recording (perf record on
# every CPU, cpu-clock at 999 Hz: no PMU under TCG) and says how.
#
# Results in build/profile/: flame-ours.svg, flame-stock.svg (the flame
# graphs), flame-ours-book.svg, flame-stock-book.svg (the same at the size
# the book shows them, chapter 98), stages.txt (the table of samples per
# stage of the data path, also printed), folded-*.txt (the stacks folded,
# for other flame-graph tools); raw/ has perf's own data and text, the
# iperf3 reports, env.txt.
#
# Environment: PROFILE_RECORD, PROFILE_FREQ
# (labs/bench/profile-guest.sh).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/labs/bench/lib.sh"
out=$root/build/profile
start=$(date +%s.%N)

mkdir -p "$out"
rm -rf "$out/raw" "$out"/flame-*.svg "$out"/folded-*.txt "$out/stages.txt"
cp "$root/module/wgtour.ko" "$out/wgtour.ko" || exit 1
host_env_before "$root" "$out/wgtour.ko" > "$out/host-env.txt"

echo "profile: booting the lab VM, 2 vCPUs: ours, then stock, each under an iperf3 TCP stream"
"$root/labs/vm/run" --no-module --name profile --smp 2 --timeout 900 -- \
	labs/bench/profile-guest.sh build/profile/raw build/profile/wgtour.ko
rc=$?
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
host_env_after "$root" profile "$elapsed" >> "$out/host-env.txt"
if [ "$rc" != 0 ]; then
	echo "profile: the VM run failed (rc $rc; logs in build/vm/runs/profile/, build/profile/raw/)" >&2
fi
# What was recorded is drawn even when the run failed (one variant's
# profile is still worth reading), and the failure is still the exit status.
if compgen -G "$out/raw/*.script.txt" > /dev/null; then
	python3 "$root/labs/bench/flame.py" "$out/raw" "$out" || exit 1
	echo "profile: $(printf '%.0f' "$elapsed") s in all; results in build/profile/:" \
		"flame-ours.svg, flame-stock.svg, flame-*-book.svg, stages.txt, folded-*.txt," \
		"raw/ (VM logs: build/vm/runs/profile/)"
fi
exit "$rc"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make lab-rx: boot the lab VM and run the reception lab in it
# (labs/rx/guest.sh): two namespaces with a wgtour device each, pings and a
# short TCP stream traced by traces/rx.bt. The trace is rendered here, on
# the host, by traces/render.py (Python is slow under QEMU). Results are
# left in build/labs/rx/: trace.txt, summary.txt, swimlane.svg,
# stages.svg (and stages.dot).
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/build/labs/rx
start=$(date +%s)
echo "lab-rx: booting the lab VM (QEMU) ..."
"$root/labs/vm/run" --name lab-rx --timeout 600 -- env WGT_RX_RENDER=host labs/rx/guest.sh
rc=$?
if [ "$rc" = 0 ]; then
	python3 "$root/traces/render.py" "$out/trace.txt" --out "$out" | tee -a "$out/summary.txt"
	rc=${PIPESTATUS[0]}
fi
echo "lab-rx: $(( $(date +%s) - start )) s; results in build/labs/rx/:" \
	"summary.txt, trace.txt, swimlane.svg, stages.svg (VM logs: build/vm/runs/lab-rx/)"
exit "$rc"

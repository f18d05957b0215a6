#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make lab-tx: boot the lab VM and run the transmission lab in it
# (labs/tx/guest.sh): two namespaces with a wgtour device each, a ping and
# a short TCP stream from wgt-a, traced by traces/tx.bt on the sending
# side. The trace is rendered here, on the host, by traces/render_tx.py
# (Python is slow under QEMU). Results are left in build/labs/tx/:
# trace.txt, summary.txt, swimlane.svg, stages.svg (and stages.dot).
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/build/labs/tx
start=$(date +%s)
echo "lab-tx: booting the lab VM (QEMU) ..."
"$root/labs/vm/run" --name lab-tx --timeout 600 -- env WGT_TX_RENDER=host labs/tx/guest.sh
rc=$?
if [ "$rc" = 0 ]; then
	python3 "$root/traces/render_tx.py" "$out/trace.txt" --out "$out" | tee -a "$out/summary.txt"
	rc=${PIPESTATUS[0]}
fi
echo "lab-tx: $(( $(date +%s) - start )) s; results in build/labs/tx/:" \
	"summary.txt, trace.txt, swimlane.svg, stages.svg (VM logs: build/vm/runs/lab-tx/)"
exit "$rc"

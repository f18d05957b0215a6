#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The reception lab, inside the VM. For now it builds the two-peer topology
# with a wgtour device on each side and shows it; tracing a received packet
# arrives with the reception chapter (chapters/04-reception.md).
cd "$(dirname "$0")/../.." || exit 1
. labs/topo/two-peers.sh
out=build/labs/rx
mkdir -p "$out"

{
	echo "wgtour lab-rx on $(uname -r); wgtour.ko loaded: $([ -d /sys/module/wgtour ] && echo yes || echo no)," \
		"stock wireguard.ko loaded: $([ -d /sys/module/wireguard ] && echo yes || echo no)"
	topo_up || { echo "lab-rx: building the topology failed"; exit 1; }
	topo_show
	echo "Not yet in this lab: peers, a handshake and a traced packet."
	echo "They arrive with chapters 2 to 4; see chapters/00-preface.md."
	topo_down
} 2>&1 | tee "$out/summary.txt"
exit "${PIPESTATUS[0]}"

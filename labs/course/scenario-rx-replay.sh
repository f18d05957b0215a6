#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The grader's reception scenario, inside the lab VM (make grade runs it
# for the trace checks of chapter 4): lab-rx's two namespaces and devices
# (labs/topo/two-peers.sh) traced by traces/rx.bt, pings from wgt-a to
# wgt-b, and, on wgt-a's veth, labs/course/replay.py sending three of those
# pings' data messages again as they were. wgt-b must refuse each copy
# (rx_replay_check fresh=0, rx_drop "replayed counter"); the pings after
# them show the tunnel still works. The steps are labs/lib.sh's, as for
# make lab-rx; the trace is judged on the host (labs/course/trace_checks.py).
#
# usage: labs/course/scenario-rx-replay.sh OUTDIR
# OUTDIR gets trace.txt, summary.txt, bpftrace.err and replay.log.
# shellcheck disable=SC2034 # lab and the lab_* variables are labs/lib.sh's
cd "$(dirname "$0")/../.." || exit 1
. labs/topo/two-peers.sh
. labs/lib.sh
out=${1:?usage: labs/course/scenario-rx-replay.sh OUTDIR}
lab='grade rx-replay'
lab_bt=(traces/rx.bt)
lab_header='# wgtour rx trace'
lab_render=traces/render.py
lab_render_mode=host	# the host reads the trace, not Python under QEMU

banner()
{
	echo "wgtour grade scenario rx-replay on $(uname -r), $(nproc) vCPUs;" \
		"wgtour.ko loaded: $(loaded wgtour)"
}

peers_up()
{
	peers_set && return 0
	echo "rx-replay: configuring the peers failed"
	return 1
}

traffic()
{
	local ready=/tmp/replay.ready
	rm -f "$ready"
	step "replay.py watches veth-a for wgt-a's data messages to 192.0.2.2:51821"
	ip netns exec wgt-a python3 labs/course/replay.py veth-a 51821 3 "$ready" 60 \
		> "$out/replay.log" 2>&1 &
	replay_pid=$!
	# Python starts slowly under QEMU: no ping before it watches.
	for _ in $(seq 300); do
		[ -e "$ready" ] && break
		kill -0 "$replay_pid" 2> /dev/null || break
		sleep 0.1
	done
	step "traffic: 5 pings wgt-a -> wgt-b (the first waits for the handshake)"
	ping_b -c 5 -i 0.2 -W 10
	wait "$replay_pid"
	replay_rc=$?
	sed 's/^/    /' "$out/replay.log"
	step "traffic: 3 pings more, after the replays"
	ping_b -c 3 -i 0.2 -W 5
}

# A replay that did not happen leaves a trace without one, which the
# trace check replays_refused fails on its own ("the scenario replayed
# nothing"); replay.log says why.
explain()
{
	echo "rx-replay: replay.py exited $replay_rc (its output: replay.log)"
}

lab_guest_main

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Handshakes, a fresh start and cookies under load (chapter 3), inside the VM
# (make lab-handshake boots the VM with it). wgtour.ko is loaded again
# with time_divisor=5, so that the protocol's timers fire within the lab.
# Two namespaces (labs/topo/two-peers.sh), wgtour wga in wgt-a and wgb in
# wgt-b, each the other's peer. Under traces/handshake.bt: a ping from
# wgt-a (no session yet: a handshake); a pause, for the keepalive timer; a
# fresh start (wga down and up: its sessions are gone, chapter 1, so the
# next packet starts a handshake; setting the key it already has would
# change nothing); then a flood of initiations at wgb (tests/lib/hs_tool.py,
# from wgt-a's namespace, wga started afresh again) until wgb is under
# load, and a ping: wgb answers wga's initiation with a cookie reply, wga
# retries with the cookie (MAC2) when its retransmission timer fires.
# traces/render_handshake.py turns the trace into a summary, a message
# sequence diagram and a timer timeline.
#
# usage: labs/handshake/guest.sh [OUTDIR]   (default: build/labs/handshake)
# OUTDIR gets: trace.txt (raw), summary.txt (what is printed), flood.txt
# (the flooder's counts), sequence.svg, timers.svg, bpftrace.err. With
# WGT_HANDSHAKE_RENDER=host in the environment, the rendering is left to
# the caller. The steps it shares with the other labs are in labs/lib.sh.
# shellcheck disable=SC2034 # the TOPO_* variables are labs/topo/two-peers.sh's
cd "$(dirname "$0")/../.." || exit 1
. labs/topo/two-peers.sh
. labs/lib.sh
. tests/lib/wait.sh
lab_define handshake traces/render_handshake.py "${1:-}"
# Named apart, so that a trace line says which side it is.
TOPO_DEV_A=wga TOPO_DEV_B=wgb
divisor=5
# The flood: seconds, at most this many messages, processes, sockets
# each, a burst of this many then a pause (tests/lib/hs_tool.py flood).
flood=(12 200000 2 16 1000 0.3)

banner()
{
	echo "wgtour lab-handshake on $(uname -r), $(nproc) vCPUs; wgtour.ko loaded: $(loaded wgtour)"
}

before_trace()
{
	step "wgtour.ko loaded again with time_divisor=$divisor: every protocol time divided by $divisor"
	rmmod wgtour || return 1
	insmod "${WGTOUR_KO:-module/wgtour.ko}" time_divisor=$divisor || return 1
	echo "    REKEY_TIMEOUT $((5000 / divisor)) ms, KEEPALIVE_TIMEOUT $((10000 / divisor)) ms," \
		"REKEY_AFTER_TIME $((120 / divisor)) s; being under load lasts 1 s whatever the divisor"
}

peers_up()
{
	peers_set && return 0
	echo "lab-handshake: configuring the peers failed"
	return 1
}

ping_traced()
{
	run ip netns exec wgt-a ping -c 1 -W "$1" 10.0.0.2 |
		sed -n '/^    \$ /p; s/^/    /; /packets transmitted/p'
}

# wga down and up: no session left, the next packet handshakes
fresh_start()
{
	run ip -n wgt-a link set wga down
	run ip -n wgt-a link set wga up
}

wgb_under_load()
{
	grep -q ' under_load dev=wgb on=1$' "$out/trace.txt"
}

traffic()
{
	local pid
	step "1. a handshake: wgt-a pings wgt-b, with no session yet"
	ping_traced 10
	step "a pause of 3 s: wga received the reply and sent nothing back, its keepalive timer fires"
	sleep 3
	step "2. a fresh start: wga goes down and up, its sessions go; the next packet handshakes"
	fresh_start
	ping_traced 10
	# wgb sent the reply: without wga's keepalive, wgb would start a
	# handshake of its own (new_handshake) in the middle of step 3
	step "a pause of 3 s: wga's keepalive again, so that wgb waits for nothing"
	sleep 3
	# wga starts afresh first, so that its initiation leaves with the ping,
	# the moment wgb is found under load (which can end a second later)
	step "3. under load: wga starts afresh, then a flood of initiations at wgb (${flood[0]} s at most), from wgt-a's namespace"
	fresh_start
	run ip netns exec wgt-a python3 tests/lib/hs_tool.py flood 192.0.2.2 51821 \
		"$(cat /tmp/topo-b.pub)" "${flood[@]}" > "$out/flood.txt" 2>&1 &
	pid=$!
	if wgt_wait_until --every 0.5 --while-alive "$pid" 30 wgb_under_load; then
		step "wgb is under load; wga pings: a cookie reply, then a retry with MAC2"
	else
		step "wgb did not go under load (no under_load in the trace): wga pings anyway"
	fi
	ping_traced 20
	wait "$pid"
	sed -n 's/^/    flood: /; /^    flood: \(sent\|replies\|rate\|elapsed\) /p' "$out/flood.txt"
	step "a pause of 3 s: the timers after the last handshake"
	sleep 3
}

explain()
{
	cat <<'TEXT'

How a handshake goes (chapter 3, module/noise.c, cookie.c, timers.c, receive.c):
  1. A packet finds no session (tx_handshake_wait): the initiator's worker sends an
     initiation (handshake_send type=1) with its sender index. The responder's worker
     checks MAC1, consumes it (handshake_receive), makes its keypair (keypair_create
     initiator=0) and sends its response (type=2); the initiator consumes it and makes
     its own (initiator=1). Each side's keypair index is the other's remote index.
  2. A device taken down loses its sessions (module/device.c, wgt_stop): once it is
     up, the next packet starts a new handshake at once. (Setting the private key it
     already has changes nothing: module/netlink.c, wgt_set_private_key.)
  3. A device whose handshake queue holds 512 messages or more is under load for at
     least a second (under_load): it then wants MAC2, a MAC under a cookie only the
     sender's address can have received. An initiation without one gets a cookie reply
     (cookie_send; cookie_receive on the initiator); the initiator retries when its
     retransmission timer fires (timer_fired retransmit_handshake), with MAC2.
  4. The timers (timer_fired) are the protocol's: send_keepalive after data received
     and nothing sent, retransmit_handshake without a response, new_handshake after data
     sent and nothing heard; here every time is divided by time_divisor.
What answered the flood (cookie replies to it, refusals, drops) is counted, not traced
event by event: the counts are at the end of the summary. The flooder also keys one
initiation with each of a few cookies it opened (MAC2), with an all-zero ephemeral key:
wgb takes those past the cookie check, under load too, and refuses them further on
("bad ephemeral key"). Times are those of an emulated machine.
TEXT
}

lab_guest_main

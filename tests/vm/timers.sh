#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The protocol timers (chapter 3, "Timers"; issue 5), watched in seconds
# rather than minutes: the module is reloaded with time_divisor=D, which
# divides every protocol time (module/timers.c). Two of our own devices, in
# two namespaces, so both sides run on the same scaled clock:
#
#   wgt-tma: wga0 10.0.0.1, wgc0 (a peer nobody answers)   wgt-tmb: wgb0 10.0.0.2
#   veth 192.0.2.1  <------------------------------------>  veth 192.0.2.2
#
# With D=20: REKEY_AFTER_TIME 6 s, REJECT_AFTER_TIME 9 s, KEEPALIVE_TIMEOUT
# 0.5 s, REKEY_TIMEOUT 0.25 s (+ up to 17 ms of jitter).
#
#   rekey       pings a -> b every 0.2 s: a new keypair_create on wga0
#               (initiator=1), REKEY_AFTER_TIME/D after the one before (it
#               is triggered by the first packet sent after that age), and b
#               takes it (initiator=0); no ping lost across the rekey
#   keepalive   one-way UDP a -> b for 4 x KEEPALIVE_TIMEOUT/D (a listener on b, so no ICMP
#               comes back): b fires timer "send_keepalive" every
#               KEEPALIVE_TIMEOUT/D while it lasts, and a sees each one
#   intervals   every interval is checked against its bounds: never early,
#               late by at most max(0.15 s, 5 %) (jitter added where the
#               protocol adds it); "make check-long" runs this with D=1
#   zeroing     then silence: keys_zeroed on both, 3 x REJECT_AFTER_TIME/D
#               (27 s) after each side's last keypair_create, or up to an
#               eighth later: a timer that far out sits in a coarse level of
#               the kernel's timer wheel (at HZ=250, 27 s is level 3, 512
#               jiffies = 2.05 s per slot), and the wheel rounds expiries up
#               by at most 1/8 of the timeout (kernel/time/timer.c)
#   listener    a session a initiated, then a sends nothing and only
#               receives (b's persistent keepalives, wgd0 <- wge0): a
#               starts the next handshake itself when a message comes in on
#               a session older than REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT -
#               REKEY_TIMEOUT (8.25 s at D=20), before it expires at
#               REJECT_AFTER_TIME (9 s); left to expire, the session would be
#               renewed by b instead (chapter 4, wgt_rekey_before_reject())
#   give up     meanwhile, wgc0's peer has an endpoint where nothing answers
#               (a closed port): one ping, then timer "retransmit_handshake"
#               fires again and again, then "handshake_give_up". The module
#               gives up when the attempt counter, bumped by each retry,
#               exceeds WGT_MAX_HANDSHAKE_ATTEMPTS (18 = REKEY_ATTEMPT_TIME /
#               REKEY_TIMEOUT): 19 retries, so 20 initiations in all, what
#               upstream's log calls "did not complete after 20 attempts",
#               over about REKEY_ATTEMPT_TIME/D (4.5 s), each retry
#               REKEY_TIMEOUT/D after the one before, plus jitter.
# The events come from a private tracefs instance (tests/lib/wgtrace.sh), with
# the kernel's timestamps. The module is reloaded normally at the end.
. "$(dirname "$0")/../lib/vm.sh"
. "$(dirname "$0")/../lib/wgtrace.sh"
. "$(dirname "$0")/../lib/topo.sh"

export WG_COLOR_MODE=never
D=${TIME_DIVISOR:-20}
A=wgt-tma B=wgt-tmb
trace=wgt-timers
tmp=$(mktemp -d)
listen_pid=

cleanup()
{
	[ -n "$listen_pid" ] && kill "$listen_pid" 2>/dev/null && wait "$listen_pid" 2>/dev/null
	topo_netns_del $A $B
	wgt_trace_stop $trace
	rm -rf "$tmp"
	# Back to a module with the protocol's own timing, for the tests after us.
	if [ -n "$(cat /sys/module/wgtour/parameters/time_divisor 2>/dev/null | grep -vx 1)" ]; then
		wgt_unload
		wgt_load
	fi
}
trap cleanup EXIT

ktap_plan 11

wgt_unload || exit 1
insmod "$WGTOUR_KO" time_divisor=$D || { echo "# insmod time_divisor=$D failed"; exit 1; }
ktap_check "module loaded with time_divisor=$D" \
	'[ "$(cat /sys/module/wgtour/parameters/time_divisor)" = "$D" ]'

umask 077
wgt_keys "$tmp" a b c d e
topo_veth_pair $A $B

wgt_trace_start $trace 4096 keypair_create keys_zeroed timer_fired rx_keepalive \
	handshake_send || { echo "# cannot set up the trace instance"; exit 1; }

# tunnel NS DEV KEY PORT PEER_KEY PEER_PORT NET HOST PEER_HOST [OPTION...]
# - device DEV in NS, address NET.HOST/24, whose one peer (PEER_KEY, the
# peer's public key file) is NET.PEER_HOST at the other end of the veth;
# OPTIONs go to that peer's "wg set".
tunnel()
{
	local ns=$1 dev=$2 key=$3 port=$4 pkey=$5 pport=$6 net=$7 me=$8 them=$9 other
	shift 9
	other=$([ "$ns" = "$A" ] && echo 192.0.2.2 || echo 192.0.2.1)
	ip -n "$ns" link add "$dev" type wireguard
	ip netns exec "$ns" wg set "$dev" private-key "$key" listen-port "$port" \
		peer "$(cat "$pkey")" allowed-ips "$net.$them/32" endpoint "$other:$pport" "$@"
	wgt_dev_up "$ns" "$dev" "$net.$me/24"
}
tunnel $A wga0 "$tmp/ka" 51820 "$tmp/pb" 51820 10.0.0 1 2
tunnel $B wgb0 "$tmp/kb" 51820 "$tmp/pa" 51820 10.0.0 2 1

# events EVENT DEV - "SECONDS REST" for each event of DEV, in order
events()
{
	wgt_trace_dump $trace | grep -E " $1: dev=$2 " |
		sed -E 's/.* ([0-9]+\.[0-9]+): [a-z_]+: dev=[^ ]+ (.*)/\1 \2/'
}

# A timer fires at its time or a little after, never before: the kernel
# rounds up to a jiffy (4 ms at HZ=250), and a busy 2-core host running TCG
# can delay the softirq further. The slack is the larger of 0.15 s and 5 %
# of the interval (the timer wheel's own rounding of long timeouts is 1/8,
# see zeroing below, but no timer here is long enough for it to matter).
in_bounds_hi()	# WANT [EXTRA] - the latest acceptable interval
{
	awk -v w="$1" -v e="${2:-0}" 'BEGIN { s = w * 0.05; if (s < 0.15) s = 0.15; printf "%.2f", w + e + s }'
}

# all_in_bounds WANT GAP... - every GAP within [WANT - 0.01, in_bounds_hi WANT]
all_in_bounds()
{
	local want=$1 hi gap
	hi=$(in_bounds_hi "$want" "${extra:-0}")
	shift
	for gap in "$@"; do
		awk -v g="$gap" -v w="$want" -v h="$hi" 'BEGIN { exit !(g >= w - 0.01 && g <= h) }' || return 1
	done
}

# ---- rekey ----------------------------------------------------------------
rekey_after=$(awk -v d=$D 'BEGIN { print 120 / d }')
ping_secs=$(awk -v r="$rekey_after" 'BEGIN { printf "%d", r + 3 }')
ip netns exec $A ping -q -i 0.2 -w "$ping_secs" -W 2 10.0.0.2 > "$tmp/ping" 2>&1
echo "# ping a -> b for $ping_secs s: $(grep -o '[0-9]* packets transmitted, [0-9]* received' "$tmp/ping")"
events keypair_create wga0 | sed 's/^/#   wga0 keypair_create /'
events keypair_create wgb0 | sed 's/^/#   wgb0 keypair_create /'
mapfile -t a_kp < <(events keypair_create wga0 | awk '/initiator=1$/ { print $1 }')
b_new=$(events keypair_create wgb0 | grep -c 'initiator=0$')
events timer_fired wga0 | sed 's/^/#   wga0 timer_fired /'
# Each session wga0 starts as initiator after the first must come
# REKEY_AFTER_TIME/D after the one before (the first packet sent after that
# age triggers it), within the slack below; a session started sooner is a
# needless handshake, one started later a missed rekey.
gaps=$(printf '%s\n' "${a_kp[@]}" | awk 'NR > 1 { printf "%.2f ", $1 - p } { p = $1 }')
echo "# rekey: wga0 made ${#a_kp[@]} keypairs as initiator, gaps between them: ${gaps:-none} s (REKEY_AFTER_TIME/D = $rekey_after s); wgb0 took $b_new"
late=$(wgt_trace_dump $trace | awk '
	/keypair_create: dev=wga0 .*initiator=1$/ { done = 1 }
	/handshake_send: dev=wga0 .* type=1 / { done = 0 }
	/timer_fired: dev=wga0 .* what=retransmit_handshake$/ { if (done) n++ }
	END { print n + 0 }')
echo "# retransmit_handshake fired $late time(s) on wga0 after its handshake had completed"
ktap_check "rekey: every new session $rekey_after s after the one before (gaps: ${gaps:-none}; want 1 or more, each within [$rekey_after, $(in_bounds_hi "$rekey_after") s]); no retransmit after completion ($late)" \
	'[ -n "$gaps" ] && [ "$late" = 0 ] && all_in_bounds "$rekey_after" $gaps'
ktap_check "rekey: wgb0 took both sessions as responder; no ping lost" \
	'[ "$b_new" -ge 2 ] && grep -q " 0% packet loss" "$tmp/ping"'
# ---- keepalive ---------------------------------------------------------------
# The stream lasts four keepalive intervals (2 s at D=20), and we watch
# three more after it.
keepalive=$(awk -v d=$D 'BEGIN { print 10 / d }')
stream=$(awk -v k="$keepalive" 'BEGIN { print 4 * k }')
ip netns exec $B python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.0.0.2", 9))
end = time.monotonic() + float(sys.argv[1]) + 20
while time.monotonic() < end:
    s.settimeout(end - time.monotonic())
    try:
        s.recv(2048)
    except socket.timeout:
        break
' "$stream" &
listen_pid=$!
sleep 1
ka_before=$(events timer_fired wgb0 | grep -c 'send_keepalive$')
rx_before=$(events rx_keepalive wga0 | wc -l)
ip netns exec $A python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.monotonic() + float(sys.argv[1])
while time.monotonic() < end:
    s.sendto(b"one way", ("10.0.0.2", 9))
    time.sleep(0.1)
' "$stream"
sleep "$(awk -v k="$keepalive" 'BEGIN { print 3 * k }')"
ka_times=$(events timer_fired wgb0 | awk '/send_keepalive$/ { print $1 }' | tail -n +$((ka_before + 1)))
ka=$(printf '%s' "$ka_times" | grep -c .)
rx=$(( $(events rx_keepalive wga0 | wc -l) - rx_before ))
ka_gaps=$(awk 'NR > 1 { printf "%.2f ", $1 - p } { p = $1 }' <<< "$ka_times")
echo "# keepalive: $stream s of one-way UDP a -> b: wgb0 send_keepalive fired $ka times, gaps ${ka_gaps:-none} s (KEEPALIVE_TIMEOUT/D = $keepalive s); wga0 rx_keepalive $rx"
# b answers a's stream with a keepalive each KEEPALIVE_TIMEOUT/D while it
# lasts, and once more after: four intervals of stream, so at least 3.
ka_want=3
ktap_check "keepalive: one-way traffic makes b fire send_keepalive $ka times (want $ka_want or more), each KEEPALIVE_TIMEOUT/D after the one before (${ka_gaps:-no gaps})" \
	'[ "$ka" -ge "$ka_want" ] && all_in_bounds "$keepalive" $ka_gaps'
ktap_check "keepalive: a receives every one of them (rx_keepalive $rx)" '[ "$rx" = "$ka" ]'
kill "$listen_pid" 2>/dev/null
wait "$listen_pid" 2>/dev/null
listen_pid=

# ---- listener (runs while the tunnel above stays silent) ----------------------
tunnel $A wgd0 "$tmp/kd" 51840 "$tmp/pe" 51841 10.0.8 1 2
tunnel $B wge0 "$tmp/ke" 51841 "$tmp/pd" 51840 10.0.8 2 1
# One ping: wgd0 initiates; from then on it only receives wge0's
# keepalives. (Set before, the keepalive would make wge0 the initiator.)
ip netns exec $A ping -q -c 1 -W 2 10.0.8.2 > /dev/null 2>&1
ip netns exec $B wg set wge0 peer "$(cat "$tmp/pd")" persistent-keepalive 1
listen_start=$(date +%s)

# ---- give up (runs while the tunnels above stay silent) ----------------------
tunnel $A wgc0 "$tmp/kc" 51830 "$tmp/pb" 51999 10.0.9 1 2
ip netns exec $A ping -q -c 1 -W 1 10.0.9.2 > /dev/null 2>&1
give_deadline=$(( $(date +%s) + 3 * 90 / D + 10 ))
while [ "$(date +%s)" -lt $give_deadline ]; do
	events timer_fired wgc0 | grep -q 'handshake_give_up$' && break
	sleep 0.5
done
sleep 1	# nothing more may come after giving up
sends=$(events handshake_send wgc0 | grep -c 'type=1 ')
retries=$(events timer_fired wgc0 | grep -c 'retransmit_handshake$')
gaveup=$(events timer_fired wgc0 | grep -c 'handshake_give_up$')
span=$(events handshake_send wgc0 | awk 'NR == 1 { f = $1 } { l = $1 } END { printf "%.2f", l - f }')
first_gu=$(events timer_fired wgc0 | awk '/handshake_give_up$/ { print $1; exit }')
first_send=$(events handshake_send wgc0 | awk 'NR == 1 { print $1 }')
echo "# give up: $sends initiations over $span s, $retries retransmit_handshake, $gaveup handshake_give_up $(awk -v a="$first_send" -v b="$first_gu" 'BEGIN { if (b != "") printf "%.2f s after the first initiation", b - a }')"
echo "#   protocol: WGT_MAX_HANDSHAKE_ATTEMPTS = 18; give up when the count of retries exceeds it: 19 retries, 20 initiations, ~REKEY_ATTEMPT_TIME/D = $(awk -v d=$D 'BEGIN { print 90 / d }') s"
ktap_check "give up: handshake_give_up fired once, after $retries retransmit_handshake (want 19)" \
	'[ "$gaveup" = 1 ] && [ "$retries" = 19 ]'
ktap_check "give up: $sends initiations sent in all (want 20: the first and 19 retries)" \
	'[ "$sends" = 20 ]'
# Between two initiations: REKEY_TIMEOUT/D plus up to 334 ms/D of jitter.
retry=$(awk -v d=$D 'BEGIN { print 5 / d }')
jitter=$(awk -v d=$D 'BEGIN { print 0.334 / d }')
retry_gaps=$(events handshake_send wgc0 | awk '/type=1 / { if (n++) printf "%.3f ", $1 - p; p = $1 }')
echo "# give up: gaps between initiations: $retry_gaps"
ktap_check "give up: each retry REKEY_TIMEOUT/D = $retry s (+ jitter up to $jitter s) after the one before" \
	'[ -n "$retry_gaps" ] && extra=$jitter all_in_bounds "$retry" $retry_gaps'

# ---- listener, the verdict ----------------------------------------------------
early=$(awk -v d=$D 'BEGIN { print (180 - 10 - 5) / d }')
reject=$(awk -v d=$D 'BEGIN { print 180 / d }')
# Give the tunnel REJECT_AFTER_TIME/D and 3 s from its start (give up has
# taken most of that already).
until_s=$(awk -v s="$listen_start" -v r="$reject" 'BEGIN { printf "%d", s + r + 3.5 }')
[ "$(date +%s)" -lt "$until_s" ] && sleep $((until_s - $(date +%s)))
events keypair_create wgd0 | head -3 | sed 's/^/#   wgd0 keypair_create /'
second=$(events keypair_create wgd0 | awk 'NR == 1 { f = $1 } NR == 2 { printf "%.2f %s", $1 - f, $NF; exit }')
echo "# listener: wgd0's second session ${second:-never came} (s after the first, and who initiated); want initiator=1 after $early s, before $reject s"
ktap_check "listener: a side that only receives renews its session itself, $early s after it began (got: ${second:-none})" \
	'set -- $second; [ "$2" = initiator=1 ] && awk -v g="$1" -v e="$early" -v r="$reject" "BEGIN { exit !(g >= e - 0.01 && g < r) }"'

# ---- zeroing ------------------------------------------------------------------
zero_after=$(awk -v d=$D 'BEGIN { print 3 * 180 / d }')
last_a=$(events keypair_create wga0 | awk 'END { print $1 }')
last_b=$(events keypair_create wgb0 | awk 'END { print $1 }')
# zeroed_after DEV T - when DEV's keys were first erased after time T (its
# last session): on a slow kernel the pause between two steps above can
# outlast 3 x REJECT_AFTER_TIME/D, and an earlier erasure counts for nothing
zeroed_after()
{
	events keys_zeroed "$1" | awk -v t="$2" '$1 > t { print $1; exit }'
}
# wait until both are zeroed, at most zero_after + 10 s after the later session
deadline=$(( $(date +%s) + ${zero_after%.*} + 10 ))
while [ "$(date +%s)" -lt $deadline ]; do
	[ -n "$(zeroed_after wga0 "$last_a")" ] && [ -n "$(zeroed_after wgb0 "$last_b")" ] && break
	sleep 1
done
za=$(zeroed_after wga0 "$last_a")
zb=$(zeroed_after wgb0 "$last_b")
da=$(awk -v z="$za" -v k="$last_a" 'BEGIN { if (z == "") print "none"; else printf "%.2f", z - k }')
db=$(awk -v z="$zb" -v k="$last_b" 'BEGIN { if (z == "") print "none"; else printf "%.2f", z - k }')
echo "# zeroing: keys_zeroed on wga0 $da s, on wgb0 $db s after each one's last keypair_create (3 x REJECT_AFTER_TIME/D = $zero_after s)"
in_window()
{
	awk -v x="$1" -v w="$zero_after" 'BEGIN { exit !(x != "none" && x >= w && x <= w * 1.125 + 0.2) }'
}
ktap_check "zeroing: wga0 erases its keys $da s after its last session (want $zero_after s, up to 1/8 later)" \
	'in_window "$da"'
ktap_check "zeroing: wgb0 erases its keys $db s after its last session (want $zero_after s, up to 1/8 later)" \
	'in_window "$db"'
echo "# trace overrun: $(wgt_trace_overrun $trace) events lost"

ktap_finish

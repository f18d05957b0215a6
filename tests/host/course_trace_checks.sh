#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The course grader's trace checks (labs/course/trace_checks.py) on the
# recorded samples of chapters 4 and 5, and on doctored copies
# (tests/lib/course_traces.py) that each check must fail: a replayed
# counter taken as fresh and delivered, or refused but freed without an
# rx_drop; a drop without a reason; a NAPI poll past its budget; a message
# not padded to 16, or padded past the MTU; a message sent out of nonce
# order; a trace with nothing to judge (no replay, nothing to pad).
. "$(dirname "$0")/../lib/ktap.sh"

cd "$WGTOUR_ROOT" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
checks=labs/course/trace_checks.py
doctor=tests/lib/course_traces.py
rx=traces/samples/ch4-rx-trace.txt
tx=traces/samples/ch5-lab-tx-trace.txt

ktap_plan 20

# expect ok|fail TRACE CHECK DESCRIPTION: the check's verdict on TRACE
expect()
{
	local want=$1 trace=$2 check=$3 desc=$4 line
	line=$(python3 "$checks" "$trace" "$check" 2>&1 | grep -E '^(ok|not ok) 1 ')
	echo "#   $line"
	if { [ "$want" = ok ] && [[ $line == "ok 1 - $check: "* ]]; } ||
	   { [ "$want" = fail ] && [[ $line == "not ok 1 - $check: "* ]]; }; then
		ktap_result ok "$desc"
	else
		ktap_result fail "$desc"
	fi
}

expect ok $rx delivered_in_counter_order "rx sample: packets delivered in counter order"
expect ok $rx napi_within_budget "rx sample: no NAPI poll past its budget"
expect ok $rx drops_have_reasons "rx sample: every drop has a reason"
expect fail $rx replays_refused "rx sample without a replay: replays_refused has nothing to judge"

python3 $doctor replay $rx "$tmp/refused.txt" refused
python3 $doctor replay $rx "$tmp/delivered.txt" delivered
python3 $doctor replay $rx "$tmp/undropped.txt" undropped
expect ok "$tmp/refused.txt" replays_refused "a replay refused and dropped as \"replayed counter\" passes"
expect ok "$tmp/refused.txt" delivered_in_counter_order "... and the order of delivery stays right"
expect ok "$tmp/refused.txt" drops_have_reasons "... and its drop has a reason"
expect fail "$tmp/delivered.txt" replays_refused "a replay taken as fresh and delivered fails replays_refused"
expect fail "$tmp/delivered.txt" delivered_in_counter_order "... and delivered_in_counter_order"
expect fail "$tmp/undropped.txt" replays_refused "a replay refused but freed without rx_drop fails replays_refused"
expect fail "$tmp/undropped.txt" drops_have_reasons "... and drops_have_reasons"
python3 $doctor edit "$tmp/refused.txt" "$tmp/noreason.txt" rx_drop 0 'reason=""'
expect fail "$tmp/noreason.txt" drops_have_reasons "an rx_drop without a reason fails drops_have_reasons"
python3 $doctor edit $rx "$tmp/budget.txt" napi_poll 0 work=65
expect fail "$tmp/budget.txt" napi_within_budget "napi_poll work 65 of budget 64 fails napi_within_budget"
python3 $doctor edit $rx "$tmp/budget2.txt" rx_napi_poll_end 2 work_done=65
expect fail "$tmp/budget2.txt" napi_within_budget "rx_napi_poll_end work_done 65 of budget 64 fails it"

expect ok $tx padding "tx sample: every message padded to 16, not past the MTU"
expect ok $tx sent_in_nonce_order "tx sample: messages sent in nonce order"
# The sample's first message is a ping of 84 bytes: padded to 96, a
# 128-byte message; unpadded it would be 116 bytes.
python3 $doctor edit $tx "$tmp/unpadded.txt" tx_encrypt 0 len=116
expect fail "$tmp/unpadded.txt" padding "a ping not padded (116 bytes, not 128) fails padding"
# Its second is a full 1420-byte segment: padded to 1424, past the MTU
python3 $doctor edit $tx "$tmp/pastmtu.txt" tx_encrypt 1 len=1456
expect fail "$tmp/pastmtu.txt" padding "a segment padded past the MTU (1456 bytes) fails padding"
# The ping's send (nonce 0, at 26029.3 ms) moved to 27908.0 ms: after the
# first GSO packet's sends (nonces 5692 to 5737, the last at 27907.9 ms),
# and before the ping's skb address comes back as a segment of the next
# packet (27908.9 ms), from where on the send would read as that one's.
python3 $doctor shift $tx "$tmp/order.txt" tx_send 0 1878733211
expect fail "$tmp/order.txt" sent_in_nonce_order "the first message sent last fails sent_in_nonce_order"
# Without the ping, every message is a full segment: nothing needed padding
ping=$(awk '$5 == "tx_xmit" { sub(/skbaddr=/, "", $6); print $6; exit }' $tx)
grep -v "skbaddr=$ping " $tx > "$tmp/noping.txt"
expect fail "$tmp/noping.txt" padding "a trace where nothing needed padding fails padding (nothing to judge)"
ktap_finish

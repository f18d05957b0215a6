#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# wgt_wait_until (tests/lib/wait.sh) waits until a deadline by the clock,
# not for a number of tries. Timed here with date(1), a clock of its own: a
# condition that comes true after 0.3 s ends the wait then, long before
# its deadline; one that never does fails once its 1 s has passed, not
# much sooner or later; one whose every try takes 0.4 s fails with the
# first try that ends past the deadline (the third, at 1.4 s), not after
# ten tries (5 s), and with that try's status; WGTOUR_SLOW=2 makes the 1 s
# last 2. About 5 s in all.
. "$(dirname "$0")/../lib/ktap.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# make check-debug sets it; these waits are timed without it unless told
unset WGTOUR_SLOW

ktap_plan 5

# timed COMMAND...: run COMMAND; rc is its status, ms how long it took
timed()
{
	local t0
	t0=$(date +%s%3N)
	"$@"
	rc=$?
	ms=$(($(date +%s%3N) - t0))
	echo "# $*: status $rc after $ms ms"
}

# a try that takes 0.4 s and fails with status 3
slow_false()
{
	sleep 0.4
	return 3
}

(sleep 0.3; touch "$tmp/flag") &
timed wgt_wait_until 5 test -e "$tmp/flag"
ktap_check "a condition true after 0.3 s: success within 1 s of a 5-s wait" \
	'[ "$rc" = 0 ] && [ "$ms" -ge 250 ] && [ "$ms" -lt 1000 ]'
wait

timed wgt_wait_until 1 false
ktap_check "a condition never true: failure after 1 s of a 1-s wait (1000 to 1500 ms)" \
	'[ "$rc" = 1 ] && [ "$ms" -ge 1000 ] && [ "$ms" -le 1500 ]'

# Tries end at 0.4 s and 0.9 s, before the deadline, and at 1.4 s, past it;
# ten tries of a 1-s wait every 0.1 s would take 5 s.
timed wgt_wait_until 1 slow_false
ktap_check "tries of 0.4 s each: failure after the try that ends past the 1-s deadline (1400 to 2000 ms)" \
	'[ "$ms" -ge 1400 ] && [ "$ms" -le 2000 ]'
ktap_check "... with the status of that last try" '[ "$rc" = 3 ]'

WGTOUR_SLOW=2 timed wgt_wait_until 1 false
ktap_check "WGTOUR_SLOW=2: a 1-s wait fails after 2 s (2000 to 2500 ms)" \
	'[ "$rc" = 1 ] && [ "$ms" -ge 2000 ] && [ "$ms" -le 2500 ]'
ktap_finish

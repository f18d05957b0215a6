#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The harness judged: each way a broken test or a lost stage used to read as
# success, fed to the real harness, must now read as failure. A check that
# cannot fail is worth nothing, and neither is a suite whose summary cannot.
#   - ktap_check with a compound condition (tests/lib/ktap.sh)
#   - tests/tap-summary.py on made-up stages: missing, cut short, a crashed
#     program, a plan not met, a SKIP under CI, an exit status
#   - labs/vm/run on a guest that logs a WARNING at KERN_WARNING level, and
#     on one that then hangs: the report must be found both times
. "$(dirname "$0")/../lib/ktap.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
summary=$WGTOUR_ROOT/tests/tap-summary.py

ktap_plan 14

# ---- ktap_check -------------------------------------------------------------
# Run in a child shell so its results do not count here; we read them.
(
	. "$WGTOUR_ROOT/tests/lib/ktap.sh"
	ktap_check "true and false" '[ 1 = 1 ] && [ 1 = 2 ]'
	# shellcheck disable=SC2015 # the old, broken form on purpose
	ktap_check "old form" [ 1 = 1 ] && [ 1 = 2 ]
	ktap_check "false or true" '[ 1 = 2 ] || [ 2 = 2 ]'
) > "$tmp/ktap.out"
sed 's/^/# ktap: /' "$tmp/ktap.out"
ktap_check "ktap_check: a false compound condition is not ok" \
	'grep -q "^not ok 1 - true and false$" "$tmp/ktap.out"'
ktap_check "ktap_check: the old unquoted form is a failed, malformed check" \
	'grep -q "^not ok 2 - old form (malformed check)$" "$tmp/ktap.out"'
ktap_check "ktap_check: a true compound condition is ok" \
	'grep -q "^ok 3 - false or true$" "$tmp/ktap.out"'

# ---- tap-summary.py -----------------------------------------------------------
# One program's TAP as the kselftest runner nests it.
program()	# NUM NAME PLAN RESULTS TOP
{
	local i
	echo "# TAP version 13"
	[ "$3" = - ] || echo "# 1..$3"
	for i in $(seq "$4"); do echo "# ok $i - result $i"; done
	echo "$5 $1 selftests: vm: $2"
}
{ echo "TAP version 13"; echo "1..1"; program 1 good.sh 2 2 ok; } > "$tmp/good.tap"
{ echo "TAP version 13"; echo "1..1"; program 1 short.sh 10 2 ok; } > "$tmp/short.tap"
{ echo "TAP version 13"; echo "1..1"; program 1 noplan.sh - 2 ok; } > "$tmp/noplan.tap"
{ echo "TAP version 13"; echo "1..1"; program 1 "crash.sh # exit=139" 2 2 "not ok"; } > "$tmp/crash.tap"
{ echo "TAP version 13"; echo "1..2"; program 1 good.sh 2 2 ok; } > "$tmp/cut.tap"
{ echo "TAP version 13"; echo "1..2"; program 1 good.sh 2 2 ok
  echo "ok 2 selftests: vm: skip.sh # SKIP"; } > "$tmp/skip.tap"

# verdict ARGS... - "pass" or "fail": what tap-summary.py says of the stages
verdict()
{
	if CI= python3 "$summary" "$@" > "$tmp/summary.out" 2>&1; then
		echo pass
	else
		echo fail
	fi
	sed 's/^/# summary: /' "$tmp/summary.out"
}
good=(--stage host 0 1 "$tmp/good.tap")
ktap_check "summary: a complete stage passes (the control)" \
	'[ "$(verdict "${good[@]}" | head -1)" = pass ]'
ktap_check "summary: a stage that printed nothing (VM exit 1) fails the run" \
	'[ "$(verdict "${good[@]}" --stage vm 1 16 "$tmp/none.tap" | head -1)" = fail ]'
ktap_check "summary: an empty VM log with a clean exit still fails" \
	': > "$tmp/empty.tap"; [ "$(verdict "${good[@]}" --stage vm 0 16 "$tmp/empty.tap" | head -1)" = fail ]'
ktap_check "summary: a program that printed 2 of its 10 results fails" \
	'[ "$(verdict --stage vm 0 1 "$tmp/short.tap" | head -1)" = fail ]'
ktap_check "summary: a program without a plan fails" \
	'[ "$(verdict --stage vm 0 1 "$tmp/noplan.tap" | head -1)" = fail ]'
ktap_check "summary: a program that crashed after passing results fails" \
	'[ "$(verdict --stage vm 0 1 "$tmp/crash.tap" | head -1)" = fail ]'
ktap_check "summary: a stage cut short (1 of 2 programs) fails" \
	'[ "$(verdict --stage vm 0 2 "$tmp/cut.tap" | head -1)" = fail ]'
ktap_check "summary: a stage whose plan differs from the programs given fails" \
	'[ "$(verdict --stage vm 0 3 "$tmp/good.tap" | head -1)" = fail ]'
ktap_check "summary: a SKIP passes outside CI and fails under --ci" \
	'[ "$(verdict --stage vm 0 2 "$tmp/skip.tap" | head -1)" = pass ] &&
	 [ "$(verdict --ci --stage vm 0 2 "$tmp/skip.tap" | head -1)" = fail ]'

# ---- the lab VM's kernel log -------------------------------------------------
# A WARN() prints at KERN_WARNING; so does this line written to /dev/kmsg.
warn='echo "<4>WARNING: CPU: 0 PID: 1 at harness test" > /dev/kmsg'
"$WGTOUR_ROOT/labs/vm/run" --name harness-warn --no-module --timeout 120 \
	-- sh -c "$warn" > "$tmp/warn.out" 2>&1
rc=$?
ktap_check "lab VM: a WARNING at KERN_WARNING level fails a run that exited 0 (rc $rc)" \
	'[ "$rc" = 126 ] && grep -q "at harness test" "$tmp/warn.out"'
"$WGTOUR_ROOT/labs/vm/run" --name harness-hang --no-module --timeout 25 \
	-- sh -c "$warn; sleep 600" > "$tmp/hang.out" 2>&1
rc=$?
ktap_check "lab VM: the report is found in a guest that hangs and is killed (rc $rc)" \
	'[ "$rc" = 124 ] && grep -q "at harness test" "$tmp/hang.out"'
ktap_finish

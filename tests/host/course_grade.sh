#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make grade's scoring (labs/course/course.py score, score.py) on the
# results a grading run of ch4-replay leaves, made up here: the VM suite's
# TAP as the kselftest runner nests it, the rx-replay scenario's trace (the
# chapter 4 sample with a replay, tests/lib/course_traces.py). A complete,
# passing run scores every point, exits 0 and writes grade.tap and a
# grade.json an autograder can read; each way a run goes wrong costs the
# points of exactly the checks it touches, and exits 1: a failed or skipped
# result, a test that never reported, a replay delivered, a scenario that
# failed, a kernel report, a module that did not build. Last, course.py
# verdict (make check-labs): a good run is what the reference must score,
# and a run failing what the untouched skeleton should fail is the
# skeleton's, and neither is taken for the other. And what GitHub Classroom
# runs: course.py passed (one check's verdict as an exit status) and the
# workflow course.py classroom writes (a grader step per check, its points).
. "$(dirname "$0")/../lib/ktap.sh"

cd "$WGTOUR_ROOT" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ktap_plan 17

# program NUM NAME RESULT... - one test program's TAP as tests/run-suite.sh
# prints it: the runner's "# " before each of the program's own lines
program()
{
	local num=$1 name=$2 n=0 r
	shift 2
	echo "# selftests: vm: $name"
	echo "# TAP version 13"
	echo "# 1..$#"
	for r in "$@"; do
		n=$((n + 1))
		echo "# ${r%% *} $n - ${r#* }"
	done
	echo "ok $num selftests: vm: $name"
}

# results DIR - the results of a good run of ch4-replay
results()
{
	mkdir -p "$1/rx-replay"
	echo 0 > "$1/build.rc"
	echo "  CC [M]  noise.o" > "$1/build.log"
	echo ok > "$1/load"
	{
		echo "TAP version 13"
		echo "1..2"
		program 1 selftests.sh "ok allowedips: corner cases (/0, /32, /128, nesting, moves)" \
			"ok replay window: in order, late, duplicate, too old, slot reuse"
		program 2 rx_replay_malformed.sh "ok handshake with the device (3.1 s)" \
			"ok in order: counters 1+ 2+ 3+" "ok duplicates dropped (an old one, the greatest): counters 3- 7-" \
			"ok (a) rx_drop \"replayed counter\": 10 (got 10)" "ok nothing forged is answered"
	} > "$1/vm.tap"
	echo 0 > "$1/vm.rc"
	echo 0 > "$1/rx-replay.rc"
	python3 tests/lib/course_traces.py replay traces/samples/ch4-rx-trace.txt \
		"$1/rx-replay/trace.txt" refused
}

# score DIR [ARGS...] - score DIR; sets rc, and points to "GOT/MOST" from
# grade.json
score()
{
	local dir=$1
	shift
	python3 labs/course/course.py score ch4-replay --results "$dir/results" --out "$dir" "$@" \
		> "$dir/score.out" 2>&1
	rc=$?
	sed 's/^/#   /' "$dir/score.out"
	points=$(python3 -c 'import json, sys; g = json.load(open(sys.argv[1]))
print("%d/%d" % (g["points"], g["max_points"]))' "$dir/grade.json" 2>/dev/null)
}

# run NAME SED_FILE SED - a good run's results, SED_FILE (in results/)
# edited by SED; then scored as labs/vm/run exit 0
run()
{
	results "$tmp/$1/results"
	[ -n "$2" ] && sed -i "$3" "$tmp/$1/results/$2"
	score "$tmp/$1" --vm-rc 0
}

run good "" ""
ktap_check "a good run: 10/10 points, exit 0 ($points, exit $rc)" '[ "$points" = 10/10 ] && [ $rc = 0 ]'
ktap_check "grade.tap: a plan of 8 and 8 results, all ok, the points of each" \
	'grep -q "^1\.\.8$" "$tmp/good/grade.tap" && [ "$(grep -c "^ok [0-9]* - .* \[[0-9]*/[0-9]* points\]$" "$tmp/good/grade.tap")" = 8 ]'
ktap_check "grade.json: what an autograder reads (assignment, points, passed, 8 checks)" \
	'python3 -c "import json, sys; g = json.load(open(sys.argv[1]))
sys.exit(not (g[\"assignment\"] == \"ch4-replay\" and g[\"passed\"] is True and len(g[\"checks\"]) == 8
         and all(c[\"ok\"] for c in g[\"checks\"])))" "$tmp/good/grade.json"'

run selftest vm.tap 's/^# ok 2 - replay window/# not ok 2 - replay window/'
ktap_check "the replay self-test failed: its 2 points lost, exit 1 ($points, exit $rc)" \
	'[ "$points" = 8/10 ] && [ $rc = 1 ] && grep -q "^not ok 2 - self-test" "$tmp/selftest/grade.tap"'
run skipped vm.tap 's/^\(# ok 4 - (a) rx_drop.*\)$/\1 # SKIP no trace/'
ktap_check "a matched result skipped counts as failed ($points, exit $rc)" \
	'[ "$points" = 7/10 ] && [ $rc = 1 ]'
run missing vm.tap '/rx_replay_malformed.sh/,$d; s/^1\.\.2$/1..1/'
ktap_check "a test that never reported fails its check ($points, exit $rc)" \
	'[ "$points" = 7/10 ] && grep -q "rx_replay_malformed.sh did not report" "$tmp/missing/score.out"'

results "$tmp/delivered/results"
python3 tests/lib/course_traces.py replay traces/samples/ch4-rx-trace.txt \
	"$tmp/delivered/results/rx-replay/trace.txt" delivered
score "$tmp/delivered" --vm-rc 0
ktap_check "a replay delivered: the replay and order trace checks fail, 3 points ($points, exit $rc)" \
	'[ "$points" = 7/10 ] && [ $rc = 1 ]'
run scenario rx-replay.rc 's/0/1/'
ktap_check "a scenario that failed fails every trace check of it ($points)" \
	'[ "$points" = 5/10 ] && [ "$(grep -c "scenario rx-replay did not finish" "$tmp/scenario/score.out")" = 4 ]'

results "$tmp/splat/results"
score "$tmp/splat" --vm-rc 126
ktap_check "a kernel report (labs/vm/run exit 126) fails the kernel check and the run (exit $rc)" \
	'[ $rc = 1 ] && grep -q "FAIL .*kernel reported a BUG" "$tmp/splat/score.out" &&
	 python3 -c "import json, sys; sys.exit(json.load(open(sys.argv[1]))[\"passed\"] is not False)" \
		"$tmp/splat/grade.json"'
results "$tmp/noload/results"
rm "$tmp/noload/results/load"
score "$tmp/noload" --vm-rc 3
ktap_check "a module that did not load fails the kernel check ($points, exit $rc)" \
	'[ $rc = 1 ] && grep -q "did not load" "$tmp/noload/score.out"'

mkdir -p "$tmp/nobuild/results"
echo 2 > "$tmp/nobuild/results/build.rc"
echo "noise.c:810:9: error: expected ';' before 'return'" > "$tmp/nobuild/results/build.log"
score "$tmp/nobuild"
ktap_check "a module that does not build: every check fails, 0/10, the error shown ($points, exit $rc)" \
	'[ "$points" = 0/10 ] && [ $rc = 1 ] && grep -q "expected .;. before" "$tmp/nobuild/score.out" &&
	 [ "$(grep -c "not run: the module did not build" "$tmp/nobuild/score.out")" = 7 ]'

# The skeleton of ch4-replay accepts every counter: the replay self-test and
# the scripted peer's replay steps fail, and the replay is delivered.
results "$tmp/skeleton/results"
sed -i 's/^# ok \([0-9]*\) - \(replay window\|in order\|duplicates\|(a) \)/# not ok \1 - \2/' \
	"$tmp/skeleton/results/vm.tap"
python3 tests/lib/course_traces.py replay traces/samples/ch4-rx-trace.txt \
	"$tmp/skeleton/results/rx-replay/trace.txt" delivered
score "$tmp/skeleton" --vm-rc 0
verdict()	# NAME MODEL: course.py verdict of NAME's grade.json as MODEL
{
	python3 labs/course/course.py verdict ch4-replay "$2" "$tmp/$1/grade.json" > "$tmp/verdict" 2>&1
	local rc=$?
	sed 's/^/#   /' "$tmp/verdict"
	return $rc
}
ktap_check "verdict: the good run scores as the reference must, not as the skeleton" \
	'verdict good reference && ! verdict good skeleton'
ktap_check "verdict: the skeleton-like run ($points) scores as the skeleton must" \
	'verdict skeleton skeleton'
ktap_check "verdict: ... and is not taken for the reference" '! verdict skeleton reference'

passed()	# NAME N: course.py passed's exit status for check N of NAME's run
{
	python3 labs/course/course.py passed ch4-replay "$2" "$tmp/$1/grade.json" 2>&1 | sed 's/^/#   /'
	return "${PIPESTATUS[0]}"
}
ktap_check "passed: exit 0 for a check that passed, 1 for one that failed" \
	'passed good 2; [ $? = 0 ] && { passed selftest 2; [ $? = 1 ]; }'
ktap_check "passed: exit 2 for a check that does not exist (not a silent 0)" \
	'passed good 9; [ $? = 2 ]'
python3 labs/course/course.py classroom ch4-replay > "$tmp/classroom.yml"
ktap_check "classroom: a grader step per check, the points summing to the assignment's 10" \
	'[ "$(grep -c "uses: classroom-resources/autograding-command-grader@v1" "$tmp/classroom.yml")" = 8 ] &&
	 [ "$(awk "/max-score:/ { n += \$2 } END { print n }" "$tmp/classroom.yml")" = 10 ] &&
	 grep -q "runners: check-1,check-2,check-3,check-4,check-5,check-6,check-7,check-8$" "$tmp/classroom.yml"'
ktap_finish

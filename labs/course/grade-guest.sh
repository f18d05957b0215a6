#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The lab VM's half of "make grade" (labs/course/grade.sh runs it with
# labs/vm/run --no-module): load the student's wgtour.ko, run what the
# plan says, and leave every result in RESULTS for the host to score
# (labs/course/course.py score). Nothing is judged here: Python is slow
# under QEMU, and the host has the registry.
#
# usage (inside the VM): labs/course/grade-guest.sh RESULTS KO
#
# RESULTS/plan (course.py plan) holds lines:
#   timeout N                 (the host's; ignored here)
#   test PROGRAM...           tests/vm programs, run by tests/run-suite.sh
#   scenario NAME COMMAND...  COMMAND RESULTS/NAME records a trace there
# Written to RESULTS: load ("ok" once KO is loaded), vm.tap and vm.rc,
# NAME.log and NAME.rc for each scenario (the trace is NAME/trace.txt).
# Exits 3 when KO does not load, 0 otherwise (whatever the tests said).
root=${WGTOUR_ROOT:?run inside the lab VM}
results=${1:?usage: grade-guest.sh RESULTS KO}
# Every test loads the module with wgt_load (tests/lib/vm.sh), which
# takes WGTOUR_KO: the student's build, not module/wgtour.ko.
export WGTOUR_KO=${2:?usage: grade-guest.sh RESULTS KO}
. "$root/tests/lib/vm.sh"
cd "$root" || exit 1

# between steps: what a step that failed halfway may leave behind
reset()
{
	ip -all netns delete 2>/dev/null
	[ -d /sys/module/wireguard ] && rmmod wireguard 2>/dev/null
	wgt_load
}

if ! wgt_load; then
	echo "grade: insmod $WGTOUR_KO failed"
	exit 3
fi
echo ok > "$results/load"
while read -r kind name rest; do
	case $kind in
	test)
		echo "grade: tests/vm: $name $rest"
		# Through a pipe: the kselftest runner and its output prefixer
		# write to it at once, and two writers of one file opened with ">"
		# (not appending) overwrite each other's lines.
		# shellcheck disable=SC2086 # the programs are words
		tests/run-suite.sh vm $name $rest 2>&1 | cat > "$results/vm.tap"
		echo "${PIPESTATUS[0]}" > "$results/vm.rc"
		tail -n 3 "$results/vm.tap" | sed 's/^/  /'
		;;
	scenario)
		echo "grade: scenario $name: $rest"
		# shellcheck disable=SC2086 # the command is words
		$rest "$results/$name" > "$results/$name.log" 2>&1
		echo $? > "$results/$name.rc"
		echo "  exit $(cat "$results/$name.rc"); $(grep -vc '^#' "$results/$name/trace.txt" 2>/dev/null || echo 0) lines traced"
		;;
	*) continue ;;
	esac
	reset
done < "$results/plan"
exit 0

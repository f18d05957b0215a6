#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: the host suite (lint, book, renderers) and, beside it, the
# host tests that boot lab VMs of their own (tests/host-vm: the harness,
# mutants); then the VM suite in one boot of the lab VM, then the two-VM
# suite (tests/vm2: each test boots its own pair of lab VMs), then one
# closing line "N passed, N failed". Each
# stage's TAP, exit status and expected number of programs go to
# tests/tap-summary.py, which fails a stage that is missing, cut short or
# exited badly. Exits non-zero on any failure. TAP logs stay in build/check/.
# "tests/check.sh long" (make check-long) runs tests/vm-long alone,
# "tests/check.sh fuzz" (make fuzz) tests/fuzz, and "tests/check.sh debug"
# (make check-debug) tests/vm and the long churn run on the debug kernel.
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/check
rm -rf "$out"
mkdir -p "$out"
start=$(date +%s)
stages=()

# stage_plan NAME - the number of test programs in tests/NAME, or of those
# named in $only when it is set
stage_plan()
{
	if [ -n "${only:-}" ]; then
		wc -w <<< "$only"
	else
		find "$root/tests/$1" -maxdepth 1 -name '*.sh' | wc -l
	fi
}

# stage NAME HEADING COMMAND... - run one stage, keep its TAP and verdict.
stage()
{
	local name=$1 heading=$2
	shift 2
	echo "== $heading"
	"$@" 2>&1 | tee "$out/$name.tap"
	stages+=(--stage "$name" "${PIPESTATUS[0]}" "$(stage_plan "$name")" "$out/$name.tap")
}

# stage_beside NAME COMMAND... - start a stage in the background, its TAP
# to its log only; stage_joined NAME HEADING waits for it, then prints
# the log and keeps the verdict as stage does.
stage_beside()
{
	local name=$1
	shift
	# Through a pipe, not straight into the file: the kselftest runner
	# opens /dev/stdout again for each program's output (">>", appending);
	# on a file that makes a second writer, which overwrites the first's
	# lines, while on a pipe it is the same pipe.
	{ "$@" 2>&1 | cat > "$out/$name.tap"; echo "${PIPESTATUS[0]}" > "$out/$name.rc"; } &
	# A background job of a script ignores Ctrl-C: on one, stop the whole
	# process group, the VMs it booted with it.
	trap 'trap - INT TERM; kill -TERM 0' INT TERM
}

stage_joined()
{
	local name=$1 heading=$2
	wait
	echo "== $heading"
	cat "$out/$name.tap"
	stages+=(--stage "$name" "$(cat "$out/$name.rc" 2>/dev/null || echo 1)" \
		"$(stage_plan "$name")" "$out/$name.tap")
}

if [ "${1:-}" = fuzz ]; then
	# make fuzz: the fuzzers' long runs alone, in one boot of the lab VM.
	stage fuzz "the fuzzers' long runs (a million datagrams, 100,000 netlink requests; tens of minutes)" \
		"$root/labs/vm/run" --name fuzz --timeout 14400 -- tests/run-suite.sh fuzz
	python3 "$root/tests/tap-summary.py" "${stages[@]}"
	exit
fi

if [ "${1:-}" = debug ]; then
	# make check-debug: the VM tests on the debug kernel (make debug-kernel),
	# wgtour.ko built against it, in one boot. Its checkers make it about
	# ten times slower under TCG: WGTOUR_SLOW=10 stretches every test's
	# time limit and every wait (tests/vm/settings, tests/lib/wait.sh).
	# The run fails on any report; the guest asks kmemleak for a scan
	# at the end (labs/vm/guest.sh). WGTOUR_DEBUG_TESTS="a.sh b.sh" runs
	# only those.
	only=${WGTOUR_DEBUG_TESTS:-}
	stage vm "VM tests on the debug kernel (KASAN, UBSAN, lockdep, PROVE_RCU, kmemleak, ...; hours under TCG)" \
		"$root/labs/vm/run" --kernel debug --name check-debug --timeout 43200 -- \
		env WGTOUR_SLOW=10 tests/run-suite.sh vm $only
	# Then, in a boot of its own, churn under traffic: 1,000 cycles (about
	# 35 minutes here), or WGTOUR_DEBUG_CHURN cycles; not when only some
	# programs were asked for, unless WGTOUR_DEBUG_CHURN asks too.
	churn=${WGTOUR_DEBUG_CHURN:-${only:+0}}
	if [ "${churn:-1000}" != 0 ]; then
		only=churn.sh
		stage fuzz "churn under traffic on the debug kernel, ${churn:-1000} cycles" \
			"$root/labs/vm/run" --kernel debug --name check-debug-churn --timeout 14400 -- \
			env WGTOUR_SLOW=10 CHURN_CYCLES="${churn:-1000}" tests/run-suite.sh fuzz churn.sh
	fi
	python3 "$root/tests/tap-summary.py" "${stages[@]}"
	exit
fi

if [ "${1:-}" = long ]; then
	# make check-long: the slow tests alone, in one boot of the lab VM.
	stage vm-long "slow VM tests (the timers at their real durations, config_errors.sh beside the stock module; about 14 minutes)" \
		"$root/labs/vm/run" --name check-long --timeout 3600 -- tests/run-suite.sh vm-long
	python3 "$root/tests/tap-summary.py" "${stages[@]}"
	exit
fi

# The host tests use one of the machine's cores, mostly; the three that
# boot VMs (about two minutes) run on the other meanwhile.
stage_beside host-vm "$root/tests/run-suite.sh" host-vm
stage host "host tests (lint, book, renderers; the host tests that boot VMs run beside them)" \
	"$root/tests/run-suite.sh" host
stage_joined host-vm "host tests that boot lab VMs (the harness, mutants; run beside the host tests)"
stage vm "VM tests (one boot of the lab VM; about 15 minutes under TCG)" \
	"$root/labs/vm/run" --name check --timeout 2700 -- tests/run-suite.sh vm
stage vm2 "two-VM tests (ours and the stock wireguard.ko, each in its own kernel; about 2 minutes)" \
	"$root/tests/run-suite.sh" vm2

echo "== summary ($(( $(date +%s) - start )) s; logs in build/check/)"
python3 "$root/tests/tap-summary.py" "${stages[@]}"

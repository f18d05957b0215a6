#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make mutate: mutation testing of the test suite (issue 17). Each patch in
# tests/mutants/ is one small, plausible bug in module/ (a "mutant"). Each is
# applied alone to a copy of module/ and built; then one lab VM boot runs,
# for each mutant, the tests its patch names (tests/mutate-guest.sh). A
# mutant is killed when one of them fails, when the kernel reports anything
# (BUG, WARNING, refcount, ...), when it crashes the VM, or when the module
# will not load or unload; otherwise it survived, and a surviving mutant is
# a missing test. First the unmodified module (the "control") runs all those
# tests: a test that fails without any mutation proves nothing, so its
# failures kill no mutant (those mutants are "untested").
#
# usage: tests/mutate.sh [--quick] [--list] [--build-only] [--no-control] [NAME...]
#   --quick       only the mutants marked "Quick: yes" (killed in seconds),
#                 and TAP on stdout, for make check
#   --list        print the mutants, their tests and bugs; run nothing
#   --build-only  apply and build, no VM
#   --no-control  do not run the unmodified module first
#   NAME          a mutant, as "07-mtu-overhead-without-tag", "07" or
#                 "mtu-overhead-without-tag"; all of them when none is given
#
# A patch is a "git diff" against module/ (paths a/module/FILE); the text
# before its first "diff --git" line, which git apply ignores, holds:
#   Bug: the mistake, in one line
#   Tests: the tests/vm programs that should catch it
#   Quick: yes          (optional) part of --quick
#   Note: ...           (optional) why it may survive: the missing test
# A patch must apply exactly (no fuzz; git apply allows moved lines only)
# and the mutant must build without warnings (W=1): otherwise it is "stale"
# or "broken", which fails the run however many mutants were killed. To
# write one, or refresh a stale one: change module/ in a scratch worktree,
# "git diff -U2 -- module/ > tests/mutants/NN-name.patch", put the header
# on top, and try it with "tests/mutate.sh --build-only NN".
#
# Everything goes to build/mutate/: NAME/src (the patched copy and its
# build), NAME/tap, NAME/result, NAME/verdict, NAME/dmesg.txt, the VM
# boots' console logs (boot-N.log), and results.txt, the table printed at
# the end. Exits 0 when at least 90 % of the mutants run were killed and
# every patch applied and built, 1 otherwise.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/labs/vm/lib.sh"
patches=$root/tests/mutants
out=$root/build/mutate
goal=90

quick=0 list=0 build_only=0 control=1 names=()
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--list) list=1 ;;
	--build-only) build_only=1 ;;
	--no-control) control=0 ;;
	-h|--help) sed -n '4,/^set -uo/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	-*) die "unknown option $1" ;;
	*) names+=("$1") ;;
	esac
	shift
done

# say MESSAGE - progress: a TAP comment in --quick mode (stdout is TAP)
say()
{
	if [ $quick = 1 ]; then
		echo "# $*"
	else
		echo "mutate: $*"
	fi
}

# field PATCH KEY - a header field of a patch ("" when absent)
field()
{
	sed -n "/^diff --git /q; s/^$2: *//p" "$1" | head -1
}

# ---- which mutants --------------------------------------------------------
all=()
for p in "$patches"/*.patch; do
	[ -f "$p" ] && all+=("$(basename "$p" .patch)")
done
[ ${#all[@]} -gt 0 ] || die "no patches in tests/mutants/"

selected=()
if [ ${#names[@]} -gt 0 ]; then
	for n in "${names[@]}"; do
		match=
		for m in "${all[@]}"; do
			if [ "$m" = "$n" ] || [ "${m%%-*}" = "$n" ] || [ "${m#*-}" = "$n" ]; then
				match=$m
				break
			fi
		done
		[ -n "$match" ] || die "no mutant $n (tests/mutate.sh --list shows them)"
		[[ " ${selected[*]} " == *" $match "* ]] || selected+=("$match")
	done
else
	selected=("${all[@]}")
fi
if [ $quick = 1 ]; then
	q=()
	for m in "${selected[@]}"; do
		[ "$(field "$patches/$m.patch" Quick)" = yes ] && q+=("$m")
	done
	selected=("${q[@]}")
	[ ${#selected[@]} -gt 0 ] || die "no quick mutant among those selected"
	# TAP first: a run that dies on the way leaves a plan without results.
	echo "TAP version 13"
	echo "1..$(( ${#selected[@]} + control ))"
fi

# Every patch must say what it breaks and which existing tests catch it.
bad=0
for m in "${selected[@]}"; do
	p=$patches/$m.patch
	[ -n "$(field "$p" Bug)" ] || { echo "mutate: $m: no Bug: line" >&2; bad=1; }
	t=$(field "$p" Tests)
	[ -n "$t" ] || { echo "mutate: $m: no Tests: line" >&2; bad=1; }
	for test in $t; do
		[ -f "$root/tests/vm/$test" ] ||
			{ echo "mutate: $m: no test tests/vm/$test" >&2; bad=1; }
	done
done
[ $bad = 0 ] || die "malformed patch headers"

if [ $list = 1 ]; then
	for m in "${selected[@]}"; do
		p=$patches/$m.patch
		printf '%-40s %-5s %s\n' "$m" "$([ "$(field "$p" Quick)" = yes ] && echo quick)" \
			"$(field "$p" Tests)"
		printf '    %s\n' "$(field "$p" Bug)"
		[ -n "$(field "$p" Note)" ] && printf '    note: %s\n' "$(field "$p" Note)"
	done
	exit 0
fi

# ---- apply and build, on the host ------------------------------------------
kver=$(lab_kver) || exit 1
kdir=/lib/modules/$kver/build
mkdir -p "$out"

# One snapshot of module/ for the control and every mutant, so that they
# differ by their patches only, even while module/ is being edited.
base=$out/base
rm -rf "$base"
mkdir -p "$base"
cp "$root"/module/Kbuild "$root"/module/Makefile "$root"/module/*.c "$root"/module/*.h "$base/"
sources=("$base"/*)

# build NAME [PATCH] - copy module/ to build/mutate/NAME/src, apply PATCH,
# build; prints ok, cached, stale or broken. The stamp (a hash of the
# sources, the patch and the kernel) spares rebuilding what did not change.
build()
{
	local patch=${2:-} dir=$out/$1 stamp f
	stamp=$( { cat "${sources[@]}"; [ -n "$patch" ] && cat "$patch"; echo "$kver"; } |
		sha256sum | cut -d' ' -f1)
	if [ -f "$dir/src/wgtour.ko" ] && [ "$(cat "$dir/stamp" 2>/dev/null)" = "$stamp" ]; then
		echo cached
		return
	fi
	rm -rf "$dir"
	mkdir -p "$dir/src"
	cp "${sources[@]}" "$dir/src/"
	if [ -n "$patch" ]; then
		# git would look for a repository upwards and, finding ours, skip
		# every path outside the current directory without a word: stop
		# it at build/mutate/NAME. No fuzz: the context must match.
		if ! (cd "$dir/src" && GIT_CEILING_DIRECTORIES=$dir \
		      git apply -p2 --whitespace=nowarn "$patch") > "$dir/apply.log" 2>&1; then
			echo stale
			return
		fi
		# and it did change what it names
		for f in $(sed -n 's|^+++ b/module/||p' "$patch"); do
			if cmp -s "$base/$f" "$dir/src/$f"; then
				echo "patch left $f unchanged" >> "$dir/apply.log"
				echo stale
				return
			fi
		done
	fi
	if ! make -C "$kdir" M="$dir/src" W=1 -j"$(nproc)" modules > "$dir/build.log" 2>&1 ||
	   grep -q 'warning:' "$dir/build.log"; then
		echo broken
		return
	fi
	echo "$stamp" > "$dir/stamp"
	echo ok
}

declare -A status
todo=()
[ $control = 1 ] && todo+=(control)
todo+=("${selected[@]}")
say "building ${#todo[@]} modules against $kver (about 15 s each, less when cached)"
t0=$(date +%s)
for m in "${todo[@]}"; do
	if [ "$m" = control ]; then
		status[$m]=$(build control)
	else
		status[$m]=$(build "$m" "$patches/$m.patch")
	fi
	case ${status[$m]} in
	stale) say "$m: STALE: the patch does not apply to module/ any more (build/mutate/$m/apply.log):"
		sed 's/^/#   /' "$out/$m/apply.log" ;;
	broken) say "$m: BROKEN: it does not build without warnings (build/mutate/$m/build.log):"
		grep -E 'warning:|error:' "$out/$m/build.log" | head -5 | sed 's/^/#   /' ;;
	esac
done
[ "${status[control]:-ok}" = stale ] && die "the unmodified module does not build"
if [ "${status[control]:-ok}" = broken ]; then
	die "the unmodified module does not build without warnings (build/mutate/control/build.log)"
fi
say "built in $(($(date +%s) - t0)) s"
if [ $build_only = 1 ]; then
	for m in "${selected[@]}"; do
		say "$m: ${status[$m]}"
	done
	for m in "${selected[@]}"; do
		case ${status[$m]} in stale|broken) exit 1 ;; esac
	done
	exit 0
fi

# ---- run them in the lab VM --------------------------------------------------
# What each one runs: its own tests; the control all of them, once each.
run=()
union=()
for m in "${selected[@]}"; do
	case ${status[$m]} in stale|broken) continue ;; esac
	field "$patches/$m.patch" Tests > "$out/$m/tests"
	run+=("$m")
	for t in $(cat "$out/$m/tests"); do
		[[ " ${union[*]} " == *" $t "* ]] || union+=("$t")
	done
done
if [ $control = 1 ]; then
	echo "${union[*]}" > "$out/control/tests"
	run=(control "${run[@]}")
fi

# budget NAME - seconds a build may take in the VM before the host gives up
# on it: the runner's own limit for each test (tests/vm/settings), and some
# for loading, cleaning up and unloading.
# The runner evaluates the value (it may scale with WGTOUR_SLOW); so do we.
per_test=$(eval "echo $(sed -n 's/^timeout=//p' "$root/tests/vm/settings")")
budget()
{
	echo $(( $(wc -w < "$out/$1/tests") * ${per_test:-600} + 300 ))
}

# tell NAME - one line on how NAME fared, as it comes in
tell()
{
	local v secs
	v=$(cat "$out/$1/verdict")
	secs=$(sed -n 's/^seconds //p' "$out/$1/result" 2>/dev/null)
	if [ "$1" = control ]; then
		case $v in
		survived) v="the unmodified module passed its tests" ;;
		killed*) v="the unmodified module: ${v#killed }" ;;
		esac
	fi
	say "$1: $v${secs:+ ($secs s)}"
}

# vm_children PID - the processes labs/vm/run started (timeout, qemu)
vm_children()
{
	ps -o pid= --ppid "$1" 2>/dev/null
}

# vm_run NAME... - run them in the lab VM, booting it again after a build
# that crashed or hung it, until each has a verdict
vm_run()
{
	local remaining=("$@") next m cur since vm vm_rc hung seen c cap
	while [ ${#remaining[@]} -gt 0 ]; do
		boot=$((boot + 1))
		cap=120
		for m in "${remaining[@]}"; do
			cap=$((cap + $(budget "$m")))
		done
		say "boot $boot of the lab VM: ${#remaining[@]} to run (console: build/mutate/boot-$boot.log)"
		rm -f "$out/progress"
		"$root/labs/vm/run" --no-module --name "mutate-$boot" --timeout "$cap" -- \
			tests/mutate-guest.sh "${remaining[@]}" > "$out/boot-$boot.log" 2>&1 &
		vm=$!
		# Watch: report each verdict as it comes, and stop a VM whose current
		# build has run past its budget (a kernel that hangs).
		seen=() hung=
		while kill -0 $vm 2>/dev/null; do
			sleep 5
			for m in "${remaining[@]}"; do
				[ -f "$out/$m/verdict" ] || continue
				[[ " ${seen[*]} " == *" $m "* ]] && continue
				seen+=("$m")
				tell "$m"
			done
			cur=$(cat "$out/progress" 2>/dev/null)
			since=$(stat -c %Y "$out/progress" 2>/dev/null || date +%s)
			if [ -z "$hung" ] && [ -n "$cur" ] && [ ! -f "$out/$cur/verdict" ] &&
			   [ $(($(date +%s) - since)) -gt "$(budget "$cur")" ]; then
				say "$cur: no verdict after $(budget "$cur") s: stopping the VM"
				hung=$cur
				for c in $(vm_children $vm); do
					kill "$c" 2>/dev/null
				done
				kill $vm 2>/dev/null
			fi
		done
		wait $vm
		vm_rc=$?
		next=()
		cur=$(cat "$out/progress" 2>/dev/null)
		for m in "${remaining[@]}"; do
			if [ -f "$out/$m/verdict" ]; then
				[[ " ${seen[*]} " == *" $m "* ]] || tell "$m"
			elif [ "$m" = "$cur" ]; then
				# It was running when the VM died or hung: that is a kill.
				cp "$root/build/vm/runs/mutate-$boot/kernel.log" "$out/$m/kernel.log" 2>/dev/null
				if [ "$m" = "$hung" ] || [ $vm_rc = 124 ]; then
					echo "hang" > "$out/$m/crash"
					echo "killed (kernel hang)" > "$out/$m/verdict"
				else
					echo "crash" > "$out/$m/crash"
					echo "killed (kernel crash)" > "$out/$m/verdict"
				fi
				say "$m: $(cat "$out/$m/verdict") (build/mutate/$m/kernel.log)"
			else
				next+=("$m")
			fi
		done
		if [ ${#next[@]} = ${#remaining[@]} ]; then
			tail -n 20 "$out/boot-$boot.log" | sed 's/^/#   /'
			die "boot $boot of the lab VM ran nothing (exit $vm_rc): see build/mutate/boot-$boot.log"
		fi
		if [ $control = 1 ] && [ -f "$out/control/crash" ]; then
			die "the unmodified module crashed or hung the VM: see build/mutate/control/"
		fi
		remaining=("${next[@]}")
	done
}

rm -f "$out"/boot-*.log "$out/progress"
for m in "${run[@]}"; do
	rm -f "$out/$m/verdict" "$out/$m/result" "$out/$m/crash" "$out/$m/crash.first"
done
boot=0
vm_start=$(date +%s)
vm_run "${run[@]}"
# A crash or a hang may be the kernel's or the module's own flakiness, not
# the mutation: such a kill stands only if a second run, in a fresh boot,
# ends the same way or fails a test.
again=()
for m in "${run[@]}"; do
	[ -f "$out/$m/crash" ] && again+=("$m")
done
if [ ${#again[@]} -gt 0 ]; then
	say "once more, to confirm a crash or hang: ${again[*]}"
	for m in "${again[@]}"; do
		mv "$out/$m/crash" "$out/$m/crash.first"
		mv "$out/$m/kernel.log" "$out/$m/kernel.first.log" 2>/dev/null
		rm -f "$out/$m/verdict" "$out/$m/result"
	done
	vm_run "${again[@]}"
fi
vm_secs=$(($(date +%s) - vm_start))

# ---- verdicts ----------------------------------------------------------------
# A test that failed for the control proves nothing about a mutant.
control_failed=()
if [ $control = 1 ]; then
	[ -f "$out/control/result" ] ||
		die "the unmodified module's run left no result: see build/mutate/control/"
	read -ra control_failed <<< "$(sed -n 's/^failed //p' "$out/control/result")"
	if grep -qx 'splat\|unload failed\|insmod failed' "$out/control/result"; then
		die "the unmodified module itself failed ($(grep -x 'splat\|unload failed\|insmod failed' \
			"$out/control/result" | paste -sd,)): see build/mutate/control/"
	fi
fi

# verdict NAME - sets v (killed, survived, untested, stale, broken) and why
verdict()
{
	local m=$1 t counted=() failed=() other=()
	why=
	case ${status[$m]} in
	stale|broken) v=${status[$m]}; return ;;
	esac
	if [ -f "$out/$m/crash" ]; then
		v=killed why="kernel $(cat "$out/$m/crash")"
		[ -f "$out/$m/crash.first" ] && why="$why, twice"
		read -ra failed <<< "$(sed -n 's/^failed //p' "$out/$m/result" 2>/dev/null)"
		[ ${#failed[@]} -gt 0 ] && why="$why; ${failed[*]}"
		return
	fi
	for t in $(cat "$out/$m/tests"); do
		[[ " ${control_failed[*]} " == *" $t "* ]] || counted+=("$t")
	done
	for t in $(sed -n 's/^failed //p' "$out/$m/result"); do
		if [[ " ${counted[*]} " == *" $t "* ]]; then
			failed+=("$t")
		else
			other+=("$t")
		fi
	done
	grep -qx 'insmod failed' "$out/$m/result" && failed+=("(insmod failed)")
	grep -qx 'splat' "$out/$m/result" && failed+=("(kernel report)")
	grep -qx 'unload failed' "$out/$m/result" && failed+=("(rmmod failed)")
	if [ ${#failed[@]} -gt 0 ]; then
		v=killed why="${failed[*]}"
	elif [ ${#counted[@]} = 0 ]; then
		v=untested why="its tests fail without the mutation: ${other[*]}"
	else
		v=survived why=
	fi
	[ ${#other[@]} -gt 0 ] && [ "$v" != untested ] &&
		why="$why${why:+ }(also failed, as without the mutation: ${other[*]})"
	[ -f "$out/$m/crash.first" ] &&
		why="$why${why:+ }(a kernel $(cat "$out/$m/crash.first") in the first run only)"
}

killed=0 survived=0 untested=0 toolfail=0
if [ $quick = 1 ]; then
	n=0
	if [ $control = 1 ]; then
		n=1
		if [ ${#control_failed[@]} = 0 ]; then
			echo "ok $n - control: the unmodified module passes ${union[*]}"
		else
			echo "not ok $n - control: the unmodified module passes ${union[*]} (failed: ${control_failed[*]})"
		fi
	fi
	for m in "${selected[@]}"; do
		n=$((n + 1))
		verdict "$m"
		case $v in
		killed) killed=$((killed + 1)); echo "ok $n - mutant $m killed by $why" ;;
		survived) survived=$((survived + 1))
			echo "not ok $n - mutant $m survived $(cat "$out/$m/tests")" ;;
		untested) untested=$((untested + 1)); echo "not ok $n - mutant $m untested: $why" ;;
		*) toolfail=$((toolfail + 1)); echo "not ok $n - mutant $m: the patch is $v" ;;
		esac
	done
	[ $((survived + untested + toolfail)) = 0 ] && [ ${#control_failed[@]} = 0 ]
	exit
fi

{
	printf '%-40s %-9s %-36s %s\n' mutant verdict "failed (or why)" bug
	for m in "${selected[@]}"; do
		verdict "$m"
		case $v in
		killed) killed=$((killed + 1)) ;;
		survived) survived=$((survived + 1)); why="- (ran $(cat "$out/$m/tests"))" ;;
		untested) untested=$((untested + 1)) ;;
		stale) toolfail=$((toolfail + 1)); why="does not apply: refresh the patch" ;;
		broken) toolfail=$((toolfail + 1)); why="does not build cleanly" ;;
		esac
		secs=$(sed -n 's/^seconds //p' "$out/$m/result" 2>/dev/null)
		printf '%-40s %-9s %-36s %s\n' "$m" "$v" "$why${secs:+ [$secs s]}" \
			"$(field "$patches/$m.patch" Bug)"
	done
	if [ $control = 1 ]; then
		echo
		if [ ${#control_failed[@]} = 0 ]; then
			echo "control: the unmodified module passed every test ($(cat "$out/control/tests")) [$(sed -n 's/^seconds //p' "$out/control/result") s]"
		else
			echo "control: the unmodified module FAILED ${control_failed[*]}: those tests kill no mutant"
		fi
	fi
	for m in "${selected[@]}"; do
		verdict "$m"
		[ "$v" = survived ] || continue
		note=$(field "$patches/$m.patch" Note)
		echo "missing test: $m survived${note:+: $note}"
	done
	ran=$((killed + survived + untested))
	line="mutants: $killed killed, $survived survived of $ran ($(( ran ? killed * 100 / ran : 0 )) %)"
	[ $untested -gt 0 ] && line+=", $untested untested (their tests fail without any mutation)"
	[ $toolfail -gt 0 ] && line+=", $toolfail stale or broken (not run)"
	echo "$line"
	echo "VM time: $vm_secs s in $boot boot(s) of the lab VM"
} > "$out/results.txt"
cat "$out/results.txt"
ran=$((killed + survived + untested))
[ $toolfail = 0 ] && [ $ran -gt 0 ] && [ $((killed * 100)) -ge $((goal * ran)) ]

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The lab VM's half of "make mutate" (tests/mutate.sh runs it with
# labs/vm/run --no-module): for each build named on the command line, in
# order, load that wgtour.ko, run the tests listed for it with the kselftest
# runner, clean up, unload it and look for a kernel report. The host built
# everything beforehand: build/mutate/NAME/src/wgtour.ko and
# build/mutate/NAME/tests (the test programs, one line).
#
# usage (inside the VM): tests/mutate-guest.sh NAME...
#
# Written to build/mutate/:
#   progress      the name of the build being run, before it starts; a name
#                 here without a verdict below means it crashed the VM
#   NAME/tap      the runner's TAP
#   NAME/result   one line per fact: "failed TEST...", "insmod failed",
#                 "splat", "unload failed", "seconds N" (written before the
#                 unload too, so a hang there leaves the test results)
#   NAME/verdict  "killed REASON..." or "survived", the last thing written
#   NAME/dmesg.txt, NAME/splat.txt  the kernel log, and its reports if any
#
# After a kernel report or a module that would not unload, the kernel is not
# trusted with the next build: the script stops (exit 3) and the host boots
# a fresh VM for the rest.
root=${WGTOUR_ROOT:?run inside the lab VM}
out=$root/build/mutate
. "$root/labs/vm/lib.sh"
. "$root/tests/lib/vm.sh"
splat_re=${WGT_SPLAT:-'BUG:|WARNING:|Oops|general protection|refcount_t:|list_add corruption|list_del corruption|Call Trace|Kernel panic|UBSAN:|kernel BUG'}
cg=/sys/fs/cgroup/wgt-mutate

# cleanup - what a test, passed or failed, may leave behind: its processes
# (daemons too: they stay in the cgroup), namespaces, trace instances, and
# the stock module a differential test loaded.
cleanup()
{
	local inst
	if [ -d "$cg" ]; then
		echo 1 > "$cg/cgroup.kill" 2>/dev/null
		wgt_wait_until 10 [ ! -s "$cg/cgroup.procs" ]
		rmdir "$cg" 2>/dev/null
	fi
	ip -all netns delete 2>/dev/null
	for inst in /sys/kernel/tracing/instances/*; do
		[ -d "$inst" ] && rmdir "$inst" 2>/dev/null
	done
	[ -d /sys/module/wireguard ] && rmmod wireguard 2>/dev/null
}

# run_one NAME - returns 3 when the kernel should not be used further
run_one()
{
	local name=$1 dir=$out/$1 start tests failed=() reasons=() line rc=0
	start=$(date +%s)
	echo "$name" > "$out/progress"
	rm -f "$dir/verdict" "$dir/verdict.new" "$dir/result" "$dir/tap" "$dir/dmesg.txt" "$dir/splat.txt"
	sync
	read -r tests < "$dir/tests"
	export WGTOUR_KO=$dir/src/wgtour.ko
	echo "mutate: $name: $tests"
	dmesg -C
	if wgt_load; then
		mkdir -p "$cg"
		# shellcheck disable=SC2086 # the list is words
		# In a cgroup of its own, so that what it leaves running can go.
		(echo "$BASHPID" > "$cg/cgroup.procs"; exec "$root/tests/run-suite.sh" vm $tests) \
			> "$dir/tap" 2>&1
		while read -r line; do
			failed+=("$line")
		done < <(sed -n 's/^not ok [0-9]* selftests: vm: \([^ ]*\).*/\1/p' "$dir/tap")
		[ ${#failed[@]} -gt 0 ] && reasons+=("failed ${failed[*]}")
	else
		reasons+=("insmod failed")
	fi
	{
		printf '%s\n' "${reasons[@]}"
		echo "seconds $(($(date +%s) - start))"
	} > "$dir/result"
	sync
	cleanup
	wgt_unload 2>/dev/null
	if [ -d /sys/module/wgtour ]; then
		# Give RCU callbacks and workers a moment, then once more.
		sleep 2
		wgt_unload 2>/dev/null
	fi
	if [ -d /sys/module/wgtour ]; then
		reasons+=("unload failed")
		rc=3
	fi
	dmesg > "$dir/dmesg.txt"
	if grep -Eq "$splat_re" "$dir/dmesg.txt"; then
		grep -E -A 12 "$splat_re" "$dir/dmesg.txt" | head -60 > "$dir/splat.txt"
		reasons+=("splat")
		rc=3
	fi
	{
		printf '%s\n' "${reasons[@]}"
		echo "seconds $(($(date +%s) - start))"
	} > "$dir/result"
	# Written whole, then renamed: the host polls for it.
	if [ ${#reasons[@]} -gt 0 ]; then
		# "killed by a.sh b.sh, splat"
		printf '%s\n' "${reasons[@]}" | sed 's/^failed /by /' | paste -sd, |
			sed 's/,/, /g; s/^/killed /' > "$dir/verdict.new"
	else
		echo "survived" > "$dir/verdict.new"
	fi
	mv "$dir/verdict.new" "$dir/verdict"
	sync
	echo "mutate: $name: $(cat "$dir/verdict") ($(($(date +%s) - start)) s)"
	return $rc
}

# The lab VM was booted without wgtour.ko (--no-module); make sure.
wgt_unload
for name; do
	run_one "$name" || exit 3
done
rm -f "$out/progress"
sync
exit 0

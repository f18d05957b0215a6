#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module's own self-tests (chapter 2; module/selftest.c): its lookup
# tables, the replay window, the handshake vectors, the rekey rule and a
# full crypto ring. Reload wgtour.ko with selftest=1, then pass on the KTAP
# results it printed to the kernel log, one by one, so each counts here.
# The load itself must fail when any self-test fails; that is checked too.
. "$(dirname "$0")/../lib/vm.sh"

wgt_unload || exit 1
marker="wgtour-selftests-$$-$RANDOM"
echo "$marker" > /dev/kmsg
insmod "$WGTOUR_KO" selftest=1
load_rc=$?
log=$(dmesg --notime | sed -n "/$marker/,\$p")

echo "TAP version 13"
n=0 failed=0
while IFS= read -r line; do
	case $line in
	"ok "* | "not ok "*)
		n=$((n + 1))
		# Renumber: our plan covers these results plus the load itself.
		desc=${line#*ok }
		desc=${desc#* }
		if [ "${line%% *}" = ok ]; then
			echo "ok $n - $desc"
		else
			echo "not ok $n - $desc"
			failed=$((failed + 1))
		fi
		;;
	"# "*) echo "$line" ;;
	esac
done <<< "$log"
echo "1..$((n + 2))"
# The plan comes last (TAP allows it), since we learn the count from the log.
want=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' <<< "$log" | tail -1)
if [ -n "$want" ] && [ "$n" = "$want" ]; then
	echo "ok $((n + 1)) - the module reported all $want planned results"
else
	echo "not ok $((n + 1)) - the module reported all planned results (saw $n, plan ${want:-none})"
	failed=$((failed + 1))
fi
if { [ "$failed" = 0 ] && [ "$load_rc" = 0 ]; } || { [ "$failed" != 0 ] && [ "$load_rc" != 0 ]; }; then
	echo "ok $((n + 2)) - insmod selftest=1 exit status ($load_rc) agrees with the results"
else
	echo "not ok $((n + 2)) - insmod selftest=1 exit status ($load_rc) agrees with the results"
	failed=$((failed + 1))
fi
# Leave the module loaded, as the other tests expect.
wgt_load
[ "$failed" = 0 ]

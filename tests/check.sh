#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: the host suite (lint, book), then the VM suite in one boot of
# the lab VM, then the two-VM suite (tests/vm2: each test boots its own pair
# of lab VMs), then one closing line "N passed, N failed". Exits non-zero on
# any failure, timeout or kernel splat. TAP logs stay in build/check/.
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/check
rm -rf "$out"
mkdir -p "$out"
start=$(date +%s)

echo "== host tests (lint, book)"
"$root/tests/run-suite.sh" host 2>&1 | tee "$out/host.tap"

echo "== VM tests (one boot of the lab VM; about 15 minutes under TCG)"
"$root/labs/vm/run" --name check --timeout 2700 -- tests/run-suite.sh vm 2>&1 |
	tee "$out/vm.tap"
vm_rc=${PIPESTATUS[0]}
# The harness' own verdict is a result too: a splat or a hang fails the run.
{
	echo "# harness"
	if [ "$vm_rc" = 0 ] || [ "$vm_rc" = 1 ]; then
		echo "ok 1 lab VM: finished in time, kernel log clean"
	else
		echo "not ok 1 lab VM: finished in time, kernel log clean (harness rc $vm_rc)"
	fi
} | tee "$out/harness.tap"

echo "== two-VM tests (ours and the stock wireguard.ko, each in its own kernel; about 2 minutes)"
"$root/tests/run-suite.sh" vm2 2>&1 | tee "$out/vm2.tap"

echo "== summary ($(( $(date +%s) - start )) s; logs in build/check/)"
python3 "$root/tests/tap-summary.py" "$out/host.tap" "$out/vm.tap" "$out/harness.tap" \
	"$out/vm2.tap"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every bpftrace script of the labs (traces/*.bt) passes bpftrace's dry
# run on the host (tests/lib/bt_dryrun.sh: parsed, typed against
# wgtour's events as module/trace.h declares them and the host kernel's
# own events and BTF, compiled to BPF, loaded nowhere), so that a typo is
# found here, not after a VM boot and a minute of compiling under QEMU.
# What it cannot find: a probe the lab kernel does not have, or a kernel
# field the lab kernel's BTF names otherwise than the host's. A script
# with a field wgtour's events do not have must fail it.
# shellcheck disable=SC2034 # rc is read in ktap_check's expressions
. "$(dirname "$0")/../lib/ktap.sh"

cd "$WGTOUR_ROOT" || exit 1
scripts=(traces/*.bt)
ktap_plan $((${#scripts[@]} + 1))
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tests/lib/bt_dryrun.sh traces/init.bt > "$tmp/out" 2>&1
if [ $? = 2 ]; then
	sed 's/^/# /' "$tmp/out"
	for s in "${scripts[@]}" "a doctored script"; do
		ktap_skip "$s compiles (bpftrace -d)" "no private tracefs here (root, unshare and tracefs needed)"
	done
	ktap_finish
fi
for s in "${scripts[@]}"; do
	tests/lib/bt_dryrun.sh "$s" > "$tmp/out" 2>&1
	rc=$?
	sed 's/^/# /' "$tmp/out"
	ktap_check "$s compiles (bpftrace -d)" '[ $rc = 0 ]'
done
sed 's/args->peers_now)/args->nope)/' traces/init.bt > "$tmp/bad.bt"
# the doctoring must change something, or the check below judges nothing
cmp -s traces/init.bt "$tmp/bad.bt" && echo "# the doctored script is the original"
tests/lib/bt_dryrun.sh "$tmp/bad.bt" > "$tmp/out" 2>&1
rc=$?
sed 's/^/# /' "$tmp/out" | head -3
ktap_check "a script reading a field wgtour's events do not have fails it" '[ $rc = 1 ]'
ktap_finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bpftrace's dry run (-d: parse, type-check, generate the BPF code, load
# nothing) of bpftrace scripts, on the host, where wgtour.ko cannot be
# loaded: a private mount namespace shows bpftrace a tracefs whose wgtour
# events are written from module/trace.h (tests/lib/bt_tracefs.py), beside
# the host kernel's own events. Kernel types (struct net, ...) come from
# the host kernel's BTF, which may differ from the lab kernel's in fields
# wgtour's scripts do not read.
#
# usage: tests/lib/bt_dryrun.sh SCRIPT.bt [ARG...]
#        prints what bpftrace said when it failed; exit status bpftrace's
#        (2 when the mount namespace cannot be set up: not root, no
#        unshare, no tracefs, which callers skip on; 3 when bt_tracefs.py
#        fails, a failure of ours, never a skip)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 1 ] || { sed -n '3,16p' "$0" >&2; exit 2; }
if [ "${WGT_BT_INSIDE:-}" != 1 ]; then
	WGT_BT_INSIDE=1 exec unshare -m "$0" "$@"
	exit 2
fi
real=$(mktemp -d) fake=/sys/kernel/tracing
trap 'umount "$real" 2> /dev/null; rm -rf "$real"' EXIT
mount -t tracefs nodev "$real" || exit 2
mount -t tmpfs nodev "$fake" || exit 2
mkdir -p "$fake/events"
# The kernel's systems the lab scripts use, as the host kernel has them.
for sys in irq syscalls skb net napi; do
	cp -r "$real/events/$sys" "$fake/events/" 2> /dev/null
done
cp "$real/available_events" "$fake/available_events"
python3 "$root/tests/lib/bt_tracefs.py" "$root/module/trace.h" "$fake/events" \
	>> "$fake/available_events" || exit 3
out=$(bpftrace -d "$@" 2>&1 > /dev/null)
rc=$?
# bpftrace warns about what a dry run need not read: not a failure.
grep -v -e 'RLIMIT_MEMLOCK' -e 'available_filter_functions' -e 'is not traceable' -e '^$' <<< "$out" |
	sed 's/^/  /'
exit $rc

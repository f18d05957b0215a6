# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the lab VM scripts (sourced, not run).

# The repository root, whatever directory the caller runs from.
WGTOUR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WGTOUR_BUILD=$WGTOUR_ROOT/build
# The debug kernel (labs/vm/debug-kernel.sh) and its modules.
WGTOUR_DEBUG_KERNEL=$WGTOUR_BUILD/debug-kernel

# lab_kver - the newest installed Debian 6.1 generic kernel that has headers.
# The ABI number moves with security updates, so it is looked up, never fixed.
lab_kver()
{
	local v best=
	for v in /lib/modules/6.1.*-amd64; do
		v=${v##*/}
		[ -f "/boot/vmlinuz-$v" ] && [ -d "/lib/modules/$v/build" ] || continue
		best=$v
	done
	if [ -z "$best" ]; then
		echo "wgtour: no Debian 6.1 amd64 kernel with headers installed (run: make setup)" >&2
		return 1
	fi
	echo "$best"
}

# lab_initrd KVER [MODROOT] - print the initramfs path, building it when it
# is missing or older than the scripts that make it, or than the modules of
# a kernel installed under MODROOT (the debug kernel's, rebuilt in place).
lab_initrd()
{
	local kver=$1 modroot=${2:-} initrd=$WGTOUR_BUILD/vm/initramfs-$1.cpio.gz
	if [ ! -f "$initrd" ] || [ "$WGTOUR_ROOT/labs/vm/init" -nt "$initrd" ] ||
	   [ "$WGTOUR_ROOT/labs/vm/mkinitramfs.sh" -nt "$initrd" ] ||
	   { [ -n "$modroot" ] && [ "$modroot/lib/modules/$kver/modules.dep" -nt "$initrd" ]; }; then
		"$WGTOUR_ROOT/labs/vm/mkinitramfs.sh" "$kver" "$initrd" ${modroot:+"$modroot"} >&2 ||
			return 1
	fi
	echo "$initrd"
}

die()
{
	echo "wgtour: $*" >&2
	exit 1
}

# The first lines of every kind of kernel report: WARN(), BUG(), oopses,
# refcount and list debugging, UBSAN, KASAN, kmemleak (its scan's count in
# the log, and each object of its report), lockdep, RCU and hung-task
# detectors, workqueue lockups, sleeping in atomic context, and SLUB's
# checks of red zones and poison ("BUG kmalloc-128 (Not tainted): ...",
# no colon after BUG).
WGT_SPLAT='BUG:|WARNING:|Oops|general protection|refcount_t:|list_add corruption|list_del corruption|Call Trace|Kernel panic|UBSAN:|kernel BUG|KASAN:|kmemleak: [0-9]+ new suspected|unreferenced object|INFO: task .* blocked for more than|rcu: INFO:|detected stall|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|BUG: workqueue lockup|ODEBUG:|BUG [^ ]+ \((Not t|T)ainted|cut here'

# wgt_splat_scan LOG... - print the reports of the first log that has any
# (a missing log is fine: a guest that died wrote no dmesg.txt). True when
# there was a report.
wgt_splat_scan()
{
	local log
	for log in "$@"; do
		[ -f "$log" ] && grep -Eq "$WGT_SPLAT" "$log" || continue
		echo "wgtour: kernel report in the guest (full log: $log):"
		grep -E -m 20 -A 12 "$WGT_SPLAT" "$log"
		return 0
	done
	return 1
}

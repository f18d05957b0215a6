# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the lab VM scripts (sourced, not run).

# The repository root, whatever directory the caller runs from.
WGTOUR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WGTOUR_BUILD=$WGTOUR_ROOT/build

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

# lab_initrd KVER - print the initramfs path, building it when it is missing
# or older than the scripts that make it.
lab_initrd()
{
	local kver=$1 initrd=$WGTOUR_BUILD/vm/initramfs-$1.cpio.gz
	if [ ! -f "$initrd" ] || [ "$WGTOUR_ROOT/labs/vm/init" -nt "$initrd" ] ||
	   [ "$WGTOUR_ROOT/labs/vm/mkinitramfs.sh" -nt "$initrd" ]; then
		"$WGTOUR_ROOT/labs/vm/mkinitramfs.sh" "$kver" "$initrd" >&2 || return 1
	fi
	echo "$initrd"
}

die()
{
	echo "wgtour: $*" >&2
	exit 1
}

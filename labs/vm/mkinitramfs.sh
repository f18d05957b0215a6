#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the lab VM's initramfs: busybox plus the few modules needed to mount
# the host's root over 9p with a tmpfs overlay on top. Everything else the
# guest runs comes from the host's own filesystem after switch_root.
#
# usage: mkinitramfs.sh KVER OUTPUT [MODROOT]
# MODROOT: a kernel whose modules are installed under MODROOT/lib/modules
# rather than the host's /lib/modules (the debug kernel's). Where it has the
# four built in, modprobe says "builtin" and the initramfs carries none.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=$1
out=$2
modroot=(${3:+-d "$3"})
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp"/{bin,dev,proc,sys,lib/modules,newroot,lower,rw}
cp /bin/busybox "$tmp/bin/busybox"
cp "$WGTOUR_ROOT/labs/vm/init" "$tmp/init"
chmod +x "$tmp/init"

# Modules in dependency order, exactly as modprobe would load them.
: > "$tmp/lib/modules/load-order"
for m in virtio_pci 9pnet_virtio 9p overlay; do
	modprobe "${modroot[@]}" -S "$kver" --show-depends "$m" | while read -r cmd path _; do
		[ "$cmd" = insmod ] || continue
		name=${path##*/}
		grep -qx "$name" "$tmp/lib/modules/load-order" && continue
		cp "$path" "$tmp/lib/modules/$name"
		echo "$name" >> "$tmp/lib/modules/load-order"
	done
done

mkdir -p "$(dirname "$out")"
(cd "$tmp" && find . | cpio -o -H newc --quiet) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"

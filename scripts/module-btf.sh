#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Give wgtour.ko its BTF (type information), as Kbuild would if the headers
# package shipped vmlinux: dwarves' pahole turns the module's DWARF into
# BTF on top of the lab kernel's own BTF. With it, bpftool and bpftrace
# inside the VM see our types and functions (kfunc probes on our static
# functions; chapter 4's lab shows one).
#
# The base is the running lab kernel's /sys/kernel/btf/vmlinux, copied out
# of the VM once into build/btf/ (one short boot, the first time only).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ko=$root/module/wgtour.ko
kver=$("$root/labs/vm/kver")
base=$root/build/btf/vmlinux-$kver

# Kbuild relinks the .ko without a .BTF section; one that has it is done.
if readelf -S "$ko" | grep -q ' \.BTF '; then
	exit 0
fi
if [ ! -s "$base" ]; then
	echo "module: copying the lab kernel's BTF out of the VM (once, about 10 s)"
	mkdir -p "$(dirname "$base")"
	"$root/labs/vm/run" --no-module --name btf --timeout 120 -- \
		cp /sys/kernel/btf/vmlinux "$base.tmp" > /dev/null
	mv "$base.tmp" "$base"
fi
pahole -J --btf_base "$base" "$ko"
echo "module: BTF added to wgtour.ko ($(readelf -S "$ko" | grep -c ' \.BTF ') section)"

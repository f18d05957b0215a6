#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the lab VM's debug kernel: Debian's own 6.1 source (linux-source-6.1,
# the source of the lab kernel) with the checkers of debug-kernel.config
# (KASAN, UBSAN, lockdep, kmemleak, debugobjects, ...) and what the lab VM
# needs (lab-vm.config). Boot it with "labs/vm/run --kernel debug", or
# WGTOUR_KERNEL=debug in front of any make target that boots the VM.
#
# usage: labs/vm/debug-kernel.sh            configure, check, build, install
#        labs/vm/debug-kernel.sh --config   configure and check only
#        labs/vm/debug-kernel.sh module     build wgtour.ko against it
#
# Everything lands in build/debug-kernel/:
#   src/            the kernel tree, unpacked once and built in place; its
#                   vmlinux turns a report's addresses into file:line
#                   (scripts/decode_stacktrace.sh)
#   bzImage, release  the kernel and its "uname -r"
#   root/lib/modules/RELEASE/  its modules (the stock wireguard.ko, ...)
#   module/         wgtour.ko built against src/
#   make.log        make's whole output (the terminal gets a progress line
#                   every 500 objects, and make's warnings and errors)
#   built           the inputs of the last complete build: run again with
#                   the same source and fragments, this script does nothing
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dk=$WGTOUR_DEBUG_KERNEL
src=$dk/src
tarball=/usr/src/linux-source-6.1.tar.xz
fragments=("$WGTOUR_ROOT/labs/vm/debug-kernel.config"
	   "$WGTOUR_ROOT/labs/vm/lab-vm.config")

say()
{
	echo "debug-kernel: $*"
}

took()
{
	echo "$((SECONDS / 60)) min $((SECONDS % 60)) s"
}

# inputs - what the build depends on: the source tarball and the fragments.
inputs()
{
	stat -c '%s %Y' "$tarball"
	cat "${fragments[@]}" | sha256sum
}

# unpack - the source tree, once per tarball (security updates replace it).
unpack()
{
	local stamp=$src/.wgtour-unpacked

	[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(stat -c '%s %Y' "$tarball")" ] &&
		return 0
	say "unpacking $tarball into $src (1.5 GB)"
	rm -rf "$src"
	mkdir -p "$src"
	tar -xJf "$tarball" -C "$src" --strip-components=1
	stat -c '%s %Y' "$tarball" > "$stamp"
}

# configure - x86_64 defconfig, then what any KVM/QEMU guest needs, then our
# fragments on top (a later line wins), then every option the fragments did
# not mention gets its default.
configure()
{
	say "configuring: x86_64 defconfig + kvm_guest.config + ${fragments[*]##*/}"
	make -s -C "$src" defconfig > /dev/null
	make -s -C "$src" kvm_guest.config > /dev/null
	(cd "$src" && scripts/kconfig/merge_config.sh -m .config "${fragments[@]}") \
		> "$dk/merge.log"
	make -s -C "$src" olddefconfig >> "$dk/merge.log" 2>&1
}

# verify - every line of the fragments must be in .config as written. An
# option whose dependencies are missing is silently dropped by Kconfig; a
# debug kernel without the checker we asked for would pass what it should
# catch.
verify()
{
	local frag line name got bad=0

	for frag in "${fragments[@]}"; do
		while IFS= read -r line; do
			case $line in
			CONFIG_*=*) name=${line%%=*} ;;
			"# CONFIG_"*" is not set") name=${line#\# } name=${name%% *} ;;
			*) continue ;;
			esac
			# Kconfig leaves out an option it hid: that is "not set" too.
			got=$(grep -m1 -E "^$name=|^# $name is not set" "$src/.config") ||
				got="# $name is not set"
			if [ "$got" != "$line" ]; then
				echo "  ${frag##*/}: asked '$line', got '$got'"
				bad=1
			fi
		done < "$frag"
	done
	[ "$bad" = 0 ] || die "the options above did not end up as asked (see $dk/merge.log)"
	say "every option of the fragments is set as asked"
}

# progress - make's output into make.log; on the terminal, a line every 500
# objects compiled, the steps of the final link, and anything that is not a
# quiet Kbuild step (warnings, errors).
progress()
{
	local line n=0 total=0

	# How many objects a whole build compiles, if one was seen. A build
	# after a change of the fragments compiles only what the change
	# touches: then the count is a ceiling, not a forecast.
	[ -f "$dk/objects" ] && total=$(cat "$dk/objects")
	: > "$dk/make.log"
	while IFS= read -r line; do
		printf '%s\n' "$line" >> "$dk/make.log"
		case $line in
		"  CC "*)
			n=$((n + 1))
			[ $((n % 500)) = 0 ] &&
				say "$n objects compiled$([ "$n" -lt "$total" ] && echo " of at most $total") ($(took))"
			;;
		*vmlinux*|*bzImage*|"  MODPOST"*) say "${line#  }" ;;
		"  "[A-Z]*) ;;
		*) printf '%s\n' "$line" ;;
		esac
	done
	# The largest build seen: that of the whole tree.
	[ "$n" -gt "$total" ] && total=$n
	echo "$total" > "$dk/objects.new"
}

build_kernel()
{
	# One job per CPU, at the lowest priority: the lab VMs running beside
	# the build keep their share of the machine.
	say "building bzImage and modules: nice -n 19 make -j$(nproc) (the whole output: $dk/make.log)"
	if ! nice -n 19 make --no-print-directory -C "$src" -j"$(nproc)" \
		bzImage modules 2>&1 | progress; then
		tail -n 40 "$dk/make.log"
		die "the kernel build failed (see $dk/make.log)"
	fi
	mv "$dk/objects.new" "$dk/objects"
}

install_kernel()
{
	local release

	release=$(make -s -C "$src" kernelrelease)
	rm -rf "$dk/root"
	nice -n 19 make -s -C "$src" INSTALL_MOD_PATH="$dk/root" modules_install
	cp "$src/arch/x86/boot/bzImage" "$dk/bzImage"
	echo "$release" > "$dk/release"
	inputs > "$dk/built"
	say "installed $release: bzImage $(du -h "$dk/bzImage" | cut -f1)," \
	    "vmlinux $(du -h "$src/vmlinux" | cut -f1)," \
	    "modules $(du -sh "$dk/root" | cut -f1), tree $(du -sh "$src" | cut -f1)"
}

# module - wgtour.ko against the debug tree, in build/debug-kernel/module/:
# module/ keeps its objects for the lab kernel. The sources are links, so an
# edit in module/ rebuilds here too. No W=1: warnings are make lint's job,
# against the lab kernel. With the tree's vmlinux at hand, Kbuild gives the
# module its BTF itself (scripts/module-btf.sh is for Debian's headers).
build_module()
{
	local out=$dk/module f

	[ -f "$dk/built" ] || die "the debug kernel is not built (run: make debug-kernel)"
	mkdir -p "$out"
	find "$out" -maxdepth 1 -type l -delete
	for f in "$WGTOUR_ROOT/module/Kbuild" "$WGTOUR_ROOT"/module/*.[ch]; do
		# wgtour.mod.c is modpost's output for the lab kernel, not a
		# source; this build writes its own here.
		[[ $f == *.mod.c ]] || ln -s "$f" "$out/"
	done
	nice -n 19 make --no-print-directory -C "$src" M="$out" modules
}

case ${1:-} in
module) build_module; exit ;;
--config|'') ;;
*) die "usage: labs/vm/debug-kernel.sh [--config | module]" ;;
esac

if [ -z "${1:-}" ] && [ -f "$dk/built" ] && [ -f "$dk/bzImage" ] &&
   [ "$(inputs)" = "$(cat "$dk/built")" ]; then
	say "up to date: $(cat "$dk/release") ($dk/bzImage)"
	exit 0
fi

# The kernel build's own tools; gcc, make, bc, dwarves (pahole, for BTF)
# and kmod (depmod) are on setup's list already.
"$WGTOUR_ROOT/scripts/setup.sh" flex bison libelf-dev libssl-dev xz-utils

mkdir -p "$dk"
rm -f "$dk/built"
unpack
configure
verify
[ -z "${1:-}" ] || exit 0
build_kernel
install_kernel
say "done in $(took)"

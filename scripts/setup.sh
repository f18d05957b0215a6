#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make setup: install the Debian packages wgtour needs and unpack the parts
# of the kernel source tree we use (checkpatch, the kselftest framework,
# upstream WireGuard's own selftest netns.sh, the upstream driver for
# reference). Idempotent: quiet when nothing is missing.
#
# usage: scripts/setup.sh [PACKAGE...]
# Extra packages are installed with the rest (labs/vm/debug-kernel.sh passes
# the ones a kernel build needs beyond a module build's).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

packages=(
	# the lab VM
	qemu-system-x86 busybox-static cpio kmod
	linux-image-amd64 linux-headers-amd64
	# inside the VM (it shares the host's root): tools the labs and tests use
	iproute2 wireguard-tools wireguard-go bpftrace bpftool iperf3 ncat
	iptables iputils-ping tcpdump util-linux procps
	# building and checking the module
	make gcc bc sparse dwarves linux-source-6.1 perl
	# traces/count/count-events: a BPF object (clang -target bpf) and its
	# libbpf loader (bpftool, above, makes the skeleton)
	clang libbpf-dev
	# the book and the traces (epubcheck and chromium: the book test checks
	# the EPUB, and every page in a headless browser)
	pandoc graphviz python3 epubcheck chromium
	# driving "make shell" from scripts and tests
	tmux
)
packages+=("$@")

missing=()
for p in "${packages[@]}"; do
	# "install ok installed" is what dpkg says of a fully installed package.
	if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -gt 0 ]; then
	sudo=
	[ "$(id -u)" = 0 ] || sudo=sudo
	echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
	echo "setup: apt-get update ..."
	$sudo apt-get update -q
	echo "setup: apt-get install ... (the first time takes a few minutes)"
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q \
		--no-install-recommends "${missing[@]}"
	echo "setup: packages installed"
fi

# The linux-source tarball holds what the kernel's own tools look like for
# this exact kernel line; unpack only the few parts we use, once.
src=$root/build/linux-src
stamp=$src/.unpacked
tarball=$(ls /usr/src/linux-source-6.1.tar.xz)
if [ ! -f "$stamp" ] || [ "$tarball" -nt "$stamp" ] ||
   [ ! -f "$src/tools/testing/selftests/wireguard/netns.sh" ]; then
	echo "setup: unpacking checkpatch, kselftest, netns.sh and the reference driver from $tarball"
	rm -rf "$src"
	mkdir -p "$src"
	tar -xJf "$tarball" -C "$src" --strip-components=1 \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch \
		linux-source-6.1/tools/testing/selftests/kselftest \
		linux-source-6.1/tools/testing/selftests/kselftest.h \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/tools/testing/selftests/kselftest_module.h \
		linux-source-6.1/tools/testing/selftests/wireguard \
		linux-source-6.1/drivers/net/wireguard
	touch "$stamp"
fi

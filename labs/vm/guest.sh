#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the lab VM as root, right after switch_root (see labs/vm/init).
# It finishes the userspace setup, makes sure the stock wireguard.ko can never
# be loaded behind our back, loads wgtour.ko, runs the one command the host
# asked for, reports its exit status on the second serial port and powers off.
#
# Kernel command-line words of the form key=value arrive here as variables:
#   wgtour_root   the repository path (the same inside and outside the VM)
#   wgtour_run    the run directory, relative to build/
#   wgtour_mode   "cmd" (run build/<run>/cmd) or "shell" (interactive)
#   wgtour_module "1" to load wgtour.ko before the command
#   wgtour_ko     that wgtour.ko (the one built for this kernel)
#   wgtour_moddir this kernel's modules, when the host's /lib/modules does
#                 not have them (the debug kernel's, under build/)
#   wgtour_cols, wgtour_rows  the host terminal's size, for the shell

status_port=/dev/ttyS1
console=/dev/ttyS0

finish()
{
	local rc=$1

	# A kernel with kmemleak (the debug kernel) is asked for its leaks
	# before the log is kept: a scan reports objects nothing points to
	# any more, and the harness's report scan fails the run on them. Two
	# scans, as kmemleak's documentation advises, so that an object seen
	# unreferenced once while in flight is not taken for a leak.
	if [ -w /sys/kernel/debug/kmemleak ]; then
		echo scan > /sys/kernel/debug/kmemleak
		sleep 5
		echo scan > /sys/kernel/debug/kmemleak
		cat /sys/kernel/debug/kmemleak > "$rundir/kmemleak.txt"
	fi
	dmesg > "$rundir/dmesg.txt" 2>/dev/null
	echo "WGTOUR_EXIT=$rc" > "$status_port"
	sync
	# -no-reboot on the QEMU side turns this reboot into a clean exit.
	echo b > /proc/sysrq-trigger
	sleep 10
}

# A fresh /tmp, unless the repository itself lives under /tmp (a CI clone
# may): a tmpfs there would hide it. The overlay root is writable anyway.
case $wgtour_root/ in
/tmp/*) ;;
*) mount -t tmpfs -o mode=1777 tmpfs /tmp ;;
esac
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
# devtmpfs has no /dev/fd; bash process substitution needs it.
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null

# build/ is the one writable host directory: results and traces go there.
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 \
	wgout "$wgtour_root/build" || echo "guest: cannot mount build/" > "$status_port"
rundir=$wgtour_root/build/$wgtour_run

# modprobe looks in /lib/modules/$(uname -r): a kernel built here keeps its
# modules under build/ (labs/vm/debug-kernel.sh); the overlay root lets us
# point that name at them.
if [ -n "${wgtour_moddir:-}" ]; then
	ln -sfn "$wgtour_moddir" "/lib/modules/$(uname -r)"
fi

hostname wgtour-vm
ip link set lo up
export HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export TERM=${wgtour_term:-linux} WGTOUR_ROOT=$wgtour_root WGTOUR_IN_VM=1

# Timestamps on, for the whole boot. QEMU's TCG (7.2, Debian 12's) can
# leave a vCPU looping for ever on an int3 the kernel put there while it
# rewrote a static key's jump and has since taken away: the vCPU keeps
# running its stale translation of the int3, and the kernel's int3 handler
# sends it back to the jump each time. ping flips such a key every time it
# starts and ends: netstamp_needed_key, on while any socket asks for
# receive timestamps (SO_TIMESTAMP), whose jump is in the loop of
# netif_receive_skb_list_internal(), which every NAPI poll's packets go
# through. Seen as "soft lockup" with both vCPUs at
# netif_receive_skb_list_internal+0x58, once in make bench with wgtour.ko,
# and once in four runs of the load tests/vm/netstamp_key.sh runs, after
# about 10 s, with the stock wireguard.ko.
# A socket that asks for timestamps until power-off keeps the key on: ping
# then only counts its users up and down, and the jump is never rewritten.
python3 "$wgtour_root/labs/vm/netstamp.py" hold /run/wgtour-netstamp.pid &

# The tests load the same wgtour.ko (tests/lib/vm.sh).
export WGTOUR_KO=${wgtour_ko:-$wgtour_root/module/wgtour.ko}
cd "$wgtour_root" || finish 1

# The stock module registers the same link kind and genetlink family as ours.
# If it were auto-loaded (request_module on "ip link add ... type wireguard"),
# the lab would silently trace the wrong driver. Tests that want the stock
# module as a reference load it on purpose with "modprobe --ignore-install".
cat > /etc/modprobe.d/wgtour-no-stock.conf <<'CONF'
install wireguard /bin/sh -c 'echo "wireguard.ko is disabled in the lab VM; use wgtour.ko" >&2; exit 1'
CONF

if [ "$wgtour_module" = 1 ]; then
	# wgtour.ko's dependencies come from the running kernel's own tree.
	ko=$WGTOUR_KO
	for dep in $(modinfo -F depends "$ko" | tr , ' '); do
		modprobe "$dep"
	done
	if ! insmod "$ko"; then
		echo "guest: insmod $ko failed" > "$console"
		finish 1
	fi
fi

exec < "$console" > "$console" 2>&1
if [ "$wgtour_mode" = shell ]; then
	stty cols "${wgtour_cols:-80}" rows "${wgtour_rows:-24}" 2>/dev/null
	stty sane
	echo "wgtour lab VM: kernel $(uname -r), wgtour.ko $([ -d /sys/module/wgtour ] && echo loaded || echo 'not loaded'). Leave with 'exit' or Ctrl-D."
	setsid --ctty --wait bash --login -i
	finish $?
else
	bash "$rundir/cmd"
	finish $?
fi

# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for tests that run inside the lab VM (tests/vm/*.sh).
. "$(dirname "${BASH_SOURCE[0]}")/ktap.sh"
# WGT_SPLAT: the patterns of a kernel report, shared with the VM harness.
. "$(dirname "${BASH_SOURCE[0]}")/../../labs/vm/lib.sh"

# A test run may point this at another build (tests/mutate.sh does).
WGTOUR_KO=${WGTOUR_KO:-$WGTOUR_ROOT/module/wgtour.ko}

if [ "${WGTOUR_IN_VM:-}" != 1 ]; then
	echo "# this test runs inside the lab VM: make check, or labs/vm/run $0" >&2
	exit 4	# kselftest's "skip"
fi

# wgt_load - load wgtour.ko (and what it depends on) unless it is loaded.
wgt_load()
{
	local dep
	[ -d /sys/module/wgtour ] && return 0
	for dep in $(modinfo -F depends "$WGTOUR_KO" | tr , ' '); do
		modprobe "$dep" || return 1
	done
	insmod "$WGTOUR_KO"
}

# wgt_load_default - wgtour.ko loaded with every parameter at its default,
# reloaded if an earlier test left it otherwise (time_divisor, max_peers,
# race_delay_ms): the fuzzers need the protocol's own times and limits.
wgt_load_default()
{
	local p=/sys/module/wgtour/parameters
	if [ -d /sys/module/wgtour ] && { [ "$(cat $p/time_divisor)" != 1 ] ||
	   [ "$(cat $p/max_peers)" != 1048576 ] || [ "$(cat $p/race_delay_ms)" != 0 ]; }; then
		wgt_unload || return 1
	fi
	wgt_load
}

# wgt_unload - remove wgtour.ko; its devices go with it.
wgt_unload()
{
	[ -d /sys/module/wgtour ] || return 0
	rmmod wgtour
}

# wgt_stock_load / wgt_stock_unload - the stock wireguard.ko, for
# differential tests. The lab VM refuses it to modprobe's alias lookups, so
# it is loaded on purpose, past the "install" rule, and only while ours is out.
wgt_stock_load()
{
	wgt_unload && modprobe --ignore-install wireguard
}

wgt_stock_unload()
{
	[ -d /sys/module/wireguard ] || return 0
	rmmod wireguard
}

# wgt_netns_clean - delete every namespace a test made (names start "wgt").
wgt_netns_clean()
{
	local ns
	for ns in $(ip netns list | awk '/^wgt/ { print $1 }'); do
		ip netns del "$ns"
	done
}

# wgt_live NAME - one of the module's live-object counters (module/debug.c):
# devices, peers, trie_nodes, sockets or keypairs.
wgt_live()
{
	cat "/sys/kernel/debug/wgtour/$1"
}

# wgt_live_counts - all of them, as
# "devices=N peers=N trie_nodes=N sockets=N keypairs=N".
wgt_live_counts()
{
	local c line=
	for c in devices peers trie_nodes sockets keypairs; do
		line+="${line:+ }$c=$(wgt_live $c)"
	done
	echo "$line"
}

# wgt_none_live - true when every counter is zero.
wgt_none_live()
{
	[ "$(wgt_live_counts)" = 'devices=0 peers=0 trie_nodes=0 sockets=0 keypairs=0' ]
}

# wgt_all_freed - true once every counter is back to zero, after everything
# a test made is torn down. Peers, trie nodes and keypairs are freed after
# an RCU grace period, so it waits up to 5 s; a counter that stays is a
# leak, and the counts are printed.
wgt_all_freed()
{
	wgt_wait_until 5 wgt_none_live && return 0
	echo "# still live: $(wgt_live_counts)"
	return 1
}

# wgt_no_report WHAT - a KTAP check that the kernel log shows no report
# (WGT_SPLAT), its first lines as comments when it does. The harness fails
# the run on one too; this names the test that was running.
wgt_no_report()
{
	local report
	report=$(dmesg | grep -E "$WGT_SPLAT" | head -5)
	[ -n "$report" ] && sed 's/^/#   dmesg: /' <<< "$report"
	ktap_check "$1: no report in the kernel log" '[ -z "$report" ]'
}

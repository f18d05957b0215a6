#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One side of tests/vm2/stock_interop.sh, run inside a lab VM: side "a" has
# our wgtour.ko (the lab VM's default), side "b" the stock wireguard.ko. The
# two VMs share a virtio NIC link (labs/vm/run --net-socket) and the
# directory DIR under build/, through which they take turns: each step ends
# with a marker file the other side waits for, every wait is bounded, and a
# side that gives up leaves "abort-<side>" so the other stops waiting too.
# This script only acts and records (results, "wg show dump"s, in DIR); the
# host script judges.
#
# usage: stock_interop.sh a|b DIR     (DIR holds ka kb pa pb psk, from the host)
. "$(dirname "$0")/../../lib/wait.sh"
me=$1 dir=$2
if [ "$me" = a ]; then
	peer=b mine=1 theirs=2
else
	peer=a mine=2 theirs=1
fi
export WG_COLOR_MODE=never
t0=$(date +%s.%N)

log()
{
	printf '[%s %5.1fs] %s\n' "$me" "$(echo "$(date +%s.%N) - $t0" | bc)" "$*"
}

# mark NAME [TEXT] - publish a marker (written aside, then renamed, so the
# other side never reads half a file)
mark()
{
	printf '%s\n' "${2:-}" > "$dir/.$1.$me" && mv "$dir/.$1.$me" "$dir/$1"
}

result()
{
	echo "$1 $2" >> "$dir/results-$me"
}

abort()
{
	log "giving up: $*"
	mark "abort-$me" "$*"
	exit 1
}

# wait_for NAME SECS - wait for the other side's marker
wait_for()
{
	local end=$((SECONDS + $2))
	while [ ! -e "$dir/$1" ]; do
		if [ -e "$dir/abort-$peer" ]; then
			abort "side $peer gave up: $(cat "$dir/abort-$peer")"
		fi
		[ $SECONDS -lt $end ] || abort "no $1 from side $peer within $2 s"
		sleep 0.2
	done
}

# snapshot DEV - "wg show DEV dump", read until two reads 0.5 s apart agree
snapshot()
{
	local i d1 d2
	for i in $(seq 10); do
		d1=$(wg show "$1" dump)
		sleep 0.5
		d2=$(wg show "$1" dump)
		[ "$d1" = "$d2" ] && break
	done
	printf '%s\n' "$d2"
}

: > "$dir/results-$me"
log "kernel $(uname -r)"

# Which implementation this kernel runs: only one of the two can be loaded.
if [ "$me" = b ]; then
	modprobe --ignore-install wireguard || abort "cannot load the stock wireguard.ko"
fi
mods=
[ -d /sys/module/wgtour ] && mods+=wgtour,
[ -d /sys/module/wireguard ] && mods+=wireguard,
result modules "${mods%,}"
log "modules: ${mods%,}"

# The link between the VMs: virtio_net comes from the shared /lib/modules.
modprobe virtio_net || abort "modprobe virtio_net failed"
wgt_wait_until 5 [ -e /sys/class/net/eth0 ]
ip addr add 192.0.2.$mine/24 dev eth0 || abort "no eth0"
ip link set eth0 up
mark "up-$me"
wait_for "up-$peer" 120
ok=fail
for _ in $(seq 10); do
	ping -q -c 1 -W 1 192.0.2.$theirs > /dev/null 2>&1 && { ok=ok; break; }
done
result underlay "$ok"
log "underlay ping to 192.0.2.$theirs: $ok"
[ $ok = ok ] || abort "the virtio link does not carry pings"

# scenario N INITIATOR PSK(-|psk) - fresh devices wgN on both sides. Only
# the initiator is told the other's endpoint, so the responder cannot send
# first: it learns the initiator's address from the initiation itself.
scenario()
{
	local n=$1 init=$2 psk=$3 dev=wg$1 port=$((51820 + $1)) rc
	local -a opt=()
	[ "$psk" = psk ] && opt+=(preshared-key "$dir/psk")
	[ "$init" = "$me" ] && opt+=(endpoint "192.0.2.$theirs:$port")
	[ "$init" = "$me" ] && wait_for "ready-$n-$peer" 60

	ip link add "$dev" type wireguard || abort "$dev: ip link add failed"
	wg set "$dev" private-key "$dir/k$me" listen-port $port \
		peer "$(cat "$dir/p$peer")" allowed-ips 10.0.$n.$theirs/32,fd00:$n::$theirs/128 \
		"${opt[@]}" || abort "$dev: wg set failed"
	ip addr add 10.0.$n.$mine/24 dev "$dev"
	ip addr add fd00:$n::$mine/64 dev "$dev" nodad
	ip link set "$dev" up
	mark "ready-$n-$me"

	# The initiator pings first; the responder pings once that is done.
	[ "$init" = "$me" ] || wait_for "pinged-$n-$peer" 60
	rc=ok
	ping -q -c 3 -i 0.3 -W 5 10.0.$n.$theirs > "$dir/ping-$n-$me" 2>&1 || rc=fail
	ping -q -c 2 -i 0.3 -W 5 fd00:$n::$theirs >> "$dir/ping-$n-$me" 2>&1 || rc=fail
	result "ping-$n" $rc
	log "$dev: pings to 10.0.$n.$theirs and fd00:$n::$theirs: $rc"
	mark "pinged-$n-$me"
	wait_for "pinged-$n-$peer" 60

	# Both quiet now: read the counters, and only then take the devices down.
	sleep 1
	snapshot "$dev" > "$dir/dump-$n-$me"
	mark "dumped-$n-$me"
	wait_for "dumped-$n-$peer" 60
	ip link del "$dev"
}

scenario 1 a -
scenario 2 b -
scenario 3 a psk
scenario 4 b psk
mark "done-$me"
log "done"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Errors of the configuration API (chapter 1): requests that must fail, and
# fail cleanly. Bad keys, prefixes and endpoints, unknown flags, a peer
# without a key, a wrong or missing device (sent raw with tests/lib/wgnl.py,
# since the wg tool refuses to send them), listen ports that are taken, and
# callers without CAP_NET_ADMIN. For every case an error must come back,
# with the errno (and, for raw requests, the extack message) we expect, and
# nothing may change: "wg show all dump" (every key, port, mark, peer,
# allowed IP and endpoint), the link states and the bound UDP ports are
# compared before and after.
#
# With CONFIG_ERRORS_STOCK=1 (make check-long, tests/vm-long/
# config_errors_stock.sh) every case also runs against the stock
# wireguard.ko first. Its answers are printed next to ours as diagnostics
# ("# stock: ...") and summed up at the end, but not asserted: the stock
# driver is the reference for behaviour, not for every errno, and it
# applies a request piece by piece, so some of these requests change it
# before they fail. Being unasserted, that run stays out of make check,
# where it cost 46-54 s, more than half the program's time.
. "$(dirname "$0")/../lib/vm.sh"
. "$(dirname "$0")/../lib/topo.sh"

wgnl=$WGTOUR_ROOT/tests/lib/wgnl.py
umask 077
work=$(mktemp -d)
holders=()
cleanup()
{
	local pid
	for pid in "${holders[@]}"; do kill "$pid" 2>/dev/null; done
	[ -n "${NL_PID:-}" ] && kill "$NL_PID" 2>/dev/null
	ip link del wge0 2>/dev/null
	ip link del wge1 2>/dev/null
	ip link del wge2 2>/dev/null
	ip link del wgeu 2>/dev/null
	wgt_netns_clean
	rm -rf "$work"
}
trap cleanup EXIT

wgt_keys "$work" $(seq 0 9) || exit 1
for i in $(seq 0 9); do
	declare "p$i=${wgt_pub[$i]}"
done
wg genpsk > "$work/psk"
hex31=$(printf '%062x' 7)
hex33=$(printf '%066x' 7)
echo "not-a-key" > "$work/badkey"
# strerror text -> errno name, for the messages of wg and ip.
python3 -S -c '
import errno, os
for n, name in sorted(errno.errorcode.items()):
    print("%s|%s" % (os.strerror(n), "EOPNOTSUPP" if n == errno.EOPNOTSUPP else name))
' > "$work/errmap"

# The state every case starts from: wge0 and wge1 up, wge2 down with a
# listen port that wge0 holds (allowed while down: nothing is bound).
cat > "$work/wge0.conf" <<EOF
[Interface]
PrivateKey = $(cat "$work/k0")
ListenPort = 51820
FwMark = 0x42

[Peer]
PublicKey = $p1
PresharedKey = $(cat "$work/psk")
AllowedIPs = 10.1.0.0/16, fd00:1::/64
Endpoint = 192.0.2.1:51000
PersistentKeepalive = 25

[Peer]
PublicKey = $p2
AllowedIPs = 10.2.0.0/24, 10.2.1.1/32
Endpoint = [2001:db8::2]:51002

[Peer]
PublicKey = $p3
AllowedIPs = fd00:3::/48
EOF
cat > "$work/wge1.conf" <<EOF
[Interface]
PrivateKey = $(cat "$work/k1")
ListenPort = 51821

[Peer]
PublicKey = $p4
AllowedIPs = 0.0.0.0/0, ::/0
EOF

baseline()
{
	ip link del wge0 2>/dev/null
	ip link del wge1 2>/dev/null
	ip link del wge2 2>/dev/null
	ip link add wge0 type wireguard &&
	ip link add wge1 type wireguard &&
	ip link add wge2 type wireguard &&
	wg setconf wge0 "$work/wge0.conf" &&
	wg setconf wge1 "$work/wge1.conf" &&
	wg set wge2 private-key "$work/k2" listen-port 51820 &&
	ip link set wge0 up &&
	ip link set wge1 up
}

# Everything a failed request could have touched. The dump holds all
# that "wg showconf" would say of each device, in one process: a case's
# time is mostly the processes it starts.
snapshot()
{
	echo "== dump"
	wg show all dump 2>&1
	echo "== links"
	ip -br link show type wireguard 2>&1
	echo "== udp"
	ss -Hlun 2>&1
}

# A raw request through the long-running wgnl.py (see "batch" there).
nl()
{
	local answer
	echo "$*" >&7
	read -r -t 60 answer <&8 || answer="NO-ANSWER: wgnl.py died"
	echo "$answer"
}

# Run one case command; print its outcome as "OK" or "ERRNO: message".
# Raw requests answer that way; for wg and ip, the errno is read back from
# the strerror text they print, and a refusal without one (the tool's own
# checks) is "REFUSED".
outcome()
{
	local out rc line name
	out=$(eval "$1" 2> "$work/stderr")
	rc=$?
	line=$(printf '%s\n' "$out" | tail -n 1)
	if [[ "$line" =~ ^(OK|NO-ANSWER|E[A-Z0-9]+:) ]]; then
		echo "$line"
		return
	fi
	if [ "$rc" = 0 ]; then
		echo "OK"
		return
	fi
	# The longest strerror text that ends a line ("No such device" must
	# not match "No such device or address").
	name=$(awk -F'|' 'NR == FNR { map[$1] = $2; next }
		{ for (t in map) if (length(t) > length(best) &&
			substr($0, length($0) - length(t) - 1) == ": " t) best = t }
		END { if (best != "") print map[best] }' "$work/errmap" "$work/stderr")
	if [ -n "$name" ]; then
		echo "$name: "
	else
		echo "REFUSED: $(tail -n 1 "$work/stderr")"
	fi
}

# --- cases that need more than one command -------------------------------

# A UDP socket that is not ours holds a port: wg must not take it.
hold_port()		# FAMILY PORT
{
	python3 -S -c '
import socket, sys, time
fam = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
if fam == socket.AF_INET6:
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", int(sys.argv[2])))
print("bound", flush=True)
time.sleep(600)
' "$1" "$2" > "$work/holder" &
	holders+=($!)
	wgt_wait_until 10 grep -q bound "$work/holder"
}

release_port()
{
	kill "${holders[-1]}"
	wait "${holders[-1]}" 2>/dev/null
	unset 'holders[-1]'
}

udp4_taken() { hold_port 4 51830 && wg set wge1 listen-port 51830; local rc=$?; release_port; return $rc; }
udp6_taken() { hold_port 6 51831 && wg set wge1 listen-port 51831; local rc=$?; release_port; return $rc; }

# udp_bound FILTER / udp_free FILTER - whether a UDP socket that ss's
# FILTER matches is bound.
udp_bound() { ss -Hlun "$1" | grep -q .; }
udp_free() { ! udp_bound "$1"; }

ncat_taken()
{
	local rc
	ncat -u -l 51832 > /dev/null < /dev/null &
	holders+=($!)
	wgt_wait_until 10 udp_bound 'sport = :51832'
	wg set wge1 listen-port 51832
	rc=$?
	release_port
	return $rc
}

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$@"; }

# The current configuration handed back unchanged, as "wg syncconf" users
# do all the time: no error, no change. wg sends the listen port again; an
# up device already bound to it must not collide with itself. (This case
# and "own listen port set again" were written for a wgtour bug: it
# re-bound an unchanged port and got EADDRINUSE from its own sockets.)
syncconf_same()
{
	wg showconf wge0 > "$work/now.conf" && wg syncconf wge0 "$work/now.conf"
}

# netns_differs PID - PID's network namespace is not ours (it has unshared).
netns_differs()
{
	[ "$(readlink "/proc/$1/ns/net")" != "$(readlink /proc/self/ns/net)" ]
}

# A device moved into a namespace owned by another user namespace: root
# there has CAP_NET_ADMIN over the device's namespace, but not over the one
# the device was created in, where its sockets live. Changing what is
# bound there (listen port, fwmark) needs CAP_NET_ADMIN in that namespace.
# (The stock driver checks this; it answers EPERM. wgtour did not when this
# case was written, and let such a caller bind ports in the init namespace.)
# This case builds and
# removes its own device; it records its own before/after state, since the
# device is not visible from here.
moved_to_userns()
{
	local pid rc inner
	unshare -U -r -n sleep 600 &
	pid=$!
	holders+=($pid)
	wgt_wait_until 10 netns_differs "$pid"
	ip link add wgeu type wireguard &&
	wg set wgeu private-key "$work/k5" listen-port 51840 peer "$p6" allowed-ips 10.6.0.0/16 &&
	ip link set wgeu up &&
	ip link set wgeu netns "$pid" || { release_port; return 99; }
	inner=(nsenter -t "$pid" -U -n)
	{ "${inner[@]}" wg showconf wgeu; ss -Hlun | awk '{ print $4 }' | sort; } > "$work/u.before" 2>&1
	"${inner[@]}" wg set wgeu listen-port 51841 fwmark 0x99
	rc=$?
	{ "${inner[@]}" wg showconf wgeu; ss -Hlun | awk '{ print $4 }' | sort; } > "$work/u.after" 2>&1
	if ! cmp -s "$work/u.before" "$work/u.after"; then
		diff -u "$work/u.before" "$work/u.after" > "$work/inner_changed"
	fi
	# The device dies with the namespace, its sockets (here) with it.
	release_port
	wgt_wait_until 10 udp_free 'sport = :51840 or sport = :51841'
	return $rc
}

# --- the cases ------------------------------------------------------------
#
# name | errno we expect | extack substring we expect ("-": none checked,
# "*": any message) | command. A raw request starts with "nl". Raw requests
# carry valid changes ahead of the bad part (a new listen port, a new peer,
# more allowed IPs for an existing peer): none of them may stick.
good="listen-port 51899 fwmark 7 peer $p5 allowed-ip 10.55.0.0/16 peer $p1 allowed-ip 10.66.0.0/16"
cases()
{
	cat <<EOF
private key of 31 bytes|ERANGE|*|nl set ifname wge0 listen-port 51899 private-key hex:$hex31
private key not base64 (wg refuses)|REFUSED|-|wg set wge0 private-key $work/badkey
peer public key of 33 bytes|ERANGE|*|nl set ifname wge0 $good peer hex:$hex33
preshared key of 31 bytes|ERANGE|*|nl set ifname wge0 $good peer $p6 preshared-key hex:$hex31
IPv4 allowed IP /33|EINVAL|cidr longer than the address|nl set ifname wge0 $good peer $p6 allowed-ip 10.0.0.0/33
IPv6 allowed IP /129|EINVAL|cidr longer than the address|nl set ifname wge0 $good peer $p6 allowed-ip fd00::/129
allowed IP /33 via wg (wg refuses)|REFUSED|-|wg set wge0 peer $p1 allowed-ips 10.0.0.0/33
AF_INET with a 16-byte address|EINVAL|family and address length disagree|nl set ifname wge0 $good peer $p6 allowed-ip-raw 2 fd000000000000000000000000000000 8
AF_INET6 with a 4-byte address|EINVAL|family and address length disagree|nl set ifname wge0 $good peer $p6 allowed-ip-raw 10 0a000000 8
allowed IP of family 99|EINVAL|family and address length disagree|nl set ifname wge0 $good peer $p6 allowed-ip-raw 99 0a000000 8
endpoint of family AF_UNIX|EINVAL|endpoint is neither IPv4 nor IPv6|nl set ifname wge0 $good peer $p6 endpoint-raw 0100ca6c0a000001${hex31:0:16}
endpoint AF_INET6 in 16 bytes|EINVAL|endpoint is neither IPv4 nor IPv6|nl set ifname wge0 $good peer $p6 endpoint-raw 0a00ca6c0a000001${hex31:0:16}
endpoint of 8 bytes|ERANGE|*|nl set ifname wge0 $good peer $p6 endpoint-raw 0200ca6c0a000001
unknown device flag|EOPNOTSUPP|unknown device flags|nl set ifname wge0 flags 0x80000000 $good
unknown peer flag|EOPNOTSUPP|unknown peer flags|nl set ifname wge0 $good peer $p6 flags 0x100
peer without a public key|EINVAL|peer without a public key|nl set ifname wge0 $good peer - allowed-ip 10.9.0.0/16
protocol version 2|EPFNOSUPPORT|only protocol version 1 exists|nl set ifname wge0 $good peer $p6 protocol-version 2
replace-peers, then a bad peer|EINVAL|cidr longer than the address|nl set ifname wge0 flags 1 $good peer $p6 allowed-ip 10.0.0.0/33
both ifindex and ifname|EBADR|give exactly one of ifindex and ifname|nl set ifname wge0 ifindex $(cat /sys/class/net/wge0/ifindex 2>/dev/null || echo 1) $good
neither ifindex nor ifname|EBADR|give exactly one of ifindex and ifname|nl set $good
not a wireguard device (raw)|EOPNOTSUPP|not a wireguard device|nl set ifname lo $good
not a wireguard device (wg set)|EOPNOTSUPP|-|wg set lo listen-port 51899
not a wireguard device (wg show)|EOPNOTSUPP|-|wg show lo
missing device by name (raw)|ENODEV|no such device|nl set ifname wgnope0 $good
missing device by index (raw)|ENODEV|no such device|nl set ifindex 999999 $good
missing device (wg set)|ENODEV|-|wg set wgnope0 listen-port 51899
missing device (wg show)|ENODEV|-|wg show wgnope0
missing device (raw dump)|ENODEV|-|nl get ifname wgnope0
port held by another wireguard device|EADDRINUSE|-|wg set wge1 listen-port 51820
port held by another device (raw)|EADDRINUSE|cannot bind the listen port|nl set ifname wge1 listen-port 51820 peer $p5 allowed-ip 10.55.0.0/16
port held by an IPv4 UDP socket|EADDRINUSE|-|udp4_taken
port held by an IPv6-only UDP socket|EADDRINUSE|-|udp6_taken
port held by ncat -u -l|EADDRINUSE|-|ncat_taken
link up while the port is held|EADDRINUSE|-|ip link set wge2 up
own listen port set again (not an error)|OK|-|wg set wge0 listen-port 51820
syncconf of the current config (not an error)|OK|-|syncconf_same
unprivileged uid: wg set|EPERM|-|as_nobody wg set wge0 listen-port 51899
unprivileged uid: wg show|EPERM|-|as_nobody wg show wge0
unprivileged uid: raw set|EPERM|-|as_nobody python3 -S $wgnl set ifname wge0 $good
root of a user namespace: wg set|EPERM|-|unshare -U -r wg set wge0 fwmark 9
root of a user namespace: wg show|EPERM|-|unshare -U -r wg show wge0 dump
device moved to a user-owned netns: listen-port, fwmark|EPERM|-|moved_to_userns
EOF
}

# Run every case on the loaded module; results go to $work/<module>.res as
# name|outcome|changed.
run_cases()
{
	local mod=$1 name errno extack cmd res changed
	coproc NL { exec python3 -S "$wgnl" batch 2>&1; }
	# Plain descriptors: command substitutions (subshells) may not see
	# the coprocess' own.
	exec 7>&"${NL[1]}" 8<&"${NL[0]}"
	baseline || echo "# $mod: baseline setup failed"
	: > "$work/$mod.res"
	while IFS='|' read -r name errno extack cmd <&3; do
		rm -f "$work/inner_changed"
		snapshot > "$work/before"
		res=$(outcome "$cmd" < /dev/null)
		snapshot > "$work/after"
		changed=no
		if ! cmp -s "$work/before" "$work/after" || [ -e "$work/inner_changed" ]; then
			changed=yes
			{
				diff -u "$work/before" "$work/after"
				cat "$work/inner_changed" 2>/dev/null
			} | grep '^[-+][^-+]' | head -6 | sed 's/^/#   /' > "$work/$mod.diff.$(echo "$name" | md5sum | cut -c1-8)"
			baseline || echo "# $mod: baseline setup failed"
		fi
		echo "$name|$res|$changed" >> "$work/$mod.res"
	done 3< <(cases)
	exec 7>&- 8<&-
	kill "$NL_PID" 2>/dev/null
	wait "$NL_PID" 2>/dev/null
	ip link del wge0; ip link del wge1; ip link del wge2
}

ncases=$(cases | wc -l)
with_stock=${CONFIG_ERRORS_STOCK:-0}
ktap_plan $((ncases + 1 + with_stock))

if [ "$with_stock" = 1 ]; then
	start=$SECONDS
	wgt_stock_load
	ktap_check "stock wireguard.ko loaded for reference" 'test -d /sys/module/wireguard'
	run_cases stock
	wgt_stock_unload
	echo "# stock run: $((SECONDS - start)) s"
fi
start=$SECONDS
wgt_load_default
ktap_check "wgtour.ko loaded, stock not" \
	'test -d /sys/module/wgtour && test ! -d /sys/module/wireguard'
run_cases ours
echo "# our run: $((SECONDS - start)) s"

# One result per case, for our module; the stock's answer alongside, if asked.
differ=0
i=0
while IFS='|' read -r name errno extack cmd; do
	i=$((i + 1))
	IFS='|' read -r _ ours ours_changed < <(sed -n "${i}p" "$work/ours.res")
	[ "$with_stock" = 1 ] &&
		IFS='|' read -r _ stock stock_changed < <(sed -n "${i}p" "$work/stock.res")
	key=$(echo "$name" | md5sum | cut -c1-8)
	got=${ours%%:*} msg=${ours#*: }
	[ "$ours" = OK ] && msg=""
	ok=ok
	[ "$got" = "$errno" ] || ok=fail
	case $extack in
	-) ;;
	\*) [ -n "$msg" ] || ok=fail ;;
	*) [[ "$msg" == *"$extack"* ]] || ok=fail ;;
	esac
	[ "$ours_changed" = no ] || ok=fail
	ktap_result $ok "$name: $errno${extack:+, \"$extack\"}, nothing changed"
	[ $ok = ok ] || echo "#   ours: $ours; changed: $ours_changed"
	[ -e "$work/ours.diff.$key" ] && cat "$work/ours.diff.$key"
	[ "$with_stock" = 1 ] || continue
	echo "#   stock: $stock; changed: $stock_changed"
	if [ "${stock%%:*}" != "$got" ] || [ "$stock_changed" != "$ours_changed" ]; then
		differ=$((differ + 1))
		echo "$name: stock ${stock%%:*} (changed: $stock_changed), ours $got (changed: $ours_changed)" >> "$work/differences"
		[ -e "$work/stock.diff.$key" ] && cat "$work/stock.diff.$key"
	fi
done < <(cases)

if [ "$with_stock" = 1 ]; then
	echo "# $differ cases where the stock module answers differently:"
	sed 's/^/#   /' "$work/differences" 2>/dev/null
fi
ktap_finish

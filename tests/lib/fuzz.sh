# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The fuzzers' side in the lab VM (issue 12), shared by tests/vm/fuzz.sh (the
# short runs, in make check) and tests/fuzz/*.sh (the long ones, make fuzz).
# It sources what it uses: vm.sh, wgtrace.sh, topo.sh.
#
#   fuzz_wire [OPTION...]     tests/fuzz/wire.py against a live tunnel:
#                             FUZZ_WIRE_CHECKS results; OPTIONs go to wire.py
#                             (--long, --seed S)
#   fuzz_netlink [OPTION...]  tests/fuzz/netlink.py against three devices, from
#                             root and from a user namespace:
#                             FUZZ_NETLINK_CHECKS results; OPTIONs go to
#                             netlink.py (--long, --seed S)
#   fuzz_cleanup              what a fuzzer that stopped early left behind
#                             (processes, namespaces, trace instance, files):
#                             the callers' EXIT trap
#
# Both print what they measured as "# " comments: the seed (rerun with
# --seed to replay a failure), rates, what was sent, the drop reasons hit.

. "$(dirname "${BASH_SOURCE[0]}")/vm.sh"
. "$(dirname "${BASH_SOURCE[0]}")/wgtrace.sh"
. "$(dirname "${BASH_SOURCE[0]}")/topo.sh"

fuzz_pids=()
fuzz_netns=()
fuzz_tmp=''
fuzz_trace=wgt-fuzz

fuzz_cleanup()
{
	local pid
	for pid in "${fuzz_pids[@]}"; do
		wgt_kill_wait "$pid" 5
	done
	fuzz_pids=()
	topo_netns_del "${fuzz_netns[@]}"
	fuzz_netns=()
	wgt_trace_stop $fuzz_trace
	[ -n "$fuzz_tmp" ] && rm -rf "$fuzz_tmp"
	fuzz_tmp=''
}

# fuzz_limit OPTION... - how long a fuzzer may run, in seconds: minutes
# for a short run, hours for a long one (--long; a million datagrams take
# tens of minutes under emulation)
fuzz_limit()
{
	if [[ " $* " == *" --long "* ]]; then
		echo 5400
	else
		echo 240
	fi
}

# ---- the wire fuzzer --------------------------------------------------------
#
#   netns wgt-fzw-t                             netns wgt-fzw-f
#   wgw0 10.77.0.1/16, port 51820               wgw1 10.77.1.2/16, port 51821: a
#   veth 192.0.2.1, 2001:db8:1::1  <--------->    real peer, pinging through wgw0
#                                               veth 192.0.2.2, 2001:db8:1::2, and
#                                                 16 + 16 more source addresses:
#                                               wire.py, playing FUZZ_PEERS peers
#                                                 of wgw0 (10.77.2.N/32, endpoint
#                                                 192.0.2.2:4000N)
#
# wgw0's side is counted through a private trace instance's histograms
# (wgt_trace_hist: in the kernel, no event lost): every datagram (rx_udp) and
# its verdict (rx_drop by reason, handshake_reject by type and reason,
# rx_deliver, rx_keepalive, handshake_receive, cookie_receive, cookie_send).

FUZZ_PEERS=2
FUZZ_WIRE_PY_CHECKS=3   # tests/fuzz/wire.py's CHECKS
# shellcheck disable=SC2034 # the callers' plans
FUZZ_WIRE_CHECKS=$((FUZZ_WIRE_PY_CHECKS + 10))
fuzz_hists=(rx_udp:dev 'rx_drop:dev,reason' 'handshake_reject:dev,type,reason'
	rx_deliver:dev rx_keepalive:dev 'handshake_receive:dev,type'
	'cookie_receive:dev,ok' cookie_send:dev 'under_load:dev,on')
# The events that are a datagram's verdict: each must come once per rx_udp.
fuzz_verdicts='rx_drop|handshake_reject|rx_deliver|rx_keepalive|handshake_receive|cookie_receive|cookie_send'
# The reasons the fuzzer aims at, whatever the load: each must be hit.
fuzz_aimed=('rx_drop malformed message' 'rx_drop unknown receiver index'
	'rx_drop decryption failed' 'rx_drop replayed counter' 'rx_drop not an ip packet'
	'rx_drop bad inner ipv4 length' 'rx_drop bad inner ipv6 length'
	'rx_drop source not allowed for peer' 'rx_drop congestion mark on a non-ecn packet'
	'handshake_reject bad mac1' 'handshake_reject static key does not decrypt'
	'handshake_reject unknown receiver index')

# fuzz_hist_snapshot FILE - every histogram, "EVENT COUNT field=value ..."
fuzz_hist_snapshot()
{
	local h
	for h in "${fuzz_hists[@]}"; do
		wgt_trace_hist_read $fuzz_trace "${h%%:*}" | sed "s/^/${h%%:*} /"
	done > "$1"
}

# fuzz_sum FILE EVENTS [TAIL] - wgw0's count in a snapshot of the events
# matching EVENTS (an extended regex), of the lines that end with TAIL
# ("reason=bad mac1", "on=1") if given.
fuzz_sum()
{
	awk -v ev="^($2)\$" -v tail="${3:+ $3}" '
		$1 ~ ev && $3 == "dev=wgw0" && substr($0, length($0) - length(tail) + 1) == tail {
			n += $2
		}
		END { print n + 0 }' "$1"
}

# fuzz_settled T - wgw0 (in namespace T) has given every datagram its
# verdict, and nothing came since the last look, nor while this one read the
# histograms: then fuzz_snap (the file), fuzz_udp, fuzz_lost and fuzz_drops
# (rx_dropped) are one moment's. The caller polls it. (wgw1 may still send a
# keepalive, up to 10 s after its last ping.)
fuzz_settled()
{
	local udp lost u v
	read -r udp lost < <(fuzz_wire_counters "$1")
	fuzz_drops=$(wgt_rx_stat "$1" wgw0 dropped)
	fuzz_snap=$fuzz_tmp/hist
	fuzz_hist_snapshot "$fuzz_snap"
	read -r fuzz_udp fuzz_lost < <(fuzz_wire_counters "$1")
	v=$(fuzz_sum "$fuzz_snap" "$fuzz_verdicts")
	u=$(fuzz_sum "$fuzz_snap" rx_udp)
	if [ "$u" = "$v" ] && [ "$u" = "${fuzz_last:-}" ] && [ "$udp" = "$fuzz_udp" ]; then
		return 0
	fi
	fuzz_last=$u
	return 1
}

# fuzz_snmp NS PROTO FIELD - a counter of /proc/net/snmp (Ip, Udp) in NS
fuzz_snmp()
{
	ip netns exec "$1" cat /proc/net/snmp | awk -v p="$2:" -v f="$3" '
		$1 == p && !col { for (i = 2; i <= NF; i++) if ($i == f) col = i; next }
		$1 == p { print $col }'
}

# fuzz_snmp6 NS FIELD - a counter of /proc/net/snmp6 in NS
fuzz_snmp6()
{
	ip netns exec "$1" awk -v f="$2" '$1 == f { print $2 }' /proc/net/snmp6
}

# fuzz_softnet_dropped - packets the CPUs' backlogs dropped (all namespaces)
fuzz_softnet_dropped()
{
	local n=0 dropped
	while read -r _ dropped _; do
		n=$((n + 16#$dropped))
	done < /proc/net/softnet_stat
	echo $n
}

# fuzz_wire_counters NS - "udp_in lost": the datagrams UDP took in for NS's
# sockets (IPv4 and IPv6), and those the stack lost on the way there
# (backlog drops, failed reassemblies, UDP errors).
fuzz_wire_counters()
{
	echo "$(($(fuzz_snmp "$1" Udp InDatagrams) + $(fuzz_snmp6 "$1" Udp6InDatagrams)))" \
		"$(($(fuzz_softnet_dropped) + $(fuzz_snmp "$1" Ip ReasmFails) +
		    $(fuzz_snmp6 "$1" Ip6ReasmFails) + $(fuzz_snmp "$1" Udp InErrors) +
		    $(fuzz_snmp6 "$1" Udp6InErrors)))"
}

# fuzz_wire_topology T F - the namespaces, devices and keys drawn above.
fuzz_wire_topology()
{
	local T=$1 F=$2 i peers=()
	umask 077
	wgt_keys "$fuzz_tmp" t r $(seq -f 'f%g' 0 $((FUZZ_PEERS - 1))) || return 1
	for ((i = 0; i < FUZZ_PEERS; i++)); do
		peers+=(peer "${wgt_pub[f$i]}" allowed-ips "10.77.2.$((i + 1))/32"
			endpoint "192.0.2.2:$((40000 + i))")
	done
	fuzz_netns+=("$T" "$F")
	topo_veth_pair "$T" "$F" 2001:db8:1:: || return 1
	for i in $(seq 16 31); do
		ip -n "$F" addr add "192.0.2.$i/24" dev veth-b
		ip -n "$F" addr add "2001:db8:1::$i/64" dev veth-b nodad
	done
	ip -n "$T" link add wgw0 type wireguard || return 1
	ip netns exec "$T" wg set wgw0 private-key "$fuzz_tmp/kt" listen-port 51820 \
		peer "$(cat "$fuzz_tmp/pr")" allowed-ips 10.77.1.2/32 endpoint 192.0.2.2:51821 \
		"${peers[@]}" || return 1
	wgt_dev_up -l "$T" wgw0 10.77.0.1/16 || return 1
	ip -n "$F" link add wgw1 type wireguard || return 1
	ip netns exec "$F" wg set wgw1 private-key "$fuzz_tmp/kr" listen-port 51821 \
		peer "$(cat "$fuzz_tmp/pt")" allowed-ips 10.77.0.0/16 endpoint 192.0.2.1:51820 || return 1
	wgt_dev_up -l "$F" wgw1 10.77.1.2/16
}

# fuzz_wire_run T F OPTION... - wire.py in F, its output in wire.out; the
# device's handshakes with its peers started once it listens.
fuzz_wire_run()
{
	local T=$1 F=$2 i pid args=()
	shift 2
	for ((i = 0; i < FUZZ_PEERS; i++)); do
		args+=(--peer "$fuzz_tmp/kf$i,192.0.2.2,$((40000 + i)),10.77.2.$((i + 1))")
	done
	for i in $(seq 16 31); do
		args+=(--source "192.0.2.$i" --source "2001:db8:1::$i")
	done
	timeout "$(fuzz_limit "$@")" ip netns exec "$F" python3 "$WGTOUR_ROOT/tests/fuzz/wire.py" run \
		--device 192.0.2.1 --device 2001:db8:1::1 --port 51820 \
		--device-key "$fuzz_tmp/pt" --device-inner 10.77.0.1 "${args[@]}" "$@" \
		> "$fuzz_tmp/wire.out" 2>&1 &
	pid=$!
	fuzz_pids+=("$pid")
	wgt_wait_until --while-alive "$pid" 60 grep -qs '^listening' "$fuzz_tmp/wire.out"
	# a packet for each peer makes wgw0 start a handshake with it
	for ((i = 0; i < FUZZ_PEERS; i++)); do
		ip netns exec "$T" ping -c 1 -W 1 "10.77.2.$((i + 1))" > /dev/null 2>&1 &
	done
	wait "$pid"
	echo "# wire.py exit status $?"
}

fuzz_wire()
{
	local T=wgt-fzw-t F=wgt-fzw-f out snap ping_pid udp0 lost0 udp1 lost1
	local drop0 drop1 t0 u v drops hsr mal_dev mal_f lost udp_in aimed missing=() a n
	t0=$(date +%s)
	fuzz_tmp=$(mktemp -d)
	out=$fuzz_tmp/wire.out
	wgt_load_default || echo "# cannot load wgtour.ko"
	wgt_trace_start $fuzz_trace 64 || echo "# cannot make the trace instance"
	for a in "${fuzz_hists[@]}"; do
		wgt_trace_hist $fuzz_trace "${a%%:*}" "${a#*:}" || echo "# no histogram for ${a%%:*}"
	done
	fuzz_wire_topology $T $F || echo "# the topology is incomplete"
	# the counters from here on, as the histograms count from the start
	read -r udp0 lost0 < <(fuzz_wire_counters $T)
	drop0=$(wgt_rx_stat $T wgw0 dropped)
	ktap_check "wire: before the fuzz, wgw1 pings 10.77.0.1 through wgw0" \
		'wgt_ping $F "$fuzz_tmp/ping0" 10.77.0.1 -c 2 -W 5'

	# traffic through the tunnel for as long as the fuzz lasts
	ip netns exec $F ping -i 0.2 -W 1 10.77.0.1 > "$fuzz_tmp/ping1" 2>&1 &
	ping_pid=$!
	fuzz_pids+=("$ping_pid")
	fuzz_wire_run $T $F "$@"
	kill -INT "$ping_pid"
	wait "$ping_pid"
	grep -v '^check ' "$out" | sed 's/^# //; s/^/# wire.py: /'
	echo "# rate: $(sed -n 's/^rate //p' "$out") datagrams/s for $(sed -n 's/^elapsed //p' "$out") s"
	echo "# ping through the tunnel during the fuzz: $(wgt_ping_got "$fuzz_tmp/ping1") of $(wgt_ping_sent "$fuzz_tmp/ping1") answered"
	ktap_from_checks "$out" $FUZZ_WIRE_PY_CHECKS wire.py

	# every datagram has its verdict once wgw0 has worked off its queues
	fuzz_last=''
	wgt_wait_until --every 1 90 fuzz_settled $T || echo "# wgw0 did not settle within 90 s"
	snap=$fuzz_snap udp1=$fuzz_udp lost1=$fuzz_lost drop1=$fuzz_drops
	u=$(fuzz_sum "$snap" rx_udp)
	v=$(fuzz_sum "$snap" "$fuzz_verdicts")
	drops=$(fuzz_sum "$snap" rx_drop)
	hsr=$(fuzz_sum "$snap" handshake_reject)
	udp_in=$((udp1 - udp0)) lost=$((lost1 - lost0))
	echo "# wgw0 received $u datagrams: $drops dropped, $hsr handshake messages rejected," \
		"$(fuzz_sum "$snap" rx_deliver) packets delivered, $(fuzz_sum "$snap" rx_keepalive) keepalives," \
		"$(fuzz_sum "$snap" handshake_receive) handshake messages taken," \
		"$(fuzz_sum "$snap" cookie_receive) cookie replies taken, $(fuzz_sum "$snap" cookie_send) cookie replies sent;" \
		"under load $(fuzz_sum "$snap" under_load on=1) time(s)"
	echo "# by reason:"
	grep -E '^(rx_drop|handshake_reject) ' "$snap" | sort -k2,2nr | sed 's/^/#   /'
	echo "# UDP took in $udp_in datagrams in wgw0's namespace; the stack lost $lost on the way"

	ktap_check "wire: every datagram wgw0 received ($u) got exactly one verdict ($v: drops, rejects, deliveries, keepalives, handshakes, cookies)" \
		'[ "$u" -gt 0 ] && [ "$u" = "$v" ]'
	ktap_check "wire: wgw0 saw every datagram UDP took in for its namespace ($udp_in)" \
		'[ "$u" = "$udp_in" ]'
	ktap_check "wire: rx_dropped grew by the number of rx_drop events ($((drop1 - drop0)), $drops)" \
		'[ $((drop1 - drop0)) = "$drops" ]'
	n=$(grep -cE '^(rx_drop|handshake_reject) .* reason=(none|\?[0-9]+)$' "$snap")
	ktap_check "wire: every drop and reject has a named reason (none without: $n)" '[ "$n" = 0 ]'
	mal_dev=$(fuzz_sum "$snap" rx_drop "reason=malformed message")
	mal_f=$(sed -n 's/^malformed //p' "$out")
	if [ "$lost" = 0 ]; then
		ktap_check "wire: \"malformed message\" drops ($mal_dev) = the malformed datagrams wire.py sent (${mal_f:-?}), nothing lost" \
			'[ -n "$mal_f" ] && [ "$mal_dev" = "$mal_f" ]'
	else
		ktap_check "wire: \"malformed message\" drops ($mal_dev) within $lost lost datagrams of the malformed ones wire.py sent (${mal_f:-?})" \
			'[ -n "$mal_f" ] && [ "$mal_dev" -le "$mal_f" ] && [ $((mal_f - mal_dev)) -le "$lost" ]'
	fi
	for aimed in "${fuzz_aimed[@]}"; do
		[ "$(fuzz_sum "$snap" "${aimed%% *}" "reason=${aimed#* }")" -gt 0 ] ||
			missing+=("${aimed#* }")
	done
	[ "$(fuzz_sum "$snap" rx_keepalive)" -gt 0 ] || missing+=(keepalive)
	ktap_check "wire: the ${#fuzz_aimed[@]} drop and reject reasons aimed at were all hit (missing: ${missing[*]:-none})" \
		'[ ${#missing[@]} = 0 ]'
	ktap_check "wire: after the fuzz the tunnel still carries traffic (3 pings wgw1 -> wgw0)" \
		'wgt_ping $F "$fuzz_tmp/ping2" 10.77.0.1 -c 3 -W 3'
	fuzz_cleanup
	ktap_check "wire: the namespaces deleted, every device, peer and keypair is freed" 'wgt_all_freed'
	wgt_no_report wire
	echo "# wire fuzz took $(($(date +%s) - t0)) s"
}

# ---- the netlink fuzzer -----------------------------------------------------
#
# netns wgt-fzn: wgn0 up (its baseline: a key, six peers), wgn1 down (no key,
# no peers), wgn2 up (a key, 128 peers of 4 allowed IPs: dumps of several
# parts). tests/fuzz/netlink.py makes and moves a fourth, and its user
# namespace makes one of its own; it deletes wgn2 at the end.

FUZZ_NETLINK_PY_CHECKS=12       # tests/fuzz/netlink.py's CHECKS
# shellcheck disable=SC2034 # the callers' plans
FUZZ_NETLINK_CHECKS=$((FUZZ_NETLINK_PY_CHECKS + 2))

fuzz_netlink()
{
	local N=wgt-fzn out t0 dev
	t0=$(date +%s)
	fuzz_tmp=$(mktemp -d)
	out=$fuzz_tmp/netlink.out
	wgt_load_default || echo "# cannot load wgtour.ko"
	fuzz_netns+=("$N")
	topo_netns_add $N
	for dev in wgn0 wgn1 wgn2; do
		ip -n $N link add $dev type wireguard || echo "# cannot add $dev"
	done
	ip -n $N link set wgn0 up
	ip -n $N link set wgn2 up
	timeout "$(fuzz_limit "$@")" ip netns exec $N python3 "$WGTOUR_ROOT/tests/fuzz/netlink.py" run \
		--device wgn0:small --device wgn1:empty --device wgn2:large "$@" > "$out" 2>&1
	echo "# netlink.py exit status $?"
	grep -v '^check ' "$out" | sed 's/^# //; s/^/# netlink.py: /'
	ktap_from_checks "$out" $FUZZ_NETLINK_PY_CHECKS netlink.py
	fuzz_cleanup
	ktap_check "netlink: the namespace deleted, every device, peer and keypair is freed" 'wgt_all_freed'
	wgt_no_report netlink
	echo "# netlink fuzz took $(($(date +%s) - t0)) s"
}

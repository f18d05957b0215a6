# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# What the tests inside the lab VM (tests/vm/*.sh) build their setups from:
# keys, namespaces and veth pairs, the processes they run there (wireguard-go
# as a userspace peer, iperf3), pings and device counters. Sourced after
# tests/lib/vm.sh. Each idea is written here once; a test keeps only what
# is its own (its devices, its peers, its checks).
#
# Keys
#   wgt_keys DIR NAME...           for each NAME, a private key DIR/kNAME
#                                  (mode 0600) and its public key DIR/pNAME,
#                                  also in ${wgt_pub[NAME]}; as "wg genkey"
#                                  and "wg pubkey" make them, but all in one
#                                  process (tests/lib/noise_ref.py keys)
#
# Namespaces and veth pairs: the functions of labs/topo/netns.sh, which the
# labs' topology (labs/topo/two-peers.sh) is built with too:
#   topo_netns_add NS...           namespaces, loopback up
#   topo_netns_del NS...           delete them, quietly (for cleanups)
#   topo_veth_pair NS_A NS_B [V6PREFIX]
#                                  NS_A veth-a 192.0.2.1/24, V6PREFIX1/64 <->
#                                  NS_B veth-b 192.0.2.2/24, V6PREFIX2/64;
#                                  the tests use V6PREFIX 2001:db8:1::
#   wgt_endpoint 4|6 1|2 PORT      the address of that side of such a pair,
#                                  with the tests' V6PREFIX, as a WireGuard
#                                  endpoint: 192.0.2.N:PORT or
#                                  [2001:db8:1::N]:PORT
#
# Devices
#   wgt_dev_up [-l] NS DEV ADDR... add each ADDR to DEV in NS (an IPv6 one
#                                  without duplicate address detection, so
#                                  usable at once), with -l no IPv6
#                                  link-local address (addrgenmode none: no
#                                  router solicitations into a tunnel), and
#                                  set DEV up; the status of that last step
#
# Processes
#   wgt_kill_wait PID SECONDS [SIGNAL]
#                                  send SIGNAL (TERM), wait up to SECONDS
#                                  (whole) for PID to end, then SIGKILL it,
#                                  and reap it; nothing when PID is empty
#
# wireguard-go, a userspace WireGuard, as an independent peer
#   wgt_go_prepare                 what it needs: the tun module, and the
#                                  directory of its control sockets
#   wgt_go_start NS NAME LOGDIR    start it in NS as device NAME, in the
#                                  foreground mode (its daemon mode does not
#                                  work in the lab VM) in the background,
#                                  logging to LOGDIR/go-NAME.log; returns once
#                                  its socket is there, or 1 (with the log)
#                                  if it is not within 10 s
#   wgt_go_stop SECONDS            stop it (wgt_kill_wait) and remove its
#                                  socket; nothing when none runs
#   wgt_go_pid, wgt_go_name        the one that runs (one at a time)
#
# iperf3
#   wgt_iperf_server NS PIDFILE SETTLE
#                                  a one-test server (-s -1) in NS, daemonized,
#                                  its pid in PIDFILE; waits up to 5 s for
#                                  PIDFILE, then SETTLE seconds more
#   wgt_iperf_client NS TIMEOUT OUT ADDR SECS [OPTION...]
#                                  a client in NS for SECS seconds, JSON
#                                  output in OUT.json, stderr in OUT.err,
#                                  killed after TIMEOUT seconds; its status
#   wgt_iperf_ok WHAT OUT RC VERDICT
#                                  true when the client's status RC and the
#                                  caller's VERDICT on OUT.json are both 0;
#                                  otherwise false, and why, as comments on
#                                  stderr: "WHAT: rc RC", the end of OUT.err,
#                                  the error in OUT.json
#   wgt_iperf_stop SECONDS PIDFILE...
#                                  stop the servers whose pid files are given
#                                  and remove the files: with SECONDS 0 a
#                                  SIGTERM only, otherwise wgt_kill_wait
#
# Pings and counters
#   wgt_ping NS OUT ADDR [OPTION...]
#                                  ping ADDR from NS, output in OUT; when it
#                                  fails, say so and show the output, as
#                                  comments; its status
#   wgt_ping_sent FILE             the echo requests a ping's output in FILE
#                                  says it sent (empty when it has none)
#   wgt_ping_got FILE              the replies it says it received
#   wgt_rx_stat NS DEV FIELD       a receive counter of the device ("ip -s
#                                  link"): packets, bytes, dropped, errors

. "$(dirname "${BASH_SOURCE[0]}")/../../labs/topo/netns.sh"

declare -gA wgt_pub=()
wgt_keys()
{
	local out name pub
	out=$(python3 "$WGTOUR_ROOT/tests/lib/noise_ref.py" keys "$@") || return 1
	while read -r name pub; do
		wgt_pub[$name]=$pub
	done <<< "$out"
}

wgt_endpoint()
{
	if [ "$1" = 4 ]; then
		echo "192.0.2.$2:$3"
	else
		echo "[2001:db8:1::$2]:$3"
	fi
}

wgt_dev_up()
{
	local nolla=
	if [ "$1" = -l ]; then
		nolla=1
		shift
	fi
	local ns=$1 dev=$2 addr
	shift 2
	for addr in "$@"; do
		case $addr in
		*:*)	ip -n "$ns" addr add "$addr" dev "$dev" nodad ;;
		*)	ip -n "$ns" addr add "$addr" dev "$dev" ;;
		esac
	done
	[ -n "$nolla" ] && ip -n "$ns" link set "$dev" addrgenmode none
	ip -n "$ns" link set "$dev" up
}

wgt_kill_wait()
{
	local pid=$1 secs=$2 sig=${3:-TERM}
	[ -n "$pid" ] || return 0
	kill -"$sig" "$pid" 2>/dev/null
	wgt_wait_until "$secs" wgt_gone "$pid"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

wgt_go_pid=''
wgt_go_name=''

wgt_go_prepare()
{
	modprobe tun
	mkdir -p /var/run/wireguard
}

wgt_go_start()
{
	local ns=$1 log=$3/go-$2.log
	wgt_go_name=$2
	ip netns exec "$ns" wireguard-go -f "$wgt_go_name" > "$log" 2>&1 &
	wgt_go_pid=$!
	wgt_wait_until --while-alive "$wgt_go_pid" 10 \
		[ -S "/var/run/wireguard/$wgt_go_name.sock" ] && return 0
	echo "# wireguard-go $wgt_go_name did not start:"
	sed 's/^/#   /' "$log"
	return 1
}

wgt_go_stop()
{
	[ -n "$wgt_go_pid" ] || return 0
	wgt_kill_wait "$wgt_go_pid" "$1"
	wgt_go_pid=
	rm -f "/var/run/wireguard/$wgt_go_name.sock"
}

wgt_iperf_server()
{
	local ns=$1 pidf=$2 settle=$3
	ip netns exec "$ns" iperf3 -s -1 -D -I "$pidf" || return 1
	wgt_wait_until 5 [ -s "$pidf" ]
	sleep "$settle"
}

wgt_iperf_client()
{
	local ns=$1 timeout=$2 out=$3 addr=$4 secs=$5
	shift 5
	timeout "$timeout" ip netns exec "$ns" iperf3 -c "$addr" -t "$secs" -J \
		--connect-timeout 5000 "$@" > "$out.json" 2> "$out.err"
}

wgt_iperf_ok()
{
	[ "$3" = 0 ] && [ "$4" = 0 ] && return 0
	echo "# $1: rc $3" >&2
	sed 's/^/#   /' "$2.err" | tail -3 >&2
	grep '"error"' "$2.json" | sed 's/^/#   /' >&2
	return 1
}

wgt_iperf_stop()
{
	local secs=$1 f
	shift
	for f in "$@"; do
		if [ -s "$f" ]; then
			if [ "$secs" = 0 ]; then
				kill "$(cat "$f")" 2>/dev/null
			else
				wgt_kill_wait "$(cat "$f")" "$secs"
			fi
		fi
		rm -f "$f"
	done
}

wgt_ping()
{
	local ns=$1 out=$2 addr=$3
	shift 3
	ip netns exec "$ns" ping "$@" "$addr" > "$out" 2>&1 && return 0
	echo "# ping from $ns to $addr failed:"
	sed 's/^/#   /' "$out"
	return 1
}

wgt_ping_sent()
{
	grep -o '[0-9]* packets transmitted' "$1" | cut -d' ' -f1
}

wgt_ping_got()
{
	grep -o '[0-9]* received' "$1" | cut -d' ' -f1
}

wgt_rx_stat()
{
	ip -n "$1" -s -j link show "$2" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"][sys.argv[1]])' "$3"
}

# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# What make bench and make profile share. On the host, run.sh and
# profile.sh write host-env.txt the same way (host_env_before,
# host_env_after). Inside the lab VM, labs/bench/guest.sh (make bench) and
# labs/bench/profile-guest.sh (make profile) bring up the same tunnel the
# same way, so that a profile is of the load the benchmark measures: the
# rest of this file, sourced after tests/lib/vm.sh (wgt_load,
# wgt_stock_load, wgt_wait_until).
#
# The guest script sets:
#   start       the run's start, date +%s.%N (step's clock)
#   ko          wgtour.ko to load for "ours", "traced" and the count-events
#               variants "rawtp", "tpbtf" and "tpcount"
#   notrace_ko  the -DNOTRACE build, for "notrace" (make bench only)
#   variant     the variant being run (wg_dev reads it)
# shellcheck disable=SC2154 # those four are the caller's
#
# The two-peer topology: two namespaces joined by veth, a WireGuard device
# in each, addresses as in labs/topo/two-peers.sh:
#   wgt-a  veth-a 192.0.2.1/24, wga 10.0.0.1/24, listens on 51820
#   wgt-b  veth-b 192.0.2.2/24, wgb 10.0.0.2/24, listens on 51821

# The variants make bench runs, in each round's order (guest.sh says what
# each is): BENCH_VARIANTS, or these five. run.sh builds what they need
# and passes BENCH_VARIANTS into the VM when it is set.
bench_variants=${BENCH_VARIANTS:-ours stock go notrace traced}

# host_env_before ROOT KO - host-env.txt's first lines, on the host before
# the boot: the commit measured and whether module/ differs from it, the
# copy of wgtour.ko booted with, and how busy the host is (its CPUs, load
# average and other QEMUs: a busy host starves the guest's vCPUs).
host_env_before()
{
	echo "git_commit=$(git -C "$1" rev-parse HEAD)"
	echo "module_dirty=$(git -C "$1" status --porcelain -- module | grep -c .)"
	echo "ko_sha256=$(sha256sum "$2" | cut -d' ' -f1)"
	echo "host_cpus=$(nproc)"
	echo "host_loadavg_before=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "host_other_qemus=$(pgrep -c qemu-system)"
}

# host_env_after ROOT RUN SECONDS - host-env.txt's lines after the boot:
# the load average then, the VM's own time (labs/vm/run --name RUN) and
# the SECONDS the whole run took.
host_env_after()
{
	echo "host_loadavg_after=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "vm_seconds=$(cat "$1/build/vm/runs/$2/elapsed" 2>/dev/null)"
	echo "total_seconds=$3"
}

# machine_env - the lines of env.txt that say where a run ran: the kernel,
# the CPU QEMU shows, the vCPUs, the time, the iperf3 and stock module
# measured against. Each script adds its own settings after them.
machine_env()
{
	echo "kernel=$(uname -r)"
	echo "cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
	echo "smp=$(nproc)"
	echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "iperf3=$(iperf3 --version | head -1)"
	echo "stock_version=$(modinfo -F version wireguard)"
}

# step TEXT - a progress line with the seconds since $start.
step()
{
	printf '==> [%5.1f s] %s\n' "$(echo "$(date +%s.%N) - $start" | bc)" "$*"
}

# load VARIANT - exactly the module the variant needs, and nothing else.
load()
{
	wgt_unload && wgt_stock_unload || return 1
	case $1 in
	ours|traced|rawtp|tpbtf|tpcount) WGTOUR_KO=$ko wgt_load ;;
	notrace) WGTOUR_KO=$notrace_ko wgt_load ;;
	stock) wgt_stock_load ;;
	go) modprobe tun ;;
	esac
}

# wg_dev NS DEV - the side's WireGuard device: a kernel one, or
# wireguard-go's tun device. wireguard-go forks into the background and
# answers "wg" on /var/run/wireguard/DEV.sock, a path every namespace
# shares: hence a device name per side (wga, wgb), not wg0 twice.
wg_dev()
{
	if [ "$variant" != go ]; then
		ip -n "$1" link add "$2" type wireguard
		return
	fi
	ip netns exec "$1" wireguard-go "$2" > "/tmp/wggo-$2.log" 2>&1 || return 1
	wgt_wait_until 10 [ -S "/var/run/wireguard/$2.sock" ]
}

topo_up()
{
	local side ns peer port pport
	ip netns add wgt-a && ip netns add wgt-b || return 1
	ip link add veth-a netns wgt-a type veth peer name veth-b netns wgt-b || return 1
	ip -n wgt-a addr add 192.0.2.1/24 dev veth-a
	ip -n wgt-b addr add 192.0.2.2/24 dev veth-b
	for side in a b; do
		ip -n "wgt-$side" link set lo up
		ip -n "wgt-$side" link set "veth-$side" up
		(umask 077; wg genkey > "/tmp/bench-$side.key")
		wg pubkey < "/tmp/bench-$side.key" > "/tmp/bench-$side.pub"
	done
	for side in a b; do
		ns=wgt-$side
		if [ $side = a ]; then
			peer=b port=51820 pport=51821
		else
			peer=a port=51821 pport=51820
		fi
		wg_dev "$ns" "wg$side" || return 1
		ip netns exec "$ns" wg set "wg$side" private-key "/tmp/bench-$side.key" \
			listen-port $port peer "$(cat "/tmp/bench-$peer.pub")" \
			allowed-ips "10.0.0.$([ $peer = a ] && echo 1 || echo 2)/32" \
			endpoint "192.0.2.$([ $peer = a ] && echo 1 || echo 2):$pport" || return 1
		ip -n "$ns" addr add "10.0.0.$([ $side = a ] && echo 1 || echo 2)/24" dev "wg$side"
		ip -n "$ns" link set "wg$side" up || return 1
	done
}

topo_down()
{
	local pid
	for pid in $(ip netns pids wgt-a 2>/dev/null) $(ip netns pids wgt-b 2>/dev/null); do
		kill "$pid" 2>/dev/null
	done
	sleep 0.3
	ip netns del wgt-a 2>/dev/null
	ip netns del wgt-b 2>/dev/null
	return 0
}

# iperf_ab PREFIX NAME ARGS... - an iperf3 client, a -> b, its JSON in
# PREFIX-NAME.json.
iperf_ab()
{
	local prefix=$1 name=$2
	shift 2
	ip netns exec wgt-a iperf3 -c 10.0.0.2 -J "$@" > "$prefix-$name.json" 2> "$prefix-$name.err"
}

# warm_up PREFIX - the handshake and a first packet each way, before
# anything counts (PREFIX-warmup.txt), then the iperf3 server in wgt-b.
# Fails when the pings do not get through; the server is started anyway.
warm_up()
{
	local rc=0
	ip netns exec wgt-a ping -c 3 -i 0.2 -W 3 10.0.0.2 > "$1-warmup.txt" 2>&1 || rc=1
	ip netns exec wgt-b iperf3 -s -D -I /tmp/iperf3.pid
	sleep 0.5
	return "$rc"
}

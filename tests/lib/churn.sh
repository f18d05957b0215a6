# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Churn under traffic (issue 12), shared by tests/vm/churn.sh (a short run,
# in make check) and tests/fuzz/churn.sh (a thousand cycles, make fuzz).
#
#   churn_run CYCLES    CHURN_CHECKS results
#
#   netns wgt-chA                           netns wgt-chB
#   wga 10.7.0.1/24 (and 10.9.0.0/16   <->  wgb 10.7.0.2/24, port 51821
#   routed to it), its port changes         veth 192.0.2.2
#   each cycle; veth 192.0.2.1              an iperf3 server
#   an iperf3 client to 10.7.0.2 at
#   20 Mbit/s for the whole run
#
# While iperf3 runs through wga and wgb, tests/lib/churn.py runs the cycles
# (what one does is said there): a visitor device made, moved to a new
# namespace, added as wga's peer and pinged through, then rekeyed, removed
# and gone with its namespace, 0-99 ms later.
# Afterwards: every step succeeded, traffic went through all along and
# still does, everything is freed, wgtour.ko unloads with its slab caches
# empty (kmem_cache_destroy() would report objects left), and no report.
# The module is loaded again for the tests after this one.

. "$(dirname "${BASH_SOURCE[0]}")/vm.sh"
. "$(dirname "${BASH_SOURCE[0]}")/topo.sh"

# shellcheck disable=SC2034 # the callers' plans
CHURN_CHECKS=7
churn_tmp=''
churn_iperf=''

churn_cleanup()
{
	wgt_kill_wait "$churn_iperf" 5
	churn_iperf=''
	topo_netns_del wgt-chA wgt-chB
	[ -n "$churn_tmp" ] && rm -rf "$churn_tmp"
	churn_tmp=''
}

# churn_setup - the tunnel, and iperf3 through it for up to SECONDS
churn_setup()
{
	local secs=$1
	wgt_load_default || return 1
	topo_veth_pair wgt-chA wgt-chB || return 1
	ip -n wgt-chA link add wga type wireguard || return 1
	ip -n wgt-chB link add wgb type wireguard || return 1
	ip netns exec wgt-chA wg set wga private-key "$churn_tmp/ka" listen-port 51820 \
		peer "$(cat "$churn_tmp/pb")" allowed-ips 10.7.0.2/32 \
		endpoint 192.0.2.2:51821 || return 1
	ip netns exec wgt-chB wg set wgb private-key "$churn_tmp/kb" listen-port 51821 \
		peer "$(cat "$churn_tmp/pa")" allowed-ips 10.7.0.1/32 \
		endpoint 192.0.2.1:51820 || return 1
	wgt_dev_up -l wgt-chA wga 10.7.0.1/24 || return 1
	wgt_dev_up -l wgt-chB wgb 10.7.0.2/24 || return 1
	ip -n wgt-chA route add 10.9.0.0/16 dev wga || return 1
	wgt_iperf_server wgt-chB "$churn_tmp/iperf.pid" 0.5 || return 1
	# At 20 Mbit/s (a tenth of that on the debug kernel, WGTOUR_SLOW=10):
	# traffic all along, and CPU left for the churn itself.
	wgt_iperf_client wgt-chA $((secs + 30)) "$churn_tmp/iperf" 10.7.0.2 "$secs" \
		-b $((20000 / ${WGTOUR_SLOW:-1}))K &
	churn_iperf=$!
	# Traffic flows before the churn starts.
	churn_wgb_bytes() { [ "$(wgt_rx_stat wgt-chB wgb bytes)" -gt 100000 ]; }
	wgt_wait_until 20 churn_wgb_bytes
}

churn_run()
{
	local cycles=$1 failed stalled answered bytes secs
	churn_tmp=$(mktemp -d)
	umask 077
	wgt_keys "$churn_tmp" a b
	# iperf3 must outlast the cycles: 4 s a cycle, where one takes about
	# 0.15 s on the lab kernel and 1.9 s on the debug kernel (churn.py).
	secs=$(((cycles * 4 + 30) * ${WGTOUR_SLOW:-1}))
	ktap_check "churn: the tunnel is up and iperf3 runs through it" 'churn_setup $secs'
	# The cycles: tests/lib/churn.py, which says why it is one process.
	python3 "$WGTOUR_ROOT/tests/lib/churn.py" "$cycles" "$churn_tmp" |
		tee "$churn_tmp/out" | grep --line-buffered -v "^churn: "
	read -r _ _ failed stalled answered bytes < <(grep '^churn: ' "$churn_tmp/out") ||
		failed=unknown
	echo "# churn: $cycles cycles; ${answered:-?} visitors' pings answered before the visitor went; wgb took in $((${bytes:-0} / 1000)) kB meanwhile"
	ktap_check "churn: all $cycles cycles' steps succeeded ($failed failed)" '[ "$failed" = 0 ]'
	ktap_check "churn: traffic went through during every cycle ($stalled without)" \
		'[ "$stalled" = 0 ]'
	ktap_check "churn: wga keeps one peer, the tunnel still carries a ping" \
		'[ "$(ip netns exec wgt-chA wg show wga peers | wc -l)" = 1 ] &&
		 wgt_ping wgt-chA "$churn_tmp/ping" 10.7.0.2 -c 2 -W 5 > /dev/null'
	wgt_kill_wait "$churn_iperf" 5
	churn_iperf=''
	wgt_iperf_stop 5 "$churn_tmp/iperf.pid"
	topo_netns_del wgt-chA wgt-chB
	ktap_check "churn: after the namespaces are deleted, everything is freed" 'wgt_all_freed'
	# kmem_cache_destroy() reports a cache that still has objects (the lab
	# VM boots with slab_nomerge, so each of our caches is its own).
	ktap_check "churn: wgtour.ko unloads, and loads again" 'wgt_unload && wgt_load'
	wgt_no_report churn
	churn_cleanup
}

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make lab-peers: boot the lab VM and run the peers lab in it
# (labs/peers/guest.sh): three peers with nested allowed IPs, lookups of
# eight addresses, one peer removed, the lookups again, traced by
# traces/peers.bt, the trie dumped before and after. The trace is rendered
# here, on the host, by traces/render_peers.py. Results are left in
# build/labs/peers/: trace.txt, the dumps, summary.txt, lookups.svg,
# trie-before.svg, trie-after.svg, trace.json. The steps are labs/lib.sh's
# lab_host_main.
. "$(dirname "$0")/../lib.sh"
lab_host_main peers traces/render_peers.py WGT_PEERS_RENDER \
	"lookups.svg, trie-before.svg, trie-after.svg"

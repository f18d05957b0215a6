#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# labs/peers/send-udp.sh ADDR...: one small UDP datagram to port 9 of each
# ADDR (IPv4 or IPv6), through bash's /dev/udp, 0.1 s apart: each goes to
# the namespace's route, here a wgtour device, whose transmit path looks
# the address up in the allowed-IPs trie (make lab-peers traces that).
# A send that fails (no route, say) is reported, not fatal.
for addr in "$@"; do
	echo "lab-peers" 2> /dev/null > "/dev/udp/$addr/9" || echo "    send-udp.sh: no send to $addr"
	sleep 0.1
done

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside the VM: how fast is WireGuard crypto under this QEMU CPU model?
# Uses the *stock* wireguard.ko (loaded on purpose) between two namespaces,
# so the answer does not depend on how far wgtour.ko has come.
echo "boot-to-command: $(cut -d' ' -f1 /proc/uptime) s of guest uptime"
grep -m1 -o 'avx2\|avx512f' /proc/cpuinfo | head -1 | sed 's/^/cpu flag: /'
modprobe --ignore-install wireguard || exit 1
for n in a b; do ip netns add cb-$n; done
ip link add v0 netns cb-a type veth peer name v1 netns cb-b
ip -n cb-a addr add 192.0.2.1/24 dev v0; ip -n cb-a link set v0 up
ip -n cb-b addr add 192.0.2.2/24 dev v1; ip -n cb-b link set v1 up
for n in a b; do
	ip -n cb-$n link add wg0 type wireguard
	(umask 077; wg genkey > /tmp/$n.key)
	wg pubkey < /tmp/$n.key > /tmp/$n.pub
done
ip netns exec cb-a wg set wg0 private-key /tmp/a.key listen-port 1 \
	peer "$(cat /tmp/b.pub)" allowed-ips 10.9.0.2/32 endpoint 192.0.2.2:2
ip netns exec cb-b wg set wg0 private-key /tmp/b.key listen-port 2 \
	peer "$(cat /tmp/a.pub)" allowed-ips 10.9.0.1/32 endpoint 192.0.2.1:1
ip -n cb-a addr add 10.9.0.1/24 dev wg0; ip -n cb-a link set wg0 up
ip -n cb-b addr add 10.9.0.2/24 dev wg0; ip -n cb-b link set wg0 up
grep -o 'chacha20[a-z0-9_-]*\|poly1305[a-z0-9_-]*' /proc/kallsyms | sort -u | tr '\n' ' '; echo
ip netns exec cb-a ping -c 3 -q 10.9.0.2 | tail -1
ip netns exec cb-b iperf3 -s -1 -D
sleep 0.5
ip netns exec cb-a iperf3 -c 10.9.0.2 -t 8 -f m | grep -E 'sender|receiver'

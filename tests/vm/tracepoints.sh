#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The control-path tracepoints are visible to bpftrace as tracepoint:wgtour:*
# and fire with the right arguments.
. "$(dirname "$0")/../lib/vm.sh"

ktap_plan 4
wgt_load
out=$(mktemp)

ktap_check "bpftrace lists tracepoint:wgtour:device_create" \
	'bpftrace -l "tracepoint:wgtour:*" | grep -qx tracepoint:wgtour:device_create'

# The script exits by itself after the destroy event (or after 60 s).
bpftrace -e '
tracepoint:wgtour:device_create  { printf("create %s\n", str(args->name)); }
tracepoint:wgtour:device_up      { printf("up %s\n", str(args->name)); }
tracepoint:wgtour:socket_open    { printf("socket %d %d\n", args->family, args->port); }
tracepoint:wgtour:device_destroy { printf("destroy %s\n", str(args->name)); exit(); }
interval:s:60 { exit(); }' > "$out" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q Attaching "$out" && break; sleep 0.2; done
ip link add wgtrace0 type wireguard
wg set wgtrace0 listen-port 51999
ip link set wgtrace0 up
ip link del wgtrace0
wait $pid
sed 's/^/# /' "$out"

ktap_check "device_create fired with the device name" 'grep -qx "create wgtrace0" "$out"'
ktap_check "socket_open fired for both families on the port" \
	'grep -qx "socket 2 51999" "$out" && grep -qx "socket 10 51999" "$out"'
ktap_check "device_destroy fired with the device name" 'grep -qx "destroy wgtrace0" "$out"'
rm -f "$out"
ktap_finish

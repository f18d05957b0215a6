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

# The script exits by itself after the destroy event (or after 120 s). Its
# BEGIN probe runs once every probe is attached ("Attaching N probes" comes
# before); compiling and attaching takes 10-40 s under TCG on a busy host,
# so we wait up to 60 s, the margin rx_paths.sh gives bpftrace too.
bpftrace -e '
BEGIN { printf("ready\n"); }
tracepoint:wgtour:device_create  { printf("create %s\n", str(args->dev)); }
tracepoint:wgtour:device_up      { printf("up %s\n", str(args->dev)); }
tracepoint:wgtour:socket_open    { printf("socket %d %d\n", args->family, args->port); }
tracepoint:wgtour:device_destroy { printf("destroy %s\n", str(args->dev)); exit(); }
interval:s:120 { exit(); }' > "$out" 2>&1 &
pid=$!
wgt_wait_until --every 0.2 60 grep -qx ready "$out"
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

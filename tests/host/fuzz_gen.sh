#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The fuzzers' pure parts (issue 12), on the host: tests/fuzz/host_checks.py
# (wire_gen.py's mutators and messages against noise_ref.py; wire.py itself
# against a stand-in device on the loopback; netlink_gen.py's requests
# against wgnl.py's parser and the host kernel's netlink core; the netlink
# fuzzer's session against a stand-in family, and a doctored family it must
# catch; its user namespace child), each group with doctored cases that
# must fail. As root it runs in a network namespace of its own, so that its
# loopback traffic and veth devices touch nothing of the machine's; as
# another user the checks that need root are skipped. Then the trace
# histogram reader of tests/lib/wgtrace.sh, which the VM side of the wire
# fuzzer counts drops with, on a histogram in the kernel's format, and a
# doctored one whose reason the event does not name.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/../lib/wgtrace.sh"

cd "$WGTOUR_ROOT" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
checks=$(python3 -c 'import sys; sys.path.insert(0, "tests/fuzz")
import host_checks; print(sum(host_checks.CHECKS.values()))')
if [ -z "$checks" ]; then	# no count: host_checks.py or its imports are broken
	ktap_plan 1
	ktap_result fail "host_checks.py imports and counts its checks"
	ktap_finish
fi
ktap_plan $((checks + 2))

t0=$(date +%s)
if [ "$(id -u)" = 0 ]; then
	unshare -n sh -c 'ip link set lo up && exec python3 tests/fuzz/host_checks.py' > "$tmp/out" 2>&1
else
	python3 tests/fuzz/host_checks.py > "$tmp/out" 2>&1
fi
grep -v '^check ' "$tmp/out" | sed 's/^\([^#]\)/#   \1/'
ktap_from_checks "$tmp/out" "$checks" host_checks.py
echo "# host_checks.py took $(($(date +%s) - t0)) s"

# A histogram as kernel/trace/trace_events_hist.c prints one, and the
# reasons' table of the event's format file.
cat > "$tmp/format" <<'FORMAT'
name: rx_drop
format:
	field:__data_loc char[] dev;	offset:8;	size:4;	signed:1;
	field:u32 reason;	offset:24;	size:4;	signed:0;

print fmt: "dev=%s skbaddr=%p reason=%s", __get_str(dev), REC->skbaddr, __print_symbolic(REC->reason, { 0, "none" }, { 1, "malformed message" }, { 3, "bad mac1" }, { 22, "decryption failed" })
FORMAT
hist()
{
	echo "# trigger info: hist:keys=dev,reason:vals=hitcount:sort=hitcount:size=2048 [active]"
	echo
	printf '{ dev: %-50s, reason: %10s } hitcount: %10s\n' "$@"
	printf '\nTotals:\n    Hits: 0\n    Entries: 0\n    Dropped: 0\n'
}
hist wgw0 1 312 wgw0 22 12 wgw1 3 2 | wgt_trace_hist_parse "$tmp/format" > "$tmp/read"
sed 's/^/#   /' "$tmp/read"
ktap_check "wgt_trace_hist_parse reads a histogram: counts, devices, reasons by their text" \
	'[ "$(cat "$tmp/read")" = "312 dev=wgw0 reason=malformed message
12 dev=wgw0 reason=decryption failed
2 dev=wgw1 reason=bad mac1" ]'
hist wgw0 77 5 | wgt_trace_hist_parse "$tmp/format" > "$tmp/read"
ktap_check "a reason the format does not name reads as \"?77\", which the wire fuzzer fails (doctored)" \
	'[ "$(cat "$tmp/read")" = "5 dev=wgw0 reason=?77" ]'
ktap_finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Handshake test vectors (chapter 3, issue 5): the module's handshake bytes
# against an independent reference, byte for byte.
#
# How the vectors are made. Loaded with selftest=1, the module runs one
# handshake from fixed inputs (static and ephemeral private keys 1..32,
# 33..64, 65..96, 97..128; psk 32 x 0xa5 and again all-zero; a fixed TAI64N
# timestamp; sender indices 0x11223344 and 0x55667788; a cookie reply with
# secret 32 x 0x42 for 192.0.2.1:51820 and nonce 0..23) through its own
# noise.c and cookie.c and the kernel's crypto library, and prints each
# message as "# vector NAME [OFFSET] HEX" (long messages in chunks, OFFSET
# counting bytes). tests/lib/noise_ref.py builds the same messages from the
# same inputs in plain Python (its X25519, ChaCha20-Poly1305 and
# XChaCha20-Poly1305 written from the RFCs, BLAKE2s from hashlib) and prints
# "vector NAME HEX". Nothing is shared between the two but the inputs and
# the protocol, so agreement means both read the protocol the same way.
#
# The reference itself is checked twice: against the RFCs' published
# vectors (noise_ref.py --selftest, on the host: tests/host/noise_ref.sh,
# where its pure Python runs ten times faster than under TCG), and here
# against the stock wireguard.ko,
# which must accept the reference's initiation, answer with a response the
# reference can verify, and carry a ping both ways under the derived keys.
# shellcheck disable=SC2034 # some variables are read only in ktap_check's expressions
. "$(dirname "$0")/../lib/vm.sh"

ref=$WGTOUR_ROOT/tests/lib/noise_ref.py
names="initiation response keys initiation_zero_psk_response cookie_reply initiation_mac2"

ktap_plan 9

# 1-6. The module's vectors. Reload it with selftest=1, as selftests.sh does,
# and read only what it printed after our marker.
wgt_unload || exit 1
marker="wgtour-vectors-$$-$RANDOM"
echo "$marker" > /dev/kmsg
insmod "$WGTOUR_KO" selftest=1 || echo "# insmod selftest=1 failed (selftests.sh says which self-test)"
log=$(dmesg --notime | sed -n "/$marker/,\$p")
wgt_unload
wgt_load || exit 1

# Gather "# vector NAME [OFFSET] HEX..." into module[NAME] as one hex string
# without spaces. A chunk's OFFSET (bytes) must be where the last chunk ended.
declare -A module chunk_error
while read -r name first rest; do
	[ -n "$name" ] || continue
	if [ -n "$rest" ] && [[ $first =~ ^[0-9]+$ ]]; then
		hex=${rest// /}
		have=${module[$name]:-}
		[ "$first" = 0 ] && have=
		if [ $((first * 2)) != "${#have}" ]; then
			chunk_error[$name]="chunk at offset $first after ${#have} hex digits"
		fi
		module[$name]=$have$hex
	else
		hex="$first$rest"
		module[$name]=${module[$name]:-}${hex// /}
	fi
done < <(sed -n 's/.*# vector //p' <<< "$log")

declare -A reference
while read -r tag name hex; do
	[ "$tag" = vector ] && reference[$name]=${hex// /}
done < <(python3 "$ref" vectors)

# first_difference A B - the byte offset where two hex strings part
first_difference()
{
	local i=0
	while [ "${1:i:2}" = "${2:i:2}" ] && [ $i -lt ${#1} ]; do
		i=$((i + 2))
	done
	echo $((i / 2))
}

for name in $names; do
	want=${reference[$name]:-}
	got=${module[$name]:-}
	if [ -z "$got" ]; then
		ktap_result fail "vector $name: the module printed none"
	elif [ -n "${chunk_error[$name]:-}" ]; then
		ktap_result fail "vector $name: ${chunk_error[$name]}"
	elif [ "$got" = "$want" ]; then
		ktap_result ok "vector $name ($((${#want} / 2)) bytes) matches the reference"
	else
		echo "# module:    $got"
		echo "# reference: $want"
		ktap_result fail "vector $name differs from byte $(first_difference "$got" "$want") on (module ${#got}, reference ${#want} hex digits)"
	fi
done

# 7-9. The reference against the stock module: a responder in a namespace,
# with the fixed responder key and psk and the fixed initiator as its peer.
b64()
{
	python3 -c "import base64, sys; print(base64.b64encode(bytes(range($1, $2))).decode())"
}

stock_interop()
{
	local dir ns=wgtvec rx hs
	dir=$(mktemp -d)
	b64 33 65 > "$dir/responder.key"
	python3 -c "print(__import__('base64').b64encode(b'\xa5' * 32).decode())" > "$dir/psk"
	wgt_stock_load || { echo "# cannot load the stock wireguard.ko"; return 1; }
	ip netns add $ns
	ip -n $ns link set lo up
	ip -n $ns link add wg0 type wireguard
	ip netns exec $ns wg set wg0 private-key "$dir/responder.key" listen-port 51820 \
		peer "$(b64 1 33 | wg pubkey)" preshared-key "$dir/psk" allowed-ips 10.99.0.2/32
	ip -n $ns addr add 10.99.0.1/24 dev wg0
	ip -n $ns link set wg0 up
	ip netns exec $ns python3 "$ref" initiate 127.0.0.1 51820
	interop_rc=$?
	sleep 1
	# The initiation counts 148 bytes received, the keepalive 32 and the
	# ping 80 more, each only once it decrypted; and only a data message
	# that decrypted sets the peer's latest handshake.
	rx=$(ip netns exec $ns wg show wg0 transfer | awk '{ print $2 }')
	hs=$(ip netns exec $ns wg show wg0 latest-handshakes | awk '{ print $2 }')
	echo "# stock responder: received $rx bytes, latest handshake $hs"
	data_ok=0
	[ "$rx" = 260 ] && [ "${hs:-0}" != 0 ] && data_ok=1
	ip netns del $ns
	rm -rf "$dir"
	wgt_stock_unload
}

interop_rc=9 data_ok=0
stock_interop
wgt_load || exit 1
ktap_check "stock wireguard.ko answers the reference initiation with a response the reference verifies" \
	'[ "$interop_rc" = 0 ] || [ "$interop_rc" = 3 ]'
ktap_check "stock wireguard.ko decrypts a keepalive and a ping under the reference's sending key" \
	'[ "$data_ok" = 1 ]'
ktap_check "stock wireguard.ko's echo reply opens under the reference's receiving key" \
	'[ "$interop_rc" = 0 ]'

ktap_finish

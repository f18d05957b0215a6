#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/lib/noise_ref.py, the tests' independent reference for the
# handshake (chapter 3), checked where it is fastest, on the host: its
# primitives against the published vectors of RFC 7748, RFC 8439 and the
# XChaCha draft, and a whole handshake both ways (--selftest, whose TAP goes
# into our log); and the key pairs it makes for the tests in the lab VM
# (wgt_keys) against wireguard-tools: "wg pubkey" must derive the same
# public key from each private key, which must be clamped as "wg genkey"
# leaves it and readable by its owner only.
. "$(dirname "$0")/../lib/ktap.sh"

ref=$WGTOUR_ROOT/tests/lib/noise_ref.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ktap_plan 3

selftest=$(python3 "$ref" --selftest 2>&1)
selftest_rc=$?
sed 's/^/# /' <<< "$selftest"
ktap_check "noise_ref.py --selftest: RFC 7748, RFC 8439, XChaCha vectors, a handshake both ways" \
	'[ "$selftest_rc" = 0 ]'

if ! command -v wg > /dev/null; then
	ktap_skip "noise_ref.py keys: wg pubkey agrees on 20 pairs" "no wg here (make setup installs wireguard-tools)"
	ktap_skip "noise_ref.py keys: private keys clamped, mode 0600" "no wg here"
	ktap_finish
fi
names=$(seq 1 20)
# shellcheck disable=SC2086 # a list of names
python3 "$ref" keys "$tmp" $names > "$tmp/out"
rc=$?
agree=0 printed=0
for n in $names; do
	[ "$(wg pubkey < "$tmp/k$n")" = "$(cat "$tmp/p$n")" ] && agree=$((agree + 1))
	grep -qx "$n $(cat "$tmp/p$n")" "$tmp/out" && printed=$((printed + 1))
done
echo "# $agree of 20 public keys as wg pubkey derives them, $printed printed"
ktap_check "noise_ref.py keys: wg pubkey agrees on 20 pairs, each printed as NAME PUBLIC" \
	'[ "$rc" = 0 ] && [ "$agree" = 20 ] && [ "$printed" = 20 ]'

# The private keys: 32 bytes, low three bits clear, bit 254 set, 255 clear.
# shellcheck disable=SC2086 # a list of names
unclamped=$(cd "$tmp" && python3 -c 'import base64, sys
print(sum(1 for n in sys.argv[1:]
          if not ((k := base64.b64decode(open("k" + n).read())) and len(k) == 32
                  and k[0] & 7 == 0 and k[31] & 0xc0 == 0x40)))' $names)
modes=$(cd "$tmp" && stat -c %a $(printf 'k%s ' $names) | sort -u)
ktap_check "noise_ref.py keys: private keys of 32 bytes, clamped ($unclamped not), mode 0600 ($modes)" \
	'[ "$unclamped" = 0 ] && [ "$modes" = 600 ]'
ktap_finish

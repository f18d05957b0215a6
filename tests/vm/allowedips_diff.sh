#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Differential test of the allowed-IPs trie at scale (chapter 2): 10,000
# allowed IPs, IPv4 and IPv6, prefix lengths from /0-ish to host routes,
# nested, overlapping and duplicated across 100 peers (a duplicate moves the
# prefix to the later peer), some with host bits set (the kernel masks
# them). Then part of it is replaced ("wg set ... allowed-ips", which
# replaces a peer's list), part resynchronised ("wg syncconf": changed
# lists, peers dropped), peers removed, and finally all of it replaced by
# the first configuration again. The same steps run on the stock
# wireguard.ko and on wgtour.ko in one VM; after every step "wg showconf"
# and "wg show all dump" must be identical.
#
# The inputs come from a fixed seed, so every run sends the same prefixes;
# the keys are made afresh once per run (wgt_keys) and shared by both
# modules.
. "$(dirname "$0")/../lib/vm.sh"
. "$(dirname "$0")/../lib/differential.sh"
. "$(dirname "$0")/../lib/topo.sh"

umask 077
work=$(mktemp -d)
trap 'ip link del wga0 2>/dev/null; rm -rf "$work"' EXIT
dev=wga0
npeers=100

wgt_keys "$work" $(seq 0 $npeers) || exit 1
for i in $(seq 0 $npeers); do
	echo "${wgt_pub[$i]}"
done > "$work/pubkeys"

# The generator writes, for the steps below:
#   step1.conf   setconf: the interface and 100 peers, 10,000 allowed IPs
#   step2.args   "wg set" arguments replacing some peers' lists (one a line)
#   step3.conf   syncconf: peers 90-99 gone, peers 20-39 with new lists,
#                peers 0-14 back to their first lists
#   step4.args   "wg set" arguments removing peers 40-49, then giving a new
#                peer prefixes that the removed ones held
# Step 5 is step1.conf again (setconf replaces every peer).
python3 -S - "$work" <<'EOF'
import random
import sys

work = sys.argv[1]
rnd = random.Random(20240604)
keys = open(work + "/pubkeys").read().split()
privkey = open(work + "/k0").read().strip()
peers = keys[1:101]
V4_LENS = [8, 12, 16, 18, 20, 22, 24, 24, 24, 25, 27, 28, 30, 31, 32, 32]
V6_LENS = [16, 24, 32, 40, 48, 48, 56, 64, 64, 64, 72, 96, 112, 120, 127, 128, 128]
made = []       # every prefix so far, as (family, int address, length)


def fmt(fam, addr, plen):
    if fam == 4:
        return "%d.%d.%d.%d/%d" % (addr >> 24, addr >> 16 & 255, addr >> 8 & 255,
                                   addr & 255, plen)
    groups = ["%x" % (addr >> (112 - 16 * i) & 0xffff) for i in range(8)]
    return ":".join(groups) + "/%d" % plen


def masked(fam, addr, plen):
    bits = 32 if fam == 4 else 128
    return addr & ~((1 << (bits - plen)) - 1) & ((1 << bits) - 1)


def prefix():
    """A fresh, nested, or duplicated prefix, sometimes with host bits set."""
    r = rnd.random()
    if made and r < 0.08:
        return made[rnd.randrange(len(made))]       # exact duplicate
    fam = 4 if rnd.random() < 0.55 else 6
    bits = 32 if fam == 4 else 128
    plen = rnd.choice(V4_LENS if fam == 4 else V6_LENS)
    parents = [m for m in made[-200:] if m[0] == fam and m[2] < plen]
    if parents and r < 0.35:
        # Inside an earlier prefix: same leading bits, random rest.
        pfam, paddr, pplen = rnd.choice(parents)
        addr = masked(fam, paddr, pplen) | rnd.getrandbits(bits - pplen)
    elif fam == 4:
        # Crowd the space so that subtrees are shared and split.
        addr = (10 << 24) | rnd.getrandbits(12) << 12 | rnd.getrandbits(12)
        if rnd.random() < 0.1:
            addr = rnd.getrandbits(32)
    else:
        addr = (0xfd00 << 112) | rnd.getrandbits(16) << 96 | rnd.getrandbits(96)
        if rnd.random() < 0.1:
            addr = rnd.getrandbits(128)
    if rnd.random() < 0.8:
        addr = masked(fam, addr, plen)
    p = (fam, addr, plen)
    made.append(p)
    return p


def prefixes(n):
    return [fmt(*prefix()) for _ in range(n)]


first = [prefixes(100) for _ in peers]
with open(work + "/step1.conf", "w") as f:
    f.write("[Interface]\nPrivateKey = %s\nListenPort = 51820\n" % privkey)
    for key, ips in zip(peers, first):
        f.write("\n[Peer]\nPublicKey = %s\nAllowedIPs = %s\n" % (key, ", ".join(ips)))

with open(work + "/step2.args", "w") as f:
    for i in range(10):
        f.write("peer %s allowed-ips %s\n" % (peers[i], ",".join(prefixes(50))))
    for i in range(10, 15):
        f.write("peer %s allowed-ips %s\n" % (peers[i], ",".join(prefixes(5))))
    # Emptied lists.
    for i in range(15, 18):
        f.write("peer %s allowed-ips \"\"\n" % peers[i])

with open(work + "/step3.conf", "w") as f:
    # wg syncconf sends port 0 (a random one) when the file has none.
    f.write("[Interface]\nPrivateKey = %s\nListenPort = 51820\n" % privkey)
    for i, key in enumerate(peers[:90]):
        ips = prefixes(60) if 20 <= i < 40 else first[i]
        f.write("\n[Peer]\nPublicKey = %s\nAllowedIPs = %s\n" % (key, ", ".join(ips)))

with open(work + "/step4.args", "w") as f:
    f.write(" ".join("peer %s remove" % k for k in peers[40:50]) + "\n")
    held = [ip for i in range(40, 50) for ip in first[i][:20]]
    f.write("peer %s allowed-ips %s\n" % (keys[0], ",".join(held)))
EOF
echo "# step 1 sets $(sed -n 's/^AllowedIPs = //p' "$work/step1.conf" | tr ',' '\n' | wc -l) allowed IPs on $npeers peers"

snap()		# NAME STEP
{
	wg showconf $dev > "$work/$1.$2.conf" 2>&1
	wg show all dump > "$work/$1.$2.dump" 2>&1
}

# The scenario; "wg set" argument lines are word-split on purpose. The
# device is down while whole configurations (with a ListenPort) are set, up
# for the wg set steps: the trie does not care, the sockets are no subject
# here.
run_on()
{
	local name=$1 t0=$SECONDS line

	ip link add $dev type wireguard
	wg setconf $dev "$work/step1.conf"
	snap "$name" 1
	ip link set $dev up
	while read -r line; do
		eval "wg set $dev $line"
	done < "$work/step2.args"
	snap "$name" 2
	ip link set $dev down
	wg syncconf $dev "$work/step3.conf"
	snap "$name" 3
	ip link set $dev up
	while read -r line; do
		eval "wg set $dev $line"
	done < "$work/step4.args"
	snap "$name" 4
	ip link set $dev down
	wg setconf $dev "$work/step1.conf"
	snap "$name" 5
	ip link del $dev
	echo "# $name: the scenario took $((SECONDS - t0)) s" > "$work/$name.time"
}

ktap_plan 14

wgt_stock_load
ktap_check "stock wireguard.ko loaded for reference" 'test -d /sys/module/wireguard'
run_on stock > "$work/stock.log" 2>&1
wgt_stock_unload
wgt_load
ktap_check "wgtour.ko loaded again, stock gone" \
	'test -d /sys/module/wgtour && test ! -d /sys/module/wireguard'
run_on ours > "$work/ours.log" 2>&1
cat "$work/stock.time" "$work/ours.time"

# One allowed IP a line, behind the first characters of its peer's key:
# a difference then shows as a few short lines, not two huge ones.
explode()
{
	sed 's/, /,/g' "$1" | awk -F'\t' '
		/^AllowedIPs = / { sub(/^AllowedIPs = /, ""); n = split($0, a, ",")
			for (i = 1; i <= n; i++) print "AllowedIPs " a[i]; next }
		NF == 9 { n = split($5, a, ","); $5 = ""; print
			for (i = 1; i <= n; i++) print substr($2, 1, 8), a[i]; next }
		{ print }'
}

# same NAME [empty] - stock.NAME and ours.NAME identical (wgt_same); a
# difference is shown exploded
same()
{
	wgt_same -v explode "$work" "$@"
}
ips() { tail -n +2 "$work/ours.$1.dump" | awk '$5 != "(none)" { n += split($5, a, ",") } END { print n + 0 }'; }
peers() { grep -c '^\[Peer\]' "$work/ours.$1.conf"; }

# wg warns about the prefixes with host bits set (on purpose); anything
# else it prints is an error.
quiet()
{
	local warn='^Warning: AllowedIP has nonzero host part'
	! grep -v "$warn" "$work/stock.log" "$work/ours.log" | head -5 | sed 's/^/# /' | grep .
}
ktap_check "the scenario printed the same messages on both" 'same log empty'
ktap_check "no command of the scenario failed, on either module" 'quiet'
desc=("" "setconf" "replace-allowed-ips on 18 peers" "syncconf" "peers removed, prefixes reused"
      "setconf of the first config again")
for step in 1 2 3 4 5; do
	ktap_check "step $step (${desc[$step]}): wg showconf identical ($(peers $step) peers)" \
		'same $step.conf'
	ktap_check "step $step: wg show all dump identical ($(ips $step) allowed IPs)" \
		'same $step.dump'
done
echo "# whole test: $SECONDS s"
ktap_finish

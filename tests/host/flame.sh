#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# labs/bench/flame.py (make profile's flame graphs and stage table) on a
# small fixture in tests/host/data/profile/: perf script text as
# labs/bench/profile-guest.sh writes it. Real samples cut from a perf
# record of the host (an iperf3 stream over loopback, idle CPUs, a
# ksoftirqd, user-space frames perf could not name), and hand-made stacks
# with frames of wgtour.ko (wgt_*), the stock wireguard.ko (wg_*, and its
# static send4, encrypt_packet, INET_ECN_decapsulate.isra.0) and the
# kernel's ChaCha20 and Poly1305, one per stage rule; ours.kallsyms names
# the one module frame perf left as [unknown], and must not name three
# other unknown kernel frames: past wgtour's last symbol (where nothing
# says wgtour's code ends) and below libchacha's first; past libchacha's
# last function and below a BPF program; between two BPF programs (each
# its own [bpf] symbol, not one module's functions end to end). What
# flame.py must print is worked out here another way: the folded stacks by
# awk from the text, the stages by hand (tests/host/data/profile/README
# says which sample is which), the flame graph's nodes from the folded
# lines. The book's size of the graph is checked on the fixture and on the
# real run chapter 98 shows (traces/samples/ch98-folded-*.txt): legible
# where the book shows it, by docs/book/browser.py's rule, every label
# inside its frame, the frames under the share it states left out.
. "$(dirname "$0")/../lib/ktap.sh"

cd "$WGTOUR_ROOT" || exit 1
data=tests/host/data/profile
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/out" "$tmp/plain" "$tmp/plain-out"
cp "$data"/*.script.txt "$tmp/plain/"

ktap_plan 14

python3 labs/bench/flame.py "$data" "$tmp/out" > "$tmp/table.txt" 2> "$tmp/err.txt"
# shellcheck disable=SC2034 # rc is read in ktap_check's expression
rc=$?
sed 's/^/# /' "$tmp/table.txt" "$tmp/err.txt"
ktap_check "flame.py runs on the fixture, exits 0, writes the SVGs, folded stacks and stages.txt" \
	'[ "$rc" = 0 ] && cmp -s "$tmp/table.txt" "$tmp/out/stages.txt" &&
	 [ -s "$tmp/out/flame-ours.svg" ] && [ -s "$tmp/out/flame-stock.svg" ] &&
	 [ -s "$tmp/out/flame-ours-book.svg" ] && [ -s "$tmp/out/flame-stock-book.svg" ] &&
	 [ -s "$tmp/out/folded-ours.txt" ] && [ -s "$tmp/out/folded-stock.txt" ]'

# awk_fold FILE: the stacks of a perf script text folded, outermost first,
# the process first (its per-CPU "/N..." cut off), "+0x.." offsets dropped,
# an unnamed frame named after its map ("[libc.so.6]"), or "[unknown
# kernel]" in the kernel's half of the address space (16 hex digits from
# ffff8...) when the map is unknown too; a frame in that half marked
# "_[k]", or "_[MODULE]" when its map is a module's ("[wireguard]");
# one line per stack with its count.
awk_fold()
{
	awk '
	function flush() {
		if (comm != "") { s = comm; for (i = n; i >= 1; i--) s = s ";" f[i]; count[s]++ }
		comm = ""; n = 0
	}
	/^[^ \t]/ { flush(); comm = $1; sub(/\/[0-9].*$/, "", comm); next }
	/^[ \t]*$/ { flush(); next }
	{
		line = $0; sub(/^[ \t]+/, "", line)
		addr = line; sub(/ .*/, "", addr)
		rest = substr(line, length(addr) + 2)
		dso = rest; sub(/^[^(]*\(/, "", dso); sub(/\)[ \t]*$/, "", dso)
		name = rest; sub(/ \(.*$/, "", name); sub(/\+0x[0-9a-f]+$/, "", name)
		kernel = length(addr) == 16 && addr ~ /^ffff[89a-f]/
		mark = ""
		if (kernel) {
			mark = "k"
			if (dso ~ /^\[/ && dso != "[kernel.kallsyms]" && dso != "[unknown]") {
				mark = dso; gsub(/[][]/, "", mark)
			}
			mark = "_[" mark "]"
		}
		if (name == "[unknown]" && dso != "[unknown]") {
			gsub(/[][]/, "", dso); k = split(dso, p, "/"); name = "[" p[k] "]"
		} else if (name == "[unknown]" && kernel) {
			name = "[unknown kernel]"
		}
		f[++n] = name mark
	}
	END { flush(); for (s in count) print s, count[s] }' "$1" | sort
}

python3 labs/bench/flame.py "$tmp/plain" "$tmp/plain-out" > /dev/null 2>&1
for v in ours stock; do
	awk_fold "$data/$v.script.txt" > "$tmp/awk-$v.txt"
	diff -u "$tmp/awk-$v.txt" "$tmp/plain-out/folded-$v.txt" | head -20 | sed 's/^/# /'
	ktap_check "$v: the folded stacks and counts are those awk works out from the perf script text" \
		'cmp -s "$tmp/awk-$v.txt" "$tmp/plain-out/folded-$v.txt"'
done
sed 's/;\[wgtour\]_\[wgtour\] 1$/;wgt_replay_check_[wgtour] 1/' "$tmp/awk-ours.txt" | sort > "$tmp/awk-ours-named.txt"
diff -u "$tmp/awk-ours-named.txt" "$tmp/out/folded-ours.txt" | head -20 | sed 's/^/# /'
ktap_check "with ours.kallsyms, the module frame perf left unnamed is wgt_replay_check; nothing else changes (not a frame between two modules, nor one between two BPF programs)" \
	'! cmp -s "$tmp/awk-ours.txt" "$tmp/awk-ours-named.txt" &&
	 cmp -s "$tmp/awk-ours-named.txt" "$tmp/out/folded-ours.txt"'

# The stages, by hand: stage, then for ours and for stock the samples and
# how many of them have a frame of the module on their stack. Ours: 11
# real samples (TCP 2: sock_rfree and tcp_ack under tcp_recvmsg; idle 2;
# user space 2: libcrypto, qemu's JIT map; scheduler 1: ksoftirqd's
# finish_task_switch; devices 1: __netif_receive_skb_core; UDP, IP 1:
# ip_local_deliver_finish; segmentation 1: memcpy under skb_segment; other
# 1: ext4_getattr, no stage on its stack) and 18 made ones, all but three
# under the tunnel (unnamed kernel frames under __netif_receive_skb_core:
# devices). Stock: 2 real (idle, TCP) and 7 made.
cat > "$tmp/want.txt" <<'EOF'
encryption|4|4|2|2
decryption|2|2|1|1
tunnel: transmit|2|2|2|2
tunnel: receive|1|1|1|1
tunnel: other|2|2|0|0
segmentation (GSO)|2|1|0|0
TCP|3|1|1|0
UDP, IP|1|0|1|1
devices, NAPI, softirq|5|1|0|0
scheduler, wakeups|2|1|0|0
user space|2|0|0|0
idle|2|0|1|0
other|1|0|0|0
EOF
# The rows as stages.txt must print them: samples, % of all, % of the
# tunnel's, per variant, the totals summed here.
awk -F'|' '
	{ row[NR] = $0; ours += $2; ours_t += $3; stock += $4; stock_t += $5 }
	END {
		for (i = 1; i <= NR; i++) {
			split(row[i], c, "|")
			printf "%s %d %.1f %.1f %d %.1f %.1f\n", c[1], c[2], 100 * c[2] / ours,
				100 * c[3] / ours_t, c[4], 100 * c[4] / stock, 100 * c[5] / stock_t
		}
		printf "all samples %d 100.0 %d 100.0\n", ours, stock
		printf "tunnel (module on stack) %d %.1f 100.0 %d %.1f 100.0\n",
			ours_t, 100 * ours_t / ours, stock_t, 100 * stock_t / stock
	}' "$tmp/want.txt" > "$tmp/want-rows.txt"
grep -E '^(encryption|decryption|tunnel|segmentation|TCP|UDP|devices|scheduler|user|idle|other|all)' \
	"$tmp/out/stages.txt" | tr -s ' ' > "$tmp/got-rows.txt"
diff -u "$tmp/want-rows.txt" "$tmp/got-rows.txt" | sed 's/^/# /'
ktap_check "stages.txt: per stage the samples and shares worked out by hand, ours and stock side by side" \
	'cmp -s "$tmp/want-rows.txt" "$tmp/got-rows.txt"'

# The folded stacks alone make the table again (the marks carry user space,
# kernel and module): what the book's figures of chapter 98 are drawn from.
python3 labs/bench/flame.py --table "$tmp/out/folded-ours.txt" "$tmp/out/folded-stock.txt" \
	> "$tmp/table-folded.txt"
diff -u "$tmp/out/stages.txt" "$tmp/table-folded.txt" | head -20 | sed 's/^/# /'
ktap_check "flame.py --table on the folded stacks prints stages.txt again" \
	'cmp -s "$tmp/out/stages.txt" "$tmp/table-folded.txt"'

# svg_check SVG FOLDED [book]: the SVG parses as XML; one rectangle per
# node of the tree of stacks drawn (each distinct prefix of a folded line,
# and the root), each titled with its name (without its mark) and that
# node's count; the root's count is all the samples; every labelled
# frame's text fits in its rectangle (monospace, DejaVu Sans Mono's advance
# of 0.602 em, what Chromium draws monospace with on Debian); wgt_*, wg_*
# and ChaCha20 or Poly1305 frames coloured by kind (ours orange, stock
# blue, crypto purple: hues 19-31, 199-211, 274-286). The full graph draws
# every node of the fixture and its text is at least 11 px. The book's
# draws the nodes of at least the share its subtitle says ("frames under
# N % of them left out"), those only, and its text is legible by
# docs/book/browser.py's rule (LEGIBLE_PX, at WIDTHS) where the book shows
# it: whole, at its own width, in a 400-px page, whose figures are 100vw -
# 3rem wide (docs/book/book.css), so at most 352 px.
svg_check()
{
	python3 - "$@" <<'EOF'
import collections, re, sys
import xml.etree.ElementTree as ET
sys.path.insert(0, "docs/book")
from browser import LEGIBLE_PX, WIDTHS  # noqa: E402
ns = "{http://www.w3.org/2000/svg}"
book = sys.argv[3:] == ["book"]
root = ET.parse(sys.argv[1]).getroot()
want = collections.Counter()
total = 0
for line in open(sys.argv[2]):
    if line.startswith("#"):
        continue
    stack, n = line.rsplit(" ", 1)
    frames = stack.split(";")
    total += int(n)
    for i in range(1, len(frames) + 1):
        want[(i, frames[i - 1], ";".join(frames[:i]))] += int(n)
min_share = 0.0
if book:
    m = re.search(r"frames under ([\d.]+) % of them left out", ET.tostring(root, encoding="unicode"))
    min_share = float(m.group(1)) / 100 if m else 1.0
    # a node is drawn when it and every node under it have that share
    share = {stack: n / total for (_, _, stack), n in want.items()}
    want = collections.Counter({k: n for k, n in want.items()
                                if all(share[";".join(k[2].split(";")[:i])] >= min_share
                                       for i in range(1, k[0] + 1))})
nodes = collections.Counter({("all", total): 1})
for (_, name, _), n in want.items():
    # shown without its mark ("_[k]", "_[wireguard]"; flame.py's MARK)
    nodes[(re.sub(r"_\[[^]]+\]$", "", name), n)] += 1
got = collections.Counter()
hues = {}
ok = True
for g in root.iter(ns + "g"):
    rect = g.find(ns + "rect")
    if rect is None or rect.get("class") != "frame":
        continue
    m = re.match(r"(.*): (\d+) samples, ", g.find(ns + "title").text)
    got[(m.group(1), int(m.group(2)))] += 1
    hues[m.group(1)] = int(re.match(r"hsl\((\d+),", rect.get("fill")).group(1))
    text = g.find(ns + "text")
    if text is not None:
        size = float(text.get("font-size", root.get("font-size")))
        x, w = float(rect.get("x")), float(rect.get("width"))
        right = float(text.get("x")) + len(text.text) * 0.602 * size
        if float(text.get("x")) < x or right > x + w:
            print("# %r sticks out of its frame: ends at %.1f, the frame at %.1f" % (text.text, right, x + w))
            ok = False
print("# %d frame rectangles, %d nodes in the folded stacks%s" % (
    sum(got.values()), sum(nodes.values()),
    " of at least %g %% of the samples" % (100 * min_share) if book else ""))
ok &= got == nodes
sizes = [float(t.get("font-size", root.get("font-size"))) for t in root.iter(ns + "text")]
if book:
    width = float(root.get("width"))
    view = float(root.get("viewBox").split()[2])
    for page in WIDTHS:
        shown = min(width, page - 48)
        print("# at %d px: shown %g px wide (viewBox %g), smallest text %.1f px"
              % (page, shown, view, min(sizes) * shown / view))
        ok &= width <= WIDTHS[0] - 48 and min(sizes) * shown / view >= LEGIBLE_PX
else:
    ok &= min(sizes) >= 11
for name, hue in hues.items():
    if name.startswith("wgt_"):
        ok &= 19 <= hue <= 31
    elif name.startswith("wg_"):
        ok &= 199 <= hue <= 211
    elif re.match(r"(chacha|poly1305)", name):
        ok &= 274 <= hue <= 286
sys.exit(0 if ok else 1)
EOF
}
# prune() (how traces/samples/ch98-folded-*.txt were made small enough for
# the repository), at 2 samples on the fixture: the same samples in all;
# every node of 2 samples or more (a prefix of a stack) with the count it
# had; no node under 2 but a process.
python3 labs/bench/flame.py --prune 2 "$tmp/out/folded-ours.txt" > "$tmp/pruned-ours.txt"
prune_check()
{
	python3 - "$1" "$2" 2 <<'EOF'
import collections, sys
def nodes(path):
    c = collections.Counter()
    for line in open(path):
        stack, n = line.rsplit(" ", 1)
        frames = stack.split(";")
        for i in range(1, len(frames) + 1):
            c[";".join(frames[:i])] += int(n)
    return c
full, pruned, least = nodes(sys.argv[1]), nodes(sys.argv[2]), int(sys.argv[3])
kept = {k: n for k, n in full.items() if n >= least or ";" not in k}
print("# %d nodes of %d kept" % (len(pruned), len(full)))
sys.exit(0 if pruned == kept and len(kept) < len(full) else 1)
EOF
}
ktap_check "flame.py --prune 2: every frame of 2 samples or more keeps its count, the others are cut" \
	'prune_check "$tmp/out/folded-ours.txt" "$tmp/pruned-ours.txt"'

for v in ours stock; do
	ktap_check "flame-$v.svg parses as XML: a rectangle per node of the stacks with its count, legible text, labels inside their frames, colours by kind" \
		'svg_check "$tmp/out/flame-$v.svg" "$tmp/out/folded-$v.txt"'
	ktap_check "flame-$v-book.svg, the book's size: the nodes of at least the share it says, text legible where the book shows it (400 and 1280 px), labels inside their frames, colours by kind" \
		'svg_check "$tmp/out/flame-$v-book.svg" "$tmp/out/folded-$v.txt" book'
done
# What the book shows (chapter 98): the real run's stacks, where the share
# left out matters.
for v in ours stock; do
	python3 labs/bench/flame.py --book "traces/samples/ch98-folded-$v.txt" > "$tmp/ch98-$v.svg"
	ktap_check "chapter 98's $v graph (flame.py --book traces/samples/ch98-folded-$v.txt): the same checks as the book's size" \
		'svg_check "$tmp/ch98-$v.svg" "traces/samples/ch98-folded-$v.txt" book'
done
# The captions' figures are the drawing's: each {.flame} figure of chapter
# 98 gives its file's sample count and the share flame.py leaves out.
caption_check()
{
	python3 - <<'EOF'
import glob, re, sys
sys.path.insert(0, "labs/bench")
import flame  # noqa: E402
text = open(glob.glob("chapters/98-*.md")[0]).read()
figures = re.findall(r"!\[(.*?)\]\((\S+)\)\{\.flame\}", text, re.S)
ok = len(figures) == 2
for caption, path in figures:
    caption = " ".join(caption.split())
    total = sum(flame.read_folded(path).values())
    want = ["{:,} samples".format(total), "under %g %%" % (100 * flame.BOOK_SHARE)]
    missing = [w for w in want if w not in caption]
    print("# %s: %s" % (path, "missing " + ", ".join(missing) if missing else "ok"))
    ok &= not missing
sys.exit(0 if ok else 1)
EOF
}
ktap_check "chapter 98's two flame figures: each caption gives its samples and the share left out, as drawn" \
	'caption_check'
ktap_finish

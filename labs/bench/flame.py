#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Flame graphs and a per-stage table from the profiles of make profile.

usage: labs/bench/flame.py RAWDIR OUTDIR     (make profile: build/profile/raw
                                              build/profile)
       labs/bench/flame.py --table FOLDED...  the stage table of folded stacks
       labs/bench/flame.py --book FOLDED      the book-size flame graph of
                                              folded stacks (SVG, on stdout)
       labs/bench/flame.py --prune N FOLDED   the stacks without their frames
                                              of fewer than N samples (prune())

RAWDIR holds, per variant (ours, stock; those present), what
labs/bench/profile-guest.sh wrote in the lab VM:

  VARIANT.script.txt   the text of "perf script" (the samples' call stacks,
                       leaf first, one frame a line)
  VARIANT.kallsyms     optional: /proc/kallsyms, read while the module was
                       loaded. A kernel frame that perf could not name
                       ("[unknown]") is named from it here (see
                       Kallsyms.name).

OUTDIR gets, per variant, folded-VARIANT.txt (one line per distinct stack,
"process;outermost;...;innermost COUNT", the folded form other flame-graph
tools read; see MARK for how a frame's name says whose it is),
flame-VARIANT.svg and flame-VARIANT-book.svg (the flame graph, and the
same narrower for the book: see BOOK), and stages.txt, the table (also
printed). The table and
the graphs are made from the folded stacks, so a folded file alone makes
them again: --table prints the table of folded files, each file's variant
the last word of its name (folded-ours.txt, ch98-folded-stock.txt), and
lines that start with "#" are comments.

The stack of each sample is read as perf prints it; the process name
becomes its outermost frame, with a per-CPU thread's suffix cut off
(kworker/1:2-events and kworker/0:1 are one "kworker"), so that the same
work on two CPUs is one tower, not two.

The stages: each sample counts for exactly one. Its frames are tried from
the innermost (where the CPU was) outwards, and the first frame that names
a stage decides. So a memcpy() is charged to whoever called it (memcpy names
no stage), and TCP's own segmentation code called from a tunnel's transmit
function is charged to segmentation, not to the tunnel. A frame of the
module (ours or stock) names its path, transmit or receive, by the first
frame from it outwards that says which (the worker that called a helper);
a frame of the kernel's ChaCha20 or Poly1305 code names encryption or
decryption the same way, but only under a frame of the module: the same
code called by anything else is "other". A frame of the handshake (or
one with no direction: timers, keys) is "tunnel: other", crypto under it
too. A sample whose innermost frame is
in user space is "user space", whatever called it.
"""
import bisect
import collections
import os
import re
import sys
import zlib
from xml.sax.saxutils import escape

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "traces"))
from render import svg_start  # noqa: E402  traces/render.py: every SVG's first lines

VARIANTS = ["ours", "stock"]
LABELS = {"ours": "wgtour.ko", "stock": "wireguard.ko (stock)"}
# The module each variant's frames live in, as perf names its map.
MODULES = {"wgtour": "ours", "wireguard": "stock"}
# x86_64: the kernel's half of the address space starts here. perf prints a
# user-space frame's address below it (often as an offset in its file).
KERNEL_START = 0xffff800000000000

# The kernel's ChaCha20 and Poly1305 (lib/crypto, arch/x86/crypto): the
# generic C code under -cpu qemu64 (chacha_permute, chacha_block_generic,
# poly1305_blocks_x86_64, ...), the scatterlist wrappers both modules call
# (chacha20poly1305_{en,de}crypt_sg_inplace), and crypto_xor, which applies
# the key stream.
CRYPTO = re.compile(r"^_*(x?h?chacha|poly1305|chacha20poly1305|crypto_xor)")
# Which way a frame of the module goes, by name: facts
# from module/*.c and the stock driver's send.c, receive.c, socket.c,
# device.c and noise.c. The handshake is tried first: its messages are sent
# and received by functions named like the data path's
# (wgt_send_handshake_initiation, wg_receive_handshake_packet), and its
# AEAD (wgt_seal, wgt_unseal) calls the same ChaCha20-Poly1305, but it is
# not the data path: it counts as "tunnel: other". Stock's keypair helpers
# (wg_noise_keypair_get, wg_noise_received_with_keypair) serve the data
# path and are left to the direction rules.
HANDSHAKE = re.compile(r"handshake|noise_(?!keypairs?_|received_with_keypair)|cookie|^wgt_(seal|unseal|kdf|hmac|mix_)|"
                       r"^(hmac|kdf|mix_|message_(en|de)crypt|blake2s)")
RX = re.compile(r"^wgt?_receive|^wgt_encap_rcv|decrypt|^wgt_rx_|rx_poll|"
                r"replay|^wgt_check_inner|ecn_decap|ECN_decap|^wg_packet_receive")
TX = re.compile(r"xmit|^wgt?_send|^wg_packet_send|^wgt_stage|encrypt|"
                r"tx_worker|^send[46]$|^wgt?_socket_send|^wgt_skb_outer|"
                r"per_peer_tx|purge_staged")
OURS_STOCK = re.compile(r"^(wgt_|wg_)")

# The stages, in the table's order. Those with a pattern are named by any
# kernel frame that matches it (tried in this order, so segmentation wins
# over TCP for tcp_gso_segment); the others are given by the rules above.
STAGES = [
    ("encryption", None),
    ("decryption", None),
    ("tunnel: transmit", None),
    ("tunnel: receive", None),
    ("tunnel: other", None),   # handshakes, timers, keys: not the data path
    ("segmentation (GSO)", r"_gso_segment|^skb_segment|^skb_gso|^__skb_gso"),
    ("TCP", r"^_*tcp"),
    ("UDP, IP", r"^_*(udp|ip_|ip6|ipv4_|ipv6_|iptunnel|inet_gro|inet6_gro|fib)"),
    ("devices, NAPI, softirq", r"^_*(dev_|netif_|napi_|net_rx_action|process_backlog|"
                               r"veth_|gro_|skb_gro|validate_xmit|sch_direct|qdisc|"
                               r"netdev_|do_softirq|handle_softirqs)"),
    ("scheduler, wakeups", r"^_*(schedule|try_to_wake_up|ttwu|wake_up|finish_task_switch|"
                           r"pick_next|enqueue_task|dequeue_task|update_curr|"
                           r"queue_work|insert_work)"),
    ("user space", None),
    ("idle", r"^_*(do_idle|default_idle|cpu_idle|cpuidle|arch_cpu_idle|"
             r"(pv_)?native_safe_halt|cpu_startup_entry|acpi_idle|intel_idle|"
             r"mwait_idle|poll_idle)"),
    ("other", None),
]
PATTERNS = [(name, re.compile(p)) for name, p in STAGES if p]
TUNNEL_STAGES = {"encryption", "decryption", "tunnel: transmit", "tunnel: receive",
                 "tunnel: other"}

# perf script: a sample's header starts at column 0 ("iperf3  312/312
# [001] 104.51: cpu-clock:"), its frames are indented ("\tffffffff8106 name+0x1f
# (dso)"), a blank line ends it.
HEADER = re.compile(r"^(.*?)\s+-?\d+(?:/\d+)?\s+\[\d+\]")
FRAME = re.compile(r"^\s+([0-9a-f]+)\s+(.*?)\s+\((.*)\)\s*$")


class Frame:
    __slots__ = ("name", "module", "kernel")

    def __init__(self, name, module, kernel):
        self.name, self.module, self.kernel = name, module, kernel


# A frame's name in the folded form carries what the stage rules and the
# colours need beyond the name: a kernel frame's ends in "_[k]" (the mark
# stackcollapse-perf.pl --kernel writes, which flamegraph.pl colours by and
# strips from what it shows), a module's frame's in "_[MODULE]"
# ("_[wireguard]"; ours: flamegraph.pl shows it), a user-space frame's in
# nothing. A name alone does not say it (memset is
# user space's and the kernel's; stock's static send4 has no wg_), and the
# book draws chapter 98's flame graphs from folded stacks alone.
MARK = re.compile(r"^(.*)_\[([^\]]+)\]$")


def marked(f):
    """The frame's name as the folded form writes it."""
    return "%s_[%s]" % (f.name, f.module or "k") if f.kernel else f.name


def unmarked(text):
    """The Frame a folded name stands for (the inverse of marked())."""
    m = MARK.match(text)
    if not m:
        return Frame(text, "", False)
    return Frame(m.group(1), "" if m.group(2) == "k" else m.group(2), True)


class Kallsyms:
    """The symbols of a /proc/kallsyms copy, every type, by address."""

    def __init__(self, path):
        syms = []
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                parts = line.split()
                if len(parts) < 3 or int(parts[0], 16) == 0:
                    continue
                module = parts[3].strip("[]") if len(parts) > 3 else ""
                # (address, is code, name, module): at one address, a
                # function sorts after a data symbol, so it is the one found
                syms.append((int(parts[0], 16), parts[1] in "tT", parts[2], module))
        syms.sort()
        self.addrs = [s[0] for s in syms]
        self.syms = syms

    def name(self, ip):
        """(name, module) of the function IP lies in, or None. kallsyms has
        no sizes: a function is taken to end where the next symbol above
        it starts, and only when that symbol is of the same module (every
        module has one after its code: its data's __this_module). Between
        a module's last symbol and the next module's first, an address may
        be anything (a BPF program's code, a module perf could not map): it
        stays unnamed. BPF programs are all listed as module "bpf", but each
        is a block of code of its own, not one of a module's functions laid
        end to end: the next program's start says nothing of where this one
        ends, so an address above a BPF program stays unnamed too."""
        i = bisect.bisect_right(self.addrs, ip) - 1
        if i < 0 or not self.syms[i][1] or self.syms[i][3] == "bpf":
            return None
        j = bisect.bisect_right(self.addrs, self.addrs[i])
        if j == len(self.syms) or self.syms[j][3] != self.syms[i][3]:
            return None
        return self.syms[i][2], self.syms[i][3]


def process_name(comm):
    """A thread's name without its per-CPU part: "kworker/1:2-events" and
    "ksoftirqd/0" become "kworker" and "ksoftirqd"."""
    return re.sub(r"/\d.*$", "", comm) or comm


def frame(addr, sym, dso, kallsyms):
    ip = int(addr, 16)
    kernel = ip >= KERNEL_START
    name = re.sub(r"\+0x[0-9a-f]+$", "", sym)
    module = ""
    if kernel and dso.startswith("[") and dso not in ("[kernel.kallsyms]", "[unknown]"):
        module = dso.strip("[]")
    if name == "[unknown]" and kernel and kallsyms:
        found = kallsyms.name(ip)
        if found:
            name, module = found
    if name == "[unknown]" and dso != "[unknown]":
        # Like the stack's own map: "[libc.so.6]", "[wgtour]"; clearer
        # than a column of [unknown].
        name = "[%s]" % os.path.basename(dso.strip("[]"))
    elif name == "[unknown]" and kernel:
        # Not one name with user space's unknown frames: the two are
        # coloured apart.
        name = "[unknown kernel]"
    return Frame(name.replace(";", ":"), module, kernel)


def parse(text, kallsyms=None):
    """The samples of a perf script text: [(process, [Frame, innermost first])]."""
    samples, comm, frames = [], None, []
    for line in text.split("\n") + [""]:
        if not line.strip():
            if comm is not None:
                samples.append((comm, frames))
            comm, frames = None, []
        elif not line[0].isspace():
            m = HEADER.match(line)
            comm = process_name(m.group(1).strip()) if m else line.split()[0]
        elif comm is not None:
            m = FRAME.match(line)
            if m:
                frames.append(frame(m.group(1), m.group(2), m.group(3), kallsyms))
    return samples


def fold(samples):
    folded = collections.Counter()
    for comm, frames in samples:
        folded[";".join([comm] + [marked(f) for f in reversed(frames)])] += 1
    return folded


def unfold(folded):
    """The folded stacks as [(process, [Frame, innermost first], count)]."""
    out = []
    for stack, n in folded.items():
        names = stack.split(";")
        out.append((names[0], [unmarked(t) for t in reversed(names[1:])], n))
    return out


def read_folded(path):
    folded = collections.Counter()
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                stack, n = line.rstrip("\n").rsplit(" ", 1)
                folded[stack] += int(n)
    return folded


def write_folded(f, folded):
    for stack in sorted(folded):
        f.write("%s %d\n" % (stack, folded[stack]))


def variant_of(path):
    """ours or stock: the last word of a folded file's name."""
    v = os.path.splitext(os.path.basename(path))[0].split("-")[-1]
    if v not in VARIANTS:
        sys.exit("flame.py: %s: the name ends in neither of %s" % (path, ", ".join(VARIANTS)))
    return v


def base(name):
    """A symbol's name without the compiler's suffix (send4.isra.0)."""
    return name.split(".")[0]


def is_module(f):
    return f.module in MODULES or (f.kernel and bool(OURS_STOCK.match(f.name)))


def direction(frames, i):
    """"hs", "rx", "tx" or None: the first frame of the module from
    frames[i] outwards whose name says which way it goes (or that it is the
    handshake's). Only the module's frames say: the crypto library's names
    (chacha20poly1305_encrypt) are the same for a data packet and for a
    handshake message."""
    for f in frames[i:]:
        if is_module(f):
            if HANDSHAKE.search(base(f.name)):
                return "hs"
            if RX.search(base(f.name)):
                return "rx"
            if TX.search(base(f.name)):
                return "tx"
    return None


def stage(frames):
    """(stage, tunnel): the stage the sample counts for, and whether a frame
    of the module is on its stack (the tunnel's samples)."""
    tunnel = any(is_module(f) for f in frames)
    if frames and not frames[0].kernel:
        return "user space", tunnel
    for i, f in enumerate(frames):
        if not f.kernel:
            break
        if CRYPTO.match(f.name) and any(is_module(g) for g in frames[i + 1:]):
            return {"rx": "decryption", "tx": "encryption"}.get(
                direction(frames, i), "tunnel: other"), tunnel
        if is_module(f):
            return {"rx": "tunnel: receive", "tx": "tunnel: transmit"}.get(
                direction(frames, i), "tunnel: other"), tunnel
        for name, pattern in PATTERNS:
            if pattern.search(f.name):
                return name, tunnel
    return "other", tunnel


def stages(folded):
    """{stage: [samples, of which under the tunnel]} and the totals."""
    counts = {name: [0, 0] for name, _ in STAGES}
    total = tunnel_total = 0
    for _, frames, n in unfold(folded):
        s, tunnel = stage(frames)
        counts[s][0] += n
        counts[s][1] += n * tunnel
        total += n
        tunnel_total += n * tunnel
    return counts, total, tunnel_total


def pct(n, total):
    return "%5.1f" % (100.0 * n / total) if total else "    -"


def table(results):
    """The per-stage table: per variant, samples, % of all, % of the tunnel's."""
    names = [v for v in VARIANTS if v in results]
    lines = ["Where the time goes: cpu-clock samples on all CPUs during an iperf3 TCP",
             "stream a -> b, by stage. A sample counts for the innermost frame of its",
             "stack that names a stage (labs/bench/flame.py says how); \"% tunnel\" is",
             "the share of the samples with a frame of the module on their stack.",
             ""]
    head1 = "%-24s" % ""
    head2 = "%-24s" % "stage"
    for v in names:
        head1 += "  %-26s" % LABELS[v]
        head2 += "  %8s %7s %9s" % ("samples", "% all", "% tunnel")
    lines += [head1.rstrip(), head2]
    for name, _ in STAGES:
        row = "%-24s" % name
        for v in names:
            counts, total, tunnel = results[v]
            n, under = counts[name]
            row += "  %8d %7s %9s" % (n, pct(n, total), pct(under, tunnel))
        lines.append(row)
    row_all = "%-24s" % "all samples"
    row_tun = "%-24s" % "tunnel (module on stack)"
    for v in names:
        counts, total, tunnel = results[v]
        row_all += "  %8d %7s %9s" % (total, pct(total, total), "")
        row_tun += "  %8d %7s %9s" % (tunnel, pct(tunnel, total), pct(tunnel, tunnel))
    lines += [row_all.rstrip(), row_tun]
    return "\n".join(lines) + "\n"


# The flame graph: one rectangle per node of the tree of stacks, the
# outermost frame (the process) at the bottom, each node as wide as its
# share of the samples, its children on top of it, sorted by name as the
# folded form does (so neighbours are not ordered by time: the x axis is not
# time).
MARGIN = 10
MONO_EM = 0.6                # monospace: an advance of about 0.6 em
SANS_EM = 6.5 / 12           # a guess at sans-serif's, for the legend
# Two sizes, one drawing (svg()): the picture's width, the font size and
# row height in px, and min_px, the narrowest frame drawn. A narrower one
# is left out, and so is what stands on it: it could not be seen or
# pointed at, and a lone deep stack of one sample would make the picture
# as tall as itself. The gap it leaves on top of its caller is its time.
Layout = collections.namedtuple("Layout", "width font row min_px")
# make profile's, for a browser window: hover a frame for its name.
FULL = Layout(1200, 12, 17, 0.5)
# The book's (chapter 98 draws it from traces/samples/ch98-folded-*.txt):
# 350 px wide, it shows whole at its natural size in the book's narrowest
# page (docs/book/book.css makes a figure 100vw - 3rem wide, 352 px in a
# 400-px window) and at 1280 px, so its 10-px text is 10 px as shown, over
# the 9 px docs/book/browser.py asks for. A picture in a page shows no
# tooltips: only the frames of at least BOOK_SHARE of the samples are
# drawn, wide enough to see and most of them to label; the others are
# left out, not merged.
BOOK_SHARE = 0.01
BOOK = Layout(350, 10, 14, BOOK_SHARE * (350 - 2 * MARGIN))
KINDS = [
    # kind, legend, (hue, saturation range, lightness range)
    ("ours", "wgtour.ko (wgt_*)", (25, 85, 55)),
    ("stock", "wireguard.ko (wg_*)", (205, 70, 55)),
    ("crypto", "the kernel's ChaCha20, Poly1305", (280, 55, 62)),
    ("user", "user space", (95, 45, 55)),
    ("process", "process", (0, 0, 72)),
    ("kernel", "the rest of the kernel", (45, 70, 65)),
]
KIND_HSL = {k: hsl for k, _, hsl in KINDS}


class Node:
    __slots__ = ("name", "count", "children")

    def __init__(self, name):
        self.name, self.count, self.children = name, 0, {}


def tree(folded):
    root = Node("all")
    for stack, n in folded.items():
        node = root
        node.count += n
        for name in stack.split(";"):
            node = node.children.setdefault(name, Node(name))
            node.count += n
    return root


def prune(folded, min_count):
    """The stacks with every frame of fewer than min_count samples (a node
    of the flame graph's tree) cut off, and what stands on it: its samples
    stay with its caller, as if the CPU had been there. A process stays
    whatever its count. Every frame kept keeps its count, so a flame graph
    that leaves out the frames under min_count or more is drawn the same
    from the pruned stacks; the stage table is not (a sample whose
    innermost frames go counts for the first stage below them)."""
    root = tree(folded)
    out = collections.Counter()
    for stack, n in folded.items():
        names = stack.split(";")
        node, keep = root.children[names[0]], 1
        for name in names[1:]:
            node = node.children[name]
            if node.count < min_count:
                break
            keep += 1
        out[";".join(names[:keep])] += n
    return out


def kind(f):
    """Whose code a frame is: its colour."""
    if f.module == "wgtour" or f.name.startswith("wgt_"):
        return "ours"
    if f.module == "wireguard" or f.name.startswith("wg_"):
        return "stock"
    if CRYPTO.match(f.name):
        return "crypto"
    return "kernel" if f.kernel else "user"


def colour(name, kind):
    """The kind's hue; lightness varied a little by name, the same every
    run, so that neighbouring frames of one kind can be told apart."""
    hue, sat, light = KIND_HSL[kind]
    h = zlib.crc32(name.encode()) % 13
    return "hsl(%d,%d%%,%d%%)" % ((hue + h - 6) % 360, sat, light - 6 + h)


def label(name, width, font):
    """The name clipped to what fits in width pixels (3 px of padding each
    side), or "" if too little: a name cut to fewer than 5 letters ("tc..",
    "ch..") says nothing, and the book's pictures have no tooltip."""
    fits = int((width - 6) / (font * MONO_EM))
    if fits >= len(name):
        return name
    return name[:fits - 2] + ".." if fits - 2 >= 5 else ""


def svg(folded, title, subtitle, lay=FULL):
    root = tree(folded)
    total = root.count or 1

    scale = (lay.width - 2 * MARGIN) / total
    min_count = lay.min_px / scale

    def depth(node):
        return 1 + max((depth(c) for c in node.children.values() if c.count >= min_count),
                       default=0)

    # The legend under the subtitle, one row of kinds, wrapped where the
    # width ends (the book's takes three rows).
    legend, x, y = [], MARGIN, 52
    for k, words, _ in KINDS:
        w = lay.font + 4 + len(words) * SANS_EM * lay.font
        if x > MARGIN and x + w > lay.width - MARGIN:
            x, y = MARGIN, y + lay.font + 6
        legend.append(f'<rect x="{x:g}" y="{y}" width="{lay.font}" height="{lay.font}" '
                      f'fill="{colour(k, k)}"/>')
        legend.append(f'<text x="{x + lay.font + 4:g}" y="{y + lay.font - 2}">{escape(words)}</text>')
        x += w + 12
    head = y + lay.font + 10
    row = lay.row
    height = head + depth(root) * row + MARGIN
    # its <title> first: the name a browser (and docs/book/browser.py)
    # gives the picture
    o = svg_start(lay.width, height, lay.font, title,
                  [f'<title>{escape(title)}</title>'], subtitle=subtitle)
    o += legend

    def draw(node, x, level):
        w = node.count * scale
        y = height - MARGIN - (level + 1) * row
        f = unmarked(node.name)
        # the bottom row (all) and the one above it, the processes
        k = "process" if level < 2 else kind(f)
        share = 100.0 * node.count / total
        o.append(f'<g><title>{escape(f.name)}: {node.count} samples, '
                 f'{share:.2f} %</title>'
                 f'<rect class="frame" x="{x:.2f}" y="{y}" width="{w:.2f}" '
                 f'height="{row - 1}" fill="{colour(f.name, k)}"/>')
        text = label(f.name, w, lay.font)
        if text:
            o.append(f'<text x="{x + 3:.2f}" y="{y + row - 5}">{escape(text)}</text>')
        o.append('</g>')
        for name in sorted(node.children):
            child = node.children[name]
            if child.count >= min_count:
                draw(child, x, level + 1)
            x += child.count * scale

    sys.setrecursionlimit(max(1000, 4 * depth(root)))
    # the frames' names in monospace, so that label() knows their width
    o.append('<g font-family="monospace">')
    draw(root, MARGIN, 0)
    o.append('</g>')
    o.append('</svg>')
    return "\n".join(o) + "\n"


def book_svg(folded, variant):
    """The book-size flame graph (BOOK) of a variant's folded stacks."""
    total = sum(folded.values())
    return svg(folded, LABELS[variant],
               "%d samples; frames under %g %% of them left out" % (total, 100 * BOOK_SHARE),
               BOOK)


def main(argv):
    if len(argv) == 3 and argv[1] == "--book":
        sys.stdout.write(book_svg(read_folded(argv[2]), variant_of(argv[2])))
        return
    if len(argv) == 4 and argv[1] == "--prune":
        write_folded(sys.stdout, prune(read_folded(argv[3]), int(argv[2])))
        return
    if len(argv) >= 3 and argv[1] == "--table":
        results = {variant_of(p): stages(read_folded(p)) for p in argv[2:]}
        sys.stdout.write(table(results))
        return
    if len(argv) != 3:
        sys.exit(__doc__.split("\n\n")[1])
    raw, out = argv[1], argv[2]
    results = {}
    for v in VARIANTS:
        script = os.path.join(raw, v + ".script.txt")
        if not os.path.exists(script):
            continue
        ks = os.path.join(raw, v + ".kallsyms")
        kallsyms = Kallsyms(ks) if os.path.exists(ks) else None
        with open(script, encoding="utf-8", errors="replace") as f:
            samples = parse(f.read(), kallsyms)
        folded = fold(samples)
        with open(os.path.join(out, "folded-%s.txt" % v), "w") as f:
            write_folded(f, folded)
        results[v] = stages(folded)
        counts, total, tunnel = results[v]
        top = ", ".join("%s %s %%" % (name, pct(n, total).strip())
                        for name, (n, _) in sorted(counts.items(), key=lambda kv: -kv[1][0])[:3])
        with open(os.path.join(out, "flame-%s.svg" % v), "w") as f:
            f.write(svg(folded, "%s: where the CPUs' time goes" % LABELS[v],
                        "%d samples (cpu-clock, all CPUs), %d under the tunnel; "
                        "widest stages: %s. Hover a frame for its name and count; "
                        "frames under %.1f px are left out."
                        % (total, tunnel, top, FULL.min_px)))
        with open(os.path.join(out, "flame-%s-book.svg" % v), "w") as f:
            f.write(book_svg(folded, v))
    if not results:
        sys.exit("flame.py: no VARIANT.script.txt in %s" % raw)
    text = table(results)
    with open(os.path.join(out, "stages.txt"), "w") as f:
        f.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main(sys.argv)

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Draw wgtour's allowed-IPs tries as a graphviz DOT graph (chapter 2).

usage: traces/trie_dot.py DUMP [-o OUT.dot] [--title TEXT]

DUMP is what /sys/kernel/debug/wgtour/allowedips printed (see
traces/samples/ch2-trie.sh). Its format is documented above
wgt_allowedips_show() in module/allowedips.c:

    device wg0 netns 4026531840       one line per device, then its tries
    0 - 0.0.0.0/0 -                   depth, side, prefix, owner (or "-")
    1 0 10.0.0.0/8 5021e17f           ...in pre-order: a node's parent is
                                      the nearest line above, one level up

The owner is the first four bytes of the peer's public key, in hex. Lines
the dump does not have are ignored, except that the output of "wg show
<dev> allowed-ips" (tab-separated, possibly behind "# ") is used to name
the owners by their base64 public key, as "wg" users know them.

Every node becomes one graph node labelled with its prefix and its owner,
or "branch" for a node that exists only because two longer prefixes part
ways below it; every edge is labelled with the bit (0 or 1) that leads to
it. Each device's IPv4 and IPv6 tries are drawn side by side. The input is
checked as it is read: a child's prefix must extend its parent's, on the
side it says, or the script stops with the offending line number.
"""
import argparse
import base64
import binascii
import ipaddress
import re
import shlex
import sys

NODE_RE = re.compile(r"^(\d+) ([01-]) (\S+/\d+) (\S+)$")
DEVICE_RE = re.compile(r"^device (\S+) netns (\d+)$", re.IGNORECASE)
WG_SHOW_RE = re.compile(r"^(?:#\s*)?([A-Za-z0-9+/]{43}=)\t")

# Fill colours for the owners, picked by the owner's key bytes so that a
# peer keeps its colour from one figure to the next; branches stay white.
PALETTE = ["#cfe2f3", "#d9ead3", "#fce5cd", "#ead1dc", "#fff2cc",
           "#d0e0e3", "#f4cccc", "#d9d2e9"]


class DumpError(Exception):
    pass


class Node:
    def __init__(self, ident, net, owner, side, lineno):
        self.ident = ident
        self.net = net
        self.owner = owner          # hex prefix of the public key, or None
        self.side = side            # "0", "1", or "-" for a root
        self.lineno = lineno
        self.children = {}          # "0"/"1" -> Node


def bit_at(net, i):
    """Bit i of the network address, counting from the most significant."""
    return (int(net.network_address) >> (net.max_prefixlen - 1 - i)) & 1


def attach(stack, node, depth):
    """Hang node under the nearest node one level up, checking the shape."""
    if depth == 0:
        if node.side != "-":
            raise DumpError("a root (depth 0) must have side '-'")
        stack[:] = [node]
        return None
    if node.side == "-":
        raise DumpError("only a root may have side '-'")
    if depth > len(stack):
        raise DumpError("depth %d, but the line above is at depth %d"
                        % (depth, len(stack) - 1))
    del stack[depth:]
    parent = stack[-1]
    if parent.net.version != node.net.version:
        raise DumpError("an IPv%d node under an IPv%d node"
                        % (node.net.version, parent.net.version))
    if not (node.net.prefixlen > parent.net.prefixlen
            and node.net.subnet_of(parent.net)):
        raise DumpError("%s is not inside its parent %s"
                        % (node.net, parent.net))
    if str(bit_at(node.net, parent.net.prefixlen)) != node.side:
        raise DumpError("%s hangs on side %s of %s, but its bit %d is %d"
                        % (node.net, node.side, parent.net,
                           parent.net.prefixlen,
                           bit_at(node.net, parent.net.prefixlen)))
    if node.side in parent.children:
        raise DumpError("%s has two children on side %s"
                        % (parent.net, node.side))
    parent.children[node.side] = node
    stack.append(node)
    return parent


def parse(lines):
    """Return ([(device, netns, [roots])], {owner hex: base64 key})."""
    devices, names = [], {}
    stack, count = [], 0
    for lineno, raw in enumerate(lines, 1):
        line = raw.rstrip("\n")
        m = WG_SHOW_RE.match(line)
        if m:
            key = m.group(1)
            names[binascii.hexlify(base64.b64decode(key)[:4]).decode()] = key
            continue
        m = DEVICE_RE.match(line.strip())
        if m:
            devices.append((m.group(1), m.group(2), []))
            stack = []
            continue
        m = NODE_RE.match(line.strip())
        if not m:
            continue
        depth, side, prefix, owner = m.groups()
        try:
            net = ipaddress.ip_network(prefix, strict=True)
        except ValueError as err:
            raise DumpError("line %d: %s" % (lineno, err)) from None
        if not devices:
            devices.append(("?", "?", []))
        count += 1
        node = Node("n%d" % count, net, None if owner == "-" else owner,
                    side, lineno)
        try:
            if attach(stack, node, int(depth)) is None:
                devices[-1][2].append(node)
        except DumpError as err:
            raise DumpError("line %d: %s" % (lineno, err)) from None
    if not count:
        raise DumpError("no trie nodes found (is this a dump of "
                        "/sys/kernel/debug/wgtour/allowedips?)")
    return devices, names


def colour(owner):
    try:
        return PALETTE[int(owner, 16) % len(PALETTE)]
    except ValueError:
        return PALETTE[0]


def quote(text):
    """A DOT string; a newline becomes a centred line break."""
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\n", "\\n") + '"'


def walk(node):
    yield node
    for side in "01":
        if side in node.children:
            yield from walk(node.children[side])


def to_dot(devices, names, how, title):
    out = ["// %s" % how,
           "digraph allowedips {",
           "  ordering=out; nodesep=0.25; ranksep=0.35;",
           '  node [shape=box, style="rounded,filled", fillcolor=white,'
           ' fontname="Helvetica", fontsize=11];',
           '  edge [fontname="Helvetica", fontsize=10, arrowsize=0.6];']
    if title:
        out.append("  label=%s; labelloc=t; fontname=\"Helvetica\";"
                   % quote(title))
    for d, (dev, _, roots) in enumerate(devices):
        out.append("  subgraph cluster_dev%d {" % d)
        out.append("    label=%s; fontname=\"Helvetica\"; style=dashed;"
                   % quote("device %s" % dev))
        # dot tends to put the cluster it reads last on the left: emit the
        # tries in reverse so that the first one in the dump (IPv4) is there.
        for r, root in reversed(list(enumerate(roots))):
            out.append("    subgraph cluster_dev%d_%d {" % (d, r))
            out.append("      label=%s; style=solid; color=grey;"
                       % quote("IPv%d trie" % root.net.version))
            for node in walk(root):
                if node.owner:
                    who = names.get(node.owner)
                    who = ("peer %s…" % who[:8]) if who else \
                        ("peer %s" % node.owner)
                    attrs = "label=%s, fillcolor=%s" % (
                        quote("%s\n%s" % (node.net, who)),
                        quote(colour(node.owner)))
                else:
                    attrs = 'label=%s, style="rounded,dashed"' % quote(
                        "%s\nbranch" % node.net)
                out.append("      %s [%s];" % (node.ident, attrs))
            for node in walk(root):
                for side in "01":
                    child = node.children.get(side)
                    if child:
                        out.append("      %s -> %s [label=%s];"
                                   % (node.ident, child.ident, quote(side)))
                    elif node.children:
                        # An invisible stand-in keeps a lone child on its
                        # own side: 0 to the left, 1 to the right.
                        ghost = "%s_%s" % (node.ident, side)
                        out.append("      %s [style=invis, label=\"\","
                                   " width=0.3];" % ghost)
                        out.append("      %s -> %s [style=invis];"
                                   % (node.ident, ghost))
            out.append("    }")
        out.append("  }")
    out.append("}")
    return "\n".join(out) + "\n"


def main(argv):
    ap = argparse.ArgumentParser(
        description="Draw a dump of /sys/kernel/debug/wgtour/allowedips "
                    "as graphviz DOT.")
    ap.add_argument("dump", help="the dump ('-' for standard input)")
    ap.add_argument("-o", "--output", help="write here instead of stdout")
    ap.add_argument("--title", help="a caption inside the figure")
    args = ap.parse_args(argv[1:])

    try:
        if args.dump == "-":
            devices, names = parse(sys.stdin)
        else:
            with open(args.dump, encoding="utf-8") as f:
                devices, names = parse(f)
    except (OSError, DumpError) as err:
        print("trie_dot.py: %s: %s" % (args.dump, err), file=sys.stderr)
        return 1

    cmd = ["traces/trie_dot.py"] + argv[1:]
    how = "generated by: %s -- do not edit, regenerate" % " ".join(
        shlex.quote(a) for a in cmd)
    dot = to_dot(devices, names, how, args.title)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(dot)
    else:
        sys.stdout.write(dot)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

# SPDX-License-Identifier: GPL-2.0
"""Generic-netlink requests for the netlink fuzzer (tests/fuzz/netlink.py),
without sockets: pure functions of a seeded random.Random, checked on the
host (netlink_checks.py).

  Attr              one attribute of a request, a nest or a leaf, that can
                    lie about its length; encoded with wgnl.attr()
  Builder           valid requests: WG_CMD_SET_DEVICE with random device
                    attributes, peers and allowed IPs (now and then lists
                    that fill a whole attribute, 64 KiB), WG_CMD_GET_DEVICE
  TREE_MUTATORS     one change each to a request's attributes: missing,
                    repeated, wrong type numbers, wrong lengths, values,
                    badly nested, lengths that lie or wrap past 16 bits
  HEADER_MUTATORS   one change each to the headers: command, version,
                    reserved byte, flags, a length that lies, junk, a cut
  message()         the bytes, and what the kernel should answer by the
                    headers alone (expected_reply(), unprivileged_errno())
  kernel_view()     the top-level attributes as the kernel parses them
  config_problems() what a GET dump must never show
"""

import errno
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import noise_ref as nr  # noqa: E402
import wgnl  # noqa: E402
from wgnl import (WGDEVICE_A_IFINDEX, WGDEVICE_A_IFNAME, WGDEVICE_A_PRIVATE_KEY,  # noqa: E402
                  WGDEVICE_A_PUBLIC_KEY, WGDEVICE_A_FLAGS, WGDEVICE_A_LISTEN_PORT,
                  WGDEVICE_A_FWMARK, WGDEVICE_A_PEERS, WGPEER_A_PUBLIC_KEY,
                  WGPEER_A_PRESHARED_KEY, WGPEER_A_FLAGS, WGPEER_A_ENDPOINT,
                  WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, WGPEER_A_ALLOWEDIPS,
                  WGPEER_A_PROTOCOL_VERSION, WGPEER_A_LAST_HANDSHAKE_TIME,
                  WGPEER_A_RX_BYTES, WGPEER_A_TX_BYTES, WGALLOWEDIP_A_FAMILY,
                  WGALLOWEDIP_A_IPADDR, WGALLOWEDIP_A_CIDR_MASK,
                  WG_CMD_GET_DEVICE, WG_CMD_SET_DEVICE)

AF_INET, AF_INET6 = 2, 10
NLM_F_REQUEST, NLM_F_ACK, NLM_F_ECHO = 0x1, 0x4, 0x8
NLM_F_DUMP = wgnl.NLM_F_DUMP
NLM_F_DUMP_INTR = 0x10
ATTR_MAX = 0xffff - 4          # the most payload one attribute can carry
WGDEVICE_F_REPLACE_PEERS = 1
WGPEER_F_REMOVE_ME, WGPEER_F_REPLACE_ALLOWEDIPS, WGPEER_F_UPDATE_ONLY = 1, 2, 4
KEY_POOL = 24                  # peers' public keys: few, so requests meet
                               # the peers earlier ones made


class Attr:
    """An attribute: value a list of Attr for a nest, bytes for a leaf.
    nested: NLA_F_NESTED on the wire (the wg tool sets it on every nest);
    length: what the header claims, None for the truth."""

    def __init__(self, atype, value, nested=None, length=None):
        self.type = atype
        self.value = value
        self.nested = isinstance(value, list) if nested is None else nested
        self.length = length

    def is_nest(self) -> bool:
        return isinstance(self.value, list)

    def copy(self):
        value = [c.copy() for c in self.value] if self.is_nest() else self.value
        return Attr(self.type, value, self.nested, self.length)

    def payload(self) -> bytes:
        return b"".join(c.encode() for c in self.value) if self.is_nest() else self.value

    def encode(self) -> bytes:
        return wgnl.attr(self.type | (wgnl.NLA_F_NESTED if self.nested else 0),
                         self.payload(), self.length)


def leaf(atype, fmt, value) -> Attr:
    return Attr(atype, struct.pack(fmt, value))


def encode_all(attrs) -> bytes:
    return b"".join(a.encode() for a in attrs)


def walk(attrs):
    """Every attribute with the list it sits in and its place there, in
    the order they are encoded."""
    for i, a in enumerate(attrs):
        yield attrs, i, a
        if a.is_nest():
            yield from walk(a.value)


def allowed_ip(family, addr, cidr) -> Attr:
    return Attr(0, [leaf(WGALLOWEDIP_A_FAMILY, "=H", family),
                    Attr(WGALLOWEDIP_A_IPADDR, addr),
                    leaf(WGALLOWEDIP_A_CIDR_MASK, "=B", cidr)])


def target(name=None, index=None) -> list:
    """The attributes that name a device."""
    out = []
    if name is not None:
        out.append(Attr(WGDEVICE_A_IFNAME, name.encode() + b"\0"))
    if index is not None:
        out.append(leaf(WGDEVICE_A_IFINDEX, "=I", index))
    return out


# ---------------------------------------------------------------------------
# Valid requests
# ---------------------------------------------------------------------------

class Builder:
    """Random valid requests for a set of devices: devices maps a name to
    its ifindex (the fuzzer's wireguard devices, and others such as "lo");
    wireguard lists the names that are ours; ports, the listen ports the
    devices hold now (kept up to date by the fuzzer), for requests that
    ask for one that is taken."""

    def __init__(self, rng, devices: dict, wireguard: list):
        self.rng = rng
        self.devices = devices
        self.wireguard = wireguard
        self.ports = {}
        self.keys = [rng.randbytes(32) for _ in range(KEY_POOL)]

    def pick_target(self) -> tuple:
        """(attributes, name of the wireguard device meant or None)."""
        rng = self.rng
        name = rng.choice(self.wireguard)
        r = rng.random()
        if r < 0.65:
            return target(name=name), name
        if r < 0.85:
            return target(index=self.devices[name]), name
        other = rng.choice([n for n in self.devices if n not in self.wireguard] or ["lo"])
        return rng.choice((
            (target(name=other), None),
            (target(name="wgnope%d" % rng.randrange(10)), None),
            (target(index=rng.choice((0, 999999, rng.getrandbits(32)))), None),
            (target(name=name, index=self.devices[name]), None),   # both
            ([], None),                                             # neither
        ))

    def key(self) -> bytes:
        r = self.rng.random()
        if r < 0.8:
            return self.rng.choice(self.keys)
        return bytes(32) if r < 0.85 else self.rng.randbytes(32)

    def port(self) -> int:
        rng = self.rng
        taken = [p for p in self.ports.values() if p]
        r = rng.random()
        if r < 0.2 and taken:
            return rng.choice(taken)
        return 0 if r < 0.3 else rng.randrange(20000, 60000)

    def random_allowed_ip(self) -> Attr:
        rng = self.rng
        if rng.random() < 0.7:
            family, size = AF_INET, 4
        else:
            family, size = AF_INET6, 16
        bits = size * 8
        cidr = rng.choice((bits, bits, rng.randint(0, bits)))
        return allowed_ip(family, rng.randbytes(size), cidr)

    def endpoint(self) -> bytes:
        rng = self.rng
        if rng.random() < 0.6:
            host = "192.0.2.%d" % rng.randrange(256)
        else:
            host = "[2001:db8::%x]" % rng.randrange(65536)
        return wgnl.sockaddr("%s:%d" % (host, rng.randrange(1, 65536)))

    def peer(self, n_ips=None) -> Attr:
        rng = self.rng
        attrs = [Attr(WGPEER_A_PUBLIC_KEY, self.key())]
        if rng.random() < 0.3:
            attrs.append(leaf(WGPEER_A_FLAGS, "=I", rng.choice(
                (0, WGPEER_F_REMOVE_ME, WGPEER_F_REPLACE_ALLOWEDIPS,
                 WGPEER_F_UPDATE_ONLY, WGPEER_F_REPLACE_ALLOWEDIPS | WGPEER_F_UPDATE_ONLY))))
        if rng.random() < 0.3:
            attrs.append(Attr(WGPEER_A_PRESHARED_KEY, rng.choice((bytes(32), rng.randbytes(32)))))
        if rng.random() < 0.4:
            attrs.append(Attr(WGPEER_A_ENDPOINT, self.endpoint()))
        if rng.random() < 0.15:
            attrs.append(leaf(WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, "=H",
                              rng.choice((0, 1, 25, 65535))))
        if rng.random() < 0.1:
            attrs.append(leaf(WGPEER_A_PROTOCOL_VERSION, "=I", 1))
        n = rng.choice((0, 0, 1, 1, 2, 3, 5)) if n_ips is None else n_ips
        if n:
            attrs.append(Attr(WGPEER_A_ALLOWEDIPS,
                              [self.random_allowed_ip() for _ in range(n)]))
        return Attr(0, attrs)

    def huge_peers(self) -> Attr:
        """As many peers as one attribute holds (fresh keys), or one peer
        with as many allowed IPs."""
        rng = self.rng
        if rng.random() < 0.5:
            peers, size = [], 4
            while True:
                p = Attr(0, [Attr(WGPEER_A_PUBLIC_KEY, rng.randbytes(32))])
                if rng.random() < 0.3:
                    p.value.append(Attr(WGPEER_A_ALLOWEDIPS, [self.random_allowed_ip()]))
                n = len(p.encode())
                if size + n > ATTR_MAX - 64:
                    return Attr(WGDEVICE_A_PEERS, peers)
                peers.append(p)
                size += n
        ips = Attr(WGPEER_A_ALLOWEDIPS, [])
        size = 4 + 36 + 4 + 4 + 4
        while True:
            ip = self.random_allowed_ip()
            n = len(ip.encode())
            if size + n > ATTR_MAX - 64:
                break
            ips.value.append(ip)
            size += n
        return Attr(WGDEVICE_A_PEERS, [Attr(0, [Attr(WGPEER_A_PUBLIC_KEY, self.key()), ips])])

    def set_device(self, huge=False) -> tuple:
        """(attributes of a valid SET, the device meant or None)."""
        rng = self.rng
        attrs, name = self.pick_target()
        if rng.random() < 0.15:
            attrs.append(Attr(WGDEVICE_A_PRIVATE_KEY,
                              rng.choice((bytes(32), rng.randbytes(32)))))
        if rng.random() < 0.15:
            attrs.append(leaf(WGDEVICE_A_FLAGS, "=I", rng.choice((0, WGDEVICE_F_REPLACE_PEERS))))
        if rng.random() < 0.15:
            attrs.append(leaf(WGDEVICE_A_LISTEN_PORT, "=H", self.port()))
        if rng.random() < 0.15:
            attrs.append(leaf(WGDEVICE_A_FWMARK, "=I", rng.choice((0, rng.getrandbits(32)))))
        if huge:
            attrs.append(self.huge_peers())
        elif rng.random() < 0.8:
            attrs.append(Attr(WGDEVICE_A_PEERS,
                              [self.peer() for _ in range(rng.choice((1, 1, 2, 3, 4)))]))
        return attrs, name

    def get_device(self) -> tuple:
        return self.pick_target()


# ---------------------------------------------------------------------------
# Tree mutators: fn(rng, attrs) -> None, changing attrs (a copy) in place.
# ---------------------------------------------------------------------------

def pick(rng, attrs, want=lambda a: True):
    """A random (list, place, attribute) of the tree, or None."""
    spots = [s for s in walk(attrs) if want(s[2])]
    return rng.choice(spots) if spots else None


def mut_drop(rng, attrs):
    """One attribute (and what it holds) left out."""
    spot = pick(rng, attrs)
    if spot:
        del spot[0][spot[1]]


def mut_repeat(rng, attrs):
    """One attribute sent twice in a row."""
    spot = pick(rng, attrs)
    if spot:
        spot[0].insert(spot[1] + 1, spot[2].copy())


def mut_retype(rng, attrs):
    """One attribute's type number changed (unknown ones included)."""
    spot = pick(rng, attrs)
    if spot:
        old = spot[2].type
        while spot[2].type == old:
            spot[2].type = rng.choice((0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x3fff))


def mut_resize(rng, attrs):
    """One leaf's payload shorter (maybe empty) or longer than its type's."""
    spot = pick(rng, attrs, lambda a: not a.is_nest())
    if spot:
        a = spot[2]
        if a.value and rng.random() < 0.5:
            a.value = a.value[:rng.randrange(len(a.value))]
        else:
            a.value = a.value + rng.randbytes(rng.randint(1, 8))


def mut_value(rng, attrs):
    """One leaf's payload replaced by other bytes of its length: zeros,
    all ones, or random."""
    spot = pick(rng, attrs, lambda a: not a.is_nest() and a.value)
    if spot:
        a, n = spot[2], len(spot[2].value)
        old = a.value
        while a.value == old:
            a.value = rng.choice((bytes(n), b"\xff" * n, rng.randbytes(n)))


def mut_unnest(rng, attrs):
    """A nest that holds random bytes instead of attributes."""
    spot = pick(rng, attrs, Attr.is_nest)
    if spot:
        spot[2].value = rng.randbytes(rng.randint(0, 40))


def mut_renest(rng, attrs):
    """A leaf that holds attributes, or a nest put one level deeper."""
    spot = pick(rng, attrs)
    if spot:
        lst, i, a = spot
        if a.is_nest():
            lst[i] = Attr(a.type, [a])
        else:
            lst[i] = Attr(a.type, [Attr(rng.randrange(1, 11), rng.randbytes(rng.randint(0, 8)))
                                   for _ in range(rng.randint(1, 3))])


def mut_flagflip(rng, attrs):
    """NLA_F_NESTED flipped on one attribute."""
    spot = pick(rng, attrs)
    if spot:
        spot[2].nested = not spot[2].nested


def mut_badlen(rng, attrs):
    """One attribute's header claims a length that is not its own: a bit
    more or less, less than a header, or the most there is."""
    spot = pick(rng, attrs)
    if spot:
        a = spot[2]
        true = 4 + len(a.payload())
        while a.length in (None, true):
            a.length = rng.choice((true + rng.randint(1, 8), max(0, true - rng.randint(1, 8)),
                                   rng.randint(0, 3), 0xffff))


def mut_wrap(rng, attrs):
    """The peers attribute grown past 64 KiB, so that its 16-bit length
    wraps round and claims a small part of what follows."""
    peers = [a for a in attrs if a.type == WGDEVICE_A_PEERS and a.is_nest()]
    if not peers:
        peers = [Attr(WGDEVICE_A_PEERS, [])]
        attrs.append(peers[0])
    size = len(peers[0].payload())
    while size <= ATTR_MAX:
        peer = Attr(0, [Attr(WGPEER_A_PUBLIC_KEY, rng.randbytes(32))])
        peers[0].value.append(peer)
        size += len(peer.encode())


TREE_MUTATORS = {
    "drop": mut_drop, "repeat": mut_repeat, "retype": mut_retype,
    "resize": mut_resize, "value": mut_value, "unnest": mut_unnest,
    "renest": mut_renest, "flagflip": mut_flagflip, "badlen": mut_badlen,
    "wrap": mut_wrap,
}


# ---------------------------------------------------------------------------
# Messages and header mutators
# ---------------------------------------------------------------------------

class Request:
    """One request before it is encoded: family, command, attributes and
    the header fields a mutator may change. claim: the nlmsg_len field,
    None for the truth; junk: bytes after the attributes; cut: the
    datagram cut to this many bytes (nlmsg_len too)."""

    def __init__(self, family, cmd, attrs, flags):
        self.family, self.cmd, self.attrs, self.flags = family, cmd, attrs, flags
        self.version, self.reserved = wgnl.WG_GENL_VERSION, 0
        self.claim, self.junk, self.cut = None, b"", None

    def encode(self, seq: int) -> bytes:
        body = struct.pack("=BBH", self.cmd, self.version, self.reserved) + \
            encode_all(self.attrs) + self.junk
        length = 16 + len(body)
        if self.cut is not None:
            length = min(length, self.cut)
        claim = length if self.claim is None else self.claim(length)
        return (struct.pack("=IHHII", claim & 0xffffffff, self.family,
                            self.flags, seq, 0) + body)[:length]


def hmut_cmd(rng, req):
    """A command the family does not have."""
    req.cmd = rng.choice((2, 3, 100, 255))


def hmut_version(rng, req):
    """A genetlink version other than 1 (the family ignores it)."""
    req.version = rng.choice((0, 2, 255))


def hmut_reserved(rng, req):
    """The genetlink header's reserved bytes not zero."""
    req.reserved = rng.randint(1, 0xffff)


def hmut_flags(rng, req):
    """Other netlink flags: a dump asked of SET, none of GET, no ack, or
    bits that mean something else (ECHO, ATOMIC, ...)."""
    req.flags = rng.choice((req.flags ^ NLM_F_DUMP, req.flags & ~NLM_F_ACK,
                            req.flags | NLM_F_ECHO, req.flags | 0x400 | 0x800,
                            req.flags | (rng.getrandbits(16) & ~NLM_F_DUMP & ~0x1)))
    req.flags |= NLM_F_REQUEST


def hmut_claim_short(rng, req):
    """nlmsg_len a little short (1 to 15 bytes: the rest is too short to
    be read as another message)."""
    d = rng.randint(1, 15)
    req.claim = lambda n: n - d


def hmut_claim_long(rng, req):
    """nlmsg_len longer than the datagram (the kernel drops it unanswered)."""
    d = rng.randint(1, 4096)
    req.claim = lambda n: n + d


def hmut_junk(rng, req):
    """Random bytes after the attributes."""
    req.junk = rng.randbytes(rng.randint(1, 32))


def hmut_cut(rng, req):
    """The datagram cut short, nlmsg_len with it (maybe inside a header;
    never to nothing, which the socket refuses before the kernel reads)."""
    req.cut = rng.randint(1, 16 + 4 + len(encode_all(req.attrs)))


HEADER_MUTATORS = {
    "cmd": hmut_cmd, "version": hmut_version, "reserved": hmut_reserved,
    "flags": hmut_flags, "claim_short": hmut_claim_short,
    "claim_long": hmut_claim_long, "junk": hmut_junk, "cut": hmut_cut,
}
# The ones after which every request is still answered, and only for the
# reasons unprivileged_errno() knows.
ANSWERED_HEADER_MUTATORS = ("cmd", "version", "reserved", "flags", "junk")


def header_fields(data: bytes) -> tuple:
    """(nlmsg_len, flags, cmd, reserved) of an encoded request."""
    claim, _, flags = struct.unpack_from("=IHH", data)
    cmd, _, reserved = struct.unpack_from("=BBH", data, 16) if len(data) >= 20 else (None, 0, 0)
    return claim, flags, cmd, reserved


def expected_reply(data: bytes) -> str:
    """What the kernel must answer by the headers alone (netlink_rcv_skb()
    in net/netlink/af_netlink.c): "none" (too short, or nlmsg_len longer
    than the datagram), "ack" (not a request: acknowledged, not run),
    "final" (one error, ack or end of dump), "error-only" (no ack asked:
    an answer only on error)."""
    if len(data) < 16:
        return "none"
    claim, flags, cmd, _ = header_fields(data)
    if claim < 16 or claim > len(data):
        return "none"
    if not flags & NLM_F_REQUEST:
        return "ack" if flags & NLM_F_ACK else "none"
    if flags & NLM_F_ACK or (flags & NLM_F_DUMP) == NLM_F_DUMP:
        return "final"
    return "error-only"


def unprivileged_errno(data: bytes) -> int:
    """The error a request from outside the user namespace that owns the
    network namespace gets (genl_family_rcv_msg() in
    net/netlink/genetlink.c): EINVAL for a header too short or, for
    commands past the family's old ones, reserved bits; EOPNOTSUPP for an
    unknown command; EPERM for the two commands, which need CAP_NET_ADMIN
    there. For requests expected_reply() does not call "none" or "ack"."""
    claim, flags, cmd, reserved = header_fields(data)
    if claim < 20:
        return errno.EINVAL
    if cmd not in (WG_CMD_GET_DEVICE, WG_CMD_SET_DEVICE):
        if (flags & NLM_F_DUMP) == NLM_F_DUMP:
            flags &= ~NLM_F_DUMP
        if reserved or flags & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO):
            return errno.EINVAL
        return errno.EOPNOTSUPP
    return errno.EPERM


def nla_walk(body: bytes) -> list:
    """[(type, payload)] of a run of attributes as the kernel walks them
    (nla_ok() in include/net/netlink.h: a header, and a length of at least
    a header that fits in what is left; the first that does not ends the
    run). wgnl.parse_attrs() is kinder: it reads on into a short one."""
    out = []
    while len(body) >= 4:
        length, atype = struct.unpack_from("=HH", body)
        if length < 4 or length > len(body):
            break
        out.append((atype & wgnl.NLA_TYPE_MASK, body[4:length]))
        body = body[(length + 3) & ~3:]
    return out


def kernel_view(data: bytes) -> list:
    """The top-level attribute types of an encoded request, in order, as
    the kernel sees them."""
    claim = header_fields(data)[0]
    return [t for t, _ in nla_walk(data[20:min(claim, len(data))])]


# ---------------------------------------------------------------------------
# What a dump must never show
# ---------------------------------------------------------------------------

VOLATILE = (WGPEER_A_LAST_HANDSHAKE_TIME, WGPEER_A_RX_BYTES, WGPEER_A_TX_BYTES)


def normalize(device: dict) -> dict:
    """A configuration to compare (wgnl.read_device()'s), without what
    traffic changes by itself: last handshake, byte counters."""
    out = {k: v for k, v in device.items() if k != "peers"}
    out["peers"] = [{k: v for k, v in p.items() if k not in VOLATILE}
                    for p in device["peers"]]
    return out


_public_of = {}


def public_of(private: bytes) -> bytes:
    if private not in _public_of:
        _public_of[private] = nr.x25519_public(private)
    return _public_of[private]


def prefix_problem(family, addr, cidr) -> str:
    if family not in (struct.pack("=H", AF_INET), struct.pack("=H", AF_INET6)):
        return "allowed IP of family %r" % family
    size = 4 if family == struct.pack("=H", AF_INET) else 16
    if addr is None or len(addr) != size or cidr is None or len(cidr) != 1:
        return "allowed IP with a malformed address or cidr"
    bits = cidr[0]
    if bits > size * 8:
        return "allowed IP /%d" % bits
    if int.from_bytes(addr, "big") & ((1 << (size * 8 - bits)) - 1):
        return "allowed IP %s/%d with host bits set" % (addr.hex(), bits)
    return ""


def config_problems(device: dict) -> list:
    """Everything wrong with a dumped configuration: the public key not
    the private key's, peers twice or with our own key, allowed IPs that
    are not canonical prefixes or belong to two peers, fields of the wrong
    size."""
    problems = []
    priv = device.get(WGDEVICE_A_PRIVATE_KEY)
    pub = device.get(WGDEVICE_A_PUBLIC_KEY)
    if (priv is None) != (pub is None):
        problems.append("a private key without a public key, or the other way")
    elif priv is not None and (len(priv) != 32 or public_of(priv) != pub):
        problems.append("the public key is not the private key's")
    seen_keys, seen_ips = set(), set()
    for p in device["peers"]:
        key = p.get(WGPEER_A_PUBLIC_KEY)
        if key is None or len(key) != 32:
            problems.append("a peer without a 32-byte public key")
        elif key in seen_keys:
            problems.append("peer %s twice" % key[:4].hex())
        elif key == pub:
            problems.append("a peer with the device's own key")
        seen_keys.add(key)
        for atype, size in ((WGPEER_A_PRESHARED_KEY, 32),
                            (WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 2),
                            (WGPEER_A_PROTOCOL_VERSION, 4)):
            if atype in p and len(p[atype]) != size:
                problems.append("peer field %d of %d bytes" % (atype, len(p[atype])))
        ep = p.get(WGPEER_A_ENDPOINT)
        if ep is not None and (ep[:2], len(ep)) not in ((struct.pack("=H", AF_INET), 16),
                                                        (struct.pack("=H", AF_INET6), 28)):
            problems.append("an endpoint of %d bytes, family %s" % (len(ep), ep[:2].hex()))
        for ip in p["allowedips"]:
            why = prefix_problem(*ip)
            if why:
                problems.append(why)
            elif ip in seen_ips:
                problems.append("allowed IP %s/%d of two peers" % (ip[1].hex(), ip[2][0]))
            seen_ips.add(ip)
    return problems

# SPDX-License-Identifier: GPL-2.0
"""The datagrams of the wire fuzzer (tests/fuzz/wire.py), without sockets.

Pure functions of a seeded random.Random and of what the fuzzer holds of
its sessions with the device (the Peer below), so that a run can be
replayed from its seed and the host can check them (tests/host/fuzz_gen.sh):

  classify(msg)      what the module's first check (wgt_classify() in
                     module/receive.c) makes of a datagram: its message
                     type, or 0 for "malformed message"
  MUTATORS           one change each to a valid message, by name; each says
                     in its docstring what it changes and nothing else
  Generator.next()   the next few datagrams of one of the KINDS: random
                     bytes, messages of the right type and length with
                     random contents, the four genuine messages mutated,
                     genuine data messages with inner packets the device
                     must refuse, replays, initiations from unknown keys

The cryptography is noise_ref.py's, which is slow (pure Python): a genuine
data message is made once and mutated several times (a "family").
"""

import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import noise_ref as nr  # noqa: E402

# module/messages.h: the handshake messages' exact lengths; a data message
# is a 16-byte header and at least a 16-byte tag.
MSG_LEN = {nr.MSG_INITIATION: nr.INITIATION_LEN, nr.MSG_RESPONSE: nr.RESPONSE_LEN,
           nr.MSG_COOKIE_REPLY: nr.COOKIE_REPLY_LEN}
DATA_MIN_LEN = 32
# The largest UDP payload over IPv4; more than an MTU is sent as IP
# fragments, which the device's stack reassembles.
UDP_MAX = 65507

# Each message's fields past the type byte: (name, start, end); the
# sealed part of a data message runs to its end (None).
FIELDS = {
    1: (("reserved", 1, 4), ("sender", 4, 8), ("ephemeral", 8, 40),
        ("static", 40, 88), ("timestamp", 88, 116), ("mac1", 116, 132),
        ("mac2", 132, 148)),
    2: (("reserved", 1, 4), ("sender", 4, 8), ("receiver", 8, 12),
        ("ephemeral", 12, 44), ("empty", 44, 60), ("mac1", 60, 76),
        ("mac2", 76, 92)),
    3: (("reserved", 1, 4), ("receiver", 4, 8), ("nonce", 8, 32),
        ("cookie", 32, 64)),
    4: (("reserved", 1, 4), ("receiver", 4, 8), ("counter", 8, 16),
        ("sealed", 16, None)),
}
# The index the device looks a message up by (or, for an initiation, the
# one it will answer to).
INDEX_FIELD = {1: "sender", 2: "receiver", 3: "receiver", 4: "receiver"}
# A Curve25519 point of small order: Diffie-Hellman with it gives zero,
# which the module must refuse ("bad ephemeral key").
LOW_ORDER_POINT = bytes(32)


def classify(msg: bytes) -> int:
    """The message type the device takes msg for, 0 when malformed: the
    first four bytes (the type and three reserved zero bytes) must be a
    known type, and the length must be that type's."""
    if len(msg) < 4:
        return 0
    mtype = struct.unpack_from("<I", msg)[0]
    if mtype in MSG_LEN:
        return mtype if len(msg) == MSG_LEN[mtype] else 0
    if mtype == nr.MSG_DATA:
        return mtype if len(msg) >= DATA_MIN_LEN else 0
    return 0


def field(mtype: int, name: str) -> tuple:
    """(start, end) of a field of a message of mtype; end None: to the end."""
    for fname, start, end in FIELDS[mtype]:
        if fname == name:
            return start, end
    raise KeyError(name)


def replace(msg: bytes, start: int, end, new: bytes) -> bytes:
    end = len(msg) if end is None else end
    return msg[:start] + new + msg[end:]


def different(rng, old: bytes) -> bytes:
    """Random bytes as long as old, never equal to it."""
    while True:
        new = rng.randbytes(len(old))
        if new != old:
            return new


# ---------------------------------------------------------------------------
# Mutators: fn(rng, msg, mtype) -> bytes, msg a valid message of mtype.
# ---------------------------------------------------------------------------

def mut_field(rng, msg, mtype):
    """One field (not the type byte) replaced by other bytes of its size;
    an ephemeral key now and then by a point of small order."""
    name, start, end = rng.choice(FIELDS[mtype])
    old = msg[start:end] if end is not None else msg[start:]
    new = different(rng, old)
    if name == "ephemeral" and old != LOW_ORDER_POINT and rng.random() < 0.25:
        new = LOW_ORDER_POINT
    return replace(msg, start, end, new)


def mut_bitflip(rng, msg, mtype):
    """One to three different bits flipped anywhere, the type byte too."""
    out = bytearray(msg)
    for bit in rng.sample(range(len(msg) * 8), rng.randint(1, 3)):
        out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def mut_reserved(rng, msg, mtype):
    """The three reserved bytes after the type set, not all zero."""
    while True:
        new = rng.randbytes(3)
        if new != b"\x00" * 3:
            return msg[:1] + new + msg[4:]


def mut_retype(rng, msg, mtype):
    """The type byte changed: another type, none, or a byte from nowhere."""
    while True:
        new = rng.choice((0, 1, 2, 3, 4, 5, 0x7f, 0xff, rng.randrange(256)))
        if new != msg[0]:
            return bytes([new]) + msg[1:]


def mut_truncate(rng, msg, mtype):
    """Cut short: a strict prefix, maybe empty."""
    return msg[:rng.randrange(len(msg))]


def mut_extend(rng, msg, mtype):
    """Random bytes appended: a few, now and then up to a jumbo datagram,
    rarely up to the largest UDP payload (sent as IP fragments)."""
    r = rng.random()
    if r < 0.98:
        n = rng.randint(1, 64)
    elif r < 0.999:
        n = rng.randint(65, 9000)
    else:
        n = rng.randint(9001, UDP_MAX - len(msg))
    return msg + rng.randbytes(n)


def mut_index(rng, msg, mtype):
    """The index the device looks the message up by, changed."""
    start, end = field(mtype, INDEX_FIELD[mtype])
    return replace(msg, start, end, different(rng, msg[start:end]))


def mut_counter(rng, msg, mtype):
    """A data message's counter changed (its nonce: the tag no longer
    fits), to a small, a random or a huge value."""
    old = struct.unpack_from("<Q", msg, 8)[0]
    while True:
        new = rng.choice((0, 1, rng.getrandbits(64), 2**64 - 1,
                          2**64 - 8193, old + 1, max(0, old - 1)))
        if new != old and new < 2**64:
            return msg[:8] + struct.pack("<Q", new) + msg[16:]


def mut_tag(rng, msg, mtype):
    """A data message's 16-byte tag, its last bytes, changed."""
    return msg[:-16] + different(rng, msg[-16:])


def mut_mac1(rng, msg, mtype):
    """A handshake message's mac1 changed."""
    start, end = field(mtype, "mac1")
    return replace(msg, start, end, different(rng, msg[start:end]))


def mut_mac2(rng, msg, mtype):
    """A handshake message's mac2 changed (a cookie nobody gave)."""
    start, end = field(mtype, "mac2")
    return replace(msg, start, end, different(rng, msg[start:end]))


MUTATORS = {
    "field": mut_field, "bitflip": mut_bitflip, "reserved": mut_reserved,
    "retype": mut_retype, "truncate": mut_truncate, "extend": mut_extend,
    "index": mut_index, "counter": mut_counter, "tag": mut_tag,
    "mac1": mut_mac1, "mac2": mut_mac2,
}
_COMMON = ("field", "bitflip", "reserved", "retype", "truncate", "extend",
           "index")
APPLICABLE = {1: _COMMON + ("mac1", "mac2"), 2: _COMMON + ("mac1", "mac2"),
              3: _COMMON, 4: _COMMON + ("counter", "tag")}


def remac(msg: bytes, device_public: bytes) -> bytes:
    """A handshake message's mac1 made right again for the device (mac2
    zero): the mutant gets past the cheap check to the expensive ones."""
    return nr.add_macs(msg[:-32], device_public)


def mutate(rng, msg: bytes, device_public: bytes) -> tuple:
    """One or two mutators on a valid message, then, for a handshake
    message still of its length, half the time a fresh mac1. Returns the
    mutant and the names of what was done ("+remac" last)."""
    mtype = classify(msg)
    names = []
    for name in rng.sample(APPLICABLE[mtype], rng.choice((1, 1, 2))):
        msg = MUTATORS[name](rng, msg, mtype)
        names.append(name)
        # A mutator is written for a message of its type: stop stacking
        # once this one is not.
        if classify(msg) != mtype:
            break
    if (mtype in (1, 2) and classify(msg) == mtype and
            not {"mac1", "mac2"} & set(names) and rng.random() < 0.5):
        msg = remac(msg, device_public)
        names.append("remac")
    return msg, names


# ---------------------------------------------------------------------------
# Inner packets, for genuine data messages whose contents the device must
# refuse after decrypting them (module/receive.c, wgt_check_inner()).
# ---------------------------------------------------------------------------

INNER_KINDS = ("keepalive", "ping", "not_ip", "bad_v4_len", "bad_v6_len",
               "source", "ce")


def ipv4_header(src: bytes, dst: bytes, total: int) -> bytes:
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, total, 0, 0, 64, 1, 0, src, dst)
    return ip[:10] + struct.pack(">H", nr.internet_checksum(ip)) + ip[12:]


def inner_packet(rng, kind: str, src: bytes, dst: bytes) -> bytes:
    """The plaintext of a data message of an INNER_KINDS kind, from src to
    dst (the peer's inner address and the device's). "ce" is a valid ping,
    not ECN-capable, that the caller sends with the outer header's
    congestion mark set."""
    if kind == "keepalive":
        return b""
    if kind in ("ping", "ce"):
        return nr.icmp_echo_request(src, dst, rng.randbytes(rng.randint(0, 56)))
    if kind == "source":
        # 10.99.x.y is no peer's allowed IP on the device
        return nr.icmp_echo_request(bytes([10, 99]) + rng.randbytes(2), dst, b"")
    if kind == "not_ip":
        version = rng.choice((0, 1, 2, 3, 5, 7, 8, 15))
        return bytes([version << 4 | 5]) + rng.randbytes(rng.randint(0, 60))
    if kind == "bad_v4_len":
        body = rng.randbytes(rng.randint(0, 40))
        # longer than the padded plaintext, or shorter than a header
        total = rng.choice((20 + len(body) + 64, rng.randint(0, 19)))
        return ipv4_header(src, dst, total) + body
    # bad_v6_len: an IPv6 header claiming more payload than follows
    body = rng.randbytes(8)
    return (struct.pack(">IHBB", 6 << 28, len(body) + 64, 58, 64) +
            b"\xfd" + bytes(15) + b"\xfd" + bytes(14) + b"\x01" + body)


# ---------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------

# (kind, weight): how often each kind is chosen. A "data" choice sends a
# genuine message and up to DATA_FAMILY mutants of it.
KINDS = (("random", 200), ("typed", 150), ("mac_valid", 80),
         ("initiation", 100), ("response", 60), ("cookie", 60),
         ("data", 120), ("inner", 20), ("replay", 80), ("unknown_peer", 10))
DATA_FAMILY = 8
RECENT = 64     # genuine messages kept for replays


def random_length(rng) -> int:
    """Mostly short, often near a message's length, rarely past the MTU."""
    r = rng.random()
    if r < 0.4:
        return rng.randrange(0, 33)
    if r < 0.7:
        return rng.randrange(33, 200)
    if r < 0.9:
        return rng.choice((148, 92, 64, 32)) + rng.randrange(-2, 3)
    if r < 0.999:
        return rng.randrange(200, 1473)
    return rng.randrange(1473, UDP_MAX + 1)


class Generator:
    """The datagrams of one fuzzing peer, a few at a time. The peer (wire.py's
    Peer, or the host test's stand-in) has:

      device_public   the device's static public key (for mac1)
      templates       {1: initiation, 2: response, 3: cookie reply}: the last
                      genuine one of each that the fuzzer sent
      session         (receiver index, sending key) of its data session
      counter         the next unused counter of that session
      inner, device_inner   the inner IPv4 addresses, 4 bytes each
      unknown         genuine initiations from keys the device does not know
    """

    def __init__(self, rng, peer):
        self.rng = rng
        self.peer = peer
        self.recent = []
        self.kinds = [k for k, _ in KINDS]
        self.weights = [w for _, w in KINDS]

    def next(self) -> list:
        """[(datagram, route, label)]: route "main" (the peer's own socket:
        genuine messages, so the device's endpoint for it stays put), "ce"
        (the socket that sets the congestion mark) or "any" (any socket,
        any source address); label is what the statistics count it as."""
        kind = self.rng.choices(self.kinds, self.weights)[0]
        return getattr(self, "make_" + kind)()

    def remember(self, msg: bytes) -> None:
        self.recent.append(msg)
        if len(self.recent) > RECENT:
            del self.recent[0]

    def make_random(self):
        return [(self.rng.randbytes(random_length(self.rng)), "any", "random")]

    def make_typed(self):
        """A known type and, mostly, its length; random contents."""
        rng = self.rng
        mtype = rng.choice((1, 2, 3, 4))
        n = MSG_LEN.get(mtype) or rng.randint(DATA_MIN_LEN, 300)
        if rng.random() < 0.1:
            n += rng.choice((-3, -2, -1, 1, 2, 3))
        return [(nr.header(mtype) + rng.randbytes(n - 4), "any", "typed")]

    def make_mac_valid(self):
        """An initiation or response of random contents but a right mac1:
        the device spends a Diffie-Hellman on it before it can refuse."""
        rng = self.rng
        mtype = rng.choice((1, 2))
        body = nr.header(mtype) + rng.randbytes(MSG_LEN[mtype] - 36)
        if mtype == 1 and rng.random() < 0.2:
            body = replace(body, 8, 40, LOW_ORDER_POINT)
        return [(nr.add_macs(body, self.peer.device_public), "any", "mac_valid")]

    def mutant_of(self, mtype: int, label: str):
        msg, _ = mutate(self.rng, self.peer.templates[mtype],
                        self.peer.device_public)
        return [(msg, "any", label)]

    def make_initiation(self):
        return self.mutant_of(1, "initiation")

    def make_response(self):
        return self.mutant_of(2, "response")

    def make_cookie(self):
        return self.mutant_of(3, "cookie")

    def genuine_data(self, packet: bytes) -> bytes:
        index, key = self.peer.session
        msg = nr.data_message(index, key, self.peer.counter, packet)
        self.peer.counter += 1
        self.remember(msg)
        return msg

    def make_data(self):
        """A genuine data message (a keepalive, or a ping the device
        answers), then up to DATA_FAMILY mutants of it."""
        rng = self.rng
        kind = "keepalive" if rng.random() < 0.7 else "ping"
        msg = self.genuine_data(inner_packet(rng, kind, self.peer.inner,
                                             self.peer.device_inner))
        out = [(msg, "main", "data_genuine")]
        for _ in range(rng.randint(1, DATA_FAMILY)):
            mutant, _ = mutate(rng, msg, self.peer.device_public)
            out.append((mutant, "any", "data"))
        return out

    def make_inner(self):
        """A genuine data message whose inner packet the device must drop
        (or deliver: a keepalive, a ping)."""
        kind = self.rng.choice(INNER_KINDS)
        msg = self.genuine_data(inner_packet(self.rng, kind, self.peer.inner,
                                             self.peer.device_inner))
        return [(msg, "ce" if kind == "ce" else "main", "inner_" + kind)]

    def make_replay(self):
        """A genuine message sent again, from anywhere."""
        if not self.recent:
            return self.make_random()
        return [(self.rng.choice(self.recent), "any", "replay")]

    def make_unknown_peer(self):
        """A genuine initiation from a key the device has no peer for."""
        return [(self.rng.choice(self.peer.unknown), "any", "unknown_peer")]

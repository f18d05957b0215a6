#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A scripted WireGuard peer for tests/vm/rx_replay_malformed.sh.

    rx_peer.py run HOST PORT PRIVKEY_FILE PEER_PUBKEY_B64 SRC DST ELSEWHERE

Completes a real handshake, as initiator, with the device listening on
HOST:PORT (its public key PEER_PUBKEY_B64; our static private key is the
base64 key in PRIVKEY_FILE, no preshared key), then:

  replay   sends data messages with counters of our choosing, each an ICMP
           echo request from SRC to DST (inner IPv4) whose sequence number
           tags the message, and sees which come back as echo replies
           (which the device sends under the session's other key, and we
           decrypt): step by step, in order, duplicates, reordering inside
           the window, the window's edge, big jumps, the bitmap wrapping
           round, a counter at REJECT_AFTER_MESSAGES;
  malformed sends datagrams the device must drop: too short, wrong types,
           reserved bytes set, handshake types with wrong lengths, an
           unknown receiver index, bad tags, random bytes, handshake
           messages with a bad MAC1; then a valid ping, which must still
           be answered; last, from a second socket bound to the local
           address ELSEWHERE, a data message with a bad tag and a replay
           of a genuine one, which must not move the device's endpoint
           for us (it is learnt only from authentic, new messages).

Prints "check ok|fail DESCRIPTION" lines for the shell to turn into TAP,
"expect NAME N" lines with how many of each drop reason the device should
have logged, "expect endpoint ADDR:PORT" (our main socket's address, which
the device must still hold for us at the end), and "#" diagnostics. Exit status 0 when the handshake
completed (whatever the checks said), 1 when it did not.

Standard library only; the cryptography is noise_ref.py's (pure Python,
slow but plenty for a few dozen messages).
"""

import base64
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import noise_ref as nr  # noqa: E402

# module/noise.h: WGT_REPLAY_BITS 8192, minus BITS_PER_LONG (64)
WINDOW = 8192 - 64
BITS = 8192
# module/messages.h: WGT_REJECT_AFTER_MESSAGES, 2^64 - 2^13 - 1
REJECT_AFTER_MESSAGES = 2**64 - 1 - 8192
ICMP_ID = 0x7772


def tai64n() -> bytes:
    now = time.time_ns()
    return struct.pack(">QI", 0x400000000000000a + now // 10**9, now % 10**9)


def echo_request(src: bytes, dst: bytes, seq: int, counter: int) -> bytes:
    payload = b"wgtour-rx" + struct.pack(">Q", counter)
    return nr.icmp_echo_request(src, dst, payload, ICMP_ID, seq)


class Peer:
    def __init__(self, host, port, priv, peer_pub, src, dst):
        self.sock = socket.socket(socket.AF_INET6 if ":" in host
                                  else socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.connect((host, port))
        self.priv, self.peer_pub = priv, peer_pub
        self.src, self.dst = src, dst
        self.seq = 0
        self.results = []

    def handshake(self) -> bool:
        init = nr.Initiator(self.priv, self.peer_pub, nr.ZERO_PSK)
        self.my_index = struct.unpack("<I", os.urandom(4))[0]
        msg = init.create_initiation(os.urandom(32), tai64n(), self.my_index)
        for attempt in range(3):
            self.sock.send(msg)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                self.sock.settimeout(max(0.01, deadline - time.monotonic()))
                try:
                    r = self.sock.recv(2048)
                except (socket.timeout, ConnectionRefusedError):
                    continue
                if len(r) != nr.RESPONSE_LEN or r[0] != nr.MSG_RESPONSE:
                    print(f"# handshake: ignored {len(r)} bytes")
                    continue
                try:
                    self.send_key, self.recv_key = init.consume_response(r)
                except (ValueError, AssertionError) as e:
                    print(f"# the response does not verify: {e!r}")
                    return False
                self.their_index = struct.unpack_from("<I", r, 4)[0]
                print(f"# handshake done: our index {self.my_index:08x}, "
                      f"theirs {self.their_index:08x}")
                return True
            print(f"# no response to initiation {attempt + 1}")
            # a retry needs a fresh timestamp and ephemeral
            init = nr.Initiator(self.priv, self.peer_pub, nr.ZERO_PSK)
            msg = init.create_initiation(os.urandom(32), tai64n(), self.my_index)
        return False

    def check(self, ok: bool, desc: str):
        print(f"check {'ok' if ok else 'fail'} {desc}")
        self.results.append(ok)

    def data(self, counter: int, packet: bytes) -> bytes:
        return nr.data_message(self.their_index, self.send_key, counter, packet)

    def ping_msg(self, counter: int) -> tuple:
        """A data message carrying an echo request; returns (msg, seq)."""
        self.seq += 1
        return self.data(counter, echo_request(self.src, self.dst, self.seq,
                                               counter)), self.seq

    def collect(self, want: set, timeout: float, grace: float) -> set:
        """Echo-reply sequence numbers that come back: wait for all of
        want (at most timeout s), then grace s more for any others."""
        got = set()
        deadline = time.monotonic() + timeout
        extended = False
        while True:
            if not extended and want <= got:
                deadline = min(deadline, time.monotonic() + grace)
                extended = True
            left = deadline - time.monotonic()
            if left <= 0:
                return got
            self.sock.settimeout(left)
            try:
                m = self.sock.recv(2048)
            except (socket.timeout, ConnectionRefusedError):
                continue
            if len(m) < 32 or m[:4] != nr.header(nr.MSG_DATA):
                print(f"# received {len(m)} bytes, type {m[0]}")
                continue
            index, counter = struct.unpack_from("<IQ", m, 4)
            try:
                p = nr.AEAD_open(self.recv_key, counter, m[16:], b"")
            except ValueError:
                print(f"# a data message that does not open, counter {counter}")
                continue
            if index != self.my_index:
                print(f"# data message to index {index:08x}")
            if not p:
                print(f"# keepalive from the device, counter {counter}")
                continue
            if (len(p) >= 28 and p[9] == 1 and p[20] == 0 and
                    struct.unpack_from(">H", p, 24)[0] == ICMP_ID):
                got.add(struct.unpack_from(">H", p, 26)[0])
            else:
                print(f"# another packet: {p[:28].hex()}")

    def step(self, desc: str, plan: list, gap: float = 0.02):
        """plan: (counter, accepted?) pairs, sent in order; each one's echo
        reply must come back exactly when it should be accepted."""
        want, tags = set(), {}
        for counter, accept in plan:
            msg, seq = self.ping_msg(counter)
            tags[seq] = counter
            if accept:
                want.add(seq)
            self.sock.send(msg)
            time.sleep(gap)
        got = self.collect(want, 8, 1.5)
        answered = [tags[s] for s in sorted(got) if s in tags]
        expected = [tags[s] for s in sorted(want)]
        print(f"# {desc}: sent {[c for c, _ in plan]}, answered {answered}, "
              f"want {expected}")
        self.check(got == want, f"{desc}: counters {fmt(plan)}")
        return got == want


def fmt(plan: list) -> str:
    return " ".join(f"{c if c < 2**32 else 'R'}{'+' if a else '-'}"
                    for c, a in plan)


def replay(p: Peer) -> dict:
    """The replay window; returns how many drops and deliveries to expect."""
    # counter 0: a keepalive, which also confirms the session for the
    # responder (it promotes its "next" keypair on the first data message)
    p.sock.send(p.data(0, b""))
    time.sleep(0.3)
    # E: a greatest counter whose window's oldest, E - WINDOW, is 1016;
    # J: a jump of more than the bitmap past it
    E, J = WINDOW + 1016, WINDOW + 1016 + 2 * BITS
    steps = [
        ("in order", [(c, True) for c in range(1, 8)]),
        ("duplicates dropped (an old one, the greatest)",
         [(3, False), (7, False)]),
        ("reordered inside the window accepted",
         [(20, True), (15, True), (12, True), (19, True), (8, True), (11, True)]),
        ("a duplicate of a reordered one dropped", [(15, False)]),
        (f"window edge: greatest - {WINDOW} accepted, - {WINDOW + 1} too old",
         [(E, True), (E - WINDOW, True), (E - WINDOW - 1, False),
          (E - 1000, True), (E - 1000, False), (21, False)]),
        ("a jump of more than the bitmap, then 1000 behind",
         [(J, True), (J - 1000, True), (E, False)]),
        # J + BITS shares J's bit; the slide must clear it, but not the
        # bit of J + 100, which is still inside the window
        ("the bitmap wraps round: a reused bit is cleared, a live one not",
         [(J + 100, True), (J + BITS, True), (J, False),
          (J + BITS - WINDOW, True), (J + 100, False)]),
        ("a counter at REJECT_AFTER_MESSAGES dropped; the window did not move",
         [(REJECT_AFTER_MESSAGES, False), (J + BITS - 1, True)]),
        ("in order again", [(J + BITS + 1, True), (J + BITS + 2, True)]),
    ]
    # the keepalive again: a replay of counter 0, dropped before it is
    # seen to be empty
    p.sock.send(p.data(0, b""))
    time.sleep(0.2)
    drops, delivered = 1, 0
    for desc, plan in steps:
        p.step(desc, plan)
        drops += sum(1 for _, a in plan if not a)
        delivered += sum(1 for _, a in plan if a)
    p.next_counter = J + BITS + 3
    return {"replayed": drops, "delivered": delivered, "keepalives": 1}


def malformed(p: Peer) -> dict:
    """Datagrams that must be dropped; returns the reasons to expect."""
    msgs = []
    # too short for a header, or for a data message (16 + 16 bytes)
    for n in range(1, 16):
        msgs.append(("malformed", bytes([4, 0, 0, 0])[:n] + b"\x00" * max(0, n - 4)))
    msgs.append(("malformed", nr.header(4) + b"\x00" * 12))     # 16 bytes
    msgs.append(("malformed", nr.header(4) + b"\x00" * 27))     # 31 bytes
    # wrong types, and valid types with reserved bytes set
    msgs.append(("malformed", nr.header(5) + os.urandom(144)))
    msgs.append(("malformed", nr.header(0) + os.urandom(28)))
    msgs.append(("malformed", bytes([1, 0, 0, 1]) + os.urandom(144)))
    msgs.append(("malformed", bytes([4, 1, 0, 0]) +
                 p.data(p.next_counter, b"")[4:]))
    msgs.append(("malformed", struct.pack("<I", 0x01000000) + os.urandom(60)))
    # handshake types with the wrong lengths
    for t, n in ((1, nr.INITIATION_LEN), (2, nr.RESPONSE_LEN),
                 (3, nr.COOKIE_REPLY_LEN)):
        msgs.append(("malformed", nr.header(t) + os.urandom(n - 5)))
        msgs.append(("malformed", nr.header(t) + os.urandom(n - 3)))
    # random bytes whose first word is no message type
    for _ in range(12):
        while True:
            b = os.urandom(1 + os.urandom(1)[0])
            if len(b) < 4 or struct.unpack_from("<I", b)[0] not in (1, 2, 3, 4):
                break
        msgs.append(("malformed", b))
    # a data message for an index nobody has
    good = p.data(p.next_counter, b"")
    bad_index = bytearray(good)
    bad_index[4:8] = struct.pack("<I", p.their_index ^ 0xa5a5a5a5)
    msgs.append(("unknown_index", bytes(bad_index)))
    # bad tags: the last byte flipped, and a ciphertext byte flipped
    msg, _ = p.ping_msg(p.next_counter)
    msgs.append(("decrypt", msg[:-1] + bytes([msg[-1] ^ 0x80])))
    msgs.append(("decrypt", msg[:20] + bytes([msg[20] ^ 1]) + msg[21:]))
    # handshake messages of the right length with a bad MAC1
    msgs.append(("bad_mac1", nr.header(1) + os.urandom(nr.INITIATION_LEN - 4)))
    msgs.append(("bad_mac1", nr.header(2) + os.urandom(nr.RESPONSE_LEN - 4)))
    # a cookie reply to an index nobody has
    msgs.append(("cookie_unknown", nr.header(3) + struct.pack("<I", p.my_index ^ 0x5a5a5a5a) +
                 os.urandom(nr.COOKIE_REPLY_LEN - 8)))
    counts = {}
    for kind, m in msgs:
        p.sock.send(m)
        counts[kind] = counts.get(kind, 0) + 1
        time.sleep(0.01)
    print(f"# sent {len(msgs)} malformed or forged datagrams: {counts}")
    got = p.collect(set(), 1.5, 0)
    p.check(not got, "nothing forged is answered")
    # The counter of the messages with bad tags was never marked as seen:
    # the genuine message with that counter is accepted, and then the
    # tunnel still works.
    p.step("after the garbage, the genuine message with the bad tags' counter, "
           "and the next",
           [(p.next_counter, True), (p.next_counter + 1, True)])
    # From another address: a bad tag, and a genuine message whose counter
    # was just used. Neither is authentic and new, so neither may move the
    # endpoint (the shell compares "wg show endpoints" with ours).
    forged, _ = p.ping_msg(p.next_counter + 2)
    replayed, _ = p.ping_msg(p.next_counter + 1)
    other = socket.socket(p.sock.family, socket.SOCK_DGRAM)
    other.bind((p.elsewhere, 0))
    other.connect(p.sock.getpeername())
    other.send(forged[:-1] + bytes([forged[-1] ^ 0x80]))
    other.send(replayed)
    print(f"# from {other.getsockname()}: a bad tag and a replay")
    other.close()
    time.sleep(0.5)
    counts["decrypt"] += 1
    counts["replayed"] = 1
    return counts


def main(argv: list) -> int:
    if len(argv) != 8 or argv[0] != "run":
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    host, port, keyfile, peer_pub, src, dst, elsewhere = argv[1:]
    with open(keyfile) as f:
        priv = base64.b64decode(f.read().strip())
    p = Peer(host, int(port), priv, base64.b64decode(peer_pub),
             socket.inet_aton(src), socket.inet_aton(dst))
    p.elsewhere = elsewhere
    t0 = time.monotonic()
    if not p.handshake():
        print("check fail handshake with the device")
        return 1
    print(f"check ok handshake with the device ({time.monotonic() - t0:.1f} s)")
    exp = replay(p)
    exp2 = malformed(p)
    delivered = exp["delivered"] + 2
    ours = p.sock.getsockname()
    print(f"expect endpoint {ours[0]}:{ours[1]}")
    print(f"expect replayed {exp['replayed'] + exp2['replayed']}")
    print(f"expect delivered {delivered}")
    print(f"expect keepalives {exp['keepalives']}")
    for k in ("malformed", "unknown_index", "decrypt", "bad_mac1",
              "cookie_unknown"):
        print(f"expect {k} {exp2.get(k, 0)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

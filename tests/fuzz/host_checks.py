#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The fuzzers' pure parts, checked on the host (tests/host/fuzz_gen.sh).

    host_checks.py [wire|netlink]...

Prints one "check ok|fail DESCRIPTION" line per check (CHECKS[group] of
them for each group) and "#" diagnostics. Each group has at least one
doctored case that must be caught: a check that cannot fail proves nothing.

wire: every mutator of wire_gen.py makes the change it declares, on valid
  messages of every type it applies to, and a doctored mutator is caught;
  the valid messages the generator builds verify with noise_ref.py (mac1,
  the data messages' tags) and a doctored one does not; every kind comes
  out, the same seed gives the same datagrams; and wire.py itself, run
  against a stand-in device on the loopback (fake_device.py), completes
  its handshakes, and the device side counts what wire.py says it sent.
netlink: see netlink_checks.py.
"""

import base64
import os
import random
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
import noise_ref as nr  # noqa: E402
import wire_gen as wg  # noqa: E402
from fake_device import FakeDevice, module_type  # noqa: E402
import netlink_checks  # noqa: E402

CHECKS = {"wire": 9, "netlink": netlink_checks.CHECKS}


def check(ok: bool, desc: str) -> bool:
    print(f"check {'ok' if ok else 'fail'} {desc}", flush=True)
    return ok


# ---------------------------------------------------------------------------
# What each mutator declares, restated from the message layouts of the
# WireGuard paper (section 5.4) rather than taken from wire_gen.py.
# ---------------------------------------------------------------------------

def index_range(t: int) -> tuple:
    return {1: (4, 8), 2: (8, 12), 3: (4, 8), 4: (4, 8)}[t]


def changed(a: bytes, b: bytes) -> list:
    """The byte positions where two messages of one length differ."""
    return [i for i in range(len(a)) if a[i] != b[i]]


def only_in(a: bytes, b: bytes, start: int, end: int) -> bool:
    """Same length, and some bytes differ, all of them in [start, end)."""
    if len(a) != len(b):
        return False
    diff = changed(a, b)
    return bool(diff) and all(start <= i < end for i in diff)


def declared(name: str, old: bytes, new: bytes, t: int) -> bool:
    """Does new differ from the valid message old of type t exactly as
    the mutator name declares?"""
    n = len(old)
    if name == "field":
        return any(only_in(old, new, s, n if e is None else e) for _, s, e in wg.FIELDS[t])
    if name == "bitflip":
        return len(new) == n and 1 <= sum(bin(x ^ y).count("1") for x, y in zip(old, new)) <= 3
    if name == "reserved":
        return only_in(old, new, 1, 4) and new[1:4] != b"\0\0\0"
    if name == "retype":
        return only_in(old, new, 0, 1)
    if name == "truncate":
        return len(new) < n and old.startswith(new)
    if name == "extend":
        return n < len(new) <= wg.UDP_MAX and new.startswith(old)
    if name == "index":
        return only_in(old, new, *index_range(t))
    if name == "counter":
        return t == 4 and only_in(old, new, 8, 16)
    if name == "tag":
        return t == 4 and only_in(old, new, n - 16, n)
    if name == "mac1":
        return t in (1, 2) and only_in(old, new, n - 32, n - 16)
    if name == "mac2":
        return t in (1, 2) and only_in(old, new, n - 16, n)
    return False


# ---------------------------------------------------------------------------
# A stand-in for wire.py's peer: genuine messages from noise_ref alone.
# ---------------------------------------------------------------------------

class StandIn:
    """Sessions as wire.py sets them up: the device initiated one (we
    answered: a response and a cookie reply), we initiated another (an
    initiation; its keys make the data session)."""

    def __init__(self, rng):
        self.device_private = device = rng.randbytes(32)
        self.device_ephemeral = rng.randbytes(32)
        mine = rng.randbytes(32)
        self.device_public = nr.x25519_public(device)
        self.public = nr.x25519_public(mine)
        self.device_initiation = self.device_initiator().create_initiation(
            self.device_ephemeral, nr.TIMESTAMP, 7)
        responder = nr.Responder(mine, nr.ZERO_PSK)
        responder.consume_initiation(self.device_initiation)
        response = responder.create_response(rng.randbytes(32), 8)
        cookie = responder.create_cookie_reply(self.device_initiation, rng.randbytes(32),
                                               bytes([192, 0, 2, 1]), 51820,
                                               rng.randbytes(24))
        init = nr.Initiator(mine, self.device_public, nr.ZERO_PSK)
        initiation = init.create_initiation(rng.randbytes(32), nr.TIMESTAMP, 9)
        device_side = nr.Responder(device, nr.ZERO_PSK)
        device_side.consume_initiation(initiation)
        # the data session's key: our sending key, the device's receiving one
        self.recv_key = nr.transport_keys(device_side.c)[0]
        self.templates = {1: initiation, 2: response, 3: cookie}
        self.session, self.counter = (0x1234, self.recv_key), 1
        self.inner, self.device_inner = bytes([10, 77, 2, 1]), bytes([10, 77, 0, 1])
        stranger = nr.Initiator(rng.randbytes(32), self.device_public, nr.ZERO_PSK)
        self.unknown = [stranger.create_initiation(rng.randbytes(32), nr.TIMESTAMP, 3)]

    def device_initiator(self):
        """The device's side of the handshake it started (the same state
        each time: same keys, same ephemeral)."""
        return nr.Initiator(self.device_private, self.public, nr.ZERO_PSK)


def templates_verify(s: StandIn, templates: dict) -> bool:
    """The three handshake messages are genuine: each opens on the side
    that receives it (the device for the initiation, the device as the
    initiator for the response and the cookie reply)."""
    try:
        got = nr.Responder(s.device_private, nr.ZERO_PSK).consume_initiation(templates[1])
        nr.Initiator.consume_cookie_reply(templates[3], s.public,
                                          s.device_initiation[-32:-16])
        device = s.device_initiator()
        device.create_initiation(s.device_ephemeral, nr.TIMESTAMP, 7)
        device.consume_response(templates[2])
        return got["static"] == s.public
    except (ValueError, AssertionError):
        return False


def opens(key: bytes, msg: bytes):
    """The plaintext of a data message, or None when its tag is wrong."""
    try:
        return nr.AEAD_open(key, struct.unpack_from("<Q", msg, 8)[0], msg[16:], b"")
    except ValueError:
        return None


def inner_declared(kind: str, p: bytes, s: StandIn) -> bool:
    """Is an inner packet what its kind says (module/receive.c's checks)?"""
    if kind == "keepalive":
        return p == b""
    if kind in ("ping", "ce"):
        return (p[0] == 0x45 and p[12:16] == s.inner and
                struct.unpack_from(">H", p, 2)[0] + 15 >= len(p) >= struct.unpack_from(">H", p, 2)[0])
    if kind == "source":
        return p[0] == 0x45 and p[12:14] == bytes([10, 99])
    if kind == "not_ip":
        return p[0] >> 4 not in (4, 6)
    if kind == "bad_v4_len":
        total = struct.unpack_from(">H", p, 2)[0]
        return p[0] >> 4 == 4 and (total < 20 or total > len(p))
    if kind == "bad_v6_len":
        return p[0] >> 4 == 6 and struct.unpack_from(">H", p, 4)[0] + 40 > len(p)
    return False


def wire_checks() -> None:
    rng = random.Random(12)
    s = StandIn(rng)

    # 1. the messages the fuzzer mutates are genuine, a doctored one not
    doctored = dict(s.templates)
    doctored[2] = doctored[2][:20] + bytes([doctored[2][20] ^ 1]) + doctored[2][21:]
    check(templates_verify(s, s.templates) and not templates_verify(s, doctored),
          "wire: the initiation, response and cookie reply built as wire.py "
          "builds them verify with noise_ref; one with a flipped bit does not")

    # 2. every mutator makes the change it declares
    valid = dict(s.templates)
    valid[4] = nr.data_message(0x1234, s.recv_key, 5, b"x" * 20)
    bad = []
    for t, names in wg.APPLICABLE.items():
        for name in names:
            for _ in range(200):
                new = wg.MUTATORS[name](rng, valid[t], t)
                if not declared(name, valid[t], new, t):
                    bad.append(f"{name} on type {t}")
                    break
    print(f"# mutators that broke their word: {bad or 'none'}")
    check(not bad, f"wire: each of the {len(wg.MUTATORS)} mutators, 200 times on "
          "every message type it applies to, changes what it declares and nothing else")

    # 3. the property check catches a mutator that lies
    liar = lambda rng, msg, t: msg[:-16] + bytes(16)  # noqa: E731 (mac2, not mac1)
    caught = not declared("mac1", valid[1], liar(rng, valid[1], 1), 1)
    check(caught, "wire: a doctored \"mac1\" mutator that changes mac2 instead is caught")

    # 4. mutants made right again pass mac1; the classifier agrees with
    # the module's rule, restated in fake_device.py
    remacs = classified = 0
    for _ in range(500):
        t = rng.choice((1, 2))
        msg, names = wg.mutate(rng, valid[t], s.device_public)
        if "remac" in names:
            nr.check_mac1(msg, s.device_public)
            remacs += 1
        rnd = rng.randbytes(wg.random_length(rng))
        classified += (wg.classify(msg) == module_type(msg) and
                       wg.classify(rnd) == module_type(rnd))
    check(remacs > 50 and classified == 500,
          f"wire: {remacs} mutants given a fresh mac1 pass the device's mac1 check; "
          "classify() agrees with the module's first check on 1000 datagrams")

    # 5-7. the generator: every kind, genuine data that opens, replayable
    gen = wg.Generator(random.Random(5), s)
    labels, problems, first = {}, [], []
    for i in range(4000):
        for msg, route, label in gen.next():
            labels[label] = labels.get(label, 0) + 1
            if len(first) < 300:
                first.append(msg)
            if len(msg) > wg.UDP_MAX:
                problems.append(f"{label}: {len(msg)} bytes")
            if label == "mac_valid":
                nr.check_mac1(msg, s.device_public)
            if label == "data_genuine" or label.startswith("inner_"):
                p = opens(s.recv_key, msg)
                if p is None or (label.startswith("inner_") and
                                 not inner_declared(label[6:], p, s)):
                    problems.append(f"{label}: does not open or is not what it says")
    kinds = {k for k, _ in wg.KINDS}
    want = (kinds - {"data", "inner"}) | {"data", "data_genuine"} | \
        {"inner_" + k for k in wg.INNER_KINDS}
    missing = want - set(labels)
    print(f"# generator labels: {dict(sorted(labels.items()))}")
    check(not missing, f"wire: the generator makes every kind ({len(want)} labels; "
          f"missing: {sorted(missing) or 'none'})")
    print(f"# generator problems: {problems[:5] or 'none'}")
    check(not problems, "wire: its genuine data messages open under the session key, "
          "each inner packet is what its kind says, mac1 of mac_valid is right, "
          "nothing exceeds a UDP payload")
    s2 = StandIn(random.Random(12))
    gen2 = wg.Generator(random.Random(5), s2)
    again = []
    while len(again) < 300:
        again += [m for m, _, _ in gen2.next()]
    check(again[:300] == first,
          "wire: the same seed gives the same 300 first datagrams (a run can be replayed)")

    # 8-9. wire.py against the stand-in device
    wire_end_to_end()


def run_wire(keys: list, device: FakeDevice, count: int, seed: int) -> tuple:
    """wire.py run on the loopback; (exit status, output lines)."""
    ports = []
    for _ in keys:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind(("127.0.0.1", 0))
            ports.append(probe.getsockname()[1])
    args = [sys.executable, os.path.join(HERE, "wire.py"), "run",
            "--device", "127.0.0.1", "--device", "::1", "--port", str(device.port),
            "--device-key", keys[0][2], "--device-inner", "10.77.0.1",
            "--count", str(count), "--seed", str(seed)]
    for i, (path, _, _) in enumerate(keys[1:]):
        args += ["--peer", f"{path},127.0.0.1,{ports[i]},10.77.2.{i + 1}"]
    for a in ("127.0.0.2", "127.0.0.3", "::1"):
        args += ["--source", a]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    lines = []
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("listening"):
            for i, (_, pub, _) in enumerate(keys[1:]):
                device.initiate(pub, ("127.0.0.1", ports[i]))
    return proc.wait(timeout=600), lines


def wire_end_to_end() -> None:
    if os.geteuid():
        for what in ("its handshakes", "what the device side got"):
            print(f"check skip wire: wire.py against a stand-in device: {what} "
                  "(needs root, for socket buffers that hold the whole run)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        keys = []       # (private key file, public key, public key file)
        for name in ("device", "p0", "p1"):
            priv = os.urandom(32)
            pub = nr.x25519_public(priv)
            for suffix, key in (("k", priv), ("p", pub)):
                with open(os.path.join(tmp, suffix + name), "w") as f:
                    f.write(base64.b64encode(key).decode() + "\n")
            keys.append((os.path.join(tmp, "k" + name), pub, os.path.join(tmp, "p" + name)))
        device = FakeDevice(base64.b64decode(open(keys[0][0]).read()),
                            [k[1] for k in keys[1:]])
        device.start()
        t0 = time.monotonic()
        rc, lines = run_wire(keys, device, 3000, 99)
        # what is still in the device's sockets, then stop it
        last = -1
        while device.received != last:
            last = device.received
            time.sleep(0.5)
        device.stop.set()
        device.join()
        out = {}
        for line in lines:
            word = line.split(" ", 1)
            if line.startswith("#") or line.startswith("check "):
                print(("# wire.py: " if line.startswith("check") else "") + line)
            elif len(word) == 2:
                out[word[0] + (" " + word[1].split()[0] if word[0] == "kind" else "")] = \
                    word[1].split()[-1]
        checks_ok = sum(1 for x in lines if x.startswith("check ok"))
        print(f"# wire.py: exit {rc}, {time.monotonic() - t0:.1f} s; the stand-in device got "
              f"{device.received} datagrams, {device.malformed} malformed, "
              f"{len(device.opened)} data messages that opened, "
              f"{device.confirmed} sessions confirmed, {device.cookies} cookie replies that opened")
        check(rc == 0 and checks_ok == 3 and device.confirmed == 2 and device.cookies > 0,
              "wire: wire.py against a stand-in device on the loopback: both peers "
              "answer its handshakes (their responses and cookie replies open), start "
              "their own, send 3000 datagrams; its 3 checks pass")
        genuine = sum(int(v) for k, v in out.items()
                      if k == "kind data_genuine" or k.startswith("kind inner_"))
        check(str(device.received) == out.get("sent") and
              str(device.malformed) == out.get("malformed") and
              len(device.opened) == genuine + 2,
              f"wire: the device side got all {out.get('sent')} datagrams wire.py "
              f"counts, {out.get('malformed')} of them malformed as it says, and "
              f"{genuine} genuine data messages and 2 keepalives that open")


def main(argv: list) -> int:
    groups = argv or ["wire", "netlink"]
    for group in groups:
        fn = wire_checks if group == "wire" else netlink_checks.run
        try:
            fn()
        except Exception as e:      # a crash is a failed check, with why
            import traceback
            traceback.print_exc(file=sys.stdout)
            check(False, f"{group}: the checks crashed: {type(e).__name__}: {e}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

# SPDX-License-Identifier: GPL-2.0
"""The netlink fuzzer's pure parts, checked on the host (host_checks.py
runs them): the requests it builds read back with wgnl.py's parser; its
mutators make the changes they declare; its model of what netlink answers
by the headers alone agrees with the host kernel (whose generic-netlink
core is the lab kernel's, with the controller family "nlctrl" standing in
for "wireguard"); what it calls a sane dump; and the user namespace it
makes. Each with a doctored case that must be caught."""

import errno
import json
import os
import random
import struct
import subprocess

import netlink_gen as ng
import netlink_session
import wgnl
from fake_family import FakeFamily, sockets_on
from netlink_session import Outcome, exchange, reply_problem
from netlink_userns import spawn
from wgnl import CLONE_NEWNET, unshare

CHECKS = 9


def check(ok: bool, desc: str) -> bool:
    print(f"check {'ok' if ok else 'fail'} netlink: {desc}", flush=True)
    return ok


# Where the family nests: device PEERS holds peers, a peer ALLOWEDIPS holds
# allowed IPs; each of those is a nest of leaves (uapi wireguard.h).
def read_back(data: bytes, depth=0) -> list:
    """Attributes as wgnl.parse_attrs() reads them, nested by the family's
    layout: [(type, bytes or [...])]."""
    out = []
    for atype, val in wgnl.parse_attrs(data):
        nested = ((depth == 0 and atype == wgnl.WGDEVICE_A_PEERS) or depth in (1, 3) or
                  (depth == 2 and atype == wgnl.WGPEER_A_ALLOWEDIPS))
        out.append((atype, read_back(val, depth + 1) if nested else val))
    return out


def as_tree(attrs: list) -> list:
    return [(a.type, as_tree(a.value) if a.is_nest() else a.value) for a in attrs]


def signature(attrs, depth=0) -> list:
    """Every attribute, in order: (depth, type, nest?, flag, claimed length,
    leaf bytes, true length)."""
    out = []
    for a in attrs:
        out.append((depth, a.type, a.is_nest(), a.nested, a.length,
                    None if a.is_nest() else a.value, 4 + len(a.payload())))
        if a.is_nest():
            out += signature(a.value, depth + 1)
    return out


def one_differs(old, new, field) -> bool:
    """Same shape, and exactly one attribute differs, in that field only."""
    if len(old) != len(new):
        return False
    diff = [(o, n) for o, n in zip(old, new) if o != n]
    return (len(diff) == 1 and
            all(x == y for i, (x, y) in enumerate(zip(*diff[0])) if i != field))


def declared(name: str, old_attrs: list, new_attrs: list) -> bool:
    """Is the mutated request what mutator name declares?"""
    old, new = signature(old_attrs), signature(new_attrs)
    if name == "drop":
        return len(new) < len(old)
    if name in ("repeat", "renest"):
        return len(new) > len(old)
    if name == "retype":
        return one_differs(old, new, 1)
    if name == "flagflip":
        return one_differs(old, new, 3)
    if name == "value":
        return one_differs(old, new, 5) and all(
            len(o[5]) == len(n[5]) for o, n in zip(old, new) if o[5] is not None)
    if name == "resize":
        return len(old) == len(new) and sum(
            1 for o, n in zip(old, new) if o[5] is not None and len(o[5]) != len(n[5])) == 1
    if name == "unnest":
        return sum(1 for n in new if n[5] is not None) > sum(1 for o in old if o[5] is not None) \
            or len(new) < len(old)
    if name == "badlen":
        lied = [n for o, n in zip(old, new) if o[4] != n[4]]
        return one_differs(old, new, 4) and lied[0][4] != lied[0][6]
    if name == "wrap":
        return any(a.is_nest() and len(a.payload()) > ng.ATTR_MAX for a in new_attrs)
    return False


def requests(rng, n: int) -> list:
    b = ng.Builder(rng, {"wgn0": 2, "wgn1": 3, "lo": 1}, ["wgn0", "wgn1"])
    out = [b.set_device()[0] for _ in range(n)] + [b.get_device()[0] for _ in range(n // 5)]
    return out + [b.set_device(huge=True)[0] for _ in range(6)]


def builder_checks(rng) -> None:
    reqs = requests(rng, 500)
    bad = [r for r in reqs if read_back(ng.encode_all(r)) != as_tree(r)]
    largest = max(len(a.payload()) for r in reqs for a in r)
    check(not bad and largest <= ng.ATTR_MAX,
          f"{len(reqs)} valid requests (6 with a whole attribute of peers or IPs, the "
          f"largest {largest} bytes) read back with wgnl.parse_attrs as built")
    # doctored: the first nest of a request claims 4 bytes fewer
    r = next(r for r in reqs if any(a.is_nest() for a in r))
    nest = next(a for a in r if a.is_nest())
    nest.length = 4 + len(nest.payload()) - 4
    check(read_back(ng.encode_all(r)) != as_tree(r),
          "a request whose nest claims 4 bytes too few does not read back (doctored)")


def mutator_checks(rng) -> None:
    broken = []
    for name, fn in sorted(ng.TREE_MUTATORS.items()):
        changed = 0
        for r in requests(rng, 200)[:40 if name == "wrap" else 200]:
            new = [a.copy() for a in r]
            fn(rng, new)
            if signature(new) == signature(r):
                continue        # nothing of the kind to change (a GET has no nest)
            changed += 1
            if not declared(name, r, new):
                broken.append(name)
                break
        if changed < 10:
            broken.append(f"{name} (changed {changed} requests)")
    liar = [a.copy() for a in requests(rng, 1)[0]]
    old = [a.copy() for a in liar]
    for a in liar[:2]:
        a.type ^= 1        # two types changed, where "retype" promises one
    caught = not declared("retype", old, liar)
    print(f"# tree mutators that broke their word: {broken or 'none'}")
    check(not broken and caught, f"each of the {len(ng.TREE_MUTATORS)} tree mutators changes "
          "what it declares; a doctored retype of two attributes is caught")


def nlctrl_request(flags) -> ng.Request:
    """CTRL_CMD_GETFAMILY of the controller family, the stand-in request:
    of a family that does not exist, so that, like the wireguard family's
    requests, it answers with data only when dumping."""
    return ng.Request(wgnl.GENL_ID_CTRL, wgnl.CTRL_CMD_GETFAMILY,
                      [ng.Attr(wgnl.CTRL_ATTR_FAMILY_NAME, b"wgt-none\0")], flags)


def header_checks(rng) -> None:
    nl = wgnl.GenlSocket()
    wrong, tried = [], 0
    for name in [None] + sorted(ng.HEADER_MUTATORS):
        for base in (ng.NLM_F_REQUEST | ng.NLM_F_ACK, ng.NLM_F_REQUEST | ng.NLM_F_DUMP,
                     ng.NLM_F_REQUEST, ng.NLM_F_ACK):
            for _ in range(15):
                req = nlctrl_request(base)
                if name:
                    ng.HEADER_MUTATORS[name](rng, req)
                    if name == "flags":      # not our family: keep to bits it knows
                        req.flags &= 0x31f | ng.NLM_F_DUMP
                data, out = exchange(nl, req)
                tried += 1
                why = reply_problem(data, out)
                if why:
                    wrong.append(f"{name or 'clean'} flags {req.flags:#x}: {why}")
    print(f"# header model against the host kernel: {wrong[:5] or 'no disagreement'}")
    # doctored: nlmsg_len past the end is dropped unanswered, so an answer
    # the model calls missing must be reported
    req = nlctrl_request(ng.NLM_F_REQUEST | ng.NLM_F_ACK)
    data = req.encode(1)
    fake = Outcome()
    fake.final = [("error", 0)]
    lie = data[:0] + struct.pack("=I", len(data) + 8) + data[4:]
    check(not wrong and reply_problem(lie, fake) and not reply_problem(data, fake),
          f"what {tried} requests to the host kernel's nlctrl, clean and with each header "
          "mutator, got is what expected_reply() says; an answer to one it must drop is "
          "reported (doctored)")


def errno_checks() -> None:
    hdr = lambda claim, flags, cmd, res: struct.pack("=IHHIIBBH", claim, 30, flags, 1, 0,  # noqa: E731
                                                     cmd, 1, res) + bytes(8)
    cases = [((28, 5, 1, 0), errno.EPERM), ((28, 0x301, 0, 7), errno.EPERM),
             ((19, 5, 1, 0), errno.EINVAL), ((28, 5, 2, 0), errno.EOPNOTSUPP),
             ((28, 5, 200, 1), errno.EINVAL), ((28, 0x305, 3, 0), errno.EOPNOTSUPP),
             ((28, 0x45, 3, 0), errno.EINVAL)]
    got = [ng.unprivileged_errno(hdr(*c)) for c, _ in cases]
    # the attributes the kernel walks: the second claims past the end
    body = wgnl.u16(6, 51820) + struct.pack("=HH", 40, 7) + bytes(8)
    view = ng.kernel_view(struct.pack("=IHHII", 20 + len(body), 30, 5, 1, 0) + bytes(4) + body)
    check(got == [w for _, w in cases] and view == [6],
          "unprivileged_errno() follows genl_family_rcv_msg() (EINVAL, EOPNOTSUPP, EPERM) "
          "on 7 headers; kernel_view() stops at an attribute that claims past the end")


def dump_of(peers: list, priv: bytes) -> list:
    """The messages of a dump as the kernel sends them, one per group of
    peers (a peer may be split: its key again, then the rest of its IPs)."""
    dev = [wgnl.attr(wgnl.WGDEVICE_A_PRIVATE_KEY, priv),
           wgnl.attr(wgnl.WGDEVICE_A_PUBLIC_KEY, ng.public_of(priv))]
    out = []
    for i, group in enumerate(peers):
        nests = [wgnl.nest(0, [wgnl.attr(wgnl.WGPEER_A_PUBLIC_KEY, key)] +
                           ([wgnl.nest(wgnl.WGPEER_A_ALLOWEDIPS,
                                       [wgnl.allowed_ip(*ip) for ip in ips])] if ips else []))
                 for key, ips in group]
        out.append((dev if i == 0 else []) + [wgnl.nest(wgnl.WGDEVICE_A_PEERS, nests)])
    return [b"".join(m) for m in out]


def dump_checks(rng) -> None:
    priv, k1, k2 = rng.randbytes(32), rng.randbytes(32), rng.randbytes(32)
    v4 = lambda a, c: (ng.AF_INET, bytes(a), c)  # noqa: E731
    good = [[(k1, [v4((10, 0, 0, 0), 8)])], [(k1, [v4((10, 1, 2, 0), 24)]), (k2, [])]]
    cfg = ng.normalize(wgnl.read_device(dump_of(good, priv)))
    merged = len(cfg["peers"]) == 2 and len(cfg["peers"][0]["allowedips"]) == 2
    doctored = {
        "another public key": [([(k1, [])],), rng.randbytes(32)],
        "a peer twice": [([(k1, []), (k1, [])],), priv],
        "host bits set": [([(k1, [v4((10, 0, 0, 1), 24)])],), priv],
        "a prefix of two peers": [([(k1, [v4((10, 0, 0, 0), 8)]), (k2, [v4((10, 0, 0, 0), 8)])],), priv],
        "/33": [([(k1, [v4((10, 0, 0, 0), 33)])],), priv],
        "our own key": [([(ng.public_of(priv), [])],), priv],
    }
    missed = []
    for what, (groups, key) in doctored.items():
        d = wgnl.read_device(dump_of(list(groups), priv))
        if what == "another public key":
            d[wgnl.WGDEVICE_A_PUBLIC_KEY] = ng.public_of(key)
        if not ng.config_problems(ng.normalize(d)):
            missed.append(what)
    print(f"# doctored dumps not caught: {missed or 'none'}")
    check(merged and not ng.config_problems(cfg) and not missed,
          "wgnl.read_device() joins a peer split across two messages; config_problems() "
          f"finds nothing in a sane dump and catches all {len(doctored)} doctored ones")


def session_on(family: FakeFamily, count: int):
    """netlink.py's root phase against a stand-in family."""
    real = wgnl.GenlSocket
    wgnl.GenlSocket = sockets_on(family)
    try:
        s = netlink_session.Session("root", random.Random(1),
                                    {"wgn0": "small", "wgn1": "empty", "wgn2": "large"},
                                    {"lo": 1}, 4)
        s.run(count)
    finally:
        wgnl.GenlSocket = real
    return s


def session_checks() -> None:
    devices = {"wgn0": (2, True), "wgn1": (3, False), "wgn2": (4, True)}
    s = session_on(FakeFamily(devices), 800)
    c = s.counts
    print(f"# against the stand-in family: answers {dict(s.outcomes)}")
    print(f"# against the stand-in family: {dict(c)}")
    for kind, descs in sorted(s.problems.items()):
        print(f"# against the stand-in family: {kind}: {descs}")
    check(not s.problems and c["watched failures"] and c["clean"] and c["dumps checked"] and
          c["restores"] and c["dumps flagged interrupted"] and c["abandoned dumps"],
          f"the root phase (Session.run) against a stand-in family (fake_family.py): "
          f"{c['requests']} requests, no problem found, each check exercised")
    bad = session_on(FakeFamily(devices, partial=True), 800)
    print(f"# the doctored family: {dict(bad.problems)}")
    check(bad.problems.get("unchanged"),
          "a doctored family that applies a SET's first peers before refusing a later one "
          "is caught by the unchanged check")


def userns_work(chan) -> dict:
    """What the fuzzer's child needs, tried with veth devices instead."""
    res = {"uid": os.getuid()}
    r = subprocess.run(["ip", "link", "add", "wgtu-a", "type", "veth", "peer", "name", "wgtu-b"],
                       capture_output=True, text=True)
    res["refused"] = r.returncode != 0 and "not permitted" in r.stderr
    unshare(CLONE_NEWNET)
    r = subprocess.run(["ip", "link", "add", "wgtu-c", "type", "veth", "peer", "name", "wgtu-d"],
                       capture_output=True)
    res["own"] = r.returncode == 0
    chan.send("netns")
    res["moved"] = chan.recv() == "moved" and subprocess.run(
        ["ip", "link", "show", "wgtu-m"], capture_output=True).returncode == 0
    return res


def userns_checks() -> None:
    subprocess.run(["ip", "link", "add", "wgtu-m", "type", "veth", "peer", "name", "wgtu-n"],
                   check=True)
    try:
        pid, chan = spawn(userns_work, as_root=False)
        if pid is None:
            # as netlink.py does where unprivileged user namespaces are off
            print(f"# a user namespace as nobody: {chan}; made by root instead")
            pid, chan = spawn(userns_work, as_root=True)
        if pid is None:
            check(False, f"no user namespace: {chan}")
            return
        if chan.recv() == "netns":
            moved = subprocess.run(["ip", "link", "set", "wgtu-m", "netns", str(pid)]).returncode
            chan.send("moved" if moved == 0 else "not moved")
        res = json.loads(chan.recv())
        os.waitpid(pid, 0)
    finally:
        subprocess.run(["ip", "link", "del", "wgtu-n"], capture_output=True)
    print(f"# the user namespace's child: {res}")
    check(res == {"uid": 0, "refused": True, "own": True, "moved": True},
          "spawn(): a child is root of its own user namespace, refused a device where it "
          "started, makes one in a netns of its own, receives one moved in")


def run() -> None:
    rng = random.Random(3)
    builder_checks(rng)
    mutator_checks(rng)
    header_checks(rng)
    errno_checks()
    dump_checks(rng)
    session_checks()
    if os.geteuid():
        print("check skip netlink: the user namespace check needs root (to map the child)")
        return
    try:
        userns_checks()
    except (OSError, subprocess.CalledProcessError) as e:
        check(False, f"the user namespace check could not run: {e}")

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The netlink fuzzer (issue 12): random and mutated requests to the
"wireguard" generic-netlink family, from root and from a user namespace.

    netlink.py run --device NAME:ROLE... [--count N | --long] [--seed S]
                   [--check-every K]

Run as root in a network namespace holding the devices: ROLE "small" (up),
"empty" (down) or "large" (up), one each; the baselines they are put back
to are in netlink_session.py. In order:

  1. root: N requests, WG_CMD_SET_DEVICE and WG_CMD_GET_DEVICE, three in
     five with their attributes mutated (missing, repeated, badly nested,
     wrong types and lengths, lengths that lie or wrap, huge lists of peers
     and allowed IPs) and some with their headers; dumps abandoned after
     one part or unread, and dumps whose device changes midway. Checked:
     the answers (netlink_session.py), every check-every-th SET the device
     before and after, every clean request, every dump read back.
  2. a user namespace (netlink_userns.py): N/20 requests refused, then, in
     a network namespace of its own with a device it made and one moved in
     (made here, "wgnm"), root's devices invisible, the moved one's port
     and mark kept, and N/10 requests of the same fuzz as root's.
  3. root's devices unchanged by all that; then a dump of the large device
     under way when the device is deleted ends, and the family still
     answers.

Prints "seed S" (rerun with --seed S to replay the same requests), what
was sent and answered as "#" lines, and CHECKS "check ok|fail ..." lines.
Standard library only.
"""

import argparse
import errno
import json
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
import netlink_gen as ng  # noqa: E402
import wgnl  # noqa: E402
from netlink_session import Outcome, Session, errname, read_answers  # noqa: E402
from netlink_userns import child_steps, spawn  # noqa: E402

# The run's size: make check's short run, and make fuzz's long one.
SHORT_RUN = 3000
LONG_RUN = 100_000
CHECKS = 12
MOVED = "wgnm"


class Report:
    """The checks, in their fixed order, failed until run."""

    NAMES = ("replies", "unchanged", "clean", "wellformed", "restore", "intr",
             "refused", "invisible", "moved", "fuzz in own netns",
             "root unchanged", "deleted midway")

    def __init__(self):
        self.results = {n: (False, f"{n}: not reached") for n in self.NAMES}

    def set(self, name, ok, desc):
        self.results[name] = (bool(ok), desc)

    def print(self):
        for name in self.NAMES:
            ok, desc = self.results[name]
            print(f"check {'ok' if ok else 'fail'} {desc}", flush=True)


def show(who: str, s: Session) -> None:
    print(f"# {who}: answers {dict(sorted(s.outcomes.items()))}")
    print(f"# {who}: {dict(sorted(s.counts.items()))}")
    for kind, descs in sorted(s.problems.items()):
        for d in descs:
            print(f"# {who}: {kind}: {d}")


def root_checks(r: Report, s: Session) -> None:
    c, p = s.counts, s.problems
    n = c["requests"]
    r.set("replies", not p["replies"], f"root: {n} requests answered as their headers "
          f"call for (and {c['abandoned dumps']} dumps abandoned)")
    r.set("unchanged", not p["unchanged"] and c["watched failures"],
          f"root: after each of {c['watched failures']} watched SETs that failed, the "
          "device is as before")
    r.set("clean", not p["clean"] and c["clean"], f"root: {c['clean']} requests no mutator "
          "touched succeed (or find the listen port taken)")
    r.set("wellformed", not p["wellformed"] and c["dumps checked"],
          f"root: {c['dumps checked']} dumps read back are sane (public key of the private "
          "key, peers once, allowed IPs canonical and of one peer)")
    r.set("restore", not p["restore"] and c["restores"],
          f"root: the devices went back to their baselines {c['restores']} times")
    flagged = c["dumps flagged interrupted"]
    r.set("intr", not p["intr"] and flagged,
          f"root: of {c['interrupted dumps']} dumps whose device changed midway, "
          f"{flagged} said so (NLM_F_DUMP_INTR) and all ended")


def root_devices(s: Session) -> dict:
    """name -> (ifindex, public key hex) of root's devices, for the child."""
    out = {}
    for name in s.roles:
        _, cfg = s.dump(name)
        out[name] = (s.ifindex[name], cfg.get(wgnl.WGDEVICE_A_PUBLIC_KEY, b"").hex())
    return out


def make_moved(s: Session) -> None:
    """A device for the child to receive: up (on a port the kernel picks,
    so none the fuzz holds), a key and a mark."""
    subprocess.run(["ip", "link", "add", MOVED, "type", "wireguard"], check=True)
    err = s.set(ng.target(name=MOVED) + [
        ng.Attr(wgnl.WGDEVICE_A_PRIVATE_KEY, os.urandom(32)),
        ng.leaf(wgnl.WGDEVICE_A_FWMARK, "=I", 7)])
    if err:
        raise OSError(err, f"configuring {MOVED}")
    subprocess.run(["ip", "link", "set", MOVED, "up"], check=True)


def userns(r: Report, s: Session, rng, count: int, check_every: int) -> None:
    root = root_devices(s)
    make_moved(s)
    counts = (max(100, count // 20), max(200, count // 10))

    def work(chan):
        return child_steps(chan, rng, s.family, root, counts, check_every)
    pid, chan = spawn(work, as_root=False)
    if pid is None:
        print(f"# a user namespace as nobody: {chan}; made by root instead "
              "(unshare -U -r as root)")
        pid, chan = spawn(work, as_root=True)
        if pid is None:
            r.set("refused", False, f"no user namespace: {chan}")
            return
    line = chan.recv()
    if line == "netns":
        moved = subprocess.run(["ip", "link", "set", MOVED, "netns", str(pid)]).returncode == 0
        chan.send("moved" if moved else "not moved")
        line = chan.recv()
    res = json.loads(line or "{}")
    os.waitpid(pid, 0)
    if "crash" in res:
        print(f"# the user namespace's child crashed: {res['crash']}")
    if "refused" in res:
        ok, n, outcomes, problems = res["refused"]
        for p in problems:
            print(f"# user namespace: refused: {p}")
        r.set("refused", ok, f"user namespace, the devices' netns: {n} requests all refused "
              f"as netlink_gen.unprivileged_errno() says ({outcomes})")
    for name, desc in (("invisible", f"root's {len(root)} devices not found by name "
                        "(ENODEV) nor by index"),
                       ("moved", f"{MOVED}, moved in, refuses a listen port and a mark "
                        "(EPERM, nothing applied) and takes a key")):
        if name in res:
            for p in res[name]:
                print(f"# own netns: {name}: {p}")
            r.set(name, not res[name], f"user namespace, own netns: {desc}")
    if "fuzz" in res:
        counts_b, outcomes, problems, port = res["fuzz"]
        print(f"# own netns: answers {outcomes}")
        print(f"# own netns: {counts_b}")
        for kind, descs in sorted(problems.items()):
            for d in descs:
                print(f"# own netns: {kind}: {d}")
        r.set("fuzz in own netns", not problems and counts_b.get("watched failures"),
              f"user namespace, own netns: {counts_b.get('requests', 0)} requests; answers, "
              f"failed SETs ({counts_b.get('watched failures', 0)} watched), clean requests, "
              f"dumps, restores as for root; {MOVED} kept port {port} and its mark "
              f"({counts_b.get('fixed checked', 0)} looks)")


def deleted_midway(r: Report, s: Session) -> None:
    """A dump of the large device; the device deleted after part one."""
    name = next(n for n, role in s.roles.items() if role == "large")
    sock, seq = s.dump_socket(name)
    first = wgnl.split_messages(sock.sock.recv(8192))
    subprocess.run(["ip", "link", "del", name], check=True)
    out = read_answers(sock.sock, seq, Outcome(), 8192, block=True)
    sock.sock.close()
    err, _ = s.dump(next(n for n, role in s.roles.items() if role != "large"))
    ends = out.final in ([("done", 0)], [("done", errno.ENODEV)], [("error", errno.ENODEV)])
    print(f"# a dump of {name} ({len(first)} message(s) read) when it was deleted: "
          f"{len(out.parts)} more parts, then {out.final}; the family answers {errname(err)}")
    r.set("deleted midway", ends and err == 0, "a dump under way when its device is "
          "deleted ends (ENODEV or done), and the family still answers")


def main(argv: list) -> int:
    ap = argparse.ArgumentParser(prog="netlink.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("command", choices=["run"])
    ap.add_argument("--device", action="append", required=True)
    ap.add_argument("--count", type=int, default=SHORT_RUN)
    ap.add_argument("--long", action="store_true", help=f"--count {LONG_RUN}")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--check-every", type=int, default=None)
    args = ap.parse_args(argv)
    count = LONG_RUN if args.long else args.count
    check_every = args.check_every or (20 if args.long else 8)
    seed = args.seed if args.seed is not None else random.SystemRandom().getrandbits(32)
    print(f"seed {seed}", flush=True)
    roles = dict(d.split(":") for d in args.device)
    r = Report()
    try:
        s = Session("root", random.Random(f"{seed}-root"), roles, {"lo": 1}, check_every)
        s.run(count)
        show("root", s)
        root_checks(r, s)
        before = {n: s.portless(s.dump(n)[1]) for n in roles}
        userns(r, s, random.Random(f"{seed}-userns"), count, check_every)
        after = {n: s.portless(s.dump(n)[1]) for n in roles}
        changed = [n for n in roles if before[n] != after[n]]
        r.set("root unchanged", not changed, "root's devices as they were before the user "
              f"namespace's requests (changed: {changed or 'none'})")
        deleted_midway(r, s)
    except Exception as e:          # the checks not reached fail
        import traceback
        traceback.print_exc(file=sys.stdout)
        print(f"# netlink.py stopped: {type(e).__name__}: {e}")
    r.print()
    return 0 if all(ok for ok, _ in r.results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

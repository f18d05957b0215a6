# SPDX-License-Identifier: GPL-2.0
"""The netlink fuzzer's unprivileged side (tests/fuzz/netlink.py).

A forked child gives up root (uid and gid nobody, no groups) and makes a
user namespace of its own, which the parent maps it root of, as
"unshare -U -r" does for an ordinary user: root in there, with every
capability over what that namespace owns and none over anything else.
Then, in two steps:

  A. still in the devices' network namespace, which the initial user
     namespace owns: every request to the family is refused, EPERM for
     the two commands (GENL_UNS_ADMIN_PERM: CAP_NET_ADMIN over the
     namespace), netlink_gen.unprivileged_errno() says which for others;
  B. in a network namespace of its own (so one it owns), with a device it
     made and one the parent moved in from the devices' namespace: root's
     other devices are not visible there, by name or by index; the moved
     device's listen port and mark may not change (its sockets stay where
     it was made, which the child may not bind ports in), its key may;
     then the same fuzz as root's, at both devices.

The parent and the child speak in lines over two pipes; the child's last
line is its results, JSON.
"""

import errno
import json
import os
import struct
import subprocess

import netlink_gen as ng
import wgnl
from netlink_session import Session, errname, exchange, make_request
from wgnl import CLONE_NEWNET, CLONE_NEWUSER, unshare

NOBODY = 65534


class Channel:
    def __init__(self, rfd, wfd):
        self.rfd, self.wfd = rfd, wfd

    def send(self, line: str) -> None:
        os.write(self.wfd, (line + "\n").encode())

    def recv(self) -> str:
        data = b""
        while not data.endswith(b"\n"):
            chunk = os.read(self.rfd, 1)
            if not chunk:
                break
            data += chunk
        return data.decode().rstrip("\n")


def spawn(work, as_root: bool):
    """Fork a child that becomes root of a user namespace of its own and
    runs work(channel), a dict it sends back. Returns (pid, channel), or
    (None, why) when the child could not make the namespace."""
    down_r, down_w = os.pipe()
    up_r, up_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(down_w)
        os.close(up_r)
        chan = Channel(down_r, up_w)
        try:
            if not as_root:
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            unshare(CLONE_NEWUSER)
        except OSError as e:
            chan.send(f"failed: {e}")
            os._exit(0)
        chan.send("unshared")
        result = {}
        if chan.recv() == "mapped":
            try:
                result = work(chan)
            except Exception as e:      # reported, not raised: we are a child
                result = {"crash": f"{type(e).__name__}: {e}"}
        chan.send(json.dumps(result))
        os._exit(0)
    os.close(down_r)
    os.close(up_w)
    chan = Channel(up_r, down_w)
    line = chan.recv()
    if line != "unshared":
        os.waitpid(pid, 0)
        return None, line
    outside = 0 if as_root else NOBODY
    for what in ("uid_map", "gid_map"):
        with open(f"/proc/{pid}/{what}", "w") as f:
            f.write(f"0 {outside} 1\n")
    chan.send("mapped")
    return pid, chan


def refused(rng, family, builder, count: int) -> tuple:
    """Step A: count requests from the user namespace; (problems, outcomes)."""
    nl = wgnl.GenlSocket()
    problems, outcomes = [], {}
    for _ in range(count):
        req, name, _, _, muts = make_request(rng, builder, family,
                                             ng.ANSWERED_HEADER_MUTATORS)
        data, out = exchange(nl, req)
        want = ng.unprivileged_errno(data)
        outcomes[errname(out.errno)] = outcomes.get(errname(out.errno), 0) + 1
        if out.final != [("error", want)] or out.parts:
            problems.append(f"{'+'.join(muts) or 'clean'} request at {name}: "
                            f"{out.final} {len(out.parts)} parts, want {errname(want)}")
    return problems, outcomes


def ip(*args) -> None:
    r = subprocess.run(["ip", *args], capture_output=True, text=True)
    if r.returncode:
        raise OSError(f"ip {' '.join(args)}: {r.stderr.strip()}")


def invisible(s: Session, root: dict) -> list:
    """Step B: root's devices (name -> (ifindex, public key hex)) cannot
    be found from here by name, nor by index (an index may name a device
    of ours here: then not theirs)."""
    problems = []
    keys = {bytes.fromhex(k) for _, k in root.values()}
    for name, (index, _) in root.items():
        for how, attrs in (("name", ng.target(name=name)), ("index", ng.target(index=index))):
            out = s.ask(wgnl.WG_CMD_GET_DEVICE, attrs, ng.NLM_F_REQUEST | ng.NLM_F_DUMP)
            err = out.errno
            if err == 0:
                dev = wgnl.read_device(out.parts)
                if (dev.get(wgnl.WGDEVICE_A_PUBLIC_KEY) in keys or
                        dev.get(wgnl.WGDEVICE_A_IFNAME, b"").rstrip(b"\0") == name.encode()):
                    problems.append(f"{name} seen by {how}")
            elif err not in ((errno.ENODEV,) if how == "name" else
                             # an index may name a device here that is not ours
                             (errno.ENODEV, errno.EOPNOTSUPP)):
                problems.append(f"{name} by {how}: {errname(err)}")
    return problems


def moved_rules(s: Session, name: str) -> list:
    """Step B: the moved device refuses a new listen port and a new mark
    (EPERM, nothing applied, a peer in the same request neither), and
    takes a new private key."""
    problems = []
    before = s.dump(name)
    peer = ng.Attr(wgnl.WGDEVICE_A_PEERS, [ng.Attr(0, [ng.Attr(wgnl.WGPEER_A_PUBLIC_KEY, os.urandom(32))])])
    for attrs in ([ng.leaf(wgnl.WGDEVICE_A_LISTEN_PORT, "=H", 51998)],
                  [ng.leaf(wgnl.WGDEVICE_A_FWMARK, "=I", 9)],
                  [ng.leaf(wgnl.WGDEVICE_A_LISTEN_PORT, "=H", 51997), peer]):
        err = s.set(ng.target(name=name) + attrs)
        if err != errno.EPERM or s.dump(name) != before:
            problems.append(f"SET {[a.type for a in attrs]}: {errname(err)}, not EPERM and no change")
    key = os.urandom(32)
    err = s.set(ng.target(name=name) + [ng.Attr(wgnl.WGDEVICE_A_PRIVATE_KEY, key)])
    after = s.dump(name)
    if err or after[1].get(wgnl.WGDEVICE_A_PUBLIC_KEY) != ng.public_of(key):
        problems.append(f"a new private key: {errname(err)}, or not taken")
    return problems


def child_steps(chan, rng, family, root: dict, counts: tuple, check_every: int) -> dict:
    """Both steps, in the child; the results for netlink.py to print."""
    res = {}
    ifindex = {name: index for name, (index, _) in root.items()}
    builder = ng.Builder(rng, {**ifindex, "lo": 1}, list(root))
    problems, outcomes = refused(rng, family, builder, counts[0])
    res["refused"] = [not problems, counts[0], outcomes, problems[:5]]

    try:
        unshare(CLONE_NEWNET)
        ip("link", "set", "lo", "up")
        ip("link", "add", "wgnu", "type", "wireguard")
        ip("link", "set", "wgnu", "up")
        chan.send("netns")
        if chan.recv() != "moved":
            return res
        s = Session("own netns", rng, {"wgnu": "small", "wgnm": "moved"}, {"lo": 1},
                    check_every)
        res["invisible"] = invisible(s, root)
        res["moved"] = moved_rules(s, "wgnm")
        _, cfg = s.dump("wgnm")
        s.fixed["wgnm"] = (cfg.get(wgnl.WGDEVICE_A_LISTEN_PORT), cfg.get(wgnl.WGDEVICE_A_FWMARK))
        s.run(counts[1])
        s.check_fixed()         # at the end too, whatever the fuzz sent
        res["fuzz"] = [dict(s.counts), dict(s.outcomes), dict(s.problems),
                       struct.unpack("=H", s.fixed["wgnm"][0])[0]]
        # deleted here, at once: the namespace's end would take them later
        ip("link", "del", "wgnu")
        ip("link", "del", "wgnm")
    except Exception as e:      # what was found so far still counts
        res["crash"] = f"{type(e).__name__}: {e}"
    return res

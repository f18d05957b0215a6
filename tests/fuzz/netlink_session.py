# SPDX-License-Identifier: GPL-2.0
"""One process's share of the netlink fuzzer (tests/fuzz/netlink.py): the
requests it sends from its socket and the invariants it checks after each.

The kernel answers a netlink request inside send(), and makes each next
part of a dump inside the recv() that takes the part before; so after
send() every answer is there to read without waiting (exchange()), and a
request that should have had one and has none is a finding, not a timeout.

Checks, each by name in Session.problems (the first few of each kind kept,
with the mutations that led there) and counted in Session.counts:

  replies     every request answered as its headers call for
              (netlink_gen.expected_reply()): one final message, an error
              or an ack or the end of a dump, or none at all
  unchanged   after a failed SET (every check_every-th SET is watched), the
              device it named is exactly as before: "check a whole SET
              request before changing anything" (module/netlink.c); only
              running out of memory or peers may leave part of one applied
  clean       a request no mutator touched, to one of our devices, succeeds
              (a SET that asks for a listen port may find it taken; a fixed
              device refuses a port and a mark)
  wellformed  every dump read back is a sane configuration
              (netlink_gen.config_problems())
  restore     the devices go back to their baselines whenever asked
  intr        a dump whose device changes between its parts says so
              (NLM_F_DUMP_INTR) and still ends
  fixed       a device whose listen port and mark must not change (one
              moved into a namespace whose root may not bind ports where
              its sockets live) keeps them
"""

import collections
import errno
import random
import socket
import struct

import netlink_gen as ng
import wgnl

# The SET failures that come after validation, while applying: they may
# leave part of a request applied, as in the stock module.
PARTIAL = (errno.ENOMEM, errno.ENOSPC)
RESTORE_EVERY = 40      # successful SETs between returns to the baselines
P_SET = 0.75            # of requests, SETs (the rest GETs)
P_HUGE = 0.002          # of SETs, one whole attribute of peers or IPs
P_TREE = 0.6            # of requests, one or two tree mutators
P_WRAP = 0.05           # of those that draw "wrap" (64 KiB requests), kept
P_HEADER = 0.15         # of requests, a header mutator
P_ABANDON = 0.01        # of requests, a dump read in part and abandoned
P_INTR = 0.005          # of requests, a dump whose device changes midway
DUMP_READ = 8192        # what a dump-watching socket reads at a time: the
                        # kernel then makes parts no larger, so a dump of
                        # the large device has several
KEEP = 5                # problems kept per kind, with their descriptions


class Outcome:
    """The answers to one request: final (error or done, with errno),
    the parts of a dump, their NLM_F_DUMP_INTR, and anything odd."""

    def __init__(self):
        self.final, self.parts = [], []
        self.intr = False
        self.others = self.overrun = 0
        self.unsent = None      # why send() refused the request

    @property
    def errno(self):
        return self.final[0][1] if self.final else None


def read_answers(sock, seq, out: Outcome, bufsize=1 << 20, block=False) -> Outcome:
    """Everything queued on sock for request seq (blocking for the next
    message only when block is set, until the final one)."""
    while True:
        try:
            buf = sock.recv(bufsize, 0 if block else socket.MSG_DONTWAIT)
        except (BlockingIOError, socket.timeout):
            return out
        except OSError as e:
            if e.errno != errno.ENOBUFS:
                raise
            out.overrun += 1
            continue
        for mtype, flags, mseq, payload in wgnl.split_messages(buf):
            if mseq != seq:
                out.others += 1
            elif mtype in (wgnl.NLMSG_ERROR, wgnl.NLMSG_DONE):
                code = struct.unpack_from("=i", payload)[0] if len(payload) >= 4 else 0
                out.final.append(("error" if mtype == wgnl.NLMSG_ERROR else "done", -code))
            else:
                out.parts.append(payload[4:])
                out.intr |= bool(flags & ng.NLM_F_DUMP_INTR)
        if block and out.final:
            return out


def exchange(nl, req) -> tuple:
    """Send a Request on a wgnl.GenlSocket under the next sequence number;
    (the bytes sent, the answers). A datagram the socket will not take
    has none."""
    nl.seq += 1
    data = req.encode(nl.seq)
    out = Outcome()
    try:
        nl.sock.send(data)
    except OSError as e:
        out.unsent = errname(e.errno)
        return data, out
    return data, read_answers(nl.sock, nl.seq, out)


def reply_problem(data: bytes, out: Outcome) -> str:
    """What is wrong with the answers to the request data, or ""."""
    want = ng.expected_reply(data)
    n = len(out.final)
    if out.unsent:
        return f"{len(data)} bytes not sent: {out.unsent}"
    if out.overrun or out.others:
        return f"{out.overrun} overruns, {out.others} answers to other requests"
    if n > 1:
        return f"{n} final answers"
    if want == "none":
        return "" if not n and not out.parts else "answered, though it could not be read"
    if want == "ack" and out.final != [("error", 0)]:
        return f"not a bare ack: {out.final}"
    if want == "final" and n != 1:
        return "no final answer"
    if want == "error-only" and out.final == [("error", 0)]:
        return "an ack nobody asked for"
    dump = (ng.header_fields(data)[1] & ng.NLM_F_DUMP) == ng.NLM_F_DUMP
    if out.parts and not dump:
        return "data for a request that is no dump"
    if out.parts and out.final and out.final[0][0] != "done":
        return "a dump that did not end with NLMSG_DONE"
    return ""


def errname(err) -> str:
    return "no answer" if err is None else "OK" if err == 0 else wgnl.errname(err)


def describe_change(before, after) -> str:
    """A short account of how two (errno, config) dumps differ."""
    if before[0] or after[0]:
        return f"dump {errname(before[0])} then {errname(after[0])}"
    b, a = before[1], after[1]
    keys = sorted(k for k in set(b) | set(a) if k != "peers" and b.get(k) != a.get(k))
    return (f"device attributes {keys} changed; peers {len(b['peers'])} -> "
            f"{len(a['peers'])}{' (changed)' if b['peers'] != a['peers'] else ''}")


def make_request(rng, builder, family, header_mutators) -> tuple:
    """A random request and how it was made: (Request, the device of ours
    it names or None, clean: no mutator touched it, huge, mutators)."""
    is_set = rng.random() < P_SET
    huge = is_set and rng.random() < P_HUGE
    attrs, name = builder.set_device(huge) if is_set else builder.get_device()
    cmd = wgnl.WG_CMD_SET_DEVICE if is_set else wgnl.WG_CMD_GET_DEVICE
    req = ng.Request(family, cmd, attrs,
                     ng.NLM_F_REQUEST | (ng.NLM_F_ACK if is_set else ng.NLM_F_DUMP))
    muts = []
    if rng.random() < P_TREE:
        for m in rng.sample(sorted(ng.TREE_MUTATORS), rng.choice((1, 1, 2))):
            if m != "wrap" or rng.random() < P_WRAP:
                ng.TREE_MUTATORS[m](rng, req.attrs)
                muts.append(m)
    if rng.random() < P_HEADER:
        m = rng.choice(header_mutators)
        ng.HEADER_MUTATORS[m](rng, req)
        muts.append(m)
    return req, name, not muts and name is not None, huge, muts


class Session:
    """Requests at the devices of one namespace from one socket.

    roles: name -> "small" (up: a key, six peers), "empty" (down: nothing),
    "large" (up: a key, 128 peers with 4 allowed IPs each: its dumps take
    several messages) or "moved" (a key and two peers, restored without
    the mark: see Session.fixed); others: name -> ifindex of devices that
    are not ours ("lo")."""

    def __init__(self, who, rng, roles: dict, others: dict, check_every: int,
                 header_mutators=tuple(ng.HEADER_MUTATORS)):
        self.who, self.rng, self.roles = who, rng, roles
        self.check_every = check_every
        self.header_mutators = header_mutators
        self.nl = wgnl.GenlSocket()
        self.family = self.nl.resolve(wgnl.WG_GENL_NAME)
        self.problems = collections.defaultdict(list)
        self.counts = collections.Counter()
        self.outcomes = collections.Counter()
        self.baseline, self.fixed = {}, {}
        self.n_set = self.successes = 0
        self.need_restore = False
        self.builder = None
        ifindex = {}
        for name in roles:
            err, cfg = self.dump(name)
            if err:
                raise OSError(err, f"{who}: no device {name}")
            ifindex[name] = struct.unpack("=I", cfg[wgnl.WGDEVICE_A_IFINDEX])[0]
        self.ifindex = ifindex
        self.builder = ng.Builder(rng, {**ifindex, **others}, list(roles))

    # -- plumbing -------------------------------------------------------------

    def problem(self, kind: str, desc: str) -> None:
        self.counts["problem " + kind] += 1
        if len(self.problems[kind]) < KEEP:
            self.problems[kind].append(desc)

    def ask(self, cmd: int, attrs: list, flags: int) -> Outcome:
        """A request of our own, answered without blocking (a dump that
        never ends shows as no final answer, not as a hang)."""
        return exchange(self.nl, ng.Request(self.family, cmd, attrs, flags))[1]

    def dump(self, name: str) -> tuple:
        """(errno, normalized configuration or None) of a device; ENOMSG
        when the dump did not end."""
        out = self.ask(wgnl.WG_CMD_GET_DEVICE, ng.target(name=name),
                       ng.NLM_F_REQUEST | ng.NLM_F_DUMP)
        if out.final != [("done", 0)]:
            return out.errno or errno.ENOMSG, None
        cfg = ng.normalize(wgnl.read_device(out.parts))
        port = cfg.get(wgnl.WGDEVICE_A_LISTEN_PORT)
        if self.builder and port is not None:
            # requests for a port that is taken ask for this one
            self.builder.ports[name] = struct.unpack("=H", port)[0]
        return 0, cfg

    def set(self, attrs: list) -> int:
        out = self.ask(wgnl.WG_CMD_SET_DEVICE, attrs, ng.NLM_F_REQUEST | ng.NLM_F_ACK)
        return out.errno if out.final else errno.ENOMSG

    # -- baselines ---------------------------------------------------------------

    def baseline_request(self, name: str) -> list:
        """The SET that puts a device back as its role has it (the same
        every time: its own random generator)."""
        role = self.roles[name]
        rng = random.Random(f"baseline-{name}")
        attrs = ng.target(name=name) + [ng.leaf(wgnl.WGDEVICE_A_FLAGS, "=I",
                                                ng.WGDEVICE_F_REPLACE_PEERS)]
        key = bytes(32) if role == "empty" else rng.randbytes(32)
        attrs.append(ng.Attr(wgnl.WGDEVICE_A_PRIVATE_KEY, key))
        if role != "moved":
            attrs.append(ng.leaf(wgnl.WGDEVICE_A_FWMARK, "=I", 0))
        peers = []
        if role == "small":
            for key in self.builder.keys[:6]:
                peers.append(ng.Attr(0, [
                    ng.Attr(wgnl.WGPEER_A_PUBLIC_KEY, key),
                    ng.Attr(wgnl.WGPEER_A_PRESHARED_KEY, rng.randbytes(32)),
                    ng.Attr(wgnl.WGPEER_A_ENDPOINT, wgnl.sockaddr(f"192.0.2.{len(peers) + 1}:51820")),
                    ng.Attr(wgnl.WGPEER_A_ALLOWEDIPS, [
                        ng.allowed_ip(ng.AF_INET, bytes([10, 1, len(peers), 0]), 24),
                        ng.allowed_ip(ng.AF_INET6, bytes([0xfd, 0, len(peers)]) + bytes(13), 48)])]))
        elif role in ("large", "moved"):
            for i in range(128 if role == "large" else 2):
                peers.append(ng.Attr(0, [
                    ng.Attr(wgnl.WGPEER_A_PUBLIC_KEY, rng.randbytes(32)),
                    ng.Attr(wgnl.WGPEER_A_ALLOWEDIPS, [
                        ng.allowed_ip(ng.AF_INET, bytes([10, 2, i, 4 * j]), 30) for j in range(4)])]))
        if peers:
            attrs.append(ng.Attr(wgnl.WGDEVICE_A_PEERS, peers))
        return attrs

    @staticmethod
    def portless(cfg):
        """A configuration without its listen port, which is not restored
        (the fuzz moves ports between devices; putting them back could
        collide)."""
        return cfg and {k: v for k, v in cfg.items() if k != wgnl.WGDEVICE_A_LISTEN_PORT}

    def restore(self, name: str) -> None:
        err = self.set(self.baseline_request(name))
        after = self.dump(name)
        self.counts["restores"] += 1
        if err or after[0]:
            self.problem("restore", f"{name}: restoring failed with {errname(err or after[0])}")
        elif name not in self.baseline:
            self.baseline[name] = self.portless(after[1])
        elif self.portless(after[1]) != self.baseline[name]:
            self.problem("restore", f"{name} restored differs from its baseline: "
                         f"{describe_change((0, self.baseline[name]), (0, self.portless(after[1])))}")

    def restore_all(self) -> None:
        for name in self.roles:
            err, cfg = self.dump(name)
            if err or self.portless(cfg) != self.baseline.get(name):
                self.restore(name)
        self.need_restore = False

    def check_fixed(self) -> None:
        for name, want in self.fixed.items():
            err, cfg = self.dump(name)
            got = cfg and (cfg.get(wgnl.WGDEVICE_A_LISTEN_PORT), cfg.get(wgnl.WGDEVICE_A_FWMARK))
            self.counts["fixed checked"] += 1
            if err or got != want:
                self.problem("fixed", f"{name}: port and mark {want} became {got} ({errname(err)})")

    # -- the fuzz ------------------------------------------------------------------

    def run(self, count: int) -> None:
        self.restore_all()
        for _ in range(count):
            self.one()
            if self.need_restore:
                self.restore_all()
        self.restore_all()

    def one(self) -> None:
        r = self.rng.random()
        if r < P_ABANDON:
            return self.abandoned_dump()
        if r < P_ABANDON + P_INTR and "large" in self.roles.values():
            return self.interrupted_dump()
        self.send(*make_request(self.rng, self.builder, self.family, self.header_mutators))

    def send(self, req, name, clean: bool, huge: bool, muts: list) -> Outcome:
        """One request and every check it allows."""
        is_set = req.cmd == wgnl.WG_CMD_SET_DEVICE
        watched = None
        if is_set:
            self.n_set += 1
            if self.n_set % self.check_every == 0:
                watched = name or next(iter(self.roles))
        before = self.dump(watched) if watched else None
        data, out = exchange(self.nl, req)
        what = f"{'SET' if is_set else 'GET' if req.cmd == 0 else 'cmd %d' % req.cmd} " \
               f"{name or 'no device of ours'}, {'+'.join(muts) or 'clean'}"
        why = reply_problem(data, out)
        if why:
            self.problem("replies", f"{what}: {why}")
        err = out.errno
        self.outcomes[errname(err)] += 1
        self.counts["requests"] += 1
        ran = err == 0 or (err is None and ng.expected_reply(data) == "error-only")
        view = ng.kernel_view(data) if len(data) >= 20 else []
        if clean:
            self.counts["clean"] += 1
            port = wgnl.WGDEVICE_A_LISTEN_PORT in view
            mark = wgnl.WGDEVICE_A_FWMARK in view
            # a port may be taken; a fixed device refuses port and mark
            excused = is_set and ((port and err == errno.EADDRINUSE) or
                                  (name in self.fixed and (port or mark) and err == errno.EPERM))
            if not ran and not excused:
                self.problem("clean", f"{what}: {errname(err)}")
        if is_set and ran:
            self.successes += 1
            if huge or self.successes % RESTORE_EVERY == 0:
                self.need_restore = True
            if self.fixed and {wgnl.WGDEVICE_A_LISTEN_PORT, wgnl.WGDEVICE_A_FWMARK} & set(view):
                self.check_fixed()
        if watched:
            after = self.dump(watched)
            self.counts["watched"] += 1
            if not ran and err not in PARTIAL:
                self.counts["watched failures"] += 1
                if after != before:
                    self.problem("unchanged", f"{what}: {errname(err)}, yet {watched} changed: "
                                 f"{describe_change(before, after)}")
            self.wellformed(after[1], f"{watched} after {what}")
        elif out.parts and out.final == [("done", 0)] and (clean or self.rng.random() < 0.1):
            self.wellformed(ng.normalize(wgnl.read_device(out.parts)), f"dump of {what}")
        return out

    def wellformed(self, cfg, where: str) -> None:
        if cfg is None:
            return
        self.counts["dumps checked"] += 1
        for why in ng.config_problems(cfg):
            self.problem("wellformed", f"{where}: {why}")

    # -- dumps cut short ------------------------------------------------------------

    def dump_socket(self, name: str) -> tuple:
        """A fresh socket with a dump of name started on it: (socket, seq)."""
        s = wgnl.GenlSocket()
        s.sock.settimeout(10)
        s.send(self.family, wgnl.WG_CMD_GET_DEVICE, wgnl.WG_GENL_VERSION,
               [a.encode() for a in ng.target(name=name)], wgnl.NLM_F_DUMP)
        return s, s.seq

    def abandoned_dump(self) -> None:
        """A dump started on a socket of its own and left: after one part
        (already queued: the kernel made it inside send()), or unread."""
        s, _ = self.dump_socket(self.rng.choice(list(self.roles)))
        if self.rng.random() < 0.7:
            s.sock.recv(DUMP_READ)
        s.sock.close()
        self.counts["abandoned dumps"] += 1

    def interrupted_dump(self) -> None:
        """A dump of the large device with a SET in between its parts: a
        new peer, or every peer replaced (the peer it was to resume from
        is then gone). Reading part 1 makes part 2 at once; the change
        must show in a later part as NLM_F_DUMP_INTR, and the dump end."""
        name = next(n for n, r in self.roles.items() if r == "large")
        s, seq = self.dump_socket(name)
        out = Outcome()
        for mtype, flags, mseq, payload in wgnl.split_messages(s.sock.recv(DUMP_READ)):
            if mtype in (wgnl.NLMSG_ERROR, wgnl.NLMSG_DONE):
                out.final.append(("end", None))
            out.parts.append(payload)
        if out.final:
            self.counts["dumps in one part"] += 1
            s.sock.close()
            return
        if self.rng.random() < 0.5:
            change = ng.target(name=name) + [ng.Attr(wgnl.WGDEVICE_A_PEERS, [ng.Attr(0, [
                ng.Attr(wgnl.WGPEER_A_PUBLIC_KEY, self.rng.randbytes(32))])])]
        else:
            change = self.baseline_request(name)
        err = self.set(change)
        self.need_restore = True
        try:
            read_answers(s.sock, seq, out, DUMP_READ, block=True)
        except socket.timeout:
            pass
        s.sock.close()
        self.counts["interrupted dumps"] += 1
        if err:
            self.problem("intr", f"the change midway failed: {errname(err)}")
        elif out.final != [("done", 0)]:
            self.problem("intr", f"the dump ended with {out.final or 'nothing'}")
        elif len(out.parts) <= 2:
            # part 2 was made when part 1 was read, before the change
            self.counts["dumps that ended before the change showed"] += 1
        elif not out.intr:
            self.problem("intr", f"{len(out.parts)} parts, none flagged NLM_F_DUMP_INTR")
        else:
            self.counts["dumps flagged interrupted"] += 1

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""churn.py CYCLES KEYDIR: the cycles of the churn under traffic (issue 12;
tests/lib/churn.sh sets up the tunnel and iperf3, and checks the results;
KEYDIR/pa is wga's public key).

Run inside netns wgt-chA, where wga is. Each cycle, with wga's peer wgb
in wgt-chB carrying iperf3's traffic:

  - wga's listen port changes (wgb learns the new one from the traffic);
  - a visitor: a device wgx made in wgt-chA with a fresh key (its socket
    stays in wgt-chA), moved into a new network namespace; wga gets it
    as a peer; a ping from the visitor's namespace starts a handshake,
    and, after 0 to 99 ms at random (before, during or after the
    handshake), wgx gets a new key, wga loses the peer, and the visitor's
    namespace goes with wgx in it (its last reference dropped: what "ip
    netns del" leads to).

Why Python, one process, rather than ip and wg: on the debug kernel
(make check-debug) under emulation, starting a process costs 2 to 4
seconds, and a cycle of a dozen commands took 49 to 55 s; here a cycle
is the kernel's work alone. The requests are those ip and wg would send
for the same steps (ip link add, set netns, addrgenmode none, up; ip
addr add; ip route add; wg set): RTM_* messages over rtnetlink,
WG_CMD_SET_DEVICE over generic netlink (wgnl.py).

Prints a line for each step that failed, a line every 50 cycles, and at
the end "churn: CYCLES FAILED STALLED ANSWERED BYTES": cycles with a
failed step, cycles in which wgb took in no traffic, the visitors' pings
answered, the bytes wgb took in meanwhile.
"""

import errno
import os
import random
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import noise_ref  # noqa: E402
import wgnl  # noqa: E402
from wgnl import attr, nest, u32  # noqa: E402

# <linux/rtnetlink.h>, <linux/if_link.h>, <linux/if_addr.h>
NETLINK_ROUTE = 0
RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK, RTM_NEWADDR, RTM_NEWROUTE = 16, 17, 18, 20, 24
NLM_F_EXCL, NLM_F_CREATE = 0x200, 0x400
IFLA_IFNAME, IFLA_LINKINFO, IFLA_STATS64, IFLA_AF_SPEC, IFLA_NET_NS_FD = 3, 18, 23, 26, 28
IFLA_INFO_KIND = 1
IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE = 8, 1
IFA_ADDRESS, IFA_LOCAL = 1, 2
RTA_DST, RTA_OIF = 1, 4
RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_LINK, RTN_UNICAST = 254, 3, 253, 1
IFF_UP = 0x1

WGPEER_F_REMOVE_ME = 1
WGA = "10.7.0.1"	# the visitors' peer, wga


class Failed(Exception):
    pass


def check(what, err, msg):
    """A request's answer: Failed, naming the step, unless it is 0."""
    if err:
        raise Failed("%s: %s %s" % (what, wgnl.errname(err), msg))


class Namespace:
    """The sockets a cycle needs in one network namespace: rtnetlink,
    generic netlink, and (for the visitor) a raw ICMP socket."""

    def __init__(self, fd, family=None, icmp=False):
        with wgnl.in_netns(fd):
            self.rtnl = wgnl.NetlinkSocket(NETLINK_ROUTE)
            self.genl = wgnl.GenlSocket()
            self.icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW,
                                      socket.IPPROTO_ICMP) if icmp else None
        self.family = family or self.genl.resolve(wgnl.WG_GENL_NAME)

    def close(self):
        for s in (self.rtnl.sock, self.genl.sock, self.icmp):
            if s is not None:
                s.close()

    def rt(self, what, mtype, body, attrs, flags=wgnl.NLM_F_ACK):
        err, msg, answers = self.rtnl.exchange(mtype, body + b"".join(attrs), flags)
        check(what, err or (0 if answers or flags & wgnl.NLM_F_ACK else errno.ENODATA), msg)
        return answers

    def link(self, what, index, attrs, flags=0, up=False):
        self.rt(what, RTM_NEWLINK, ifinfomsg(index, up), attrs, wgnl.NLM_F_ACK | flags)

    def index_of(self, name):
        """(ifindex, the RTM_NEWLINK answer) of a device, by name."""
        payload = self.rt("link show " + name.decode(), RTM_GETLINK, ifinfomsg(),
                          [attr(IFLA_IFNAME, name + b"\0")], 0)[0]
        return struct.unpack_from("=i", payload, 4)[0], payload

    def rx_bytes(self, name):
        _, payload = self.index_of(name)
        stats = dict(wgnl.parse_attrs(payload[16:]))[IFLA_STATS64]
        return struct.unpack_from("=QQQ", stats)[2]

    def wg_set(self, what, attrs):
        err, msg, _ = self.genl.request(self.family, wgnl.WG_CMD_SET_DEVICE, attrs)
        check(what, err, msg)


def ifinfomsg(index=0, up=False):
    """struct ifinfomsg: family, type, index, flags, and the flags' mask."""
    return struct.pack("=BxHiII", 0, 0, index, IFF_UP if up else 0, IFF_UP if up else 0)


def ifname(name):
    return attr(wgnl.WGDEVICE_A_IFNAME, name + b"\0")


def peer(public, *attrs):
    return nest(wgnl.WGDEVICE_A_PEERS,
                [nest(0, [attr(wgnl.WGPEER_A_PUBLIC_KEY, public)] + list(attrs))])


def allowed(addr, cidr):
    return nest(wgnl.WGPEER_A_ALLOWEDIPS,
                [wgnl.allowed_ip(socket.AF_INET, socket.inet_aton(addr), cidr)])


def cycle(i, a, pub_a, rng):
    """One cycle; raises Failed naming the step. True if the visitor's
    ping was answered."""
    port = 20000 + i % 20000
    a.wg_set("wga listen-port", [ifname(b"wga"), wgnl.u16(wgnl.WGDEVICE_A_LISTEN_PORT, port)])
    key = os.urandom(32)
    pub_x = noise_ref.x25519_public(key)
    visitor = "10.9.%d.%d" % (i // 250 % 250, i % 250 + 1)
    # A new namespace, held by a file descriptor (and the sockets made in
    # it) alone.
    x_fd, x = None, None
    try:
        with wgnl.in_netns(None):
            x_fd = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        x = Namespace(x_fd, a.family, icmp=True)
        a.link("link add wgx", 0, [attr(IFLA_IFNAME, b"wgx\0"),
               nest(IFLA_LINKINFO, [attr(IFLA_INFO_KIND, b"wireguard")])],
               NLM_F_CREATE | NLM_F_EXCL)
        index, _ = a.index_of(b"wgx")
        a.wg_set("wgx key and peer", [
            ifname(b"wgx"), attr(wgnl.WGDEVICE_A_PRIVATE_KEY, key),
            peer(pub_a, attr(wgnl.WGPEER_A_ENDPOINT, wgnl.sockaddr("192.0.2.1:%d" % port)),
                 allowed(WGA, 32))])
        a.link("link set wgx netns", index, [u32(IFLA_NET_NS_FD, x_fd)])
        index, _ = x.index_of(b"wgx")
        # struct ifaddrmsg: family, prefixlen, flags, scope, index
        x.rt("addr add", RTM_NEWADDR,
             struct.pack("=BBBBi", socket.AF_INET, 32, 0, 0, index),
             [attr(IFA_LOCAL, socket.inet_aton(visitor)),
              attr(IFA_ADDRESS, socket.inet_aton(visitor))],
             wgnl.NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL)
        # As wgt_dev_up -l: no IPv6 link-local address, so no DAD, router
        # solicitation or MLD into the tunnel (the device has no MAC).
        x.link("link set wgx addrgenmode none", index,
               [nest(IFLA_AF_SPEC, [nest(socket.AF_INET6, [
                   wgnl.u8(IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE)])])])
        x.link("link set wgx up", index, [], up=True)
        # struct rtmsg: family, dst_len, src_len, tos, table, protocol,
        # scope, type, flags
        x.rt("route add", RTM_NEWROUTE,
             struct.pack("=BBBBBBBBI", socket.AF_INET, 24, 0, 0, RT_TABLE_MAIN,
                         RTPROT_BOOT, RT_SCOPE_LINK, RTN_UNICAST, 0),
             [attr(RTA_DST, socket.inet_aton("10.7.0.0")), u32(RTA_OIF, index)],
             wgnl.NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL)
        a.wg_set("wga peer add", [ifname(b"wga"), peer(pub_x, allowed(visitor, 32))])
        x.icmp.sendto(noise_ref.icmp_echo(i & 0xffff, 1, b"churn"), (WGA, 0))
        # 0 to 99 ms: a handshake and the ping's reply take tens of ms
        # under emulation, so the teardown comes before, during or after.
        time.sleep(rng.randrange(100) / 1000)
        x.wg_set("wgx new key", [ifname(b"wgx"),
                                 attr(wgnl.WGDEVICE_A_PRIVATE_KEY, os.urandom(32))])
        a.wg_set("wga peer remove", [ifname(b"wga"),
                                     peer(pub_x, u32(wgnl.WGPEER_A_FLAGS, WGPEER_F_REMOVE_ME))])
        # Up to a second after the teardown for the reply, which may
        # come, the request having left before.
        answered = False
        deadline = time.monotonic() + 1
        while not answered and select.select([x.icmp], [], [],
                                             max(0, deadline - time.monotonic()))[0]:
            data = x.icmp.recv(2048)
            ihl = (data[0] & 0xf) * 4
            answered = data[ihl] == 0 and struct.unpack_from("!H", data, ihl + 4)[0] == i & 0xffff
        return answered
    finally:
        # The namespace's last references: it goes, and wgx with it.
        if x is not None:
            x.close()
        if x_fd is not None:
            os.close(x_fd)
        # A cycle that failed before the move leaves wgx in wgt-chA.
        a.rtnl.exchange(RTM_DELLINK, ifinfomsg() + attr(IFLA_IFNAME, b"wgx\0"),
                        wgnl.NLM_F_ACK)


def main():
    cycles = int(sys.argv[1])
    seed = int(os.environ.get("CHURN_SEED", str(int.from_bytes(os.urandom(4), "little"))))
    rng = random.Random(seed)
    print("# churn.py: seed %d (CHURN_SEED=%d replays the delays)" % (seed, seed), flush=True)
    a = Namespace(os.open("/run/netns/wgt-chA", os.O_RDONLY))
    b = Namespace(os.open("/run/netns/wgt-chB", os.O_RDONLY), a.family)
    with open(os.path.join(sys.argv[2], "pa"), "rb") as f:
        pub_a = wgnl.key(f.read().decode().strip())
    failed = stalled = answered = 0
    start = last = b.rx_bytes(b"wgb")
    t0 = time.monotonic()
    for i in range(cycles):
        try:
            answered += cycle(i, a, pub_a, rng)
        except (Failed, OSError) as e:
            failed += 1
            print("# cycle %d: %s" % (i, e), flush=True)
        # iperf3's traffic must have grown wgb's count within the cycle.
        try:
            now = b.rx_bytes(b"wgb")
        except (Failed, OSError) as e:
            print("# cycle %d: wgb's count: %s" % (i, e), flush=True)
            now = last
        stalled += now <= last
        last = now
        if (i + 1) % 50 == 0:
            print("# churn: %d of %d cycles, %d s" % (i + 1, cycles, time.monotonic() - t0),
                  flush=True)
    print("# churn.py: %d cycles in %d s" % (cycles, time.monotonic() - t0))
    print("churn: %d %d %d %d %d" % (cycles, failed, stalled, answered, last - start))
    return 0


if __name__ == "__main__":
    sys.exit(main())

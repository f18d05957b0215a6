#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The fuzzers' short runs (issue 12), in make check; make fuzz runs the long
# ones (tests/fuzz/). The sizes are SHORT_RUN at the top of each fuzzer.
#
# Wire (tests/fuzz/wire.py, tests/lib/fuzz.sh's fuzz_wire): datagrams at a
# device that carries a tunnel to another wgtour device, pinged through all
# along: random bytes; the four messages, genuine (the fuzzer plays two of
# the device's peers with noise_ref.py) and mutated; inner packets the device
# must refuse; replays; floods of initiations from 32 source addresses. Then:
# every datagram got exactly one verdict, UDP's count agrees, rx_dropped
# grew by the drops, every drop and reject has a named reason, the malformed
# ones are exactly those the fuzzer sent, each reason aimed at was hit, the
# tunnel still carries traffic, everything is freed, the kernel said nothing.
#
# Netlink (tests/fuzz/netlink.py, fuzz_netlink): random and mutated requests
# of both commands to three devices from root, then from a user namespace
# (refused in the devices' namespace; in one of its own, root's devices
# invisible and a moved-in device's port and mark kept). Failed SETs change
# nothing, clean requests succeed, dumps are sane, abandoned and
# interrupted dumps end well, everything is freed, the kernel said nothing.
#
# FUZZ_SEED=S replays a run's choices (each fuzzer prints its seed).
. "$(dirname "$0")/../lib/fuzz.sh"

trap fuzz_cleanup EXIT
ktap_plan $((FUZZ_WIRE_CHECKS + FUZZ_NETLINK_CHECKS))
fuzz_wire ${FUZZ_SEED:+--seed "$FUZZ_SEED"}
fuzz_netlink ${FUZZ_SEED:+--seed "$FUZZ_SEED"}
ktap_finish

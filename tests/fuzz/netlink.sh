#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make fuzz: the netlink fuzzer's long run (issue 12), LONG_RUN requests
# (100,000) from root and a tenth more from a user namespace;
# tests/vm/fuzz.sh says what is sent and checked. FUZZ_SEED=S replays a
# run's choices.
. "$(dirname "$0")/../lib/fuzz.sh"

trap fuzz_cleanup EXIT
ktap_plan "$FUZZ_NETLINK_CHECKS"
fuzz_netlink --long ${FUZZ_SEED:+--seed "$FUZZ_SEED"}
ktap_finish

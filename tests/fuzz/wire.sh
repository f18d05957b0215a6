#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make fuzz: the wire fuzzer's long run (issue 12), LONG_RUN datagrams (a
# million) at a live tunnel; tests/vm/fuzz.sh says what is sent and checked.
# FUZZ_SEED=S replays a run's choices.
. "$(dirname "$0")/../lib/fuzz.sh"

trap fuzz_cleanup EXIT
ktap_plan "$FUZZ_WIRE_CHECKS"
fuzz_wire --long ${FUZZ_SEED:+--seed "$FUZZ_SEED"}
ktap_finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make fuzz: churn under traffic, a thousand cycles (issue 12;
# tests/lib/churn.py says what a cycle does and what is checked).
# CHURN_CYCLES=N runs N instead (a shorter run on the debug kernel).
. "$(dirname "$0")/../lib/churn.sh"

trap churn_cleanup EXIT
ktap_plan "$CHURN_CHECKS"
churn_run "${CHURN_CYCLES:-1000}"
ktap_finish

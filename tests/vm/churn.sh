#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Churn under traffic, a short run (issue 12; tests/lib/churn.py says what a
# cycle does and what is checked); make fuzz runs a thousand cycles
# (tests/fuzz/churn.sh).
. "$(dirname "$0")/../lib/churn.sh"

trap churn_cleanup EXIT
ktap_plan "$CHURN_CHECKS"
churn_run 8
ktap_finish

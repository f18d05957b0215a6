#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The protocol timers at their real durations: tests/vm/timers.sh with
# time_divisor=1, so rekey after 120 s, keepalives every 10 s, retries every
# 5 s, giving up after 90 s and zeroing after 540 s. The scaled run in make
# check proves the logic; this one proves that nothing in it depends on the
# divisor (a jiffies conversion, a rounding, a timer-wheel level). About
# 13 minutes; run by "make check-long".
TIME_DIVISOR=1 exec "$(dirname "$0")/../vm/timers.sh"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The course's quick self-test in make check: one assignment's student copy
# (the skeleton) and reference copy, made from module/ as it is, both build
# with W=1 and no warning, and differ. make check-labs does every
# assignment, and with VM=1 grades both copies in the lab VM.
exec "$WGTOUR_ROOT/labs/course/check-labs.sh" ch4-replay

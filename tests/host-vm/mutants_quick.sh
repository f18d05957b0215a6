#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The suite must be able to go red, and this proves it on every run: the
# fast mutants of the module (tests/mutants/ patches marked "Quick: yes":
# a replay-window edge off by one, an MTU without the tag; one for each of
# two tests) are each applied alone to a copy of module/, built, and run against
# the tests that should catch them in one boot of the lab VM, after the
# unmodified module passed the same tests (tests/mutate.sh --quick). Every
# one must be killed. "make mutate" runs all the mutants.
exec "$(dirname "$0")/../mutate.sh" --quick

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# traces/render.py on the recorded sample trace of chapter 4
# (traces/samples/ch4-rx-trace.txt): it renders the summary and both SVGs,
# and its checker (what tests/vm/lab_rx.sh runs on a live make lab-rx)
# passes on the good trace and fails on broken ones: a stage missing from
# every packet, stages out of order, an SVG cut short, an SVG that does not
# name a stage. Runs on the host; the steps are tests/lib/lab_render.sh's.
. "$(dirname "$0")/../lib/lab_render.sh"

lab_render_setup traces/render.py traces/samples/ch4-rx-trace.txt
ktap_plan 8
expect_renders
expect_checks
expect_without rx_decrypt
# Every rx_decrypt moved to just after its packet's first event. (Not
# rx_replay_check: moved, it loses its NAPI poll and the packet a stage,
# which a checker blind to order would fail too.)
expect_first rx_decrypt "decryptions"
expect_svg_faults rx_replay_check rx_replay_XXXXX
expect_dot
ktap_finish

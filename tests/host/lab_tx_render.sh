#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# traces/render_tx.py on the recorded sample of make lab-tx
# (traces/samples/ch5-lab-tx-trace.txt): it renders the summary and both
# SVGs, and its checker passes on the good trace and fails on broken ones:
# no GSO split, a stage missing from every segment, stages out of order,
# an SVG cut short, an SVG that does not name a stage. Runs on the host;
# the steps are tests/lib/lab_render.sh's.
. "$(dirname "$0")/../lib/lab_render.sh"

lab_render_setup traces/render_tx.py traces/samples/ch5-lab-tx-trace.txt
ktap_plan 10
expect_renders
expect_output "the summary shows one GSO packet cut into segments, and the CPUs that encrypted them" \
	'^One GSO packet.s journey: .* cut into [0-9]* segments' 'encrypted on: CPU'
expect_checks
expect_without tx_gso_split
expect_without tx_encrypt
# Every tx_encrypt moved to just after its datagram's first event.
# (Not tx_send: moved, it ends its datagram early, which loses a stage,
# and a checker blind to order would fail that too.)
expect_first tx_encrypt encryptions
expect_svg_faults tx_encrypt_enqueue tx_encrypt_XXXXXXX
expect_dot
ktap_finish

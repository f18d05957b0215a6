#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make lab-rx: boot the lab VM and run the reception lab in it
# (labs/rx/guest.sh): two namespaces with a wgtour device each, pings and a
# short TCP stream traced by traces/rx.bt. The trace is rendered here, on
# the host, by traces/render.py (Python is slow under QEMU). Results are
# left in build/labs/rx/: trace.txt, summary.txt, swimlane.svg,
# stages.svg (and stages.dot). The steps are labs/lib.sh's lab_host_main.
. "$(dirname "$0")/../lib.sh"
lab_host_main rx traces/render.py WGT_RX_RENDER

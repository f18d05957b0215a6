#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make lab-tx: boot the lab VM and run the transmission lab in it
# (labs/tx/guest.sh): two namespaces with a wgtour device each, a ping and
# a short TCP stream from wgt-a, traced by traces/tx.bt on the sending
# side. The trace is rendered here, on the host, by traces/render_tx.py
# (Python is slow under QEMU). Results are left in build/labs/tx/:
# trace.txt, summary.txt, swimlane.svg, stages.svg (and stages.dot). The
# steps are labs/lib.sh's lab_host_main.
. "$(dirname "$0")/../lib.sh"
lab_host_main tx traces/render_tx.py WGT_TX_RENDER

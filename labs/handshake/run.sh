#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make lab-handshake: boot the lab VM and run the handshake lab in it
# (labs/handshake/guest.sh): wgtour.ko with time_divisor=5, two devices,
# a handshake, a fresh start (wga down and up), a cookie exchange under a flood of initiations,
# traced by traces/handshake.bt. The trace is rendered here, on the host,
# by traces/render_handshake.py. Results are left in
# build/labs/handshake/: trace.txt, summary.txt, sequence.svg, timers.svg,
# trace.json. The steps are labs/lib.sh's lab_host_main.
. "$(dirname "$0")/../lib.sh"
lab_host_main handshake traces/render_handshake.py WGT_HANDSHAKE_RENDER \
	"sequence.svg, timers.svg"

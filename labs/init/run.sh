#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make lab-init: boot the lab VM and run the device-life lab in it
# (labs/init/guest.sh): wg0 created in one namespace, configured, brought
# up, moved to another, brought up there and deleted, traced by
# traces/init.bt. The trace is rendered here, on the host, by
# traces/render_init.py. Results are left in build/labs/init/: trace.txt,
# summary.txt, timeline.svg, trace.json. The steps are labs/lib.sh's
# lab_host_main.
. "$(dirname "$0")/../lib.sh"
lab_host_main init traces/render_init.py WGT_INIT_RENDER timeline.svg

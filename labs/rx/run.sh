#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make lab-rx: boot the lab VM and run the reception lab in it. Results are
# left in build/labs/rx/.
root=$(cd "$(dirname "$0")/../.." && pwd)
echo "lab-rx: booting the lab VM (QEMU, about 5 s) ..."
"$root/labs/vm/run" --name lab-rx --timeout 600 -- labs/rx/guest.sh
rc=$?
echo "lab-rx: output kept in build/labs/rx/ (VM logs: build/vm/runs/lab-rx/)"
exit $rc

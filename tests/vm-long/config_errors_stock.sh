#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/vm/config_errors.sh with every case run against the stock
# wireguard.ko first, its answers printed beside ours and the differences
# summed up (diagnostics, not asserted: see that file's header). About a
# minute more than make check's run; run by "make check-long".
CONFIG_ERRORS_STOCK=1 exec "$(dirname "$0")/../vm/config_errors.sh"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make shell" as a person uses it: typed at through a terminal (tmux here),
# the module loaded, and "exit" powering the VM off with status 0.
. "$(dirname "$0")/../lib/ktap.sh"

ktap_plan 3
session=wgtour-shell-test-$$
out=$(mktemp)
trap 'tmux kill-session -t "$session" 2>/dev/null; rm -f "$out"' EXIT

tmux new-session -d -s "$session" -x 120 -y 30 \
	"cd '$WGTOUR_ROOT' && labs/vm/run --name shell-test --timeout 120 --shell; echo SHELL-EXIT=\$? > '$out'; sleep 60"

# screen_shows PATTERN - the terminal shows a line that matches.
screen_shows()
{
	tmux capture-pane -pt "$session" | grep -q "$1"
}

prompt_seen()
{
	wgt_wait_until --every 0.5 60 screen_shows 'root@wgtour-vm'
}
ktap_check "the shell prompt appears in the terminal" 'prompt_seen'

tmux send-keys -t "$session" 'echo answer=$((6 * 7)) module=$(ls -d /sys/module/wgtour)' Enter
typed()
{
	wgt_wait_until --every 0.5 20 screen_shows 'answer=42 module=/sys/module/wgtour'
}
ktap_check "typed commands run, with wgtour.ko loaded" 'typed'

tmux send-keys -t "$session" 'exit' Enter
left()
{
	wgt_wait_until --every 0.5 30 grep -qx 'SHELL-EXIT=0' "$out"
}
ktap_check "exit powers the VM off, status 0" 'left'
ktap_finish

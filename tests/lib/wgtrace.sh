# SPDX-License-Identifier: GPL-2.0
#
# The module's tracepoints through a private tracefs instance, for tests
# that count events (tests/vm/handshake_*.sh, timers.sh, rx_replay_malformed.sh,
# tx_paths.sh, outer_packets.sh). An instance has
# its own ring buffer and its own event switches, so a test neither sees
# nor disturbs anyone else's tracing, and nothing has to start up: unlike
# bpftrace, which takes several seconds to attach under TCG, the events
# are on the moment the "enable" file is written. The events are the same
# tracepoint:wgtour:* that bpftrace attaches to.
#
#   wgt_trace_start NAME KB EVENT...   a fresh instance, KB of buffer per
#                                      CPU, wgtour:EVENT enabled
#   wgt_trace_dump NAME                the trace so far, one event a line
#   wgt_trace_count NAME REGEX         how many of those lines match REGEX
#                                      (grep -E)
#   wgt_trace_clear NAME               empty the buffer: the trace starts
#                                      afresh, the events stay enabled
#   wgt_trace_tally EVENT              the EVENT lines of a trace on stdin,
#                                      counted by what they say but the skb's
#                                      address, as comments: "#   2 dev=wg0
#                                      reason=..."
#   wgt_trace_overrun NAME             events lost to a full buffer
#   wgt_trace_stop NAME                remove the instance (safe to repeat)
#
# A line looks like "... handshake_send: dev=wg0 peer=0a1b2c3d... type=1 ...":
# grep for "EVENT: dev=NAME " to count one device's events.

wgt_tracefs=/sys/kernel/tracing

wgt_trace_start()
{
	local name=$1 kb=$2 dir event
	shift 2
	dir=$wgt_tracefs/instances/$name
	[ -d "$dir" ] && rmdir "$dir"
	mkdir "$dir" || return 1
	echo "$kb" > "$dir/buffer_size_kb" || return 1
	for event in "$@"; do
		echo 1 > "$dir/events/wgtour/$event/enable" || return 1
	done
}

wgt_trace_dump()
{
	grep -v '^#' "$wgt_tracefs/instances/$1/trace"
}

wgt_trace_count()
{
	wgt_trace_dump "$1" | grep -cE "$2"
}

wgt_trace_clear()
{
	: > "$wgt_tracefs/instances/$1/trace"
}

wgt_trace_tally()
{
	grep " $1: " | sed -E 's/.*(dev=[^ ]+) skbaddr=[^ ]+ /\1 /' | sort | uniq -c | sed 's/^ */#   /'
}

wgt_trace_overrun()
{
	local dir=$wgt_tracefs/instances/$1
	cat "$dir"/per_cpu/cpu*/stats 2>/dev/null |
		awk '/^overrun:/ { n += $2 } END { print n + 0 }'
}

wgt_trace_stop()
{
	local dir=$wgt_tracefs/instances/$1
	[ -d "$dir" ] || return 0
	echo 0 > "$dir/events/enable" 2>/dev/null
	rmdir "$dir"
}

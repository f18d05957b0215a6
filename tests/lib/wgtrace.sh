# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
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
#   wgt_trace_hist NAME EVENT KEYS     count wgtour:EVENT in the instance by
#                                      KEYS, its fields comma-separated
#                                      (dev,reason), with a histogram
#                                      trigger: the kernel counts each event
#                                      in a table, and nothing is kept in the
#                                      ring buffer, so none is lost however
#                                      many come (the fuzzers send a million
#                                      datagrams). The event need not be
#                                      enabled.
#   wgt_trace_hist_read NAME EVENT     the counts so far, one line per key:
#                                      "COUNT dev=wgx0 reason=bad mac1", a
#                                      reason by its text, "?N" for a number
#                                      the event's format does not name
#   wgt_trace_hist_parse FORMAT        the same, of a histogram on stdin and
#                                      the event's FORMAT file
#   wgt_trace_stop NAME                remove the instance (safe to repeat;
#                                      its triggers go with it)
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

wgt_trace_hist()
{
	echo "hist:keys=$3" >> "$wgt_tracefs/instances/$1/events/wgtour/$2/trigger"
}

wgt_trace_hist_read()
{
	local ev=$wgt_tracefs/instances/$1/events/wgtour/$2
	wgt_trace_hist_parse "$ev/format" < "$ev/hist"
}

# A histogram line is "{ name: wgx0<padding>, reason:          1 } hitcount:
# 312" (kernel/trace/trace_events_hist.c). The reasons' texts are the
# { N, "TEXT" } pairs of the format's __print_symbolic(), as in
# traces/reasons.sh.
wgt_trace_hist_parse()
{
	awk -v format="$1" '
	BEGIN {
		while ((getline line < format) > 0)
			while (match(line, /\{ [0-9]+, "[^"]*" \}/)) {
				pair = substr(line, RSTART + 2, RLENGTH - 4)
				num = pair
				sub(/,.*/, "", num)
				text = pair
				sub(/^[0-9]+, "/, "", text)
				sub(/"$/, "", text)
				reason[num] = text
				line = substr(line, RSTART + RLENGTH)
			}
	}
	/^\{ .* \} hitcount: *[0-9]+ *$/ {
		key = $0
		sub(/^\{ /, "", key)
		sub(/ *\} hitcount:.*/, "", key)
		out = $NF
		n = split(key, parts, ", ")
		for (i = 1; i <= n; i++) {
			field = value = parts[i]
			sub(/:.*/, "", field)
			sub(/^[^:]*: */, "", value)
			sub(/ +$/, "", value)
			if (field == "reason")
				value = (value in reason) ? reason[value] : "?" value
			out = out " " field "=" value
		}
		print out
	}'
}

wgt_trace_stop()
{
	local dir=$wgt_tracefs/instances/$1
	[ -d "$dir" ] || return 0
	echo 0 > "$dir/events/enable" 2>/dev/null
	rmdir "$dir"
}

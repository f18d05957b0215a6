# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Waiting for a condition, written once. Sourced by ktap.sh (so by every
# test), and by the scripts that source no test library: the trace
# recordings in traces/samples/ and the guest side of tests/vm2/.
#
#   wgt_wait_until [--every INTERVAL] [--while-alive PID] SECONDS COMMAND...
#       run COMMAND until it succeeds, every INTERVAL seconds (0.1 unless
#       told), until SECONDS have passed by the clock (at least once); its
#       status is the last run's. Both numbers are decimal seconds, e.g. 60
#       or 0.5. With
#       --while-alive, stop early, after one last run, once process PID has
#       exited (the one that was to make COMMAND true: no use waiting on).
#       SECONDS is multiplied by WGTOUR_SLOW (1 unless set; make check-debug
#       sets it for its slower kernel).
#   wgt_gone PID
#       true when process PID no longer runs.
#   wgt_start_ready FILE MARKER SECONDS COMMAND...
#       start COMMAND in the background, its output to FILE, its pid in
#       wgt_ready_pid; wait (every 0.2 s, while it runs) until a line of
#       FILE starts with MARKER: a tracer that prints a line once all its
#       probes are attached (bpftrace's BEGIN, count-events).
#   wgt_interrupt PID
#       stop PID, started by this shell, as Ctrl-C would (a tracer then
#       detaches and prints what it counted); its exit status.
#
# COMMAND runs as it is given, never through eval: a simple command
# ("grep -q started FILE", "[ -s FILE ]") or a function. A condition with a
# pipe, a "!", a "||" or a "$(...)" that must be read again on every try
# is a small function of the caller's; it sees the caller's variables.

wgt_gone()
{
	! kill -0 "$1" 2>/dev/null
}

# _wgt_ms SECONDS VAR - set VAR to SECONDS (a decimal) in milliseconds;
# false, and nothing set, unless SECONDS is a decimal number.
_wgt_ms()
{
	local _wgt_int _wgt_frac=
	[[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]] || return 1
	_wgt_int=${1%%.*}
	[[ $1 == *.* ]] && _wgt_frac=${1#*.}
	_wgt_frac=${_wgt_frac}000
	printf -v "$2" %d $((10#$_wgt_int * 1000 + 10#${_wgt_frac:0:3}))
}

# _wgt_now_ms VAR - set VAR to the time of day in milliseconds, without a
# subshell (bash's EPOCHREALTIME; its decimal separator may be the locale's).
_wgt_now_ms()
{
	local _wgt_us=${EPOCHREALTIME//[!0-9]/}
	printf -v "$1" %d $((10#$_wgt_us / 1000))
}

# Underscored names: a function given as COMMAND sees the caller's variables.
wgt_wait_until()
{
	local _wgt_args="$*" _wgt_every=0.1 _wgt_watch='' _wgt_pid _wgt_every_ms _wgt_secs_ms _wgt_rc
	local _wgt_now _wgt_deadline
	while [ $# -ge 2 ]; do
		case $1 in
		--every)	_wgt_every=$2 ;;
		--while-alive)	_wgt_watch=1 _wgt_pid=$2 ;;
		*)		break ;;
		esac
		shift 2
	done
	if ! _wgt_ms "$_wgt_every" _wgt_every_ms || [ "$_wgt_every_ms" = 0 ] ||
	   ! _wgt_ms "${1:-}" _wgt_secs_ms || [ $# -lt 2 ]; then
		echo "wgt_wait_until: wants [--every INTERVAL] [--while-alive PID] SECONDS COMMAND..., got: $_wgt_args" >&2
		return 2
	fi
	shift
	# A slower kernel (make check-debug's) gets proportionally longer.
	_wgt_secs_ms=$((_wgt_secs_ms * ${WGTOUR_SLOW:-1}))
	# A deadline, not a count of tries: on a slow kernel one try of COMMAND
	# can take longer than INTERVAL (a count of 800 tries of an 80-s wait
	# once lasted 1,043 s there).
	_wgt_now_ms _wgt_now
	_wgt_deadline=$((_wgt_now + _wgt_secs_ms))
	while :; do
		"$@"
		_wgt_rc=$?
		_wgt_now_ms _wgt_now
		if [ "$_wgt_rc" = 0 ] || [ "$_wgt_now" -ge "$_wgt_deadline" ]; then
			return "$_wgt_rc"
		fi
		if [ -n "$_wgt_watch" ] && wgt_gone "$_wgt_pid"; then
			"$@"
			return
		fi
		sleep "$_wgt_every"
	done
}

wgt_start_ready()
{
	local file=$1 marker=$2 secs=$3
	shift 3
	"$@" > "$file" 2>&1 &
	wgt_ready_pid=$!
	wgt_wait_until --every 0.2 --while-alive "$wgt_ready_pid" "$secs" \
		grep -q "^$marker" "$file"
}

wgt_interrupt()
{
	kill -INT "$1" 2>/dev/null
	wait "$1"
}

# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# KTAP output for shell tests, in the shape the kernel's kselftest runner
# nests under each test program (tools/testing/selftests/kselftest/runner.sh
# prefixes our lines with "# "). Sourced by tests/host/*.sh and tests/vm/*.sh.
#
#   ktap_plan N          print the header and the plan
#   ktap_result ok|fail DESCRIPTION
#   ktap_check DESCRIPTION EXPRESSION  evaluate EXPRESSION (one argument, a
#                        shell expression, usually in single quotes so its
#                        variables are read when it runs); pass when it is true
#   ktap_skip DESCRIPTION REASON
#   ktap_from_checks FILE WANT WHAT
#                        a program's "check ok|fail|skip DESCRIPTION" lines in
#                        FILE as results, WANT of them: the missing ones fail
#                        (WHAT stopped early), and more than WANT is one more
#                        failed result (the plan is stale)
#   ktap_finish          exit 0 if everything passed, 1 otherwise
#
# It also brings wgt_wait_until (wait.sh), for the tests that poll.
#
# A test program that dies before ktap_finish exits non-zero, and the runner
# reports it as "not ok" however many results it printed.

. "$(dirname "${BASH_SOURCE[0]}")/wait.sh"

ktap_num=0
ktap_failed=0

ktap_plan()
{
	echo "TAP version 13"
	echo "1..$1"
}

ktap_result()
{
	ktap_num=$((ktap_num + 1))
	if [ "$1" = ok ]; then
		echo "ok $ktap_num - $2"
	else
		ktap_failed=$((ktap_failed + 1))
		echo "not ok $ktap_num - $2"
	fi
}

# The whole condition must be one argument: in the old form
# "ktap_check DESC [ A ] && [ B ]" the shell gave ktap_check only "[ A ]" and
# tested B after the verdict was printed. A call with any other number of
# arguments is a failed result that says why, and returns 1 so a following
# "&& ..." does not run either.
ktap_check()
{
	if [ $# != 2 ]; then
		echo "# ktap_check: wants DESCRIPTION and one quoted EXPRESSION, got $# arguments: $*"
		ktap_result fail "${1:-?} (malformed check)"
		return 1
	fi
	# Underscored names: the expression sees the caller's variables.
	local _ktap_desc=$1 _ktap_expr=$2
	if eval "$_ktap_expr"; then
		ktap_result ok "$_ktap_desc"
	else
		ktap_result fail "$_ktap_desc"
		return 1
	fi
}

ktap_skip()
{
	ktap_num=$((ktap_num + 1))
	echo "ok $ktap_num - $1 # SKIP $2"
}

ktap_from_checks()
{
	local file=$1 want=$2 what=$3 n=0 verdict desc
	while read -r _ verdict desc; do
		n=$((n + 1))
		[ $n -le "$want" ] || continue
		case $verdict in
		ok)	ktap_result ok "$desc" ;;
		skip)	ktap_skip "$desc" "$what says so" ;;
		*)	ktap_result fail "$desc" ;;
		esac
	done < <(grep '^check ' "$file")
	# a check past the plan could be a failure nobody sees
	[ $n -le "$want" ] || ktap_result fail "$what made $n checks, more than the $want planned"
	for ((; n < want; n++)); do
		ktap_result fail "$what stopped early"
	done
}

# ktap_finish - exit 1 if any check failed; first, the program's time
# (make check's budget is the sum of these)
ktap_finish()
{
	echo "# $(basename "$0") took $SECONDS s"
	[ "$ktap_failed" = 0 ] || exit 1
	exit 0
}

# The repository root, for tests that need files from it.
WGTOUR_ROOT=${WGTOUR_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

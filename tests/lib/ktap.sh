# SPDX-License-Identifier: GPL-2.0
#
# KTAP output for shell tests, in the shape the kernel's kselftest runner
# nests under each test program (tools/testing/selftests/kselftest/runner.sh
# prefixes our lines with "# "). Sourced by tests/host/*.sh and tests/vm/*.sh.
#
#   ktap_plan N          print the header and the plan
#   ktap_result ok|fail DESCRIPTION
#   ktap_check DESCRIPTION COMMAND...   run COMMAND, pass when it succeeds
#   ktap_skip DESCRIPTION REASON
#   ktap_finish          exit 0 if everything passed, 1 otherwise
#
# A test program that dies before ktap_finish exits non-zero, and the runner
# reports it as "not ok" however many results it printed.

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

ktap_check()
{
	local desc=$1
	shift
	if "$@"; then
		ktap_result ok "$desc"
	else
		ktap_result fail "$desc"
	fi
}

ktap_skip()
{
	ktap_num=$((ktap_num + 1))
	echo "ok $ktap_num - $1 # SKIP $2"
}

ktap_finish()
{
	[ "$ktap_failed" = 0 ] || exit 1
	exit 0
}

# The repository root, for tests that need files from it.
WGTOUR_ROOT=${WGTOUR_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

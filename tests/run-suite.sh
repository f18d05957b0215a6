#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run one directory of tests (tests/host, tests/vm, ...) with the kernel's own
# kselftest runner, which prints TAP and nests each program's output.
#
# usage: tests/run-suite.sh host|host-vm|vm|vm2|... [TEST...]
root=$(cd "$(dirname "$0")/.." && pwd)
suite=$1
shift
ksft=$root/build/linux-src/tools/testing/selftests/kselftest
[ -f "$ksft/runner.sh" ] || { echo "kselftest runner missing: run make setup" >&2; exit 1; }
# runner.sh finds its helpers under $BASE_DIR/kselftest and names each test
# "selftests: <dir>: <program>" after its directory below BASE_DIR.
# (make check runs two suites at once: only one of them makes the link.)
[ "$(readlink "$root/tests/kselftest")" = "$ksft" ] || ln -sfn "$ksft" "$root/tests/kselftest"
export BASE_DIR=$root/tests WGTOUR_ROOT=$root
. "$BASE_DIR/kselftest/runner.sh"
cd "$BASE_DIR/$suite" || exit 1
if [ $# -gt 0 ]; then
	tests=("$@")
else
	tests=(./*.sh)
fi
run_many "${tests[@]}"

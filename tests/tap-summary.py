#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count results in the TAP that tests/run-suite.sh printed.

Each test program's own results are nested under the runner's line for it
("# ok 3 - ..."). We count those leaf results; a program that failed
without a failing leaf (it crashed, timed out, or printed nothing) counts
as one failure of its own, so nothing that went wrong is lost.

usage: tap-summary.py FILE...   prints "N passed, N failed[, N skipped]"
and exits 1 when anything failed.
"""
import re
import sys

TOP = re.compile(r'^(ok|not ok) \d+ (.*)$')
LEAF = re.compile(r'^# (ok|not ok) \d+ (.*)$')


def count(lines):
    passed = failed = skipped = 0
    leaf_pass = leaf_fail = leaf_skip = 0
    failures = []
    for line in lines:
        line = line.rstrip('\r\n')
        m = LEAF.match(line)
        if m:
            if '# SKIP' in m.group(2):
                leaf_skip += 1
            elif m.group(1) == 'ok':
                leaf_pass += 1
            else:
                leaf_fail += 1
                failures.append(m.group(2))
            continue
        m = TOP.match(line)
        if not m:
            continue
        name = m.group(2)
        if m.group(1) == 'ok' and '# SKIP' in name and not leaf_pass + leaf_fail:
            skipped += 1
        elif m.group(1) == 'not ok' and not leaf_fail:
            failed += 1
            failures.append(name)
        elif not leaf_pass + leaf_fail + leaf_skip:
            passed += 1 if m.group(1) == 'ok' else 0
        passed += leaf_pass
        failed += leaf_fail
        skipped += leaf_skip
        leaf_pass = leaf_fail = leaf_skip = 0
    return passed, failed, skipped, failures


def main():
    lines = []
    for path in sys.argv[1:]:
        with open(path, errors='replace') as f:
            lines.extend(f.readlines())
    passed, failed, skipped, failures = count(lines)
    for name in failures:
        print(f'FAILED: {name}')
    summary = f'{passed} passed, {failed} failed'
    if skipped:
        summary += f', {skipped} skipped'
    print(summary)
    return 1 if failed or not passed else 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge the TAP of make check's stages and count its results.

A stage is one run of tests/run-suite.sh (host, the lab VM, the two-VM
pair, ...): the kernel's kselftest runner prints a plan "1..N" and one
"ok/not ok N selftests: ..." line per test program, with each program's own
TAP nested under it as "# ok 3 - ...". We count those leaf results.

Nothing that went wrong may read as success, so a stage fails when:
  - its TAP file is missing or has no plan (the stage never ran),
  - its plan is not the number of programs it was given (the caller says
    how many), or fewer programs reported than the plan says,
  - the command that ran it exited non-zero (a VM that died, a splat),
and a test program fails when:
  - the runner says "not ok" (a crash, a timeout, a non-zero exit) even
    though none of its own results failed,
  - it printed no plan of its own, or a number of results other than its
    plan ("1..N" may come first or last, as TAP allows),
  - it was skipped, or skipped a result, while CI=true (in CI every test
    is required).

usage: tap-summary.py [--ci] --stage NAME RC PLAN FILE [--stage ...]
       (PLAN "-" when the caller cannot know it). Prints one line per
failure, then "N passed, N failed[, N skipped]", then what the passed
results exercise (the module in the lab VM, or tooling on the host).
Exits 1 when anything failed or nothing passed.
"""
import argparse
import os
import re
import sys

PLAN = re.compile(r'^1\.\.(\d+)\s*$')
TOP = re.compile(r'^(ok|not ok) \d+ (.*)$')
LEAF_PLAN = re.compile(r'^# 1\.\.(\d+)\s*$')
LEAF = re.compile(r'^# (ok|not ok) \d+ (.*)$')

# Which stages run the module, for the second summary line.
MODULE_STAGES = ('vm', 'vm2', 'vm-long', 'mutants', 'fuzz')


class Stage:
    """The verdicts of one stage's TAP."""

    def __init__(self, name, ci):
        self.name = name
        self.ci = ci
        self.passed = self.failed = self.skipped = 0
        self.failures = []

    def fail(self, what):
        self.failed += 1
        self.failures.append(f'{self.name}: {what}')

    def program(self, top_ok, name, leaves, plan):
        """One program's verdict: its own leaf results, then its plan."""
        leaf_fail = 0
        for ok, desc in leaves:
            if '# SKIP' in desc:
                if self.ci:
                    self.fail(f'{name}: "{desc}" skipped under CI')
                else:
                    self.skipped += 1
            elif ok:
                self.passed += 1
            else:
                leaf_fail += 1
                self.fail(desc)
        if '# SKIP' in name and not leaves:
            if self.ci:
                self.fail(f'{name}: skipped under CI')
            else:
                self.skipped += 1
            return
        if plan is None:
            self.fail(f'{name}: no plan of its own (1..N)')
        elif plan != len(leaves):
            self.fail(f'{name}: planned {plan} results, printed {len(leaves)}')
        if not top_ok and not leaf_fail:
            self.fail(f'{name}: the runner says not ok')


def read_tap(path):
    """What a stage's TAP file holds: its plan (None when it has none), its
    programs in order as (ok, name, leaves, plan), each leaf an (ok,
    description) pair and the plan None when the program printed none, and
    the leaves after the last program line. A missing file holds nothing.
    labs/course/score.py reads the grader's TAP with it too."""
    try:
        with open(path, errors='replace') as f:
            lines = [line.rstrip('\r\n') for line in f]
    except OSError:
        lines = []
    top_plan = None
    programs = []
    leaves, leaf_plan = [], None
    for line in lines:
        m = LEAF_PLAN.match(line)
        if m:
            leaf_plan = int(m.group(1))
            continue
        m = LEAF.match(line)
        if m:
            leaves.append((m.group(1) == 'ok', m.group(2)))
            continue
        m = PLAN.match(line)
        if m and top_plan is None:
            top_plan = int(m.group(1))
            continue
        m = TOP.match(line)
        if m:
            programs.append((m.group(1) == 'ok', m.group(2), leaves, leaf_plan))
            leaves, leaf_plan = [], None
    return top_plan, programs, leaves


def judge(name, rc, plan, path, ci):
    stage = Stage(name, ci)
    top_plan, programs, leaves = read_tap(path)
    for program in programs:
        stage.program(*program)
    programs = len(programs)
    if leaves:
        stage.fail(f'{len(leaves)} results after the last program line (cut short)')
    if top_plan is None:
        stage.fail('missing: no TAP plan (the stage did not run)')
    else:
        if plan != '-' and top_plan != int(plan):
            stage.fail(f'plan 1..{top_plan}, but {plan} programs were to run')
        if programs != top_plan:
            stage.fail(f'{programs} of {top_plan} planned programs reported')
    if rc != '0':
        stage.fail(f'exit status {rc} (see its log)')
    return stage


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--ci', action='store_true',
                    default=os.environ.get('CI') == 'true',
                    help='every test is required: a SKIP fails (default: $CI = true)')
    ap.add_argument('--stage', nargs=4, action='append', required=True,
                    metavar=('NAME', 'RC', 'PLAN', 'FILE'))
    args = ap.parse_args(argv)
    stages = [judge(*s, args.ci) for s in args.stage]
    for stage in stages:
        for what in stage.failures:
            print(f'FAILED: {what}')
    passed = sum(s.passed for s in stages)
    failed = sum(s.failed for s in stages)
    skipped = sum(s.skipped for s in stages)
    summary = f'{passed} passed, {failed} failed'
    if skipped:
        summary += f', {skipped} skipped'
    print(summary)
    module = sum(s.passed for s in stages if s.name in MODULE_STAGES)
    print(f'of the passed: {module} exercise the module in the lab VM, '
          f'{passed - module} check tooling on the host (lint, book, renderers, harness)')
    return 1 if failed or not passed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The course: its labs, its coding assignments, student copies, grading.

usage: labs/course/course.py labs [--names]
       labs/course/course.py assignments [--ids]
       labs/course/course.py markers [--src DIR]
       labs/course/course.py start ID [--src DIR] [--dest DIR] [--reference] [--force]
       labs/course/course.py plan ID
       labs/course/course.py score ID --results DIR [--vm-rc N] [--module DIR] [--out DIR]
       labs/course/course.py verdict ID skeleton|reference GRADE
       labs/course/course.py passed ID N GRADE
       labs/course/course.py classroom ID [--repo OWNER/NAME] [--ref REF]

labs         the labs, one per chapter, and whether each exists yet
             (labs/NAME/run.sh, make lab-NAME)
assignments  the coding assignments of labs/course/assignments.json, their
             points, and whether module/ has their LAB markers yet
markers      check the LAB markers of module/ (or DIR): well-formed, and
             every one an assignment of the registry; exit 1 otherwise
start        the student copy of assignment ID: module/ (or DIR) copied to
             build/course/ID/module (or DEST), each of the assignment's
             regions a TODO and its skeleton, the other assignments'
             markers gone and their code kept; ASSIGNMENT.txt beside it.
             --reference keeps every region's code (the solution), for the
             course's own tests. Never writes into the source; refuses to
             overwrite an existing copy without --force
plan         what the lab VM runs for ID (labs/course/grade-guest.sh reads
             it): "timeout N", "test PROGRAM...", "scenario NAME COMMAND..."
score        score a grading run (labs/course/score.py): print a line per
             check and the total, write grade.tap and grade.json to OUT
             (default: the results directory's parent); exit 0 only when
             every check passed
passed       exit 0 when check N (from 1) of GRADE passed, 1 when not
classroom    print a GitHub Classroom workflow for ID: make grade, then one
             grader step per check, worth its points (docs/course.md)
verdict      does GRADE (a grade.json) score the skeleton (or the reference
             solution) of ID as the registry expects? make check-labs asks;
             exit 1 otherwise
"""
import argparse
import glob
import json
import os
import shutil
import sys
import textwrap

import markers
import registry
import score
import trace_checks

ROOT = registry.ROOT
# What a copy of the module takes: the sources and Kbuild's files, not the
# objects of an earlier build (tests/mutate.sh copies the same).
SOURCES = ("Kbuild", "Makefile", "*.c", "*.h")
# The VM's time per test program (tests/vm/settings' timeout) and per
# scenario, and for booting and loading.
TEST_SECONDS, SCENARIO_SECONDS, BOOT_SECONDS = 600, 600, 300


def load():
    return registry.load(trace_checks=trace_checks.CHECKS)


def source_files(src):
    files = []
    for pattern in SOURCES:
        files += [f for f in glob.glob(os.path.join(src, pattern))
                  if not f.endswith(".mod.c")]
    return sorted(files)


def marked(src):
    """Every region of the sources in SRC: {assignment id: [Region]}."""
    found = {}
    for path in source_files(src):
        if path.endswith((".c", ".h")):
            with open(path) as f:
                lines = f.read().split("\n")
            for r in markers.regions(os.path.relpath(path, ROOT), lines):
                found.setdefault(r.lab, []).append(r)
    return found


def cmd_labs(reg, a):
    if a.names:
        print(" ".join(lab["name"] for lab in reg["labs"]))
        return 0
    for lab in reg["labs"]:
        kind = lab["name"][len("lab-"):]
        ready = os.path.isfile(os.path.join(ROOT, "labs", kind, "run.sh"))
        print("  make %-14s ch%d  %-9s %s" % (lab["name"], lab["chapter"],
                                              "" if ready else "(planned)", lab["title"]))
        if ready and lab.get("pictures"):
            print("  %30s pictures in build/labs/%s/: %s" % ("", kind, ", ".join(lab["pictures"])))
    return 0


def cmd_assignments(reg, a):
    if a.ids:
        print(" ".join(x["id"] for x in reg["assignments"]))
        return 0
    found = marked(os.path.join(ROOT, "module"))
    for x in reg["assignments"]:
        points = sum(c["points"] for c in x["checks"])
        n = len(found.get(x["id"], []))
        print("  %-14s ch%d  %2d points  %-14s %s" % (
            x["id"], x["chapter"], points,
            "%d region%s" % (n, "s" if n > 1 else "") if n else "NOT MARKED", x["title"]))
        print("  %-14s      %s, %s()" % ("", x["file"], x.get("function", "?")))
    if len(found) < len(reg["assignments"]):
        print("\nNOT MARKED: module/ has no LAB(<id>) region for it yet, so make lab-start "
              "cannot make its copy (docs/course.md, \"Marking a region\").")
    return 0


def cmd_markers(reg, a):
    try:
        found = marked(a.src)
    except markers.MarkerError as err:
        print("markers: %s" % err, file=sys.stderr)
        return 1
    known = {x["id"] for x in reg["assignments"]}
    bad = sorted(set(found) - known)
    for lab in bad:
        print("markers: LAB(%s) in %s is no assignment of labs/course/assignments.json"
              % (lab, found[lab][0].path), file=sys.stderr)
    for lab in sorted(found):
        print("  %-14s %s" % (lab, ", ".join("%s:%d-%d" % (r.path, r.begin + 1, r.end + 1)
                                            for r in found[lab])))
    return 1 if bad else 0


def cmd_start(reg, a):
    x = registry.assignment(reg, a.id)
    dest = a.dest or os.path.join(ROOT, "build", "course", a.id, "module")
    src = os.path.abspath(a.src)
    if os.path.abspath(dest) == src:
        print("start: the copy would overwrite its source %s" % src, file=sys.stderr)
        return 1
    found = marked(src)
    if x["id"] not in found:
        print("start: %s has no LAB(%s) region: the assignment is not marked yet "
              "(make labs)" % (os.path.relpath(src, ROOT), x["id"]), file=sys.stderr)
        return 1
    if os.path.exists(dest):
        if not a.force:
            print("start: %s exists (your work?); remove it, or use --force"
                  % os.path.relpath(dest, ROOT), file=sys.stderr)
            return 1
        shutil.rmtree(dest)
    os.makedirs(dest)
    for path in source_files(src):
        with open(path) as f:
            text = f.read()
        if path.endswith((".c", ".h")):
            lines = markers.transform(path, text.split("\n"),
                                      None if a.reference else x["id"])
            text = "\n".join(lines)
        with open(os.path.join(dest, os.path.basename(path)), "w") as f:
            f.write(text)
    handout = os.path.join(os.path.dirname(dest), "ASSIGNMENT.txt")
    with open(handout, "w") as f:
        f.write(handout_text(x, found[x["id"]], dest))
    what = "reference copy" if a.reference else "student copy"
    print("%s of %s in %s (%s)" % (what, x["id"], os.path.relpath(dest, ROOT),
                                   os.path.relpath(handout, ROOT)))
    return 0


def handout_text(x, regions, dest):
    rel = os.path.relpath(dest, ROOT)
    files = sorted({os.path.basename(r.path) for r in regions})
    out = ["%s (chapter %d): %s" % (x["id"], x["chapter"], x["title"]), ""]
    out += textwrap.wrap(x["text"], 76) + [""]
    out += textwrap.wrap("Where: %s, %s(); the TODO(lab %s) lines of %s in %s/." % (
        x["file"], x.get("function", "?"), x["id"], ", ".join(files), rel), 76)
    out += ["", "Build it:  make -C /lib/modules/$(labs/vm/kver)/build M=$PWD/%s W=1 modules" % rel,
            "Grade it:  make grade LAB=%s" % x["id"], "", "What is graded:"]
    out += ["  %2d points  %s" % (c["points"], c["name"]) for c in x["checks"]]
    return "\n".join(out) + "\n"


def cmd_plan(reg, a):
    x = registry.assignment(reg, a.id)
    tests, scenarios = [], []
    for c in x["checks"]:
        if c["kind"] == "vm-test" and c["test"] not in tests:
            tests.append(c["test"])
        if c["kind"] == "trace" and c["scenario"] not in scenarios:
            scenarios.append(c["scenario"])
    print("timeout %d" % (BOOT_SECONDS + TEST_SECONDS * len(tests) +
                          SCENARIO_SECONDS * len(scenarios)))
    if tests:
        print("test " + " ".join(tests))
    for s in scenarios:
        print("scenario %s %s" % (s, " ".join(reg["scenarios"][s]["command"])))
    return 0


def cmd_score(reg, a):
    x = registry.assignment(reg, a.id)
    checks = score.grade(x, a.results, a.vm_rc)
    print("\n".join(score.lines(x, checks)))
    out = a.out or os.path.dirname(os.path.abspath(a.results))
    score.write(x, checks, a.module, a.vm_rc, out)
    print("written: %s, %s" % (os.path.join(out, "grade.tap"), os.path.join(out, "grade.json")))
    return 0 if all(c["ok"] for c in checks) else 1


def cmd_verdict(reg, a):
    """A grade.json against what the registry expects of the skeleton (the
    checks marked "skeleton": "fail" fail, the others pass) or of the
    reference solution (every check passes)."""
    x = registry.assignment(reg, a.id)
    with open(a.grade) as f:
        got = {c["name"]: c["ok"] for c in json.load(f)["checks"]}
    wrong = 0
    for c in x["checks"]:
        want = a.model == "reference" or c["skeleton"] == "pass"
        if got.get(c["name"]) != want:
            wrong += 1
            print("%s: the %s should %s \"%s\" but %s" % (
                x["id"], a.model, "pass" if want else "fail", c["name"],
                "it was not graded" if c["name"] not in got else
                "passed" if got[c["name"]] else "failed"))
    if not wrong:
        print("%s: the %s scores as expected" % (x["id"], a.model))
    return 1 if wrong else 0


def cmd_passed(reg, a):
    """Exit 0 when check N (from 1, grade.tap's numbering) passed: one
    GitHub Classroom grader step per check carries its points over."""
    x = registry.assignment(reg, a.id)
    with open(a.grade) as f:
        g = json.load(f)
    if g["assignment"] != x["id"] or not 1 <= a.n <= len(g["checks"]):
        print("passed: %s has no check %d of %s" % (a.grade, a.n, x["id"]), file=sys.stderr)
        return 2
    c = g["checks"][a.n - 1]
    print("%s %s: %s" % ("ok" if c["ok"] else "FAIL", c["name"], c["detail"]))
    return 0 if c["ok"] else 1


def cmd_classroom(reg, a):
    """A GitHub Classroom workflow for assignment ID (docs/course.md)."""
    x = registry.assignment(reg, a.id)
    grade = "course/build/course/%s/grade.json" % x["id"]
    print(CLASSROOM_HEAD % {"id": x["id"], "repo": a.repo, "ref": a.ref})
    ids = []
    for n, c in enumerate(x["checks"], 1):
        ids.append("check-%d" % n)
        print(CLASSROOM_STEP % {"n": n, "name": c["name"].replace('"', "'"), "lab": x["id"],
                                "grade": grade, "points": c["points"]})
    print("      - name: Autograding Reporter")
    print("        uses: classroom-resources/autograding-grading-reporter@v1")
    print("        env:")
    for i in ids:
        print('          %s_RESULTS: "${{steps.%s.outputs.result}}"' % (i.upper(), i))
    print("        with:")
    print("          runners: %s" % ",".join(ids))
    return 0


# The grader runs from the course's own repository at a commit the
# instructor pins (REPO, REF), not from the student's, which could change
# it; the student's repository gives only its module/.
CLASSROOM_HEAD = """# .github/workflows/classroom.yml for %(id)s, written by
# labs/course/course.py classroom: make grade on the student's module/,
# then one grader step per check, worth that check's points.
name: Autograding Tests
'on': [push, workflow_dispatch, repository_dispatch]
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    container: debian:12
    timeout-minutes: 120
    steps:
      - name: the student's repository
        uses: actions/checkout@v4
        with:
          path: student
      - name: the course, at the commit the instructor chose
        uses: actions/checkout@v4
        with:
          repository: %(repo)s
          ref: %(ref)s
          path: course
      - name: make grade (its output is the student's feedback)
        run: |
          apt-get update -q && apt-get install -y -q make
          make -C course grade LAB=%(id)s SRC="$GITHUB_WORKSPACE/student/module" || true"""

CLASSROOM_STEP = """      - name: "%(name)s"
        id: check-%(n)d
        uses: classroom-resources/autograding-command-grader@v1
        with:
          test-name: "%(name)s"
          command: python3 course/labs/course/course.py passed %(lab)s %(n)d %(grade)s
          timeout: 1
          max-score: %(points)d"""


def arguments(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("labs")
    p.add_argument("--names", action="store_true", help="the names alone, on one line")
    p = sub.add_parser("assignments")
    p.add_argument("--ids", action="store_true", help="the ids alone, on one line")
    p = sub.add_parser("markers")
    p.add_argument("--src", default=os.path.join(ROOT, "module"))
    p = sub.add_parser("start")
    p.add_argument("id")
    p.add_argument("--src", default=os.path.join(ROOT, "module"))
    p.add_argument("--dest")
    p.add_argument("--reference", action="store_true")
    p.add_argument("--force", action="store_true")
    p = sub.add_parser("plan")
    p.add_argument("id")
    p = sub.add_parser("score")
    p.add_argument("id")
    p.add_argument("--results", required=True)
    p.add_argument("--vm-rc", type=int, help="labs/vm/run's exit status (none: it did not run)")
    p.add_argument("--module", help="the module directory that was graded (for the JSON)")
    p.add_argument("--out")
    p = sub.add_parser("passed")
    p.add_argument("id")
    p.add_argument("n", type=int, help="the check's number, from 1 (as in grade.tap)")
    p.add_argument("grade", help="the grade.json")
    p = sub.add_parser("classroom")
    p.add_argument("id")
    p.add_argument("--repo", default="OWNER/wgtour", help="the course's repository on GitHub")
    p.add_argument("--ref", default="main", help="the commit (or tag) of it to grade with")
    p = sub.add_parser("verdict")
    p.add_argument("id")
    p.add_argument("model", choices=("skeleton", "reference"))
    p.add_argument("grade", help="the grade.json of that model's grading run")
    return ap.parse_args(argv)


def main(argv):
    a = arguments(argv)
    try:
        reg = load()
        return globals()["cmd_" + a.cmd](reg, a)
    except (registry.RegistryError, markers.MarkerError) as err:
        print("course: %s" % err, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

# SPDX-License-Identifier: GPL-2.0
"""Score one grading run of an assignment: what labs/course/grade.sh and
the lab VM (labs/course/grade-guest.sh) left in its results directory,
against the assignment's checks in the registry.

The results directory holds:
  build.rc, build.log   the Kbuild build of the student's module (host)
  load                  "ok" once the guest loaded that module
  vm.tap, vm.rc         tests/run-suite.sh vm on the assignment's tests
  SCENARIO/trace.txt    each scenario's trace; SCENARIO.rc its exit status
and labs/vm/run's exit status comes as VM_RC: 0 when the guest finished,
124 a timeout, 125 no exit status (a crash), 126 a kernel report; None
when the VM did not run.

Every check is all or nothing; what cannot be judged (a test that did not
run, a scenario that failed) fails, with the reason as its detail.
"""
import importlib.util
import json
import os
import re

import registry
import trace_checks

_spec = importlib.util.spec_from_file_location(
    "tap_summary", os.path.join(registry.ROOT, "tests", "tap-summary.py"))
tap_summary = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tap_summary)

VM_STATUS = {124: "the lab VM did not finish in time (a hang?)",
             125: "the lab VM stopped without an exit status (a kernel crash?)",
             126: "the kernel reported a BUG, WARNING, Oops or the like"}


def _read(results, name):
    try:
        with open(os.path.join(results, name), errors="replace") as f:
            return f.read().strip()
    except OSError:
        return None


def vm_programs(path):
    """tests/run-suite.sh's TAP: program name -> (ok, leaves, plan), each
    leaf (ok, description); a skipped result counts as not passed."""
    _, programs, _ = tap_summary.read_tap(path)
    out = {}
    for ok, name, leaves, plan in programs:
        # "selftests: vm: config_errors.sh # exit=1" -> config_errors.sh
        prog = name.split(": ")[-1].split()[0]
        out[prog] = (ok, [(ok and "# SKIP" not in d, re.sub(r"^- ", "", d))
                          for ok, d in leaves], plan)
    return out


class Run:
    """One grading run: its results directory, the VM's exit status, and
    what was read from them (once)."""

    def __init__(self, results, vm_rc):
        self.results, self.vm_rc = results, vm_rc
        self.programs = vm_programs(os.path.join(results, "vm.tap"))
        self.events = {}

    def build(self, c):
        rc = _read(self.results, "build.rc")
        log = _read(self.results, "build.log") or ""
        warnings = [l for l in log.splitlines() if "warning:" in l]
        if rc != "0":
            errors = [l for l in log.splitlines() if "error:" in l]
            return False, "it does not build (exit %s)%s" % (
                rc, ": " + errors[0] if errors else "")
        if warnings:
            return False, "%d warnings, the first: %s" % (len(warnings), warnings[0])
        return True, "built without a warning"

    def kernel(self, c):
        if self.vm_rc is None:
            return False, "not run: the module did not build"
        if self.vm_rc in VM_STATUS:
            return False, VM_STATUS[self.vm_rc]
        if _read(self.results, "load") != "ok":
            return False, "the module did not load (insmod failed)"
        if self.vm_rc != 0:
            return False, "the lab VM's run failed (exit %d)" % self.vm_rc
        return True, "loaded; the kernel reported nothing"

    def vm_test(self, c):
        if self.vm_rc is None:
            return False, "not run: the module did not build"
        if c["test"] not in self.programs:
            return False, "%s did not report (the VM stopped early?)" % c["test"]
        top_ok, leaves, plan = self.programs[c["test"]]
        if "match" in c:
            leaves = [(ok, d) for ok, d in leaves if re.search(c["match"], d)]
            if not leaves:
                return False, "none of %s's results matched" % c["test"]
        elif not top_ok or plan != len(leaves):
            bad = [d for ok, d in leaves if not ok]
            return False, "%s failed%s" % (c["test"], ": " + bad[0] if bad else
                                           " (crashed, timed out, or cut short)")
        bad = [d for ok, d in leaves if not ok]
        if bad:
            return False, "%d of %d results failed, the first: %s" % (
                len(bad), len(leaves), bad[0])
        return True, "%d results passed" % len(leaves)

    def trace(self, c):
        if self.vm_rc is None:
            return False, "not run: the module did not build"
        scenario = c["scenario"]
        rc = _read(self.results, scenario + ".rc")
        if rc != "0":
            return False, "the scenario %s did not finish (exit %s): see %s.log" % (
                scenario, rc, os.path.join(self.results, scenario))
        if scenario not in self.events:
            path = os.path.join(self.results, scenario, "trace.txt")
            self.events[scenario] = trace_checks.render.parse(path)[0]
        return trace_checks.run(c["check"], self.events[scenario])


def grade(assignment, results, vm_rc):
    """The assignment's checks, each with its verdict: a list of dicts."""
    run = Run(results, vm_rc)
    judge = {"build": run.build, "kernel": run.kernel, "vm-test": run.vm_test,
             "trace": run.trace}
    out = []
    for c in assignment["checks"]:
        ok, detail = judge[c["kind"]](c)
        out.append({"name": c["name"], "kind": c["kind"], "ok": ok, "detail": detail,
                    "points": c["points"] if ok else 0, "max_points": c["points"]})
    return out


def summary(checks):
    got = sum(c["points"] for c in checks)
    most = sum(c["max_points"] for c in checks)
    passed = sum(c["ok"] for c in checks)
    return got, most, "%d/%d points (%d%%), %d of %d checks passed" % (
        got, most, 100 * got // most if most else 100, passed, len(checks))


def lines(assignment, checks):
    """The terminal's view: a line per check, then the total."""
    out = ["%s (chapter %d): %s" % (assignment["id"], assignment["chapter"],
                                    assignment["title"])]
    width = max(len(c["name"]) for c in checks)
    for c in checks:
        out.append("  %-6s %2d/%-2d  %-*s  %s" % ("ok" if c["ok"] else "FAIL", c["points"],
                                                  c["max_points"], width, c["name"],
                                                  c["detail"]))
    out.append("total: " + summary(checks)[2])
    return out


def tap(assignment, checks):
    out = ["TAP version 13", "1..%d" % len(checks)]
    for i, c in enumerate(checks, 1):
        out.append("%s %d - %s [%d/%d points]" % ("ok" if c["ok"] else "not ok", i,
                                                  c["name"], c["points"], c["max_points"]))
        out.append("# " + c["detail"])
    out.append("# %s: %s" % (assignment["id"], summary(checks)[2]))
    return out


def result(assignment, checks, module, vm_rc):
    """The JSON result a course's autograder reads."""
    got, most, _ = summary(checks)
    return {"assignment": assignment["id"], "chapter": assignment["chapter"],
            "title": assignment["title"], "points": got, "max_points": most,
            "passed": all(c["ok"] for c in checks), "module": module,
            "vm_status": vm_rc, "checks": checks}


def write(assignment, checks, module, vm_rc, outdir):
    """grade.tap and grade.json in OUTDIR."""
    with open(os.path.join(outdir, "grade.tap"), "w") as f:
        f.write("\n".join(tap(assignment, checks)) + "\n")
    with open(os.path.join(outdir, "grade.json"), "w") as f:
        json.dump(result(assignment, checks, module, vm_rc), f, indent=2)
        f.write("\n")

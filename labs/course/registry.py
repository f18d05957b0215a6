# SPDX-License-Identifier: GPL-2.0
"""The course's registry, labs/course/assignments.json: loaded and checked
whole, so that a typo (a test that does not exist, a trace check with
another name) fails at once, not in the middle of a grading run."""
import json
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
PATH = os.path.join(HERE, "assignments.json")
KINDS = ("build", "kernel", "vm-test", "trace")
ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class RegistryError(Exception):
    pass


def load(path=PATH, trace_checks=None):
    """The registry as a dict; RegistryError names the first problem.
    TRACE_CHECKS: the names of the trace checks (labs/course/trace_checks.py
    CHECKS), passed in so this module stays free of the trace parser."""
    with open(path) as f:
        reg = json.load(f)
    for name, s in reg["scenarios"].items():
        for word in s["command"]:
            if "/" in word and not os.path.isfile(os.path.join(ROOT, word)):
                raise RegistryError("scenario %s: no file %s" % (name, word))
    seen = set()
    for a in reg["assignments"]:
        where = "assignment %s" % a.get("id")
        if not ID.match(a.get("id", "")) or a["id"] in seen:
            raise RegistryError("%s: the id must be new and [a-z0-9-]" % where)
        seen.add(a["id"])
        for key in ("chapter", "title", "file", "text", "checks"):
            if key not in a:
                raise RegistryError("%s: no %s" % (where, key))
        if not os.path.isfile(os.path.join(ROOT, a["file"])):
            raise RegistryError("%s: no file %s" % (where, a["file"]))
        for c in a["checks"]:
            check(reg, where, c, trace_checks)
    return reg


def check(reg, where, c, trace_checks):
    where = "%s, check \"%s\"" % (where, c.get("name"))
    if c.get("kind") not in KINDS:
        raise RegistryError("%s: kind must be one of %s" % (where, ", ".join(KINDS)))
    if not isinstance(c.get("points"), int) or c["points"] < 0:
        raise RegistryError("%s: points must be a whole number" % where)
    if c.get("skeleton") not in ("pass", "fail"):
        raise RegistryError("%s: skeleton must be pass or fail" % where)
    if c["kind"] == "vm-test":
        if not os.path.isfile(os.path.join(ROOT, "tests", "vm", c.get("test", ""))):
            raise RegistryError("%s: no test tests/vm/%s" % (where, c.get("test")))
        if "match" in c:
            re.compile(c["match"])
    if c["kind"] == "trace":
        if c.get("scenario") not in reg["scenarios"]:
            raise RegistryError("%s: no scenario %s" % (where, c.get("scenario")))
        name = c.get("check", "").partition(":")[0]
        if trace_checks is not None and name not in trace_checks:
            raise RegistryError("%s: no trace check %s" % (where, name))


def assignment(reg, lab):
    for a in reg["assignments"]:
        if a["id"] == lab:
            return a
    raise RegistryError("no assignment %s (make labs lists them)" % lab)

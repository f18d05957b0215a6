#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""One name per trace field (appendix "Reading the traces"): the name of a
field in module/trace.h is the label its event's TP_printk() prints
("name=value"), the label every bpftrace script of the labs prints it
under, and the name the renderers and the chapters use.

usage: tests/lib/trace_names.py ROOT

Prints one line per problem and exits 1 when there is any; prints a
summary and exits 0 otherwise. tests/host/trace_names.sh runs it. The
checks:

  trace.h  each TP_printk() token "label=%conv..." prints fields named
           label and nothing else; no field is printed without a label
  *.bt     the same for each printf() of a script (traces/*.bt, and the
           bpftrace programs of traces/samples/*.sh), of the fields it prints
           from args->X (directly, or through a variable set from one);
           a label that prints no field (parent= from a map) is no field
           name of that event; a wgtour event's args->X is one of its fields
  users    the labels the renderers and the course's checks read
           (f["X"], f.get("X"), "X" in f) and the labels the chapters
           show in code spans (`X=...`) are labels some script or event
           prints

A token is a run of text without spaces: "peer=%02x%02x%02x%02x" is one
label over four conversions, "to=%d.%d.%d.%d:%d" one over five. How a
value is written (hashed pointer or hex, a reason's text or number) may
differ; its name may not.
"""
import glob
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bt_tracefs  # noqa: E402  the fields of each event of trace.h

CONV = re.compile(r"%(?:%|[-+ #0]*(?:\*|\d+)?(?:\.\d+)?"
                  r"(?:p[A-Za-z0-9]*|(?:hh|h|ll|l|z)?[diouxXsc]))")
LITERAL = r'"(?:[^"\\\n]|\\.)*"'
# What a chapter shows in a code span that is not a trace's label: make
# variables and module parameters, kernel command-line and mount options,
# the listing directives of the book's filters.
NOT_TRACE = {"symbol", "file", "pattern", "time_divisor", "selftest", "mtu",
             "comment", "wgtour_moddir", "wgtour_ko", "udp", "skip",
             "max_peers", "localaddr", "keys", "id", "security_model",
             "trans", "version", "cache", "path", "mount_tag", "readonly",
             "multidevs"}


def call_args(text, start):
    """The arguments of the call whose "(" is at text[start]: a list of
    strings split at the commas of the outer level, and the end."""
    depth, args, cur, i = 0, [], "", start
    while i < len(text):
        c = text[i]
        if c == '"':
            m = re.compile(LITERAL).match(text, i)
            cur += m.group(0)
            i = m.end()
            continue
        if c in "([{":
            depth += 1
            if depth == 1:
                i += 1
                continue
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                args.append(cur.strip())
                return args, i
        elif c == "," and depth == 1:
            args.append(cur.strip())
            cur = ""
            i += 1
            continue
        cur += c
        i += 1
    raise ValueError("unbalanced call at %d" % start)


def tokens(fmt, args):
    """(label or None, [argument...]) per token of a format string that
    holds a conversion; args are the call's arguments after the format."""
    out, k = [], 0
    for tok in fmt.replace("\\n", " ").split():
        convs = [c for c in CONV.findall(tok) if c != "%%"]
        m = re.match(r"(\w+)=", tok)
        if not convs:
            if m and tok.endswith("="):
                out.append((m.group(1), []))    # argv=, printed by a join()
            continue
        n = sum(1 + c.count("*") for c in convs)
        out.append((m.group(1) if m else None, args[k:k + n]))
        k += n
    return out


def check_printer(where, fmt, args, named, fields, problems):
    """The tokens of one format: each label names the one field its
    arguments print (named(arg) -> the set of fields an argument reads)."""
    labels = []
    for label, targs in tokens(fmt, args):
        used = set()
        for a in targs:
            used |= named(a)
        if label is None:
            if used:
                problems.append("%s: %s printed without a label" % (where, ", ".join(sorted(used))))
            continue
        labels.append(label)
        if used and used != {label}:
            problems.append("%s: label %s= prints field %s" % (where, label, ", ".join(sorted(used))))
        elif not used and fields is not None and label in fields:
            problems.append("%s: label %s= prints no field, but the event has a field %s"
                            % (where, label, label))
    return labels


def trace_h(path, problems):
    """{event: fields}, and the labels the events print."""
    with open(path) as f:
        text = f.read()
    fields = {ev: {decl.split()[-1].split("[")[0] for decl, *_ in flds}
              for ev, flds in bt_tracefs.events(text).items()}
    labels = set()
    for m in re.finditer(r"(DECLARE_EVENT_CLASS|TRACE_EVENT)\((\w+),", text):
        p = text.index("TP_printk(", m.end())
        args, _ = call_args(text, p + len("TP_printk"))
        fmt = args[0][1:-1]
        where = "%s: %s" % (path, m.group(2))
        labels |= set(check_printer(
            where, fmt, args[1:],
            lambda a: {x for pair in re.findall(r"__entry->(\w+)|__get_str\((\w+)\)", a)
                       for x in pair if x},
            None, problems))
    return fields, labels


def bt_script(path, fields, problems):
    """The labels a bpftrace script prints."""
    with open(path) as f:
        text = f.read()
    labels = set()
    probes = list(re.finditer(r"^(?:tracepoint|kprobe|kretprobe|kfunc|kretfunc|BEGIN|END)\S*",
                              text, re.M))
    for i, m in enumerate(probes):
        body = text[m.end():probes[i + 1].start() if i + 1 < len(probes) else len(text)]
        tp = re.match(r"tracepoint:(\w+):(\w+)", m.group(0))
        evfields = fields.get(tp.group(2)) if tp and tp.group(1) == "wgtour" else None
        if evfields is not None:
            for x in set(re.findall(r"args(?:->|\.)(\w+)", body)) - evfields:
                problems.append("%s: %s has no field %s" % (path, tp.group(2), x))
        # a variable set from a field prints that field: $skb = args->skbaddr
        var = {v: set(re.findall(r"args(?:->|\.)(\w+)", e))
               for v, e in re.findall(r"(\$\w+)\s*=\s*([^;]+);", body)}

        def named(a):
            out = set(re.findall(r"args(?:->|\.)(\w+)", a))
            for v in re.findall(r"\$\w+", a):
                out |= var.get(v, set())
            return out
        for p in re.finditer(r"\bprintf\(", body):
            args, _ = call_args(body, p.end() - 1)
            where = "%s: %s" % (path, m.group(0))
            labels |= set(check_printer(where, args[0][1:-1], args[1:], named,
                                        evfields, problems))
    return labels


def users(path):
    """(line, label) of every label a Python consumer reads."""
    out = []
    pat = re.compile(r'\bf(?:\.get\(|\[)"(\w+)"|"(\w+)" (?:not )?in (?:\w+\.)?f\b')
    with open(path) as f:
        for n, line in enumerate(f, 1):
            for m in pat.finditer(line):
                out.append((n, m.group(1) or m.group(2)))
    return out


def chapter_labels(path):
    """(line, label) of every `label=...` code span of a chapter."""
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            for span in re.findall(r"`([^`]+)`", line):
                for label in re.findall(r"(?:^|\s)([a-z_]+)=", span):
                    out.append((n, label))
    return out


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = argv[1]
    problems = []
    fields, known = trace_h(os.path.join(root, "module/trace.h"), problems)
    # the labs' scripts, and the bpftrace programs of the book's recordings
    scripts = sorted(glob.glob(os.path.join(root, "traces/*.bt")) +
                     glob.glob(os.path.join(root, "labs/**/*.bt"), recursive=True) +
                     glob.glob(os.path.join(root, "traces/samples/*.sh")))
    for s in scripts:
        known |= bt_script(s, fields, problems)
    readers = sorted(glob.glob(os.path.join(root, "traces/*.py")) +
                     glob.glob(os.path.join(root, "labs/course/*.py")) +
                     glob.glob(os.path.join(root, "tests/lib/course_traces.py")))
    nread = 0
    for r in readers:
        for n, label in users(r):
            nread += 1
            if label not in known:
                problems.append("%s:%d: reads %s=, which nothing prints" % (r, n, label))
    chapters = sorted(glob.glob(os.path.join(root, "chapters/*.md")))
    nshown = 0
    for c in chapters:
        for n, label in chapter_labels(c):
            if label in NOT_TRACE:
                continue
            nshown += 1
            if label not in known:
                problems.append("%s:%d: shows %s=, which nothing prints" % (c, n, label))
    for p in problems:
        print(p)
    if problems:
        return 1
    print("%d events, %d scripts: every label the name of its field; %d labels read by "
          "%d renderers and checks, %d shown in %d chapters, all printed"
          % (len(fields), len(scripts), nread, len(readers), nshown, len(chapters)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

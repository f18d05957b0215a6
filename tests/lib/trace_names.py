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
  lines    a script's line (the labs' format "TS CPU COMM CTX EVENT
           label=value...", which traces/render.py parses) of a wgtour
           tracepoint is printed under that event's name
  users    the labels the renderers and the course's checks read
           (f["X"], f.get("X"), "X" in f) and the labels the chapters
           show in code spans (`X=...`): where the reader says which
           event it reads, a label that event prints (by its TP_printk()
           or as a script's line of that name); elsewhere a label some
           script or event prints. A reader says which event when
           - the fields are those of a variable tested by name around
             the read: if e.name == "X" / in ("X", "Y") /
             .startswith("x_"), or the "if" of a comprehension over it
           - or the variable is one event: p.first("X"), next() of such
             a comprehension, a loop over one
           - a chapter's code span starts with the event's name
             (`rx_udp len=136`), or its table row has a cell of event
             names only (| `ok=`, `len=` | `tx_encrypt` | ...)
           Of several events (in (...), a row naming two), one must
           print the label: the readers test "X" in f first.

A token is a run of text without spaces: "peer=%02x%02x%02x%02x" is one
label over four conversions, "to=%d.%d.%d.%d:%d" one over five. How a
value is written (hashed pointer or hex, a reason's text or number) may
differ; its name may not.
"""
import ast
import collections
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
    for label, targs in tokens(fmt, args):
        used = set()
        for a in targs:
            used |= named(a)
        if label is None:
            if used:
                problems.append("%s: %s printed without a label" % (where, ", ".join(sorted(used))))
            continue
        if used and used != {label}:
            problems.append("%s: label %s= prints field %s" % (where, label, ", ".join(sorted(used))))
        elif not used and fields is not None and label in fields:
            problems.append("%s: label %s= prints no field, but the event has a field %s"
                            % (where, label, label))


def printed(fmt):
    """The labels a format prints: every token that starts "label=", with
    a conversion or with its value written in ("family=2")."""
    return set(re.findall(r"(?:^|\s)(\w+)=", fmt.replace("\\n", " ")))


def trace_h(path, problems):
    """{event: fields}, and {event: the labels its TP_printk() prints}."""
    with open(path) as f:
        text = f.read()
    fields = {ev: {decl.split()[-1].split("[")[0] for decl, *_ in flds}
              for ev, flds in bt_tracefs.events(text).items()}
    labels = {}     # of each TRACE_EVENT and each event class
    for m in re.finditer(r"(DECLARE_EVENT_CLASS|TRACE_EVENT)\((\w+),", text):
        p = text.index("TP_printk(", m.end())
        args, _ = call_args(text, p + len("TP_printk"))
        fmt = args[0][1:-1]
        where = "%s: %s" % (path, m.group(2))
        check_printer(where, fmt, args[1:],
                      lambda a: {x for pair in re.findall(r"__entry->(\w+)|__get_str\((\w+)\)", a)
                                 for x in pair if x},
                      None, problems)
        labels[m.group(2)] = printed(fmt)
    # an event of a class prints the class's format
    for m in re.finditer(r"DEFINE_EVENT\((\w+),\s*(\w+),", text):
        labels[m.group(2)] = labels[m.group(1)]
    return fields, {ev: labels[ev] for ev in fields}


def bt_script(path, fields, problems):
    """{event: the labels a bpftrace script prints on its lines}; the
    labels of a line that names no event (a recording's own format) under
    None."""
    with open(path) as f:
        text = f.read()
    labels = collections.defaultdict(set)
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
            fmt = args[0][1:-1]
            check_printer(where, fmt, args[1:], named, evfields, problems)
            # the labs' format: "TS CPU COMM CTX EVENT label=value..."
            ev = re.match(r"%lu %d %s %d (\w+)", fmt)
            ev = ev.group(1) if ev else None
            # the kernel's events may be printed under a name of the lab's
            # (sys_enter_execve as command); wgtour's under their own
            if ev and evfields is not None and ev != tp.group(2):
                problems.append("%s prints its line as %s" % (where, ev))
            labels[ev] |= printed(fmt)
    return labels


def is_str(node):
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def is_fields(node):
    """node is an event's fields: f, or X.f."""
    return (isinstance(node, ast.Name) and node.id == "f" or
            isinstance(node, ast.Attribute) and node.attr == "f")


def label_reads(tree):
    """(node, label, fields) of each f["X"], f.get("X"), "X" in f."""
    for n in ast.walk(tree):
        if (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and
                n.func.attr == "get" and is_fields(n.func.value) and n.args and is_str(n.args[0])):
            yield n, n.args[0].value, n.func.value
        elif isinstance(n, ast.Subscript) and is_fields(n.value) and is_str(n.slice):
            yield n, n.slice.value, n.value
        elif (isinstance(n, ast.Compare) and is_str(n.left) and
              isinstance(n.ops[0], (ast.In, ast.NotIn)) and is_fields(n.comparators[0])):
            yield n, n.left.value, n.comparators[0]


class Reader:
    """Which events a renderer or check reads its labels from, where its
    code says so (see the module's docstring); None where it does not, and
    there only the global check holds (some event prints the label): code
    over events of any name (e.f.get("dev")), an event taken from an
    attribute (x.event), a parameter or a tuple. A variable set more than
    one way in its function reads from the union of the events of its
    bindings (the order of statements is not followed)."""

    COMPS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
    SCOPES = (ast.FunctionDef, ast.Lambda, ast.Module) + COMPS

    def __init__(self, tree, events):
        self.events = events
        self.parent = {c: n for n in ast.walk(tree) for c in ast.iter_child_nodes(n)}

    def name_test(self, test, var):
        """The events a condition keeps variable var to: var.name == "X",
        var.name in ("X", ...), var.name.startswith("x_"), joined by and,
        or; None when it says nothing of var's name."""
        def is_name(n):
            return (isinstance(n, ast.Attribute) and n.attr == "name" and
                    isinstance(n.value, ast.Name) and n.value.id == var)
        if isinstance(test, ast.Compare) and is_name(test.left) and len(test.ops) == 1:
            right = test.comparators[0]
            if isinstance(test.ops[0], ast.Eq) and is_str(right):
                return {right.value}
            if (isinstance(test.ops[0], ast.In) and isinstance(right, (ast.Tuple, ast.List, ast.Set))
                    and all(is_str(x) for x in right.elts)):
                return {x.value for x in right.elts}
        if (isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and
                test.func.attr == "startswith" and is_name(test.func.value) and
                len(test.args) == 1 and is_str(test.args[0])):
            return {ev for ev in self.events if ev.startswith(test.args[0].value)}
        if isinstance(test, ast.BoolOp):
            sets = [self.name_test(v, var) for v in test.values]
            if isinstance(test.op, ast.And) and any(x is not None for x in sets):
                return set.intersection(*[x for x in sets if x is not None])
            if isinstance(test.op, ast.Or) and all(x is not None for x in sets):
                return set.union(*sets)
        return None

    def of_comp(self, comp, var):
        """The events a comprehension's "if" keeps var to."""
        for gen in comp.generators:
            if isinstance(gen.target, ast.Name) and gen.target.id == var and gen.ifs:
                return self.name_test(ast.BoolOp(op=ast.And(), values=gen.ifs), var)
        return None

    def of_value(self, node):
        """The events an expression is one of, or loops over: X.first("ev"),
        a comprehension of events that tests their name, next() of one."""
        if isinstance(node, ast.Call) and node.args:
            if (isinstance(node.func, ast.Attribute) and node.func.attr == "first" and
                    is_str(node.args[0])):
                return {node.args[0].value}
            if isinstance(node.func, ast.Name) and node.func.id == "next":
                return self.of_value(node.args[0])
        if isinstance(node, self.COMPS[:3]) and isinstance(node.elt, ast.Name):
            return self.of_comp(node, node.elt.id)
        return None

    def bindings(self, node, var):
        """What var is set to where node reads it: the values it is
        assigned or loops over (None: cannot say). A comprehension that loops over var
        is where var is set; otherwise the function around node, not the
        functions and comprehensions it holds."""
        scope = self.parent[node]
        while not isinstance(scope, (ast.FunctionDef, ast.Lambda, ast.Module)):
            if isinstance(scope, self.COMPS):
                for gen in scope.generators:
                    if isinstance(gen.target, ast.Name) and gen.target.id == var:
                        return [gen.iter]
                    if var in {x.id for x in ast.walk(gen.target) if isinstance(x, ast.Name)}:
                        return [None]
            scope = self.parent[scope]
        out = []

        def walk(n):
            for c in ast.iter_child_nodes(n):
                if isinstance(c, self.SCOPES):
                    continue
                targets = c.targets if isinstance(c, ast.Assign) else []
                for t in targets:
                    if isinstance(t, ast.Name) and t.id == var:
                        out.append(c.value)
                    elif isinstance(t, ast.Tuple):
                        vals = c.value.elts if isinstance(c.value, ast.Tuple) else None
                        for k, x in enumerate(t.elts):
                            if isinstance(x, ast.Name) and x.id == var:
                                out.append(vals[k] if vals else None)
                if isinstance(c, ast.For) and var in {x.id for x in ast.walk(c.target)
                                                      if isinstance(x, ast.Name)}:
                    out.append(c.iter if isinstance(c.target, ast.Name) else None)
                walk(c)
        walk(scope)
        if isinstance(scope, (ast.FunctionDef, ast.Lambda)) and var in {
                a.arg for a in scope.args.args + scope.args.kwonlyargs}:
            out.append(None)     # a parameter: anything
        return out

    def narrowed(self, node, var):
        """The events the conditions around node keep var to, the nearest
        that says."""
        child, n = node, self.parent.get(node)
        while n is not None and not isinstance(n, (ast.FunctionDef, ast.Lambda)):
            evs = None
            if isinstance(n, (ast.If, ast.IfExp)) and (child in n.body if isinstance(n, ast.If)
                                                       else child is n.body):
                evs = self.name_test(n.test, var)
            elif isinstance(n, ast.BoolOp) and isinstance(n.op, ast.And):
                evs = self.name_test(ast.BoolOp(op=ast.And(),
                                                values=[v for v in n.values if v is not child]),
                                     var)
            elif isinstance(n, self.COMPS):
                evs = self.of_comp(n, var)
            if evs is not None:
                return evs
            child, n = n, self.parent.get(n)
        return None

    def events_read(self, node, fields):
        """The events whose labels the read at node reads, or None."""
        owner = fields.value if isinstance(fields, ast.Attribute) else None
        if isinstance(fields, ast.Name):        # f, set once by f = e.f
            found = self.bindings(node, "f")
            if len(found) == 1 and isinstance(found[0], ast.Attribute) and found[0].attr == "f":
                owner = found[0].value
        if not isinstance(owner, ast.Name):
            return self.of_value(owner)
        evs = self.narrowed(node, owner.id)
        if evs is not None:
            return evs
        found = self.bindings(node, owner.id)
        sets = [self.of_value(v) for v in found]
        if not sets or any(x is None for x in sets):
            return None
        return set.union(*sets)


def users(path, events):
    """(line, label, events or None) of every label a Python consumer reads."""
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    reader = Reader(tree, events)
    return sorted(((n.lineno, label, reader.events_read(n, fields))
                   for n, label, fields in label_reads(tree)), key=lambda x: x[:2])


def chapter_labels(path, events):
    """(line, label, events or None) of every `label=...` code span of a
    chapter (not the NOT_TRACE ones): the span's event when it starts with one's name, the row's
    when a cell of its table row holds event names only."""
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            row = None
            if line.startswith("|"):
                for cell in line.strip().strip("|").split("|"):
                    names = re.findall(r"`([^`]+)`", cell)
                    if names and all(x in events for x in names):
                        row = set(names)
            for span in re.findall(r"`([^`]+)`", line):
                first = (span.split() or [""])[0]
                evs = {first} if first in events else row
                for label in re.findall(r"(?:^|\s)([a-z_]+)=", span):
                    if label not in NOT_TRACE:
                        out.append((n, label, evs))
    return out


def wrong(label, evs, by_event, known):
    """Why a label read of events evs (None: of any event) is wrong, or
    None when it is not."""
    if evs is None:
        # the reader does not say which event: some event or script prints it
        return None if label in known else ", which nothing prints"
    if any(label in by_event.get(ev, ()) for ev in evs):
        return None
    of = " or ".join(sorted(evs))
    shown = sorted(set().union(*(by_event.get(ev, set()) for ev in evs)))
    if not shown:
        return " of %s, which prints no label" % of
    return " of %s, which prints only %s" % (of, ", ".join(x + "=" for x in shown))


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = argv[1]
    problems = []
    fields, by_event = trace_h(os.path.join(root, "module/trace.h"), problems)
    by_event = collections.defaultdict(set, {ev: set(x) for ev, x in by_event.items()})
    # the labs' scripts, and the bpftrace programs of the book's recordings
    scripts = sorted(glob.glob(os.path.join(root, "traces/*.bt")) +
                     glob.glob(os.path.join(root, "labs/**/*.bt"), recursive=True) +
                     glob.glob(os.path.join(root, "traces/samples/*.sh")))
    known = set().union(*by_event.values())
    for s in scripts:
        for ev, labels in bt_script(s, fields, problems).items():
            known |= labels
            if ev is not None:
                by_event[ev] |= labels
    events = set(by_event)
    readers = sorted(glob.glob(os.path.join(root, "traces/*.py")) +
                     glob.glob(os.path.join(root, "labs/course/*.py")) +
                     glob.glob(os.path.join(root, "tests/lib/course_traces.py")))

    def check(paths, uses, verb):
        """Each label the files use (users(), chapter_labels()) is printed;
        the number of them, and of those of a known event."""
        n = nof = 0
        for path in paths:
            for line, label, evs in uses(path, events):
                n += 1
                nof += evs is not None
                why = wrong(label, evs, by_event, known)
                if why:
                    problems.append("%s:%d: %s %s=%s" % (path, line, verb, label, why))
        return n, nof
    nread, nof = check(readers, users, "reads")
    chapters = sorted(glob.glob(os.path.join(root, "chapters/*.md")))
    nshown, nshownof = check(chapters, chapter_labels, "shows")
    for p in problems:
        print(p)
    if problems:
        return 1
    print("%d events, %d scripts: every label the name of its field; %d labels read by "
          "%d renderers and checks (%d of a known event), %d shown in %d chapters "
          "(%d of a known event), all printed"
          % (len(fields), len(scripts), nread, len(readers), nof, nshown, len(chapters),
             nshownof))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

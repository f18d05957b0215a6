# SPDX-License-Identifier: GPL-2.0
"""The LAB markers of module/: solution regions that a student copy hides.

A region is marked in the C source by comments alone on their lines, so the
normal build ignores them and checkpatch --strict sees ordinary comments:

    /* LAB(ch4-replay): accept each counter once, within the window */
    /* LAB(ch4-replay) skeleton: return true; */
    ...the reference code...
    /* END LAB(ch4-replay) */

- the begin marker names the assignment (lower-case letters, digits and
  hyphens) and may carry one line of text for the student's TODO; a region
  without text, "/* LAB(id) */", is a further part of the same assignment
  (its declarations, a helper it alone uses);
- "skeleton:" lines, right after the begin marker, hold the placeholder code
  the student copy gets instead of the region (a return value, so that the
  skeleton compiles); there may be none;
- "/* END LAB(id) */" ends the region. Regions do not nest.

In the student copy of an assignment, each of its regions becomes
"/* TODO(lab id): text */" and its skeleton lines, at the markers'
indentation; every other assignment's markers and skeleton lines go, and
their reference code stays. The reference copy keeps all the code and
drops all the markers.
"""
import re

ID = r"[a-z0-9][a-z0-9-]*"
BEGIN = re.compile(r"^(\s*)/\* LAB\((%s)\)(?:: (.*?))? \*/\s*$" % ID)
SKELETON = re.compile(r"^(\s*)/\* LAB\((%s)\) skeleton: (.*?) \*/\s*$" % ID)
END = re.compile(r"^(\s*)/\* END LAB\((%s)\) \*/\s*$" % ID)
# Anything that looks like a marker but is none of the three is a typo that
# would silently leave the solution in the student copy.
LOOKS_LIKE = re.compile(r"\bLAB\(")


class MarkerError(Exception):
    pass


class Region:
    """One marked region: lines [begin, end] of a file, 0-based, inclusive."""

    def __init__(self, path, lab, text, indent, begin):
        self.path, self.lab, self.text = path, lab, text
        self.indent, self.begin = indent, begin
        self.skeleton = []      # (indent, code)
        self.end = None

    def body(self, lines):
        """The reference code between the markers."""
        return lines[self.begin + 1 + len(self.skeleton):self.end]

    def todo(self):
        if self.text:
            return "%s/* TODO(lab %s): %s */" % (self.indent, self.lab, self.text)
        return "%s/* TODO(lab %s) */" % (self.indent, self.lab)


def regions(path, lines):
    """The regions of a file's lines, in order; MarkerError on a malformed
    marker, a region left open, nested or closed by another name."""
    found, open_ = [], None
    for i, line in enumerate(lines):
        where = "%s:%d" % (path, i + 1)
        m = SKELETON.match(line)
        if m:
            if (not open_ or open_.lab != m.group(2) or
                    i != open_.begin + 1 + len(open_.skeleton)):
                raise MarkerError("%s: a skeleton line must follow its LAB(%s) marker"
                                  % (where, m.group(2)))
            open_.skeleton.append((m.group(1), m.group(3)))
            continue
        m = BEGIN.match(line)
        if m:
            if open_:
                raise MarkerError("%s: LAB(%s) inside LAB(%s), opened at line %d"
                                  % (where, m.group(2), open_.lab, open_.begin + 1))
            open_ = Region(path, m.group(2), m.group(3), m.group(1), i)
            continue
        m = END.match(line)
        if m:
            if not open_ or open_.lab != m.group(2):
                raise MarkerError("%s: END LAB(%s) without its LAB(%s)"
                                  % (where, m.group(2), m.group(2)))
            open_.end = i
            found.append(open_)
            open_ = None
            continue
        if LOOKS_LIKE.search(line):
            raise MarkerError("%s: not a LAB marker: %s" % (where, line.strip()))
    if open_:
        raise MarkerError("%s:%d: LAB(%s) is never closed"
                          % (path, open_.begin + 1, open_.lab))
    return found


def transform(path, lines, lab=None):
    """The lines of the student copy of assignment LAB (None: the reference
    copy, every region's code kept), without line ends."""
    out, mine = [], {r.begin: r for r in regions(path, lines) if r.lab == lab}
    skip_to = -1
    for i, line in enumerate(lines):
        if i <= skip_to:
            continue
        if i in mine:
            r = mine[i]
            out.append(r.todo())
            out.extend(indent + code for indent, code in r.skeleton)
            skip_to = r.end
        elif not (BEGIN.match(line) or SKELETON.match(line) or END.match(line)):
            out.append(line)
    return out

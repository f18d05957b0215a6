#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write wgtour's tracepoints as tracefs would show them, for bpftrace's
dry run on a host that cannot load the module (tests/lib/bt_dryrun.sh).

usage: tests/lib/bt_tracefs.py TRACE_H EVENTS_DIR

For every event of TRACE_H (module/trace.h: TRACE_EVENT, and
DECLARE_EVENT_CLASS with its DEFINE_EVENTs) writes
EVENTS_DIR/wgtour/NAME/format with the event's fields, and prints the
"wgtour:NAME" lines of available_events. bpftrace reads the fields' types
and names from there to type args->...; the offsets are worked out as the
kernel lays the fields out (each at its alignment), so a field that does
not exist, or a wrong type, fails the dry run as it would in the lab VM.
"""
import os
import re
import sys

COMMON = """\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;
"""
# The field types trace.h uses: (C type tracefs prints, size, signed).
TYPES = {
    "u8": ("u8", 1, 0), "u16": ("u16", 2, 0), "u32": ("u32", 4, 0),
    "u64": ("u64", 8, 0), "int": ("int", 4, 1), "bool": ("bool", 1, 0),
    "unsigned int": ("unsigned int", 4, 0), "const void *": ("const void *", 8, 0),
}
# One field a line: __field(TYPE, NAME), __array(TYPE, NAME, LENGTH),
# __string(NAME, SOURCE).
FIELD = re.compile(r"^\s*__field\((.+),\s*(\w+)\)")
ARRAY = re.compile(r"^\s*__array\(([^,]+),\s*(\w+),\s*(.+)\)")
STRING = re.compile(r"^\s*__string\((\w+),")


def fields(block):
    """(declaration, size, alignment, signed) per field of a
    TP_STRUCT__entry, as tracefs prints them: "u8 key[4]", 4, 1, 0."""
    out = []
    for line in block.split("\n"):
        string, field, array = STRING.match(line), FIELD.match(line), ARRAY.match(line)
        if string:
            out.append(("__data_loc char[] " + string.group(1), 4, 4, 1))
        elif array:
            ctype, size, signed = TYPES[array.group(1).strip()]
            # sizeof(struct sockaddr_in6) is 28
            length = 28 if "sockaddr_in6" in array.group(3) else int(array.group(3))
            out.append(("%s %s[%d]" % (ctype, array.group(2), length), size * length,
                        size, signed))
        elif field:
            ctype, size, signed = TYPES[field.group(1).strip()]
            out.append(("%s %s" % (ctype, field.group(2)), size, size, signed))
    return out


def format_text(name, flds):
    lines, offset = [], 8
    for decl, size, align, signed in flds:
        offset = (offset + align - 1) // align * align
        lines.append("\tfield:%s;\toffset:%d;\tsize:%d;\tsigned:%d;" % (decl, offset, size, signed))
        offset += size
    return "name: %s\nID: 9999\nformat:\n%s\n%s\n\nprint fmt: \"\"\n" % (
        name, COMMON, "\n".join(lines))


def events(text):
    """{event name: fields}."""
    classes, out = {}, {}
    for m in re.finditer(r"(DECLARE_EVENT_CLASS|TRACE_EVENT)\((\w+),(.*?)TP_STRUCT__entry\((.*?)\n\t\),",
                         text, re.S):
        flds = fields(m.group(4))
        if m.group(1) == "TRACE_EVENT":
            out[m.group(2)] = flds
        else:
            classes[m.group(2)] = flds
    for m in re.finditer(r"DEFINE_EVENT\((\w+),\s*(\w+),", text):
        out[m.group(2)] = classes[m.group(1)]
    return out


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        evs = events(f.read())
    for name, flds in sorted(evs.items()):
        d = os.path.join(argv[2], "wgtour", name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "format"), "w") as f:
            f.write(format_text(name, flds))
        print("wgtour:%s" % name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

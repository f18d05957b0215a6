#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks on a built book, for tests/host/book.sh (standard library only).

usage: check.py html INDEX.HTML CHAPTERS_DIR
       check.py epub BOOK.EPUB CHAPTERS_DIR
       check.py listings INDEX.HTML CHAPTERS_DIR
       check.py has INDEX.HTML CAPTION EXPECTED_FILE
       check.py history CHAPTERS_DIR
       check.py lacks INDEX.HTML FILE PREFIX
       check.py layout INDEX.HTML
       check.py pages INDEX.HTML PAGES_DIR
       check.py lines INDEX.HTML
       check.py symbols INDEX.HTML COVERAGE.TXT CHAPTERS_DIR MODULE_DIR
       check.py search PAGES_DIR

Each prints what it checked, or every problem it found, and exits 1 on a
problem. Paths in listing captions are relative to the current directory
(the repository root).
"""
import glob
import html
import html.parser
import os
import re
import sys
import xml.etree.ElementTree as ET
import zipfile

# Elements that never have an end tag in HTML.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
        "meta", "source", "track", "wbr"}


class Page(html.parser.HTMLParser):
    """Collects the text of a page, its tag-balance errors and its listings."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.errors = []
        self.text = []
        self.listings = []      # (caption, code, skip): skip is the prefix of
                                # the lines a whole-file listing leaves out
        self.numbered = []      # (caption, code, id, first line's number)
        self.listing_depth = None
        self.in_caption = False
        self.in_pre = False
        self.caption = ""
        self.code = ""

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        self.stack.append(tag)
        classes = (dict(attrs).get("class") or "").split()
        if tag == "div" and "listing" in classes:
            self.listing_depth = len(self.stack)
            self.caption = self.code = ""
            self.skip = dict(attrs).get("data-skip")
            self.number = None
        elif tag == "div" and "listing-caption" in classes:
            self.in_caption = True
        elif tag == "div" and self.listing_depth and dict(attrs).get("data-startfrom"):
            self.number = (dict(attrs)["id"], int(dict(attrs)["data-startfrom"]))
        elif tag == "pre" and self.listing_depth:
            self.in_pre = True

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("line %d: </%s> closes <%s>" %
                               (self.getpos()[0], tag,
                                self.stack[-1] if self.stack else "nothing"))
            return
        if tag == "div" and self.listing_depth == len(self.stack):
            self.listings.append((self.caption.strip(), self.code, self.skip))
            if self.number:
                self.numbered.append((self.caption.strip(), self.code) + self.number)
            self.listing_depth = None
        elif tag == "div":
            self.in_caption = False
        elif tag == "pre":
            self.in_pre = False
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)
        if self.in_caption:
            self.caption += data
        elif self.in_pre:
            self.code += data


def parse(text):
    page = Page()
    page.feed(text)
    page.close()
    if page.stack:
        page.errors.append("unclosed at the end: " + " ".join(page.stack))
    return page


def chapter_titles(chapters):
    """The first level-1 heading of each chapter, without {attributes}."""
    titles = []
    for path in sorted(glob.glob(os.path.join(chapters, "*.md"))):
        with open(path) as f:
            for line in f:
                if line.startswith("# "):
                    titles.append((path, re.sub(r"\s*\{.*\}\s*$", "", line[2:]).strip()))
                    break
            else:
                titles.append((path, None))
    return titles


def count_listing_blocks(chapters):
    """How many fenced blocks in the chapters ask for a listing (file=...)."""
    n = 0
    for path in glob.glob(os.path.join(chapters, "*.md")):
        with open(path) as f:
            n += sum(1 for line in f
                     if line.lstrip().startswith("```{") and 'file="' in line)
    return n


def check_titles(text, chapters, where):
    problems = []
    flat = " ".join(text.split())
    for path, title in chapter_titles(chapters):
        if title is None:
            problems.append("%s has no level-1 title" % path)
        elif " ".join(title.split()) not in flat:
            problems.append('%s: title "%s" not in %s' % (path, title, where))
    return problems


def cmd_html(index, chapters):
    with open(index, encoding="utf-8") as f:
        text = f.read()
    page = parse(text)
    problems = list(page.errors[:10])
    if not text.lstrip().lower().startswith("<!doctype html>"):
        problems.append("no <!DOCTYPE html>")
    if 'id="TOC"' not in text:
        problems.append("no table of contents")
    if re.search(r'<(link|script|img)[^>]+(href|src)="https?://', text):
        problems.append("refers to the network (a CDN?): not self-contained")
    problems += check_titles("".join(page.text), chapters, index)
    return problems, "%d chapter titles, balanced tags, offline" % len(chapter_titles(chapters))


def cmd_epub(epub, chapters):
    problems = []
    with zipfile.ZipFile(epub) as z:
        bad = z.testzip()
        if bad:
            problems.append("corrupt member " + bad)
        names = z.namelist()
        if names[0] != "mimetype" or z.read("mimetype") != b"application/epub+zip":
            problems.append("first member is not the EPUB mimetype")
        container = ET.fromstring(z.read("META-INF/container.xml"))
        opf = [e.get("full-path") for e in container.iter()
               if e.tag.endswith("rootfile")]
        if not opf or opf[0] not in names:
            problems.append("container.xml names no package file that exists")
        text = []
        listings = 0
        for name in names:
            if name.endswith((".xhtml", ".opf", ".ncx", ".xml")):
                data = z.read(name).decode("utf-8")
                try:
                    root = ET.fromstring(data)
                except ET.ParseError as e:
                    problems.append("%s is not well-formed XML: %s" % (name, e))
                    continue
                if name.endswith(".xhtml"):
                    text.append("".join(root.itertext()))
                    listings += data.count('class="listing"')
    problems += check_titles(" ".join(text), chapters, epub)
    expected = count_listing_blocks(chapters)
    if listings != expected:
        problems.append("%d listings in the EPUB, %d asked for" % (listings, expected))
    return problems, "%d members, well-formed XML, %d chapter titles, %d listings" % (
        len(names), len(chapter_titles(chapters)), listings)


def listing_problem(caption, code, source, skip=None):
    """Why a listing is not a whole, current piece of its source, or None."""
    if not code.strip():
        return "empty listing"
    if ": " not in caption:
        # A whole file (a recorded trace, say), maybe without the lines
        # that begin with skip.
        if skip:
            source = "".join(l for l in source.splitlines(True) if not l.startswith(skip))
        return None if code == source.rstrip("\n") else "differs from the file"
    # Whole lines of the current source...
    at = ("\n" + source + "\n").find("\n" + code + "\n")
    if at < 0:
        return "differs from the current source"
    # ...ending where a definition ends: a closing brace at column 0, or the
    # last line of a macro.
    last = code.split("\n")[-1]
    if last in ("}", "};") or ("#define" in code and not last.endswith("\\")):
        return None
    return "cut short: ends with %r" % last


def cmd_listings(index, chapters):
    with open(index, encoding="utf-8") as f:
        page = parse(f.read())
    problems = []
    expected = count_listing_blocks(chapters)
    if len(page.listings) != expected:
        problems.append("%d listings in the page, %d asked for in %s/" %
                        (len(page.listings), expected, chapters))
    for caption, code, skip in page.listings:
        path = caption.split(": ")[0].split(" ")[0]
        try:
            with open(path) as f:
                source = f.read()
        except OSError:
            problems.append("%s: no such file" % caption)
            continue
        code = code.rstrip("\n")
        problem = listing_problem(caption, code, source, skip)
        if problem:
            problems.append("%s: %s" % (caption, problem))
    return problems, "%d listings, each identical to its current source" % len(page.listings)


def cmd_has(index, caption, expected_file):
    """The page has a listing with this caption and exactly this text."""
    with open(index, encoding="utf-8") as f:
        page = parse(f.read())
    with open(expected_file) as f:
        expected = f.read().rstrip("\n")
    codes = [code.rstrip("\n") for cap, code, _ in page.listings if cap == caption]
    if not codes:
        return ["no listing captioned " + caption], ""
    if expected not in codes:
        return ["listing %s is not the expected text" % caption], ""
    return [], "listing %s: %d lines, as expected" % (caption, expected.count("\n") + 1)


# The book describes the code as it is: no commit hashes, no story of how
# the code got there. A commit hash is a word of 7 to 40 hex digits, but so
# are trace fields (index=f51c5a22), key prefixes and binary numbers
# (11000000), which the chapters show on purpose. They all stand in code
# (fenced blocks, indented blocks, `code spans`), and a hash in prose does
# not, so the check looks at prose only, for a hex word that has both a
# digit and a letter (which rules out decimal and binary numbers). In code
# too, "commit" followed by a hex word is a hash.
#
# History narration is refused by phrase: a few seen in earlier drafts, and
# generic ones that tell a change rather than the code ("the module no
# longer ...", "it used to ...", "now uses", "at the time", "previously").
# A phrase list is only a net: it misses narration worded otherwise, and
# the chapters say "no longer" and "now" of the running code all the time
# (a keypair that can no longer send, a route that now leaves by another
# device), so the generic phrases are narrowed to the forms that speak of
# the code's past: "no longer" after the code as subject, "used to" not
# after is/are/be/never (a key "is used to sign"), "now" before a verb of
# what code does. A sentence of the running system that trips one is
# reworded; a reviewer still reads the prose.
HEX_WORD = re.compile(r"\b(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\b")
COMMIT_HASH = re.compile(r"\bcommit\W{1,3}[0-9a-f]{7,40}\b", re.I)
NARRATION = re.compile(
    r"written yet|grows with the module|while this \w+ was written|"
    r"at the time of writing|(?:in|since) (?:this|an earlier) commit|"
    r"\bat the time\b|\bpreviously\b|\bformerly\b|\bbefore this change\b|"
    r"\b(?:wgtour|the (?:module|code|driver|function|tests?|scripts?|filter|tool)|"
    r"\w+\(\)) (?:\w+ )?no longer\b|"
    r"(?<!\bis )(?<!\bare )(?<!\bbe )(?<!\bbeen )(?<!\bnever )\bused to\b|"
    r"\bnow (?:uses|does|has|calls|takes|returns|keeps|prints|checks|frees)\b|"
    r"\b(?:reworked|refactored)\b|"
    r"\b(?:earlier|older|previous) (?:versions?|drafts?|revisions?)\b|"
    r"\bthe (?:old|new) (?:code|version|implementation)\b", re.I)


def prose(text):
    """The Markdown text with code blocks and code spans blanked out, line
    numbers kept."""
    out, fence = [], None
    for line in text.split("\n"):
        m = re.match(r"\s*(`{3,}|~{3,})", line)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            out.append("")
        elif m:
            fence = m.group(1)
            out.append("")
        elif line.startswith(("    ", "\t")) and (not out or not out[-1].strip()):
            out.append("")         # an indented code block (approximately)
        else:
            out.append(re.sub(r"(`+).*?\1", "", line))
    return out


def cmd_history(chapters):
    problems = []
    files = sorted(glob.glob(os.path.join(chapters, "*.md")))
    for path in files:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for n, line in enumerate(text.split("\n"), 1):
            for m in COMMIT_HASH.finditer(line):
                problems.append("%s:%d: a commit hash: %s" % (path, n, m.group(0)))
        for n, line in enumerate(prose(text), 1):
            for m in HEX_WORD.finditer(line):
                problems.append("%s:%d: a commit hash in prose? %s" % (path, n, m.group(0)))
            for m in NARRATION.finditer(line):
                problems.append("%s:%d: project history: %s" % (path, n, m.group(0)))
    return problems, "%d chapters: no commit hash, no history narration" % len(files)


def cmd_lacks(index, path, prefix):
    """The page's listing of the whole file PATH has no line that begins
    with PREFIX (the lookup tables at the head of a trace, say)."""
    with open(index, encoding="utf-8") as f:
        page = parse(f.read())
    codes = [code for cap, code, _ in page.listings if cap.split(" ")[0] == path]
    if not codes:
        return ["no listing of " + path], ""
    problems = []
    for code in codes:
        n = sum(1 for line in code.split("\n") if line.startswith(prefix))
        if n:
            problems.append("the listing of %s has %d lines that begin with %r" % (path, n, prefix))
    return problems, "the listing of %s has no line that begins with %r" % (path, prefix)


def cmd_layout(index):
    """The parts of the layout a browser is not needed for: the preface's
    sections are not numbered 0.x, and every table is in its scrolling box.
    (What needs one, overflow and the size of figure text as shown, is
    docs/book/browser.py's.)"""
    with open(index, encoding="utf-8") as f:
        text = f.read()
    problems = []
    zero = re.findall(r'(?:header|toc)-section-number">(0\.[\d.]*)<', text)
    if zero:
        problems.append("sections numbered 0.x (an unnumbered chapter's): " + ", ".join(zero[:5]))
    tables = len(re.findall(r"<table\b", text))
    boxed = len(re.findall(r'<div class="table-scroll">\s*<table\b', text))
    if tables != boxed:
        problems.append("%d tables, %d of them in a table-scroll box" % (tables, boxed))
    return problems, "no section numbered 0.x; %d tables in scroll boxes" % tables


def cmd_pages(index, pages):
    """The one-page book and its pages, one per chapter (split.py): every
    chapter has its page, with previous and next links; every heading
    has its anchor; no id is used twice on a page; every link inside the
    book, on the one page or between pages, names an id that its target
    page has."""
    problems = []
    files = {os.path.basename(index): index}
    for name in sorted(os.listdir(pages)):
        if name.endswith(".html"):
            files["pages/" + name] = os.path.join(pages, name)
    ids, texts = {}, {}
    for key, path in files.items():
        with open(path, encoding="utf-8") as f:
            texts[key] = f.read()
        found = re.findall(r'\bid="([^"]+)"', texts[key])
        ids[key] = set(found)
        if len(found) != len(ids[key]):
            twice = sorted({i for i in found if found.count(i) > 1})
            problems.append("%s: %d ids used twice: %s" % (key, len(twice), ", ".join(twice[:5])))
    with open(index, encoding="utf-8") as f:
        one = f.read()
    chapters = re.findall(r'<section id="([^"]+)" class="level1', one)
    links = 0
    for key, text in texts.items():
        folder = os.path.dirname(key)
        for target in re.findall(r'href="([^"]*)"', text):
            if re.match(r"[a-z]+:", target):
                continue
            page, _, frag = target.partition("#")
            page = os.path.normpath(os.path.join(folder, page)) if page else key
            links += 1
            if page not in ids:
                problems.append("%s: link to %s: no such page" % (key, target))
            elif frag and frag not in ids[page]:
                problems.append("%s: link to %s: %s has no id %s" % (key, target, page, frag))
        if key.startswith("pages/") and key != "pages/index.html":
            for rel in ("prev", "next"):
                if 'rel="%s"' % rel not in text and not (
                        rel == "next" and key == "pages/%s.html" % chapters[-1]):
                    problems.append("%s: no %s link" % (key, rel))
            if 'class="side-toc"' not in text:
                problems.append("%s: no side table of contents" % key)
    for ch in chapters:
        if "pages/%s.html" % ch not in files:
            problems.append("chapter %s has no page" % ch)
    headings = len(re.findall(r'<section id="[^"]+"[^>]*>\s*<h[1-6]', one))
    anchors = one.count('class="heading-anchor"')
    if headings != anchors or not anchors:
        problems.append("%d headings, %d anchors in %s" % (headings, anchors, index))
    return problems[:20], "%d chapter pages with previous/next and side contents; %d anchors; %d links, all resolve" % (
        len(chapters), anchors, links)


LINEREF = re.compile(r'<a href="#([^"]+)-(\d+)"\s+class="lineref"\s+data-pattern="([^"]*)">'
                     r'line\s+(\d+)</a>')


def cmd_lines(index):
    """Listings are numbered with their source file's lines: the line that
    carries the anchor ID-N is line N of the file, for every line of
    every numbered listing. Every "line N" reference (listings.lua's
    lineref) says the number its link points at, and that line holds the
    text the reference was written for."""
    with open(index, encoding="utf-8") as f:
        text = f.read()
    page = parse(text)
    problems, lines = [], {}
    for caption, code, ident, first in page.numbered:
        with open(caption.split(": ")[0]) as f:
            source = f.read().split("\n")
        for n, line in enumerate(code.rstrip("\n").split("\n"), first):
            lines[ident, n] = line
            if n > len(source) or source[n - 1] != line:
                problems.append("%s: the line numbered %d differs from line %d of the file" %
                                (caption, n, n))
                break
            if 'id="%s-%d"' % (ident, n) not in text:
                problems.append("%s: no anchor %s-%d" % (caption, ident, n))
                break
    refs = LINEREF.findall(text)
    for ident, n, pattern, shown in refs:
        pattern = html.unescape(pattern)
        line = lines.get((ident, int(n)))
        if shown != n:
            problems.append("a reference to %s-%s says line %s" % (ident, n, shown))
        elif line is None:
            problems.append("a reference to %s-%s: no such numbered line" % (ident, n))
        elif pattern not in line:
            problems.append("a reference to %s-%s: %r is not on that line" % (ident, n, pattern))
    if text.count('class="lineref"') != len(refs):
        problems.append("%d line references, %d of them in the expected form" %
                        (text.count('class="lineref"'), len(refs)))
    return problems[:20], "%d numbered listings, each line's number its line in the file; " \
        "%d line references, each to the line that holds its text" % (len(page.numbered), len(refs))


def module_symbols(module):
    """The wgt_* functions defined in MODULE/*.c and *.h, name -> lines
    between the braces, found here independently of book.lua: a line at
    column 0 naming wgt_x( whose "{" line comes before any ";"; and the
    tracepoints of trace.h."""
    functions = {}
    for path in sorted(glob.glob(os.path.join(module, "*.[ch]"))):
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        for i, line in enumerate(lines):
            m = re.match(r"[A-Za-z_].*?\b(wgt_\w+)\(", line)
            if not m:
                continue
            j = next(k for k in range(i, len(lines)) if lines[k] == "{" or lines[k].rstrip().endswith(";"))
            if lines[j] == "{" and m.group(1) not in functions:
                functions[m.group(1)] = lines.index("}", j) - j - 1
    with open(os.path.join(module, "trace.h"), encoding="utf-8") as f:
        tracepoints = set(re.findall(r"^(?:TRACE_EVENT\(|DEFINE_EVENT\(\w+,\s*)(\w+),", f.read(), re.M))
    return functions, tracepoints


def cmd_symbols(index, coverage, chapters, module):
    """The index of symbols and the coverage report say what the chapters
    do: every module function or tracepoint a chapter names in `code` or
    lists has its entry in the index, no other function has one, and
    coverage.txt counts them right and names the non-trivial ones left."""
    functions, tracepoints = module_symbols(module)
    named, listed = set(), set()
    for path in glob.glob(os.path.join(chapters, "*.md")):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        listed |= set(re.findall(r'^```\{[^}\n]*\bsymbol="([^"]+)"', text, re.M))
        text = re.sub(r"^(```+|~~~+).*?^\1\s*$", "", text, flags=re.S | re.M)
        for _, span in re.findall(r"(`+)(.+?)\1", text, re.S):
            words = re.findall(r"[A-Za-z_]\w*", span)
            for before, w in zip([""] + words, words):
                if before in ("struct", "enum", "union"):
                    continue       # a type, not the function of the same name
                named.add(w[len("trace_"):] if w.startswith("trace_") and w[6:] in tracepoints else w)
    cited = set(functions) & (named | listed)
    with open(index, encoding="utf-8") as f:
        page = f.read()
    at = page.find('id="symbol-index"')
    if at < 0:
        return ["no index of symbols (id symbol-index) in " + index], ""
    entries = set(re.findall(r"<li><code>(\w+)(?:\(\))?</code>", page[at:]))
    problems = ["%s() is cited but has no index entry" % n for n in sorted(cited - entries)]
    problems += ["%s() has an index entry but is cited nowhere" % n
                 for n in sorted((set(functions) - cited) & entries)]
    problems += ["tracepoint %s is named but has no index entry" % n
                 for n in sorted((tracepoints & named) - entries)]
    with open(coverage, encoding="utf-8") as f:
        report = f.read()
    m = re.search(r"functions cited: (\d+) / (\d+)", report)
    if not m or (int(m.group(1)), int(m.group(2))) != (len(cited), len(functions)):
        problems.append("%s says %s; the chapters cite %d of %d functions" % (
            coverage, m.group(0) if m else "no count", len(cited), len(functions)))
    left = {n for n, body in functions.items() if body > 3 and n not in cited}
    said = set(re.findall(r"(wgt_\w+)\(\)", report.split("never names", 1)[-1]))
    if said != left:
        problems.append("%s: the functions left out differ: %s" % (
            coverage, ", ".join(sorted(said ^ left)[:10])))
    return problems[:20], "%d of %d functions cited, each in the index; %d tracepoints named; " \
        "%s lists the %d non-trivial ones left" % (
            len(cited), len(functions), len(tracepoints & named), coverage, len(left))


def cmd_search(pages):
    """Search works offline on every page: each loads search-index.js and
    search.js (plain scripts, which work from file://), both are there, the
    index is one JSON array, and it has an entry for every section of every
    page, linking to that section, with its title and, unless the section
    is only a heading, its text."""
    import json
    problems = []
    with open(os.path.join(pages, "search-index.js"), encoding="utf-8") as f:
        m = re.search(r"^var WGT_SEARCH = (\[.*\]);$", f.read(), re.M | re.S)
    entries = json.loads(m.group(1)) if m else []
    if not m:
        problems.append("search-index.js does not set WGT_SEARCH to an array")
    if not os.path.exists(os.path.join(pages, "search.js")):
        problems.append("no search.js in " + pages)
    by_url = {e["u"]: e for e in entries}
    files = sorted(n for n in os.listdir(pages) if n.endswith(".html"))
    sections = 0
    for name in files:
        with open(os.path.join(pages, name), encoding="utf-8") as f:
            text = f.read()
        for script in ("search-index.js", "search.js"):
            if '<script src="%s"' % script not in text:
                problems.append("%s does not load %s" % (name, script))
        for ident in re.findall(r'<section id="([^"]+)"', text):
            sections += 1
            e = by_url.get("%s#%s" % (name, ident))
            if not e:
                problems.append("%s#%s: a section with no search entry" % (name, ident))
            elif not e["t"]:
                problems.append("%s#%s: a search entry with no title" % (name, ident))
    if len(entries) != sections:
        problems.append("%d search entries for %d sections" % (len(entries), sections))
    return problems[:20], "%d pages load the search; %d sections, each with its entry (%d KB)" % (
        len(files), sections, os.path.getsize(os.path.join(pages, "search-index.js")) // 1024)


def main():
    checks = {"html": cmd_html, "epub": cmd_epub, "listings": cmd_listings, "has": cmd_has,
              "history": cmd_history, "lacks": cmd_lacks,
              "layout": cmd_layout, "pages": cmd_pages, "lines": cmd_lines,
              "symbols": cmd_symbols, "search": cmd_search}
    if len(sys.argv) < 3 or sys.argv[1] not in checks:
        sys.exit(__doc__)
    problems, summary = checks[sys.argv[1]](*sys.argv[2:])
    for p in problems:
        print(p)
    if problems:
        sys.exit(1)
    print(summary)


if __name__ == "__main__":
    main()

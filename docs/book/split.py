#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The book as one page per chapter, made from the one-page book.

usage: split.py INDEX.HTML OUTDIR

pandoc 2.17 (Debian 12's) has no chunked HTML writer, so this cuts the page
pandoc wrote (docs/book/html.yaml: section-divs, so every chapter is one
<section class="level1">) into OUTDIR/index.html, the title and the table of
contents, and one OUTDIR/<chapter id>.html per chapter. Each chapter page
keeps the page's <head> (styles embedded: it works offline, as the one page
does) and gets:

  - a side table of contents: every chapter, the current one with its
    sections (book.css keeps it in view on a wide window);
  - previous and next links, above and below the chapter;
  - links between chapters rewritten to the page that holds their target.

Both the chapter pages and INDEX.HTML itself get an anchor ("#") on every
numbered or named heading, a link to that section.

The pages also get search, offline: OUTDIR/search-index.js holds the text
of every section (WGT_SEARCH, one entry per section of level 1 to 3, code
listings left out), and search.js (copied from next to this file) puts the
search box on each page. Plain script files, no fetch(): it works from
file://. Standard library only.
"""
import html
import html.parser
import json
import os
import re
import shutil
import sys

SECTION_TAG = re.compile(r"<(/?)section\b[^>]*>")


def sections(body):
    """(start, end, id) of each top-level <section> of body."""
    out, depth, start, ident = [], 0, None, None
    for m in SECTION_TAG.finditer(body):
        if m.group(1):
            depth -= 1
            if depth == 0:
                out.append((start, m.end(), ident))
        else:
            if depth == 0:
                start = m.start()
                ident = re.search(r'id="([^"]+)"', m.group(0)).group(1)
            depth += 1
    return out


def add_anchors(text):
    """A "#" link at the end of every heading of a section with an id; a
    heading that has one already (split.py run again on its own output)
    keeps just that one."""
    def anchor(m):
        if 'class="heading-anchor"' in m.group(5):
            return m.group(0)
        return '%s%s<a class="heading-anchor" href="#%s" aria-label="link to this section">#</a>%s' % (
            m.group(1), m.group(5), m.group(2), m.group(6))
    return re.sub(r'(<section id="([^"]+)"[^>]*>\s*<h([1-6])([^>]*)>)(.*?)(</h\3>)',
                  anchor, text, flags=re.S)


def plain(fragment):
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


class SectionText(html.parser.HTMLParser):
    """The title and own text (not its subsections', not code) of every
    <section id=...> of a page, in document order."""
    SKIP = {"pre", "nav", "script", "style"}

    def __init__(self, page):
        super().__init__(convert_charrefs=True)
        self.page, self.open, self.entries = page, [], []
        self.skip = self.heading = self.anchor = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self.open.append({"u": "%s#%s" % (self.page, a.get("id", "")), "t": [], "x": [],
                              "id": a.get("id"), "at": len(self.entries)})
            self.entries.append(None)          # its place, in document order
        elif tag in self.SKIP:
            self.skip += 1
        elif re.match(r"h[1-6]$", tag):
            self.heading = 1
        elif tag == "a" and "heading-anchor" in (a.get("class") or ""):
            self.anchor = 1

    def handle_endtag(self, tag):
        if tag == "section" and self.open:
            s = self.open.pop()
            if s["id"]:
                self.entries[s["at"]] = {"u": s["u"], "t": " ".join("".join(s["t"]).split()),
                                         "x": " ".join("".join(s["x"]).split())}
        elif tag in self.SKIP:
            self.skip -= 1
        elif re.match(r"h[1-6]$", tag):
            self.heading = 0
        elif tag == "a":
            self.anchor = 0

    def handle_data(self, data):
        if self.skip or self.anchor or not self.open:
            return
        self.open[-1]["t" if self.heading else "x"].append(data)


def search_index(chapters, outdir):
    """OUTDIR/search-index.js and OUTDIR/search.js."""
    entries = []
    for ch in chapters:
        parser = SectionText(ch["file"])
        parser.feed(ch["text"])
        entries += [e for e in parser.entries if e]
    with open(os.path.join(outdir, "search-index.js"), "w", encoding="utf-8") as f:
        f.write("// The book's sections for search.js, made by docs/book/split.py.\n")
        f.write("var WGT_SEARCH = %s;\n" % json.dumps(entries, ensure_ascii=False, separators=(",", ":")))
    shutil.copy(os.path.join(os.path.dirname(os.path.abspath(__file__)), "search.js"), outdir)
    return len(entries)


SCRIPTS = ('<script src="search-index.js" defer></script>\n'
           '<script src="search.js" defer></script>\n</head>')


def main():
    index, outdir = sys.argv[1], sys.argv[2]
    with open(index, encoding="utf-8") as f:
        page = f.read()
    page = add_anchors(page)
    with open(index, "w", encoding="utf-8") as f:
        f.write(page)

    head, body = page.split("<body>", 1)
    body = body.rsplit("</body>", 1)[0]
    title_block = re.search(r'<header id="title-block-header">.*?</header>', body, re.S).group(0)
    toc = re.search(r'<nav id="TOC".*?</nav>', body, re.S).group(0)
    chapters = []
    for start, end, ident in sections(body):
        text = body[start:end]
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", text, re.S)
        title = plain(re.sub(r'<a class="heading-anchor".*?</a>', "", h1.group(1)))
        chapters.append({"id": ident, "file": ident + ".html", "title": title, "text": text})

    # Which page holds each id.
    where = {}
    for ch in chapters:
        for ident in re.findall(r'\bid="([^"]+)"', ch["text"]):
            where.setdefault(ident, ch["file"])

    def relink(text, here):
        def fix(m):
            target = where.get(m.group(1))
            if target is None or target == here:
                return m.group(0)
            return 'href="%s#%s"' % (target, m.group(1))
        return re.sub(r'href="#([^"]+)"', fix, text)

    # The side table of contents: the chapters, with the current one open.
    toc_items = re.search(r"<ul>(.*)</ul>", toc, re.S).group(1)

    def side_toc(here):
        items = relink(toc_items, here)
        current = "#" + here[:-len(".html")] if here else None
        # Mark the current chapter's <li> (its first link points at it).
        if current:
            items = items.replace('<li><a href="%s">' % current,
                                  '<li class="current"><a href="%s">' % current, 1)
        return ('<nav class="side-toc" aria-label="contents">\n'
                '<p class="side-toc-title"><a href="index.html">Contents</a></p>\n'
                '<ul>%s</ul>\n</nav>\n' % items)

    def pager(i):
        links = []
        if i > 0:
            p = chapters[i - 1]
            links.append('<a rel="prev" href="%s">&larr; %s</a>' % (p["file"], html.escape(p["title"])))
        else:
            links.append('<a rel="prev" href="index.html">&larr; Contents</a>')
        if i + 1 < len(chapters):
            n = chapters[i + 1]
            links.append('<a rel="next" href="%s">%s &rarr;</a>' % (n["file"], html.escape(n["title"])))
        return '<nav class="pager">%s</nav>\n' % " ".join(links)

    os.makedirs(outdir, exist_ok=True)
    searchable = search_index(chapters, outdir)
    head = head.replace("</head>", SCRIPTS, 1)
    for i, ch in enumerate(chapters):
        own_head = re.sub(r"<title>.*?</title>",
                          "<title>%s - wgtour</title>" % html.escape(ch["title"]), head, flags=re.S)
        with open(os.path.join(outdir, ch["file"]), "w", encoding="utf-8") as f:
            f.write(own_head + '<body class="paged">\n' + side_toc(ch["file"]) +
                    '<main>\n' + pager(i) + relink(ch["text"], ch["file"]) + "\n" +
                    pager(i) + "</main>\n</body>\n</html>\n")
    with open(os.path.join(outdir, "index.html"), "w", encoding="utf-8") as f:
        first = '<nav class="pager"><a rel="next" href="%s">%s &rarr;</a></nav>\n' % (
            chapters[0]["file"], html.escape(chapters[0]["title"]))
        f.write(head + '<body class="paged contents">\n<main>\n' + title_block + "\n" +
                relink(toc, None) + "\n" + first + "</main>\n</body>\n</html>\n")
    print("split: %d chapter pages and index.html in %s, %d sections to search" %
          (len(chapters), outdir, searchable))


if __name__ == "__main__":
    main()

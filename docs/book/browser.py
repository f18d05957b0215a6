#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The built book in a real browser: headless Chromium loads every page.

usage: browser.py BOOK_DIR SHOTS_DIR

Loads BOOK_DIR/index.html and every BOOK_DIR/pages/*.html in one headless
Chromium, in a window 400 px wide and in one 1280 px wide, and prints one
line per check, "check ok|fail DESCRIPTION" (tests/host/book.sh reads
them), after the problems found:

  - no page logs an error to the console (a script error, a file that does
    not load);
  - at 400 px, no page is wider than the window (the elements sticking out
    are named);
  - every figure's smallest text is at least 9 CSS px at the size it is
    shown, at both widths: measured in the browser, each SVG (inline, or
    an <img> of one, drawn again at the image's size) gives each <text>'s
    font size times the scale of its transform on screen;
  - the search box answers: a word of the book finds sections.

A screenshot of the top of each page at each width goes to
SHOTS_DIR/<page>-<width>.png. Chromium is driven over the DevTools protocol
on a pipe (--remote-debugging-pipe: file descriptors 3 and 4, messages of
JSON ended by a NUL byte), so it needs no websocket library and starts
once. Standard library only.
"""
import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

WIDTHS = (400, 1280)
HEIGHT = 900
LEGIBLE_PX = 9
SEARCH_WORD = "replay"

# Runs in the page once it has loaded; returns what the checks need.
MEASURE = r"""
(function () {
	var out = { overflow: [], figures: [], search: null };
	var root = document.documentElement;
	out.width = root.scrollWidth;
	if (root.scrollWidth > root.clientWidth) {
		document.querySelectorAll("body *").forEach(function (e) {
			var r = e.getBoundingClientRect();
			if (r.right > root.clientWidth + 1 && out.overflow.length < 5 &&
			    !e.closest("pre, figure, div.table-scroll, div.search-results"))
				out.overflow.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
					(e.className && typeof e.className === "string" ? "." + e.className.split(" ")[0] : "") +
					" right=" + Math.round(r.right));
		});
	}
	// The smallest text of an SVG element on screen, in CSS px.
	function smallest(svg) {
		var min = Infinity;
		svg.querySelectorAll("text").forEach(function (t) {
			var size = parseFloat(t.getAttribute("font-size") || getComputedStyle(t).fontSize);
			var m = t.getScreenCTM();
			if (m && size)
				min = Math.min(min, size * Math.sqrt(Math.abs(m.a * m.d - m.b * m.c)));
		});
		return min;
	}
	function name(svg, fallback) {
		var t = svg.querySelector("title");
		return t ? t.textContent : fallback;
	}
	document.querySelectorAll("img").forEach(function (img, i) {
		var m = (img.getAttribute("src") || "").match(/^data:image\/svg\+xml;base64,(.*)$/);
		if (!m)
			return;
		var bytes = Uint8Array.from(atob(m[1]), function (c) { return c.charCodeAt(0); });
		var svg = new DOMParser().parseFromString(new TextDecoder().decode(bytes), "image/svg+xml").documentElement;
		var box = img.getBoundingClientRect();
		var holder = document.createElement("div");
		holder.style.cssText = "position:absolute;left:0;top:0;visibility:hidden;width:" +
			box.width + "px;height:" + box.height + "px";
		svg.setAttribute("width", box.width);
		svg.setAttribute("height", box.height);
		holder.appendChild(document.importNode(svg, true));
		document.body.appendChild(holder);
		out.figures.push({ name: name(svg, "img " + i), shown: Math.round(box.width),
				   px: smallest(holder.firstChild) });
		holder.remove();
	});
	document.querySelectorAll("svg").forEach(function (svg, i) {
		if (svg.querySelector("text"))
			out.figures.push({ name: name(svg, "svg " + i), shown: Math.round(svg.getBoundingClientRect().width),
					   px: smallest(svg) });
	});
	var input = document.querySelector("div.search input");
	if (input) {
		input.value = WORD;
		input.dispatchEvent(new Event("input"));
		out.search = document.querySelectorAll("div.search-results li a").length;
		input.value = "";
		input.dispatchEvent(new Event("input"));
	}
	return out;
})()
"""


class Browser:
    """Headless Chromium on a DevTools pipe: one tab, commands in order."""

    def __init__(self, chromium, profile):
        self.proc = None
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def fds():                        # the child's fds 3 and 4
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)
        # --headless=new: the headless mode of the full browser (Debian 12's
        # Chromium accepts it). --disable-dev-shm-usage: shared memory in
        # /tmp, since Docker's 64 MB /dev/shm crashes Chromium.
        # --no-sandbox: we run as root.
        try:
            self.proc = subprocess.Popen(
                [chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-dev-shm-usage", "--hide-scrollbars",
                 "--remote-debugging-pipe", "--user-data-dir=" + profile, "--no-first-run",
                 "--disable-extensions", "--disable-background-networking", "about:blank"],
                preexec_fn=fds, pass_fds=(3, 4, to_chrome_r, from_chrome_w),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except BaseException:
            self.close()
            raise
        finally:
            os.close(to_chrome_r)
            os.close(from_chrome_w)
        self.buf, self.next_id, self.events, self.session = b"", 0, [], None
        try:
            target = self.call("Target.createTarget", url="about:blank")["targetId"]
            self.session = self.call("Target.attachToTarget", targetId=target,
                                     flatten=True)["sessionId"]
            for domain in ("Page", "Runtime", "Log"):
                self.call(domain + ".enable")
        except BaseException:
            self.close()
            raise

    def _read(self, timeout):
        """The next message; waits at most timeout seconds in all."""
        end = time.monotonic() + timeout
        while b"\0" not in self.buf:
            left = end - time.monotonic()
            ready = left > 0 and select.select([self.from_chrome], [], [], left)[0]
            if not ready:
                raise TimeoutError("chromium did not answer in %g s" % timeout)
            data = os.read(self.from_chrome, 1 << 20)
            if not data:
                raise EOFError("chromium closed its pipe")
            self.buf += data
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, timeout=30, **params):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params}
        if self.session:
            msg["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        while True:
            m = self._read(timeout)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m["result"]
            self.events.append(m)

    def wait_event(self, method, timeout=30):
        while True:
            for i, m in enumerate(self.events):
                if m.get("method") == method:
                    del self.events[i]
                    return m
            self.events.append(self._read(timeout))

    def errors(self):
        """The console errors among the events so far, then forgets them."""
        out = []
        for m in self.events:
            p = m.get("params", {})
            if m.get("method") == "Runtime.exceptionThrown":
                d = p["exceptionDetails"]
                out.append(d.get("exception", {}).get("description") or d.get("text"))
            elif m.get("method") == "Runtime.consoleAPICalled" and p["type"] in ("error", "assert"):
                out.append(" ".join(str(a.get("value", a.get("description"))) for a in p["args"]))
            elif m.get("method") == "Log.entryAdded" and p["entry"]["level"] == "error":
                out.append(p["entry"]["text"] + " " + p["entry"].get("url", ""))
        self.events = []
        return out

    def close(self):
        """Asks Chromium to quit, which takes its helper processes along;
        kills it if it does not."""
        self.session = None
        if self.proc is not None:
            try:
                self.call("Browser.close", timeout=5)
            except (OSError, EOFError, TimeoutError, RuntimeError, ValueError):
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        for fd in (self.to_chrome, self.from_chrome):
            if fd is not None:
                os.close(fd)
        self.to_chrome = self.from_chrome = None


def main():
    book, shots = sys.argv[1], sys.argv[2]
    chromium = shutil.which("chromium")
    if not chromium:
        sys.exit("browser.py: no chromium")
    pages = [os.path.join(book, "index.html")] + sorted(
        os.path.join(book, "pages", n) for n in os.listdir(os.path.join(book, "pages"))
        if n.endswith(".html"))
    os.makedirs(shots, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="wgtour-chromium-")
    problems = {"console": [], "overflow": [], "figures": [], "search": []}
    smallest, searched, start = {}, 0, time.time()
    browser, where = None, "starting chromium"
    try:
        browser = Browser(chromium, profile)
        for width in WIDTHS:
            browser.call("Emulation.setDeviceMetricsOverride", width=width, height=HEIGHT,
                         deviceScaleFactor=1, mobile=False)
            for path in pages:
                page = os.path.relpath(path, book)
                where = "%s at %d px" % (page, width)
                browser.call("Page.navigate", url="file://" + os.path.abspath(path))
                browser.wait_event("Page.loadEventFired")
                got = browser.call("Runtime.evaluate", returnByValue=True,
                                   expression=MEASURE.replace("WORD", json.dumps(SEARCH_WORD)))
                # This page's console errors, before anything can skip it.
                for e in browser.errors():
                    problems["console"].append("%s at %d px: %s" % (page, width, e))
                if "exceptionDetails" in got:
                    problems["console"].append("%s at %d px: the measuring script failed: %s" %
                                               (page, width, got["exceptionDetails"]))
                    continue
                r = got["result"]["value"]
                if width == WIDTHS[0] and r["width"] > width:
                    problems["overflow"].append("%s is %d px wide at %d px: %s" % (
                        page, r["width"], width, ", ".join(r["overflow"]) or "?"))
                for f in r["figures"]:
                    key = (f["name"], width)
                    smallest[key] = min(smallest.get(key, 99), f["px"])
                    if f["px"] < LEGIBLE_PX:
                        problems["figures"].append("%s at %d px: figure %s shown %d px wide, smallest text %.1f px" % (
                            page, width, f["name"], f["shown"], f["px"]))
                if r["search"] is not None:
                    searched += 1
                    if not r["search"]:
                        problems["search"].append("%s at %d px: searching %r finds nothing" % (
                            page, width, SEARCH_WORD))
                elif page.startswith("pages"):
                    problems["search"].append("%s: no search box" % page)
                shot = browser.call("Page.captureScreenshot", format="png")["data"]
                name = page.replace("/", "-")[:-len(".html")]
                with open(os.path.join(shots, "%s-%d.png" % (name, width)), "wb") as f:
                    f.write(base64.b64decode(shot))
    except (TimeoutError, EOFError) as e:
        # No check line: tests/host/book.sh counts the missing ones as failures.
        sys.exit("browser.py: %s: %s" % (where, e))
    finally:
        if browser is not None:
            browser.close()
        shutil.rmtree(profile, ignore_errors=True)
    for lines in problems.values():
        for p in lines[:10]:
            print(p)
    names = sorted({name for name, _ in smallest})
    print("%d pages at %s px in %.1f s; screenshots in %s" % (
        len(pages), " and ".join(map(str, WIDTHS)), time.time() - start, shots))
    print("smallest text per figure, at %s px: %s" % (
        " / ".join(map(str, WIDTHS)), ", ".join(
            "%s %s" % (n, " / ".join("%.1f" % smallest.get((n, w), 0) for w in WIDTHS)) for n in names)))
    verdict = {k: "fail" if v else "ok" for k, v in problems.items()}
    if not smallest:
        verdict["figures"] = "fail"
        print("no figure measured")
    print("check %s every page loads with no console error, at %s px" % (
        verdict["console"], " and ".join(map(str, WIDTHS))))
    print("check %s no page is wider than a %d-px window" % (verdict["overflow"], WIDTHS[0]))
    print("check %s every figure's smallest text is at least %d px as shown, at both widths" % (
        verdict["figures"], LEGIBLE_PX))
    print("check %s the search box of each page finds %r (%d pages searched)" % (
        verdict["search"], SEARCH_WORD, searched))


if __name__ == "__main__":
    main()

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The book builds, and cannot drift from the code: make book's pipeline
# (docs/book/build.sh) produces a well-formed HTML page and EPUB with every
# chapter, each listing in it is the current text of its source, and a
# chapter that names a symbol or file that does not exist fails the build
# with a message naming the chapter and the symbol. The EPUB passes
# epubcheck (Debian's epubcheck, which make setup installs) with no error
# and no warning. The chapters' prose names no commit and tells no
# project history. Headless Chromium (docs/book/browser.py) loads every
# page at 400 and 1280 px: no console error, no sideways overflow at
# 400 px, figure text legible as shown, search that answers (skipped
# without chromium). Runs on the host.
. "$(dirname "$0")/../lib/ktap.sh"

cd "$WGTOUR_ROOT" || exit 1
check=docs/book/check.py
book=build/book
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# check_py DESCRIPTION ARGS...: docs/book/check.py, its output as comments.
check_py()
{
	local desc=$1 out rc
	shift
	out=$(python3 "$check" "$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed 's/^/  /'
	[ "$rc" = 0 ] && ktap_result ok "$desc" || ktap_result fail "$desc"
}

ktap_plan 23

if docs/book/build.sh > "$scratch/build.log" 2>&1; then
	sed 's/^/  /' "$scratch/build.log"
	ktap_result ok "the book builds (docs/book/build.sh)"
else
	sed 's/^/  /' "$scratch/build.log"
	ktap_result fail "the book builds (docs/book/build.sh)"
fi

# epubcheck takes about 6 s of a JVM: start it now, read it at the end.
# Debian's /usr/bin/epubcheck is the jar itself, which runs only where
# binfmt_misc knows jars: call java on it.
epubcheck=/usr/share/java/epubcheck.jar
[ -f "$epubcheck" ] && command -v java > /dev/null || epubcheck=
if [ -n "$epubcheck" ]; then
	java -jar "$epubcheck" "$book/wgtour.epub" > "$scratch/epubcheck.log" 2>&1 &
	epubcheck_pid=$!
fi

check_py "index.html is well-formed, offline, with every chapter title" \
	html "$book/index.html" chapters
check_py "wgtour.epub is a valid zip with well-formed XHTML and every chapter" \
	epub "$book/wgtour.epub" chapters
check_py "every listing in index.html is the current text of its source" \
	listings "$book/index.html" chapters
check_py "no commit hash and no project history in the chapters' prose" \
	history chapters
check_py "listings numbered with their file's lines; every line reference says its line" \
	lines "$book/index.html"
check_py "the index of symbols has every function and tracepoint the chapters cite; coverage.txt counts them" \
	symbols "$book/index.html" "$book/coverage.txt" chapters module
check_py "one page per chapter, each with previous/next and the contents; every link resolves" \
	pages "$book/index.html" "$book/pages"
check_py "every page has the offline search, and its index every section" \
	search "$book/pages"
check_py "layout: no section numbered 0.x, tables in scroll boxes" \
	layout "$book/index.html"
check_py "chapter 4's trace is shown without the drop-reason tables at its head" \
	lacks "$book/index.html" traces/samples/ch4-rx-trace.txt "# drop_reason"
# Chapter 5 shows what make lab-tx prints: its summary is what the
# renderer makes of the sample trace today (the labels its text shows are
# checked with every chapter's by tests/host/trace_names.sh).
if python3 traces/render_tx.py traces/samples/ch5-lab-tx-trace.txt > "$scratch/tx-summary.txt" &&
   diff -u traces/samples/ch5-lab-tx-summary.txt "$scratch/tx-summary.txt" | head -20 | sed 's/^/  /' &&
   cmp -s traces/samples/ch5-lab-tx-summary.txt "$scratch/tx-summary.txt"; then
	ktap_result ok "chapter 5's lab-tx summary is traces/render_tx.py's output for the sample trace"
else
	ktap_result fail "chapter 5's lab-tx summary is traces/render_tx.py's output for the sample trace"
fi

# The book in headless Chromium (docs/book/browser.py): every page at 400
# and 1280 px, screenshots in build/book/shots/ (a rebuild removes them).
if command -v chromium > /dev/null; then
	timeout 120 python3 docs/book/browser.py "$book" "$book/shots" > "$scratch/browser.log" 2>&1
	grep -v '^check ' "$scratch/browser.log" | sed 's/^/  /'
	ktap_from_checks "$scratch/browser.log" 4 docs/book/browser.py
else
	for what in "no console error" "no page wider than 400 px" "figure text legible as shown" "search answers"; do
		ktap_skip "in Chromium: $what" "chromium is not installed (run: make setup)"
	done
fi

# A known function, cut out of the source here independently of the filter:
# from its first line to the closing brace at column 0, with the comment above.
awk '/^\/\*$/ { buf = "" } /^\/\*$/,/^ \*\/$/ { buf = buf $0 "\n"; next }
     /^static int wgt_newlink\(/ { printf "%s", buf; on = 1 }
     !/^ \*/ && !/^\/\*/ && !on { buf = "" }
     on { print } on && /^}$/ { exit }' module/device.c > "$scratch/newlink.c"
check_py "the wgt_newlink() listing is the function as module/device.c has it now" \
	has "$book/index.html" "module/device.c: wgt_newlink()" "$scratch/newlink.c"

if grep -q 'src="data:image/svg+xml' "$book/index.html"; then
	ktap_result ok "graphviz figures are rendered and embedded as SVG"
else
	ktap_result fail "graphviz figures are rendered and embedded as SVG"
fi

# The failure path, in a scratch directory of chapters (the real ones stay
# untouched) that holds the broken chapter alone: a failure must name it,
# and building the others again each time would only cost time.
# A listing of a symbol that does not exist, then of a file.
mkdir "$scratch/chapters"
# expect_failure DESCRIPTION CHAPTER_TEXT WORD...: the build fails, and its
# message names the scratch chapter and every WORD.
expect_failure()
{
	local desc=$1 text=$2 word ok=1
	shift 2
	printf '%s\n' "$text" > "$scratch/chapters/50-broken.md"
	if WGTOUR_BOOK_CHAPTERS=$scratch/chapters WGTOUR_BOOK_OUT=$scratch/out \
		docs/book/build.sh > "$scratch/fail.log" 2>&1; then
		echo "  the build succeeded"
		ok=0
	fi
	sed 's/^/  /' "$scratch/fail.log"
	for word in 50-broken.md "$@"; do
		grep -qF -- "$word" "$scratch/fail.log" || { echo "  message lacks $word"; ok=0; }
	done
	[ "$ok" = 1 ] && ktap_result ok "$desc" || ktap_result fail "$desc"
}

expect_failure "a listing of a missing symbol fails the build, naming chapter and symbol" \
	"$(printf '# Broken\n\n```{.c file="module/device.c" symbol="wgt_no_such_function"}\n```')" \
	wgt_no_such_function module/device.c
expect_failure "a listing of a missing file fails the build, naming chapter and file" \
	"$(printf '# Broken\n\n```{.c file="module/no_such_file.c" symbol="struct wgt_device"}\n```')" \
	module/no_such_file.c
# A reference to a line (listings.lua's lineref) whose text is no longer
# in the listing, or is on several of its lines.
lineref()
{
	printf '# Broken\n\n```{.c file="module/device.c" symbol="wgt_setup"}\n```\n\nAt []{.lineref symbol="wgt_setup" pattern="%s"}.\n' "$1"
}
expect_failure "a line reference whose text is not in the listing fails the build, naming it" \
	"$(lineref no_such_text)" wgt_setup no_such_text
expect_failure "a line reference whose text is on several lines fails the build, naming it" \
	"$(lineref 'dev->')" wgt_setup 'dev->' "not one"
# epubcheck's summary line: "Messages: 0 fatals / 0 errors / 0 warnings / 0 infos".
if [ -z "$epubcheck" ]; then
	ktap_skip "epubcheck passes wgtour.epub with no error and no warning" \
		"epubcheck is not installed (run: make setup)"
else
	wait "$epubcheck_pid"
	grep -E '^(FATAL|ERROR|WARNING)' "$scratch/epubcheck.log" | head -20 | sed 's/^/  /'
	grep '^Messages:' "$scratch/epubcheck.log" | sed 's/^/  epubcheck: /'
	if grep -qE '^Messages: 0 fatals / 0 errors / 0 warnings' "$scratch/epubcheck.log"; then
		ktap_result ok "epubcheck passes wgtour.epub with no error and no warning"
	else
		ktap_result fail "epubcheck passes wgtour.epub with no error and no warning"
	fi
fi
ktap_finish

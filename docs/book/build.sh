#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make book: chapters/*.md, in file-name order, become
#   build/book/index.html   one self-contained page (works offline)
#   build/book/pages/       the same, one page per chapter, with a side
#                           table of contents (start at pages/index.html)
#   build/book/wgtour.epub  the same book for e-readers
#
# Two passes with pandoc. Pass 1 reads each chapter on its own, runs the Lua
# filters (listings pulled from module/ by name, graphviz figures) and writes
# pandoc's JSON: reading chapters one at a time is what lets an error name its
# chapter. Pass 2 joins the JSON files into the HTML page and the EPUB.
#
# Environment (the book test uses these to build a scratch copy):
#   WGTOUR_BOOK_CHAPTERS  directory of chapters (default: chapters)
#   WGTOUR_BOOK_OUT       output directory (default: build/book)
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1

chapters=${WGTOUR_BOOK_CHAPTERS:-chapters}
final=${WGTOUR_BOOK_OUT:-build/book}
final=${final%/}
start=$(date +%s.%N)

for tool in pandoc dot; do
	command -v "$tool" > /dev/null || { echo "book: $tool is missing (run: make setup)" >&2; exit 1; }
done
shopt -s nullglob
sources=("$chapters"/*.md)
[ ${#sources[@]} -gt 0 ] || { echo "book: no chapters in $chapters/" >&2; exit 1; }

# Build next to the output directory and swap it in at the end: a failed
# build leaves the previous book alone, and nobody (a test running at the
# same time, say) ever sees a half-built one.
mkdir -p "$(dirname "$final")"
out=$(mktemp -d "$final.tmp.XXXXXX") || exit 1
trap 'rm -rf "$out"' EXIT
export WGTOUR_BOOK_OUT=$out
mkdir -p "$out/parts" "$out/figures"

# Pass 1: each chapter alone, all at once. Every failure is reported
# before we stop.
parts=() pids=()
for src in "${sources[@]}"; do
	part=$out/parts/$(basename "$src" .md).json
	pandoc -d docs/book/chapter.yaml "$src" -o "$part" &
	pids+=($!)
	parts+=("$part")
done
failed=0
for i in "${!pids[@]}"; do
	if ! wait "${pids[$i]}"; then
		echo "book: ${sources[$i]}: failed" >&2
		failed=1
	fi
done
if [ "$failed" != 0 ]; then
	echo "book: not built: fix the chapters named above" >&2
	exit 1
fi

# Pass 2: the whole book, as a page and as an EPUB, side by side.
pandoc -d docs/book/html.yaml --resource-path=. "${parts[@]}" -o "$out/index.html" &
html=$!
pandoc -d docs/book/epub.yaml --resource-path=. "${parts[@]}" -o "$out/wgtour.epub" || exit 1
wait "$html" || exit 1
# The same page cut into one page per chapter, and heading anchors on both.
python3 docs/book/split.py "$out/index.html" "$out/pages" > /dev/null || exit 1

rm -rf "$out/parts"
# The screenshots of the browser check (docs/book/browser.py) are not
# carried over: they showed the previous book. tests/host/book.sh's browser
# check writes them again in build/book/shots/.

# mv -T never moves a directory *into* another one; a build finishing at
# the same moment can only make us try again.
old=$final.old.$$
for try in 1 2 3; do
	[ -e "$final" ] && mv -T "$final" "$old.$try" 2> /dev/null
	mv -T "$out" "$final" 2> /dev/null && break
done
rm -rf "$old".*
[ -d "$out" ] && { echo "book: could not move the book into $final" >&2; exit 1; }

# The symbol index's report (book.lua): what the book cites of module/.
sed 's/^/book: /' "$final/coverage.txt"
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
printf 'book: %s/index.html, %s/pages/index.html and %s/wgtour.epub, %d chapters, built in %.1f s\n' \
	"$final" "$final" "$final" "${#sources[@]}" "$elapsed"

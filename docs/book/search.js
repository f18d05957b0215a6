// SPDX-License-Identifier: GPL-2.0
//
// Search across the book, offline: the pages of build/book/pages/ load
// search-index.js (WGT_SEARCH, made by split.py: one entry per section,
// { u: "page.html#id", t: "4.3 Title", x: "the section's text" }) and this
// file, which puts a search box at the top of the side contents (or of the
// page, on the contents page). Plain script tags, no fetch(): it works from
// file://. Every word typed must be in a section for it to be found; a word
// in the title counts more. "/" goes to the box, Enter opens the first hit.
(function () {
	"use strict";
	var MAX = 20;

	function words(s) {
		return s.toLowerCase().split(/[^a-z0-9_]+/).filter(function (w) { return w; });
	}

	// The text around the first of the words, with that word marked.
	function snippet(text, word) {
		var at = text.toLowerCase().indexOf(word);
		var from = Math.max(0, at - 60);
		var span = document.createElement("span");
		span.className = "search-snippet";
		span.appendChild(document.createTextNode((from > 0 ? "\u2026" : "") + text.slice(from, at)));
		var mark = document.createElement("mark");
		mark.textContent = text.slice(at, at + word.length);
		span.appendChild(mark);
		span.appendChild(document.createTextNode(text.slice(at + word.length, at + word.length + 100) + "\u2026"));
		return span;
	}

	function search(query) {
		var want = words(query), hits = [];
		if (!want.length)
			return hits;
		WGT_SEARCH.forEach(function (e) {
			var title = e.t.toLowerCase(), text = e.x.toLowerCase(), score = 0;
			for (var i = 0; i < want.length; i++) {
				var inTitle = title.indexOf(want[i]) >= 0;
				if (!inTitle && text.indexOf(want[i]) < 0)
					return;
				score += inTitle ? 10 : 1;
			}
			hits.push({ e: e, score: score });
		});
		hits.sort(function (a, b) { return b.score - a.score; });
		return hits;
	}

	function show(list, input) {
		var hits = search(input.value), want = words(input.value);
		list.textContent = "";
		list.hidden = !want.length;
		if (!want.length)
			return;
		var count = document.createElement("p");
		count.className = "search-count";
		count.textContent = hits.length ? hits.length + (hits.length === 1 ? " section" : " sections") +
			(hits.length > MAX ? ", the first " + MAX : "") : "nothing found";
		list.appendChild(count);
		var ul = document.createElement("ul");
		hits.slice(0, MAX).forEach(function (h) {
			var li = document.createElement("li"), a = document.createElement("a");
			a.href = h.e.u;
			a.textContent = h.e.t;
			li.appendChild(a);
			var w = want.filter(function (x) { return h.e.x.toLowerCase().indexOf(x) >= 0; })[0];
			if (w)
				li.appendChild(snippet(h.e.x, w));
			ul.appendChild(li);
		});
		list.appendChild(ul);
	}

	function start() {
		if (typeof WGT_SEARCH === "undefined")
			return;
		var box = document.createElement("div"), input = document.createElement("input");
		var list = document.createElement("div");
		box.className = "search";
		box.setAttribute("role", "search");
		input.type = "search";
		input.placeholder = "Search the book";
		input.setAttribute("aria-label", "search the book");
		list.className = "search-results";
		list.hidden = true;
		box.appendChild(input);
		box.appendChild(list);
		var where = document.querySelector("nav.side-toc") || document.querySelector("main");
		where.insertBefore(box, where.firstChild);
		input.addEventListener("input", function () { show(list, input); });
		input.addEventListener("keydown", function (ev) {
			var first = list.querySelector("a");
			if (ev.key === "Enter" && first)
				location.href = first.href;
		});
		document.addEventListener("keydown", function (ev) {
			if (ev.key === "/" && document.activeElement !== input) {
				ev.preventDefault();
				input.focus();
			}
		});
	}

	if (document.readyState === "loading")
		document.addEventListener("DOMContentLoaded", start);
	else
		start();
})();

-- SPDX-License-Identifier: GPL-2.0
--
-- Runs once over the whole book, after the chapters were joined.
--
-- 1. Unique heading identifiers. Each chapter was read on its own, so two
--    chapters may both have a heading "Real world" with the same
--    identifier; the later ones get a suffix, as pandoc itself does within
--    one file, so the table of contents works. (To link to a heading from
--    another chapter, give it an explicit, unique identifier:
--    ## The birth namespace {#birth-namespace}.)
-- 2. An index of listings at the end, by symbol, each entry linking to the
--    listing and naming its chapter: the book's symbol index.
-- 3. The sections of an unnumbered chapter (the preface, an appendix) are
--    unnumbered too; pandoc would number them 0.1, 0.2, ...
-- 4. Every table sits in a box of its own that scrolls sideways, so a wide
--    table never widens the page on a narrow screen.

local seen = {}
local chapter = nil       -- "chapter N", or the title of an unnumbered one
local number = 0          -- numbered level-1 headings so far
local listings = {}       -- { caption, chapter, id }

local unnumbered = false  -- in an unnumbered chapter

function Header(h)
  if h.level == 1 then
    unnumbered = h.classes:includes("unnumbered")
    if unnumbered then
      chapter = pandoc.utils.stringify(h.content)
    else
      number = number + 1
      chapter = "chapter " .. number
    end
  elseif unnumbered and not h.classes:includes("unnumbered") then
    h.classes:insert("unnumbered")
  end
  if h.identifier == "" then
    return nil
  end
  local id = h.identifier
  local n = seen[id]
  if n then
    repeat
      n = n + 1
    until not seen[id .. "-" .. n]
    seen[id] = n
    id = id .. "-" .. n
    h.identifier = id
  end
  seen[id] = seen[id] or 0
  return h
end

function Table(t)
  return pandoc.Div({ t }, pandoc.Attr("", { "table-scroll" }))
end

-- A listing made by listings.lua: a Div of class "listing" whose first
-- block holds the caption "file: symbol".
function Div(div)
  if not div.classes:includes("listing") then
    return nil
  end
  local caption = pandoc.utils.stringify(div.content[1])
  if not caption:match(": ") then
    return nil           -- a whole file (a trace), not a symbol
  end
  div.identifier = "listing-" .. (#listings + 1)
  table.insert(listings, { caption = caption, chapter = chapter, id = div.identifier })
  return div
end

function Pandoc(doc)
  if #listings == 0 then
    return doc
  end
  -- By name ("struct wgt_peer" sorts as "wgt_peer"), then by file.
  local function key(l)
    local file, symbol = l.caption:match("^(.-): (.*)$")
    return symbol:gsub("^%a+ ", ""):lower() .. " " .. file
  end
  table.sort(listings, function(a, b) return key(a) < key(b) end)
  local items = {}
  for _, l in ipairs(listings) do
    local file, symbol = l.caption:match("^(.-): (.*)$")
    table.insert(items, { pandoc.Plain({
      pandoc.Link({ pandoc.Code(symbol) }, "#" .. l.id),
      pandoc.Str(" "), pandoc.Emph({ pandoc.Str(file) }),
      pandoc.Str(" (" .. (l.chapter or "?") .. ")"),
    }) })
  end
  doc.blocks:insert(pandoc.Header(1, { pandoc.Str("Index of listings") },
                                  pandoc.Attr("listing-index", { "unnumbered" })))
  doc.blocks:insert(pandoc.Para({ pandoc.Str(
    "Every listing in the book, by symbol, with its file and chapter.") }))
  doc.blocks:insert(pandoc.BulletList(items))
  return doc
end

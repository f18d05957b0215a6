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
-- 2. The index of symbols at the end: every wgt_* function of module/,
--    every tracepoint of module/trace.h and every other symbol the book
--    lists, with the places that show it (a listing) and those that name
--    it (`code` in the text), each a link. The functions it never names go
--    to a report, WGTOUR_BOOK_OUT/coverage.txt, with the coverage; build.sh
--    prints it.
-- 3. The sections of an unnumbered chapter (the preface, an appendix) are
--    unnumbered too; pandoc would number them 0.1, 0.2, ...
-- 4. Every table sits in a box of its own that scrolls sideways, so a wide
--    table never widens the page on a narrow screen.

local seen = {}
local chapter = nil       -- "chapter N", or the title of an unnumbered one
local number = 0          -- numbered level-1 headings so far
local listings = 0        -- listings so far
local listed = {}         -- symbol ("wgt_send", "struct wgt_peer") -> its file

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
-- block holds the caption "file: symbol" (or only "file", a whole file).
function Div(div)
  if not div.classes:includes("listing") then
    return nil
  end
  listings = listings + 1
  div.identifier = "listing-" .. listings
  local file, symbol = pandoc.utils.stringify(div.content[1]):match("^(.-): (.*)$")
  if symbol then
    listed[symbol:gsub("%(%)$", "")] = file
  end
  return div
end

-- What the index knows of: { name = { file, line, body, kind } }, kind
-- "function" (body: lines between its braces) or "tracepoint".
package.path = PANDOC_SCRIPT_FILE:gsub("[^/]*$", "") .. "?.lua;" .. package.path
local csource = require("csource")

local function module_symbols()
  local symbols = {}
  local ls = io.popen("ls module/*.c module/*.h")
  for path in ls:lines() do
    local lines = csource.read_lines(path)
    for _, f in ipairs(csource.functions(lines, "wgt_")) do
      symbols[f.name] = symbols[f.name] or
        { file = path, line = f.first, body = f.body, kind = "function" }
    end
    if path == "module/trace.h" then
      for i, l in ipairs(lines) do
        local name = l:match("^TRACE_EVENT%(([%w_]+),") or l:match("^DEFINE_EVENT%([%w_]+,%s*([%w_]+),")
        if name then
          symbols[name] = { file = path, line = i, kind = "tracepoint" }
        end
      end
    end
  end
  ls:close()
  -- The other symbols the book lists: structures, variables, macros.
  for symbol, file in pairs(listed) do
    symbols[symbol] = symbols[symbol] or { file = file, kind = "listed" }
  end
  return symbols
end

-- The symbols a piece of code names: its words, with trace_NAME (the call
-- that fires a tracepoint) read as NAME, and "struct NAME" (or enum, union)
-- as that type, not as a function of the same name.
local function names_in(text, symbols, found)
  local before = ""
  for w in text:gmatch("[%a_][%w_]*") do
    local name = w
    if before == "struct" or before == "enum" or before == "union" then
      name = before .. " " .. w
    elseif not symbols[w] and w:match("^trace_") and symbols[w:sub(7)] then
      name = w:sub(7)
    end
    if symbols[name] then
      found[name] = true
    end
    before = w
  end
  return found
end

-- Where each symbol is shown and named: walks the book once, section by
-- section (a level-1 or level-2 heading), and returns
-- { name = { shown = { place... }, named = { place... } } }, a place being
-- { label, target }, at most one of each kind per section.
local function places(doc, symbols)
  local at = {}
  local where                            -- the current section's place
  local chapter_no, section_no, chapter_label = 0, 0, nil
  local function add(name, kind, place)
    at[name] = at[name] or { shown = {}, named = {} }
    local list = at[name][kind]
    if #list == 0 or list[#list].section ~= place.section then
      table.insert(list, place)
    end
  end
  for _, block in ipairs(doc.blocks) do
    if block.t == "Header" and block.level <= 2 then
      if block.level == 1 then
        section_no = 0
        if block.classes:includes("unnumbered") then
          chapter_label = pandoc.utils.stringify(block.content)
        else
          chapter_no = chapter_no + 1
          chapter_label = tostring(chapter_no)
        end
        where = { label = chapter_label, target = block.identifier }
      elseif block.classes:includes("unnumbered") then
        -- A section of an unnumbered chapter: once per chapter is enough.
        where = { label = chapter_label, target = block.identifier, section = where.section }
      else
        section_no = section_no + 1
        where = { label = chapter_label .. "." .. section_no, target = block.identifier }
      end
      where.section = where.section or where.target
    end
    if where then
      -- The listings first, taken out, so that the code in their captions
      -- does not count as text.
      local rest = pandoc.walk_block(pandoc.Div({ block }), {
        Div = function(d)
          if not d.classes:includes("listing") then
            return nil
          end
          local caption = pandoc.utils.stringify(d.content[1])
          local place = { label = where.label, target = d.identifier, section = where.section }
          local own = caption:match(": (.*)$")
          if own then
            add((own:gsub("%(%)$", "")), "shown", place)
          end
          for name in pairs(names_in(d.content[2].text, symbols, {})) do
            if symbols[name].kind == "tracepoint" then
              add(name, "shown", place)
            end
          end
          return pandoc.Div({})
        end,
      })
      pandoc.walk_block(rest, {
        Code = function(c)
          for name in pairs(names_in(c.text, symbols, {})) do
            add(name, "named", where)
          end
        end,
      })
    end
  end
  return at
end

-- The report: how many of module/'s functions the book cites, and the
-- non-trivial ones (more than TRIVIAL lines between the braces) it does
-- not. Written next to the book by the pass that makes the HTML page.
local TRIVIAL = 3

local function report(symbols, at)
  local total, cited, big, big_cited, tp, tp_cited = 0, 0, 0, 0, 0, 0
  local missing, files = {}, {}          -- file -> names; the files, sorted
  for name, s in pairs(symbols) do
    if s.kind == "function" then
      total = total + 1
      if at[name] then cited = cited + 1 end
      if s.body > TRIVIAL then
        big = big + 1
        if at[name] then
          big_cited = big_cited + 1
        else
          if not missing[s.file] then
            missing[s.file] = {}
            table.insert(files, s.file)
          end
          table.insert(missing[s.file], name .. "()")
        end
      end
    elseif s.kind == "tracepoint" then
      tp = tp + 1
      if at[name] then tp_cited = tp_cited + 1 end
    end
  end
  local function pc(a, b) return string.format("%d / %d (%.0f %%)", a, b, b > 0 and 100 * a / b or 0) end
  local lines = {
    "functions cited: " .. pc(cited, total) .. " of the wgt_* functions in module/",
    "non-trivial functions cited: " .. pc(big_cited, big) ..
      " (non-trivial: more than " .. TRIVIAL .. " lines between the braces)",
    "tracepoints cited: " .. pc(tp_cited, tp) .. " of module/trace.h",
    "non-trivial functions the book never names (" .. big - big_cited .. "), by file:",
  }
  table.sort(files)
  for _, file in ipairs(files) do
    table.sort(missing[file])
    table.insert(lines, "  " .. file .. ": " .. table.concat(missing[file], " "))
  end
  local out = os.getenv("WGTOUR_BOOK_OUT")
  if out and FORMAT:match("html") then
    local f = io.open(out .. "/coverage.txt", "w")
    f:write(table.concat(lines, "\n") .. "\n")
    f:close()
  end
end

local function links(list)
  local inl = {}
  for i, p in ipairs(list) do
    if i > 1 then
      inl[#inl + 1] = pandoc.Str(", ")
    end
    inl[#inl + 1] = pandoc.Link({ pandoc.Str(p.label) }, "#" .. p.target)
  end
  return inl
end

function Pandoc(doc)
  local symbols = module_symbols()
  local at = places(doc, symbols)
  report(symbols, at)
  local names = {}
  for name in pairs(at) do
    table.insert(names, name)
  end
  -- By name: "struct wgt_peer" sorts as wgt_peer.
  local function key(name) return (name:gsub("^%a+ ", ""):lower()) end
  table.sort(names, function(a, b) return key(a) < key(b) end)
  local items = { function_ = {}, tracepoint = {} }
  for _, name in ipairs(names) do
    local s, p = symbols[name], at[name]
    local entry = { pandoc.Code(s.kind == "function" and name .. "()" or name) }
    if s.kind ~= "tracepoint" then
      entry[#entry + 1] = pandoc.Str(" ")
      entry[#entry + 1] = pandoc.Emph({ pandoc.Str(s.file) })
    end
    if #p.shown > 0 then
      entry[#entry + 1] = pandoc.Str(s.kind == "tracepoint" and "; in listings " or "; listed in ")
      for _, x in ipairs(links(p.shown)) do entry[#entry + 1] = x end
    end
    if #p.named > 0 then
      entry[#entry + 1] = pandoc.Str("; named in ")
      for _, x in ipairs(links(p.named)) do entry[#entry + 1] = x end
    end
    table.insert(items[s.kind == "tracepoint" and "tracepoint" or "function_"], { pandoc.Plain(entry) })
  end
  doc.blocks:insert(pandoc.Header(1, { pandoc.Str("Index of symbols") },
                                  pandoc.Attr("symbol-index", { "unnumbered" })))
  doc.blocks:insert(pandoc.Para({ pandoc.Str(
    "The module’s functions and types, and its tracepoints, by name, with the sections " ..
    "(by number) that list them and those that name them in the text.") }))
  doc.blocks:insert(pandoc.Header(2, { pandoc.Str("Functions and types") },
                                  pandoc.Attr("index-functions", { "unnumbered" })))
  doc.blocks:insert(pandoc.BulletList(items.function_))
  doc.blocks:insert(pandoc.Header(2, { pandoc.Str("Tracepoints") },
                                  pandoc.Attr("index-tracepoints", { "unnumbered" })))
  doc.blocks:insert(pandoc.Para({ pandoc.Str(
    "A tracepoint is in a listing that fires it (trace_NAME()) or a recorded trace that shows it.") }))
  doc.blocks:insert(pandoc.BulletList(items.tracepoint))
  return doc
end

-- SPDX-License-Identifier: GPL-2.0
--
-- Listings pulled out of the repository by name, so that code is never
-- pasted into the book and cannot drift from it. A chapter writes an
-- empty fenced block:
--
--   ```{.c file="module/device.c" symbol="wgt_newlink"}
--   ```
--
-- and this filter replaces it with the current text of that symbol,
-- captioned "module/device.c: wgt_newlink()". Without symbol=, the whole
-- file is included (used for recorded traces); skip="PREFIX" then leaves
-- out the lines that begin with PREFIX (a trace's lookup tables, say), and
-- the caption says so. See docs/book/README.md.
--
-- Symbols, and where a listing starts and ends (kernel coding style makes
-- this simple: definitions start at column 0, and so do their closing braces):
--
--   name             a function:  its first line ... the line "}"
--                    or a variable with an initialiser:  "name... = {" ... "};"
--                    or a macro:  "#define name" ... the last "\"-continued line
--   struct name      "struct name {" ... "};"   (also enum name, union name)
--
-- The comment right above the symbol comes with it, unless comment="no".
-- Anything that cannot be found fails the build, naming the chapter.
--
-- A symbol's listing is numbered with the lines of its source file, and
-- the prose can point at one of its lines without writing the number:
--
--   the packet loses its route at []{.lineref symbol="wgt_send" pattern="skb_scrub_packet"}
--
-- becomes "line 123", a link to that line. The listing of the symbol must
-- be in the same chapter (the first one, if it is listed twice), and the
-- pattern (plain text, not a Lua pattern) must be on exactly one of its
-- lines: a reference that no longer matches fails the build.

-- The C sources read the way kernel coding style writes them (csource.lua,
-- next to this file).
package.path = PANDOC_SCRIPT_FILE:gsub("[^/]*$", "") .. "?.lua;" .. package.path
local csource = require("csource")
local read_lines, find_function, find_variable, find_macro, find_type, with_comment =
  csource.read_lines, csource.find_function, csource.find_variable, csource.find_macro,
  csource.find_type, csource.with_comment

local chapter = PANDOC_STATE.input_files[1] or "(stdin)"
local errors = {}

-- Identifiers of listings, unique across the book: "l" and the chapter's
-- number (its file name's leading digits), then the symbol: l05-wgt_send.
-- Pandoc names each line of the listing l05-wgt_send-123.
local file_name = chapter:match("([^/]+)%.md$") or chapter
local id_prefix = "l" .. (file_name:match("^(%d+)") or file_name) .. "-"
local listed = {}         -- symbol -> { id, first, lines }: its first listing
local ids = {}            -- identifiers given so far

local function fail(msg)
  table.insert(errors, chapter .. ": " .. msg)
end

-- Returns the listing's text and its caption, or nil and an error message.
local function extract(path, symbol, keep_comment)
  local lines = read_lines(path)
  if not lines then
    return nil, "listing file " .. path .. " does not exist"
  end
  local first, last, caption
  local kind, name = symbol:match("^(%a+)%s+([%a_][%w_]*)$")
  if kind == "struct" or kind == "enum" or kind == "union" then
    first, last = find_type(lines, kind, name)
    caption = symbol
  elseif symbol:match("^[%a_][%w_]*$") then
    name = symbol
    first, last = find_function(lines, name)
    caption = name .. "()"
    if not first then
      first, last = find_variable(lines, name)
      caption = name
    end
    if not first then
      first, last = find_macro(lines, name)
    end
  else
    return nil, 'symbol "' .. symbol .. '" is neither a name nor "struct name"'
  end
  if not first then
    return nil, 'symbol "' .. symbol .. '" not found in ' .. path
  end
  if not last then
    return nil, 'symbol "' .. symbol .. '" in ' .. path .. " has no end at column 0"
  end
  if keep_comment then
    first = with_comment(lines, first)
  end
  return table.concat(lines, "\n", first, last), path .. ": " .. caption, first
end

-- skip: the prefix of the lines left out of a whole file, or nil. It is
-- kept on the listing (data-skip in HTML) for docs/book/check.py.
-- first: the line number of the text's first line in its file, for a
-- symbol's listing (numbered), or nil.
local function listing(text, caption, classes, skip, first, id)
  local code
  if first then
    local cls = pandoc.List(classes):clone()
    cls:insert("numberLines")
    code = pandoc.CodeBlock(text, pandoc.Attr(id, cls, { startFrom = tostring(first) }))
  else
    code = pandoc.CodeBlock(text, pandoc.Attr("", classes))
  end
  local label = { pandoc.Code(caption) }
  local attrs = {}
  if skip then
    label = { pandoc.Code(caption), pandoc.Str(" (without the lines that begin with "),
              pandoc.Code(skip), pandoc.Str(")") }
    attrs = { skip = skip }
  end
  label = pandoc.Div({ pandoc.Plain(label) }, pandoc.Attr("", { "listing-caption" }))
  return pandoc.Div({ label, code }, pandoc.Attr("", { "listing" }, attrs))
end

local function CodeBlock(block)
  local file = block.attributes["file"]
  if not file then
    return nil
  end
  if block.text:match("%S") then
    fail("the listing of " .. file .. " must be an empty block (code is pulled, never pasted)")
    return nil
  end
  local symbol = block.attributes["symbol"]
  if not symbol then
    local lines = read_lines(file)
    if not lines then
      fail("included file " .. file .. " does not exist")
      return nil
    end
    local skip = block.attributes["skip"]
    if skip then
      local kept, left_out = {}, 0
      for _, line in ipairs(lines) do
        if line:sub(1, #skip) == skip then
          left_out = left_out + 1
        else
          table.insert(kept, line)
        end
      end
      if left_out == 0 then
        fail("no line of " .. file .. ' begins with skip="' .. skip .. '"')
        return nil
      end
      lines = kept
    end
    return listing(table.concat(lines, "\n"), file, block.classes, skip)
  end
  local text, caption, first = extract(file, symbol, block.attributes["comment"] ~= "no")
  if not text then
    fail(caption)
    return nil
  end
  local id = id_prefix .. symbol:gsub("%s+", "-")
  local n = 1
  while ids[id] do
    n = n + 1
    id = id_prefix .. symbol:gsub("%s+", "-") .. "--" .. n
  end
  ids[id] = true
  listed[symbol] = listed[symbol] or { id = id, first = first, lines = pandoc.List({}) }
  if listed[symbol].id == id then
    for line in (text .. "\n"):gmatch("(.-)\n") do
      listed[symbol].lines:insert(line)
    end
  end
  return listing(text, caption, block.classes, nil, first, id)
end

-- []{.lineref symbol="NAME" pattern="TEXT"}: "line N", linking to the line
-- of the chapter's listing of NAME that contains TEXT.
local function Span(span)
  if not span.classes:includes("lineref") then
    return nil
  end
  local symbol, pattern = span.attributes["symbol"], span.attributes["pattern"]
  if not symbol or not pattern then
    fail("a lineref needs symbol= and pattern=")
    return nil
  end
  local l = listed[symbol]
  if not l then
    fail('lineref to "' .. symbol .. '": no listing of it in this chapter')
    return nil
  end
  local found = {}
  for i, line in ipairs(l.lines) do
    if line:find(pattern, 1, true) then
      table.insert(found, l.first + i - 1)
    end
  end
  if #found ~= 1 then
    fail('lineref to "' .. symbol .. '": pattern "' .. pattern .. '" is on ' .. #found ..
         " lines of its listing" .. (#found > 1 and " (" .. table.concat(found, ", ") .. ")" or "") ..
         ", not one")
    return nil
  end
  return pandoc.Link({ pandoc.Str("line"), pandoc.Space(), pandoc.Str(tostring(found[1])) },
                     "#" .. l.id .. "-" .. found[1], "",
                     pandoc.Attr("", { "lineref" }, { ["data-pattern"] = pattern }))
end

-- After the whole chapter: report every problem at once, then fail.
local function Pandoc(doc)
  if #errors > 0 then
    for _, msg in ipairs(errors) do
      io.stderr:write("book: " .. msg .. "\n")
    end
    os.exit(1)
  end
  return doc
end

-- The listings first, then the references to their lines.
return { { CodeBlock = CodeBlock }, { Span = Span, Pandoc = Pandoc } }

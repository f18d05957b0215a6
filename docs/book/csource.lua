-- SPDX-License-Identifier: GPL-2.0
--
-- C sources read the way kernel coding style writes them: definitions
-- start at column 0, and so do their closing braces. Used by listings.lua
-- (a symbol's listing) and book.lua (every function of module/, for the
-- index). Each finder takes the file's lines and returns the first and the
-- last line of the definition, or nil.

local M = {}

function M.read_lines(path)
  local f = io.open(path, "r")
  if not f then
    return nil
  end
  local lines = {}
  for line in f:lines() do
    table.insert(lines, line)
  end
  f:close()
  return lines
end

-- The index of the first line at or after `from` that satisfies `test`.
local function find_line(lines, from, test)
  for i = from, #lines do
    if test(lines[i]) then
      return i
    end
  end
  return nil
end

-- A pattern that matches `name` as a whole word (%f is Lua's "frontier").
local function word(name)
  return "%f[%w_]" .. name .. "%f[^%w_]"
end

local function at_column0(line)
  return line:match("^[%a_]") ~= nil
end

-- A function definition: a line at column 0 naming `name(`, whose body
-- "{" comes (on a line of its own) before any ";" that would make it a
-- prototype. Returns the first and last line, and the line of the "{".
function M.find_function(lines, name)
  local i = 1
  while true do
    i = find_line(lines, i, function(l)
      return at_column0(l) and l:match(word(name) .. "%(") ~= nil
    end)
    if not i then
      return nil
    end
    local open = find_line(lines, i, function(l)
      return l == "{" or l:match(";%s*$") ~= nil
    end)
    if open and lines[open] == "{" then
      local close = find_line(lines, open, function(l) return l == "}" end)
      return i, close, open
    end
    i = i + 1
  end
end

-- The first line that passes `test`, through the next line "};".
local function to_semicolon_brace(lines, test)
  local i = find_line(lines, 1, test)
  if not i then
    return nil
  end
  return i, find_line(lines, i, function(l) return l == "};" end)
end

-- A variable with an initialiser, e.g. "static struct foo name = {".
function M.find_variable(lines, name)
  return to_semicolon_brace(lines, function(l)
    return at_column0(l) and l:match(word(name) .. "[^(]*=%s*{%s*$") ~= nil
  end)
end

-- "#define name", with its continuation lines.
function M.find_macro(lines, name)
  local i = find_line(lines, 1, function(l)
    return l:match("^#%s*define%s+" .. name .. "%f[^%w_]") ~= nil
  end)
  if not i then
    return nil
  end
  local last = i
  while lines[last]:match("\\%s*$") and lines[last + 1] do
    last = last + 1
  end
  return i, last
end

-- "struct name {" (or enum, union) through "};".
function M.find_type(lines, kind, name)
  return to_semicolon_brace(lines, function(l)
    return l:match("^" .. kind .. "%s+" .. name .. "%s*{") ~= nil
  end)
end

-- If a block comment ends on the line just above `first`, move `first` up
-- to where that comment starts. Every line in between must be part of the
-- comment (start with "/*" or "*"), so code with a trailing comment is not
-- mistaken for one.
function M.with_comment(lines, first)
  if first < 2 or not lines[first - 1]:match("%*/%s*$") then
    return first
  end
  for i = first - 1, 1, -1 do
    if lines[i]:match("^%s*/%*") then
      return i
    end
    if not lines[i]:match("^%s*%*") then
      return first
    end
  end
  return first
end

-- Every function defined in the file whose name begins with prefix:
-- a list of { name, first, last, body } (first: its first line, not the
-- comment; body: how many lines between its braces).
function M.functions(lines, prefix)
  local found = {}
  for i, l in ipairs(lines) do
    local name = at_column0(l) and l:match("%f[%w_](" .. prefix .. "[%w_]*)%(")
    if name then
      local first, last, open = M.find_function(lines, name)
      if first == i and last then
        table.insert(found, { name = name, first = first, last = last, body = last - open - 1 })
      end
    end
  end
  return found
end

return M

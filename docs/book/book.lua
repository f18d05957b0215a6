-- SPDX-License-Identifier: GPL-2.0
--
-- Runs once over the whole book, after the chapters were joined. Each
-- chapter was read on its own, so two chapters may both have a heading
-- "Real world" with the same identifier; give the later ones a suffix,
-- as pandoc itself does within one file, so the table of contents works.
-- (To link to a heading from another chapter, give it an explicit,
-- unique identifier: ## The birth namespace {#birth-namespace}.)

local seen = {}

function Header(h)
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

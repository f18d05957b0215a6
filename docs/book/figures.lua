-- SPDX-License-Identifier: GPL-2.0
--
-- Figures drawn at build time, from what the repository keeps, so that a
-- figure never drifts from its source. A chapter writes
--
--   ![Who owns whom](figures/ch1-objects.dot)
--
-- for a graphviz drawing (the path is relative to the chapter), or
--
--   ![Where wgtour.ko's time goes](traces/samples/ch98-folded-ours.txt){.flame}
--
-- for a flame graph of folded stacks, drawn by labs/bench/flame.py --book
-- at the size the book shows (chapter 98; the path is from the repository
-- root, as a listing's file= is). This filter renders the figure to SVG
-- under the book's output directory, pointing the image there. A missing
-- or broken source fails the build, naming the chapter.
--
-- graphviz starts its SVG with a DOCTYPE naming the SVG 1.1 DTD by URL.
-- EPUB 3 forbids external identifiers in a DOCTYPE (epubcheck reports
-- dozens of errors per figure), and neither browsers nor e-readers need
-- it, so it is cut out.

local chapter = PANDOC_STATE.input_files[1] or "(stdin)"
local out = os.getenv("WGTOUR_BOOK_OUT") or "build/book"

function Image(img)
  local src, name, cmd, args
  if img.classes:includes("flame") then
    src = img.src
    name = pandoc.path.filename(src):gsub("%.txt$", "") .. ".svg"
    cmd, args = "python3", { "labs/bench/flame.py", "--book", src }
  elseif img.src:match("%.dot$") then
    src = pandoc.path.join({ pandoc.path.directory(chapter), img.src })
    name = pandoc.path.filename(img.src):gsub("%.dot$", ".svg")
    cmd, args = "dot", { "-Tsvg", "-Gbgcolor=transparent", src }
  else
    return nil
  end
  local svg = pandoc.path.join({ out, "figures", name })
  local ok, svg_text = pcall(pandoc.pipe, cmd, args, "")
  if not ok then
    io.stderr:write("book: " .. chapter .. ": figure " .. src ..
                    " does not render: " .. tostring(svg_text) .. "\n")
    os.exit(1)
  end
  svg_text = svg_text:gsub("<!DOCTYPE[^>]*>%s*", "", 1)
  local f = assert(io.open(svg, "w"))
  f:write(svg_text)
  f:close()
  -- The drawing's natural width in CSS pixels (graphviz gives points,
  -- 4/3 px each; flame.py pixels): book.css shows it at that size where
  -- there is room, and never larger.
  local width, unit = svg_text:match('<svg[^>]-%swidth="([%d.]+)(%a*)"')
  if width then
    local px = tonumber(width) * (unit == "pt" and 4 / 3 or 1)
    img.attributes.width = tostring(math.floor(px + 0.5))
  end
  img.src = svg
  return img
end

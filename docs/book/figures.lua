-- SPDX-License-Identifier: GPL-2.0
--
-- Figures drawn with graphviz. A chapter writes
--
--   ![Who owns whom](figures/ch1-objects.dot)
--
-- (the path is relative to the chapter) and this filter renders the .dot
-- file to SVG under the book's output directory, pointing the image there.
-- A missing or broken .dot file fails the build, naming the chapter.
--
-- graphviz starts its SVG with a DOCTYPE naming the SVG 1.1 DTD by URL.
-- EPUB 3 forbids external identifiers in a DOCTYPE (epubcheck reports
-- dozens of errors per figure), and neither browsers nor e-readers need
-- it, so it is cut out.

local chapter = PANDOC_STATE.input_files[1] or "(stdin)"
local out = os.getenv("WGTOUR_BOOK_OUT") or "build/book"

function Image(img)
  if not img.src:match("%.dot$") then
    return nil
  end
  local src = pandoc.path.join({ pandoc.path.directory(chapter), img.src })
  local name = pandoc.path.filename(img.src):gsub("%.dot$", ".svg")
  local svg = pandoc.path.join({ out, "figures", name })
  local ok, svg_text = pcall(pandoc.pipe, "dot", { "-Tsvg", "-Gbgcolor=transparent", src }, "")
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
  -- 4/3 px each): book.css shows it at that size where there is room,
  -- and never larger.
  local pt = svg_text:match('<svg width="([%d.]+)pt"')
  if pt then
    img.attributes.width = tostring(math.floor(tonumber(pt) * 4 / 3 + 0.5))
  end
  img.src = svg
  return img
end

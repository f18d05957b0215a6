-- SPDX-License-Identifier: GPL-2.0
--
-- Chapters whose file name starts with 9 (90-answers.md, 95-course.md) are
-- appendices: their title is not numbered, as if it were written
-- "# Title {.unnumbered}". 95-course.md is docs/course.md, a page that is
-- also read on its own, where that attribute would show as text.

local chapter = PANDOC_STATE.input_files[1] or ""

function Header(h)
  if h.level == 1 and pandoc.path.filename(chapter):match("^9") and
     not h.classes:includes("unnumbered") then
    h.classes:insert("unnumbered")
    return h
  end
  return nil
end

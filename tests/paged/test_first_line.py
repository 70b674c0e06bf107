"""A block's ::first-line style is its first line's only, not the first line's of every page
it runs onto (WeasyPrint 70 gives it to each: paged/layout.py corrects it)."""

from anthology.paged import layout


def _first_line_tags(page_box) -> list[str]:
    found, stack = [], [page_box]
    while stack:
        box = stack.pop()
        tag = getattr(box, "element_tag", "") or ""
        if tag.endswith("::first-line"):
            found.append(tag)
        stack.extend(getattr(box, "children", ()))
    return found


def test_first_line_style_stays_on_the_first_page():
    from weasyprint import HTML
    layout._first_line_once()
    words = " ".join(["the patient ferry borrowed nothing, eventually"] * 120)
    html = ("<style>@page { size: 300pt 200pt } p::first-line { font-variant: small-caps }"
            f"</style><div><p>{words}</p></div>")
    pages = HTML(string=html).render().pages
    assert len(pages) > 2
    assert _first_line_tags(pages[0]._page_box)
    assert [_first_line_tags(page._page_box) for page in pages[1:]] == [[]] * (len(pages) - 1)

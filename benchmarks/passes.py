"""The passes `make bench` compares anthology with, each meant to run as its own process.

    python benchmarks/passes.py baseline book.yaml out.pdf   (a: today's baseline)
    python benchmarks/passes.py plain    book.yaml out.pdf   (b: the plain pass, the reference)
    python benchmarks/passes.py bare     book.yaml out.pdf   (b2: a bare pass, for reference)
    python benchmarks/passes.py typst    book.typ  out.pdf   (f: Typst, compiled in-process)

``write_markdown`` and ``write_typst`` prepare the inputs of Pandoc (e) and Typst (f) before
they are timed; Pandoc itself runs as ``pandoc book.md -o book.epub``.

The plain pass lays out anthology's own pages (its HTML and stylesheet) with only a contents
list, running heads and folios. The bare pass and the Typst template are the same minimal
book: 5.5 x 8.5 in pages, EB Garamond 11 pt, a contents list with page numbers, each story on
a new page under its title, the page number in the foot (and, in the bare pass, the story's
title as running head). Nothing else: no indexes, no contributors' page references.
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import yaml

# Where Debian's fonts-ebgaramond puts the faces (Typst is given the folder, WeasyPrint
# finds them through fontconfig).
FONT_DIRS = [d for d in ("/usr/share/fonts/opentype/ebgaramond",
                         "/usr/share/fonts/truetype/ebgaramond") if Path(d).is_dir()]


def stories(manifest: Path) -> tuple[str, list[tuple[str, list[str]]]]:
    """The book's title and its stories as (title, paragraphs); the title defaults to the
    author's name, as anthology's contents do for an untitled story."""
    data = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    out = []
    for story in data["stories"]:
        paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", story["text"]) if p.strip()]
        out.append((str(story.get("title") or story["author"]), paragraphs))
    return str(data["title"]), out


# --- a: today's baseline ---------------------------------------------------------------------

BASELINE = r"""
import collections, sys
from pathlib import Path
from anthology.model import load_book
from anthology.paged.plan import PageSetup
from anthology.render import book_view, pdf_html, sections
from anthology.theme import Theme
from weasyprint import CSS, HTML
manifest = Path(sys.argv[1])
book = load_book(manifest)
view = book_view(book)
theme = Theme(manifest.parent)
html = pdf_html(view, theme, sections(view, paged=True), "2024-01-01T00:00:00Z",
               collections.defaultdict(str))  # page numbers come from target-counter
html = html.replace('href="anthology:', 'href="#')
counters = '''
.contents a::after { content: target-counter(attr(href url), page); }
.contributors .refs a::after { content: target-counter(attr(href url), page); }
.sources .ref::before { content: target-counter(attr(href url), page); }'''
setup = PageSetup.for_book(book.print, len(view.stories), bleed=False)
HTML(string=html, base_url=manifest.parent.as_uri() + "/").write_pdf(
    sys.argv[2], stylesheets=[CSS(string=theme.stylesheet("book.css", emoji=True)),
                              CSS(string=setup.css()), CSS(string=counters)])
"""


def baseline(manifest: Path, out: Path) -> None:
    """a: the whole book (anthology's own HTML and stylesheet: contents, contributors with
    their page references, sources) laid out by one WeasyPrint pass, every page number
    resolved by target-counter(). This is how the book was built before anthology laid out
    its pieces separately. It uses anthology's internals, so it follows their changes."""
    sys.argv = ["baseline", str(manifest), str(out)]
    exec(compile(BASELINE, "baseline", "exec"), {"__name__": "baseline"})


# --- b: the plain pass -----------------------------------------------------------------------

PLAIN = r"""
import collections, sys
from pathlib import Path
from anthology.model import load_book
from anthology.outline import BACK_MATTER, FRONT_MATTER
from anthology.paged.plan import PageSetup
from anthology.render import book_view, pdf_html, sections
from anthology.theme import Theme
from weasyprint import CSS, HTML
manifest = Path(sys.argv[1])
book = load_book(manifest)
view = book_view(book)
theme = Theme(manifest.parent)
chosen = [s for s in sections(view, paged=True)
          if s.id == "contents" or (s.id not in FRONT_MATTER and s.id not in BACK_MATTER)]
html = pdf_html(view, theme, chosen, "2024-01-01T00:00:00Z", collections.defaultdict(str))
html = html.replace('href="anthology:', 'href="#')
extra = (".contents a::after { content: leader(' ') target-counter(attr(href url), page); }"
         ".story-heading { string-set: recto content(), verso content(); }")
setup = PageSetup.for_book(book.print, len(view.stories), bleed=False)
HTML(string=html, base_url=manifest.parent.as_uri() + "/").write_pdf(
    sys.argv[2], stylesheets=[CSS(string=theme.stylesheet("book.css", emoji=True)),
                              CSS(string=setup.css()), CSS(string=extra)])
"""


def plain(manifest: Path, out: Path) -> None:
    """b: the plain pass, the reference of the issue's targets: one WeasyPrint pass over the
    same stories in anthology's own HTML and stylesheet (so the same pages), with a contents
    list (target-counter() and leader()), running heads (string-set of each story's title)
    and folios, and nothing else: no other front or back matter, no tags, no indexes."""
    sys.argv = ["plain", str(manifest), str(out)]
    exec(compile(PLAIN, "plain", "exec"), {"__name__": "plain"})


PLAIN_CSS = """
@page { size: 5.5in 8.5in; margin: 0.75in 0.65in 0.8in 0.65in;
  @top-center { content: string(story); font-style: italic; font-size: 9pt; }
  @bottom-center { content: counter(page); font-size: 9pt; } }
@page :first { @top-center { content: none; } }
html { font-family: "EB Garamond", serif; font-size: 11pt; line-height: 1.35; }
h1 { font-size: 16pt; font-weight: normal; margin: 1in 0 0.4in; }
nav h1 { margin-top: 0; }
section { break-before: page; }
section h1 { string-set: story content(); }
nav ol { list-style: none; padding: 0; margin: 0; }
nav a { color: inherit; text-decoration: none; }
nav a::after { content: leader('. ') target-counter(attr(href url), page); }
p { margin: 0; text-indent: 1.2em; text-align: justify; hyphens: auto; }
h1 + p { text-indent: 0; }
"""


def plain_html(manifest: Path) -> str:
    title, pieces = stories(manifest)
    esc = html.escape
    out = [f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(title)}'
           '</title></head><body><nav><h1>Contents</h1><ol>']
    out += [f'<li><a href="#s{i}">{esc(name)}</a></li>' for i, (name, _) in enumerate(pieces)]
    out.append("</ol></nav>")
    for i, (name, paragraphs) in enumerate(pieces):
        out.append(f'<section id="s{i}"><h1>{esc(name)}</h1>')
        out += [f"<p>{esc(p)}</p>" for p in paragraphs]
        out.append("</section>")
    return "\n".join(out) + "</body></html>"


def bare(manifest: Path, out: Path) -> None:
    """b2: the same stories in a minimal HTML and stylesheet of its own (titles, paragraphs,
    a contents list, running heads and folios): what a bare WeasyPrint pass costs, shown for
    reference (lighter than the book's design, so not the reference of the targets)."""
    from weasyprint import CSS, HTML
    HTML(string=plain_html(manifest)).write_pdf(out, stylesheets=[CSS(string=PLAIN_CSS)])


# --- e: Pandoc -------------------------------------------------------------------------------

def write_markdown(manifest: Path, out: Path) -> Path:
    """e's input: one Markdown file, a title block and the stories as level-1 chapters."""
    title, pieces = stories(manifest)
    lines = [f"% {title}", "% Bench Editor", "% 2024-01-01", ""]
    for name, paragraphs in pieces:
        lines += [f"# {name}", ""]
        for p in paragraphs:
            lines += [p, ""]
    out.write_text("\n".join(lines), encoding="utf-8")
    return out


# --- f: Typst --------------------------------------------------------------------------------

TYPST_TEMPLATE = """#set document(title: "{title}")
#set page(width: 5.5in, height: 8.5in, margin: (x: 0.65in, top: 0.75in, bottom: 0.8in),
  footer: context align(center, text(9pt, counter(page).display())))
#set text(font: "EB Garamond", size: 11pt, lang: "en", hyphenate: true)
#set par(justify: true, first-line-indent: 1.2em, leading: 0.5em)
#show heading.where(level: 1): it => {{ pagebreak(weak: true); v(1in); text(16pt, weight: "regular", it.body); v(0.4in) }}
#outline(title: [Contents])
"""


def typst_escape(text: str) -> str:
    return re.sub(r"([\\#*_$@<>`\[\]~=/+-])", r"\\\1", text)


def write_typst(manifest: Path, out: Path) -> Path:
    """f's input: a minimal Typst template (outline with page numbers, each story on a new
    page under its title as a heading, page numbers in the footer) and the stories."""
    title, pieces = stories(manifest)
    lines = [TYPST_TEMPLATE.format(title=title.replace('"', "'"))]
    for name, paragraphs in pieces:
        lines += [f"= {typst_escape(name)}", ""]
        for p in paragraphs:
            lines += [typst_escape(p), ""]
    out.write_text("\n".join(lines), encoding="utf-8")
    return out


def typst_pdf(source: Path, out: Path) -> None:
    """f: Typst (the typst PyPI package) compiling the template to PDF in this process."""
    import typst
    typst.compile(str(source), output=str(out), font_paths=FONT_DIRS)


if __name__ == "__main__":
    kind, source, target = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    {"baseline": baseline, "plain": plain, "bare": bare, "typst": typst_pdf}[kind](source, target)

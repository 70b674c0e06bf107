"""Where templates and stylesheets come from: the book's own ``styles/`` first, then the
built-in theme, file by file."""

from __future__ import annotations

from pathlib import Path

import jinja2

_PACKAGE = Path(__file__).resolve().parent
# Installed wheels carry the theme inside the package; an editable checkout uses the repo's.
BUILTIN = next((p for p in (_PACKAGE / "styles", _PACKAGE.parents[1] / "styles") if p.is_dir()),
               _PACKAGE / "styles")


class Theme:
    def __init__(self, book_dir: Path | None = None):
        self.search_path = [p for p in ((book_dir / "styles") if book_dir else None, BUILTIN)
                            if p is not None and p.is_dir()]
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(self.search_path),
            autoescape=jinja2.select_autoescape(["html", "xhtml", "xml"]),
            undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False)  # a Theme lives for one build: no stat() per template use
        self.env.filters["balance"] = balance_lines

    def render(self, template: str, **context) -> str:
        return self.env.get_template(template).render(**context)

    def path(self, name: str) -> Path:
        """The first file called ``name`` on the search path."""
        for folder in self.search_path:
            if (folder / name).is_file():
                return folder / name
        raise FileNotFoundError(f"theme file '{name}' not found in {self.search_path}")

    def read(self, name: str) -> str:
        return self.path(name).read_text(encoding="utf-8")


def balance_lines(text: str, width: int = 16) -> list[str]:
    """Split a display line (a cover title) into lines of about equal length, so that no
    line is left with a single short word."""
    words = text.split()
    lines = max(1, -(-len(text) // width))
    if lines == 1 or len(words) < 2:
        return [text]
    target = len(text) / lines
    out, current = [], ""
    for word in words:
        if current and len(current) + 1 + len(word) / 2 > target and len(out) < lines - 1:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return out + [current]

"""Where templates and stylesheets come from: the book's own ``styles/`` first, then the
built-in theme, file by file.

A book's ``styles/`` is untrusted. Its templates run in Jinja's immutable sandbox and see data
only (no method of any object but plain values can be called; no attribute tricks, no
imports, no file access, bounded arithmetic), and every file taken from it must be a regular
file inside it: a symlink, or a name that leads outside, is refused.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import traceback
from functools import cached_property
from pathlib import Path

import jinja2
import markupsafe
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from .errors import InputError
from .fonts import SYSTEM_FONT_FOLDERS
from .manifest import clean_text
from .model import ThemeSettings
from .people import names
from .styling import settings_css
from .text import inline_html, last_word, plain_title, title_html, to_html

_PACKAGE = Path(__file__).resolve().parent
# A stylesheet's @charset and @import rules (and the comments and spaces between them), which
# must come before any other rule.
_LEADING_AT_RULES = re.compile(
    r'(?:\s+|/\*.*?\*/|@(?:charset|import)\b(?:[^;"\']|"[^"]*"|\'[^\']*\')*;)*', re.S)
# Installed wheels carry the theme inside the package; an editable checkout uses the repo's.
BUILTIN = next((p for p in (_PACKAGE / "styles", _PACKAGE.parents[1] / "styles") if p.is_dir()),
               _PACKAGE / "styles")


class ThemeError(InputError):
    """A theme file that cannot be used: ``file:line: message``."""

    def __init__(self, file: str, line: int | None, message: str):
        self.file, self.line, self.message = file, line, message
        super().__init__(f"{file}:{line}: {message}" if line else f"{file}: {message}")


def _checked(folder: Path, name: str) -> Path | None:
    """``folder/name`` if it is a regular file inside ``folder``; None if there is none;
    ThemeError if it is a symlink or leads outside."""
    path = folder / name
    if not (path.exists() or path.is_symlink()):
        return None
    inside = path.resolve().is_relative_to(folder.resolve())
    if path.is_symlink() or not inside or not path.is_file():
        raise ThemeError(str(path), None, "refused: a theme file must be a regular file inside "
                         f"{folder} (not a symlink, a folder or a path leading outside)")
    return path


# Values a template may look into and call methods of: they compute, never touch files.
_PLAIN = (str, int, float, bool, type(None), dt.date, dt.datetime, list, tuple, dict, set,
          frozenset)


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, and templates see data only: besides plain values they may
    read the attributes of anthology's own model and view objects, but never call their
    methods nor reach any other object (a Path, a module, a pydantic class method), so no
    file can be read or written and no code run through what they are given."""

    intercepted_binops = frozenset(["**", "*"])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._safe: dict[tuple, bool] = {}

    def is_safe_attribute(self, obj, attr, value):
        """Decided once for each type of object, attribute and type of value: each of Jinja's
        checks and ours looks only at those (types, a name, callable()), and a book's
        templates look up some 170,000 attributes at 1,000 stories."""
        key = (type(obj), attr, type(value))
        safe = self._safe.get(key)
        if safe is None:
            safe = self._safe[key] = super().is_safe_attribute(obj, attr, value) and (
                isinstance(obj, _PLAIN) or _is_data(value))
        return safe

    def call_binop(self, context, operator, left, right):
        """``**`` and ``*`` within bounds: ``9 ** (9 ** 10)`` or ``"a" * 10 ** 12`` would take
        the build's time or memory."""
        if operator == "**" and isinstance(right, (int, float)) and (abs(right) > 64 or (
                isinstance(left, int) and left.bit_length() * abs(right) > 100_000)):
            raise SecurityError("a power too large to compute (over 100,000 bits)")
        if operator == "*":
            sizes = [len(v) for v in (left, right) if isinstance(v, (str, list, tuple))]
            counts = [v for v in (left, right) if isinstance(v, int)]
            if sizes and counts and sizes[0] * counts[0] > 1_000_000:
                raise SecurityError("a repetition of over 1,000,000 items")
        return super().call_binop(context, operator, left, right)


def _is_data(value) -> bool:
    return isinstance(value, _PLAIN) or (
        not callable(value) and type(value).__module__.startswith("anthology."))


class _Loader(jinja2.BaseLoader):
    """Templates from the search path, each a regular file inside its folder."""

    def __init__(self, theme: Theme):
        self.theme = theme

    def get_source(self, environment, template):
        parts = template.split("/")
        if template.startswith("/") or ".." in parts or "\\" in template:
            raise jinja2.TemplateNotFound(template)
        try:
            path = self.theme.path(template)
        except FileNotFoundError:
            raise jinja2.TemplateNotFound(template) from None
        return self.theme.read(template), str(path), lambda: True


class Theme:
    """The theme of one build (its files are listed once, when first asked for), with the
    manifest's theme settings."""

    def __init__(self, book_dir: Path | None = None, settings: ThemeSettings = ThemeSettings()):
        self.settings = settings
        own = book_dir / "styles" if book_dir else None
        if own is not None and (own.is_symlink() or (own.exists() and not own.is_dir())):
            raise ThemeError(str(own), None, "refused: a book's styles must be a folder inside "
                             "the book (not a symlink or a file)")
        self.search_path = [p for p in (own, BUILTIN) if p is not None and p.is_dir()]
        self.env = _Sandbox(
            loader=_Loader(self),
            autoescape=jinja2.select_autoescape(["html", "xhtml", "xml"]),
            undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False)  # a Theme lives for one build: no stat() per template use
        self.env.filters["balance"] = balance_lines
        self.env.filters["names"] = names  # people as 'A, B and C'
        self.env.filters["last_word"] = last_word  # (head, last word) of a list entry

        self.env.filters["inline"] = lambda text, language="en": \
            markupsafe.Markup(inline_html(text, language))
        # a title's emphasis as HTML (headings, contents, cover), or its plain text (<title>,
        # running heads, metadata)
        self.env.filters["emphasis"] = lambda text, language="en": \
            markupsafe.Markup(title_html(text, language))
        self.env.filters["plain"] = plain_title
        # a block of Markdown (paragraphs, emphasis, quotations) as HTML: the back cover's copy,
        # its lines joined (a YAML block wraps them; a blank line starts a paragraph)
        self.env.filters["markdown"] = lambda text, language="en": \
            markupsafe.Markup(to_html(text, language).replace("<br />\n", "\n"))

    def render(self, template: str, **context) -> str:
        """Render a template; ThemeError naming the template file and line if it fails (a
        book's own template is untrusted input: whatever it does wrong is reported so)."""
        try:
            return clean_text(self.env.get_template(template).render(**context))
        except jinja2.TemplateSyntaxError as error:
            raise ThemeError(error.filename or template, error.lineno,
                             f"template error: {error.message}") from None
        except jinja2.TemplateNotFound as error:
            file, line = self._frame(error, template)
            raise ThemeError(file, line, f"no template '{error.name}' in the theme "
                             "(a template may include only the theme's own files)") from None
        except ThemeError:
            raise
        except RecursionError as error:
            file, line = self._frame(error, template)
            raise ThemeError(file, line, "template error: it includes or calls itself "
                             "without end") from None
        except Exception as error:  # noqa: BLE001 - anything a template does wrong
            file, line = self._frame(error, template)
            what = str(error) if isinstance(error, jinja2.TemplateError) and str(error) else \
                f"{type(error).__name__}{': ' if str(error) else ''}{error}"
            raise ThemeError(file, line, f"template error: {what}") from None

    def _frame(self, error: BaseException, template: str) -> tuple[str, int | None]:
        """The template file and line where a rendering error happened: the last frame of
        the traceback that is a theme file (Jinja gives templates frames of their own)."""
        folders = tuple(str(folder) for folder in self.search_path)
        for frame in reversed(traceback.extract_tb(error.__traceback__)):
            if frame.filename.startswith(folders):
                return frame.filename, frame.lineno
        return template, None

    def path(self, name: str) -> Path:
        """The first file called ``name`` on the search path."""
        for folder in self.search_path:
            if path := _checked(folder, name):
                return path
        raise FileNotFoundError(f"theme file '{name}' not found in {self.search_path}")

    def read(self, name: str) -> str:
        path = self.path(name)
        try:
            return path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as error:
            raise ThemeError(str(path), None, f"not UTF-8 text: {error}") from None

    def stylesheet(self, name: str, emoji: bool = False) -> str:
        """The stylesheet ``name`` after the settings' CSS (styling.py), which it may
        override; its leading ``@charset`` and ``@import`` rules stay first, as CSS wants."""
        css = self.read(name)
        head = _LEADING_AT_RULES.match(css).end()
        return css[:head] + "\n" + settings_css(self.settings, emoji) + "\n" + css[head:]

    @property
    def readable(self) -> list[Path | str]:
        """The folders a layout with this theme may read: the theme's own, and the system's
        fonts (for its local() faces)."""
        return [*self.search_path, *SYSTEM_FONT_FOLDERS]

    @cached_property
    def files(self) -> list[Path]:
        """Every file of the theme a layout may read (stylesheets, fonts, images), each
        checked as ``path`` checks it."""
        found = {}
        for folder in reversed(self.search_path):  # the book's own win
            for top, folders, names in os.walk(folder):  # symlinked folders are not entered,
                for name in folders:                     # and they are refused
                    if (Path(top) / name).is_symlink():
                        _checked(folder, (Path(top) / name).relative_to(folder).as_posix())
                for name in names:
                    relative = (Path(top) / name).relative_to(folder).as_posix()
                    found[relative] = _checked(folder, relative)
        return sorted(found.values())


def export_builtin(folder: Path) -> tuple[list[Path], list[Path]]:
    """Copy the built-in theme's files into ``folder`` (a book's ``styles/``, to change
    them there), but for those it already has: (copied, kept)."""
    names = sorted(path.relative_to(BUILTIN) for path in BUILTIN.rglob("*") if path.is_file())
    copied, kept = [], []
    for name in names:
        target = folder / name
        if target.exists() or target.is_symlink():
            kept.append(target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(BUILTIN / name, target)
        copied.append(target)
    return copied, kept


def refuse_unread(urls) -> None:
    """A layout that could not read some of what the theme names would leave it out without
    a word: an error instead."""
    if urls:
        raise ThemeError("styles", None, "the theme names files it may not or cannot read: "
                         f"{', '.join(sorted(set(urls)))}; a theme may use its own files in "
                         "styles/ and the book's images, nothing else")


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

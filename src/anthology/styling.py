"""The manifest's ``theme:`` settings as CSS, put before each of the theme's stylesheets
(book.css for the PDFs, epub.css, cover.css): one setting drives every output, and a book's
own stylesheet, read after it, still overrides any of it.

The settings become CSS custom properties, which the stylesheets use (``var(--ornament)``),
and the font stacks, which are plain ``font-family`` declarations so that fonts.py can pin
their faces. The EPUB's stylesheet gets its custom properties resolved (``resolved``): not
every reading system knows ``var()``.
"""

from __future__ import annotations

import re

from .model import ThemeSettings

# What the text face cannot draw falls down this list (Debian's Noto packages): Greek and
# Cyrillic, Arabic, Hebrew, Devanagari, CJK, symbols.
FALLBACKS = ("Noto Serif", "Noto Naskh Arabic", "Noto Serif Hebrew", "Noto Serif Devanagari",
             "Noto Serif CJK SC", "Noto Sans Symbols2")

# Emoji come from the colour font, and only emoji: digits, # and * never do, nor the printer's
# flowers and dingbats (U+2766-2794) that text faces draw.
EMOJI_FACE = """@font-face {
  font-family: "Anthology Emoji";
  src: local("Noto Color Emoji");
  unicode-range: U+1F000-1FAFF, U+2600-2765, U+2795-27BF, U+2B00-2BFF, U+FE0F, U+200D, U+20E3,
                 U+E0020-E007F;
}"""

_HEADING = {"small-caps": ("small-caps", "none", "0.06em"),
            "upper": ("normal", "uppercase", "0.1em"),
            "as-written": ("normal", "none", "0.01em")}


def properties(settings: ThemeSettings) -> dict[str, str]:
    """The custom properties the stylesheets use, from the settings."""
    indent = settings.paragraphs == "indent"
    variant, transform, spacing = _HEADING[settings.heading_case]
    return {
        "--font-size": f"{settings.font_size:g}pt",
        "--leading": f"{settings.leading:g}",
        # indent: a first-line indent and no space (none after a heading, an ornament or a
        # quotation: p + p only); block: a space between paragraphs and no indent.
        "--paragraph-indent": "1.2em" if indent else "0",
        "--paragraph-space": "0" if indent else "0.55em",
        "--ornament": css_string(settings.ornament),
        "--heading-variant": variant,
        "--heading-transform": transform,
        "--heading-spacing": spacing,
        "--opening-variant": "small-caps" if settings.small_caps_openings else "normal",
        "--opening-spacing": "0.03em" if settings.small_caps_openings else "0",
        "--text-align": "justify" if settings.justify else "start",
        "--hyphens": "auto" if settings.hyphenate else "manual",
    }


def settings_css(settings: ThemeSettings, emoji: bool = False) -> str:
    """The settings as a stylesheet: custom properties, then the text and heading faces
    (``emoji``: with the colour emoji face last but one, for the PDFs)."""
    root = "".join(f"  {name}: {value};\n" for name, value in properties(settings).items())
    body = _stack([settings.body_font], emoji)
    css = (f"/* The manifest's theme: settings (anthology/styling.py) */\n"
           f"{EMOJI_FACE if emoji else ''}\n:root {{\n{root}}}\n"
           f"html {{ font-family: {body}; }}\n"
           f"@page {{ font-family: {body}; }}\n")
    if settings.heading_font and settings.heading_font != settings.body_font:
        # Only when asked for: else headings take the page's face, a book's own included.
        heading = _stack([settings.heading_font, settings.body_font], emoji)
        css += (f"h1, h2, .halftitle-title, .book-title, .story-number, .spine-text "
                f"{{ font-family: {heading}; }}\n")
    return css


def _stack(families: list[str], emoji: bool) -> str:
    """A font-family list: ``families`` (the heading face falls back to the body's), then
    the Noto faces for other scripts."""
    names = dict.fromkeys([*families, *FALLBACKS, *(["Anthology Emoji"] if emoji else [])])
    return ", ".join(f'"{name}"' for name in names) + ", serif"


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string: quotes, backslashes and what ends a declaration or
    a rule escaped."""
    return '"' + "".join(f"\\{ord(c):x} " if c in '"\\;{}' else c for c in text) + '"'


_ROOT = re.compile(r":root\s*{([^}]*)}")
_DECLARED = re.compile(r"(--[\w-]+)\s*:\s*([^;]+)")
_VAR = re.compile(r"var\(\s*(--[\w-]+)\s*(?:,\s*([^()]*))?\)")


def resolved(css: str) -> str:
    """``css`` with each ``var(--name)`` replaced by the value its ``:root`` rules give it
    last (its fallback, if it has one, when none does)."""
    values = {name: value.strip() for block in _ROOT.findall(css)
              for name, value in _DECLARED.findall(block)}
    return _VAR.sub(lambda m: values.get(m[1], m[2] if m[2] is not None else m[0]), css)

"""The faces the theme asks for, found through fontconfig (they come from Debian packages,
never from this repository), each pinned to one file and to the characters it really draws.

Left to fontconfig and Pango, a family name is not enough for a book:
- Debian's EB Garamond is two files per style (optical sizes 08 and 12), both family
  "EB Garamond". Pango shapes some characters with one file, WeasyPrint names fonts by their
  description and embeds the other file's program, so those glyphs print blank.
- A font can claim a character and have an empty glyph for it (EB Garamond 08 Italic's Greek):
  Pango does not fall back, because the cmap says the face has it.
- A family that is not installed silently becomes whatever fontconfig likes ("DejaVu Math TeX
  Gyre" for serif).

So every family a stylesheet names in ``font-family`` becomes an ``@font-face`` of its own,
under a private name, for each style (regular, italic, bold, bold italic): the file nearest
that weight that draws the most characters, with a ``unicode-range`` of just the characters it
has outlines for. A character the face claims but cannot draw falls through to the next family
of the stack, as CSS intends. A family that is not installed is skipped, as CSS would, with
one warning naming its Debian package; a list left with no installed family gets the
fallback text face (FALLBACKS, never a math or symbol face).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from array import array
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .glyphs import INVISIBLE
from .paged.cache import Cache
from .paged.layout import FONT_FOLDERS

# Where Debian's font packages put their files: a theme's local() faces are read from here
# (on a cluster, from each worker's own disk: paged/layout.py's SYSTEM_FOLDERS).
SYSTEM_FONT_FOLDERS = FONT_FOLDERS

# The text faces a book falls back to when its own is not installed, the first one present:
# serifs with Latin, Greek and Cyrillic in all four styles (fonts-noto-core, then
# fonts-dejavu-core, which fontconfig itself depends on). Never a math or symbol face.
FALLBACKS = ("Noto Serif", "DejaVu Serif")

# Face -> the Debian package that provides it (named in the warning when it is missing).
PACKAGES = {
    "EB Garamond": "fonts-ebgaramond",
    "Noto Serif": "fonts-noto-core",
    "Noto Naskh Arabic": "fonts-noto-core",
    "Noto Serif Hebrew": "fonts-noto-core",
    "Noto Serif Devanagari": "fonts-noto-core",
    "Noto Sans Symbols2": "fonts-noto-core",
    "Noto Serif CJK SC": "fonts-noto-cjk",
    "Noto Color Emoji": "fonts-noto-color-emoji",
    "Linux Libertine O": "fonts-linuxlibertine",
    "Gentium Plus": "fonts-sil-gentiumplus",
    "Inter": "fonts-inter-variable",
}
GENERIC = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui", "emoji",
           "math", "fangsong", "ui-serif", "ui-sans-serif", "ui-monospace", "ui-rounded",
           "inherit", "initial", "unset", "revert"}
STYLES = (("normal", "normal"), ("italic", "normal"), ("normal", "bold"), ("italic", "bold"))

_SHORT = 24  # bytes: a CFF charstring this long or longer is taken to draw something
# A comment (kept as it is), or a font-family declaration (not a --custom-property).
_DECLARATION = re.compile(r"/\*.*?\*/|(?<![\w-])((font-family\s*:\s*)([^;{}!]+))", re.S)
_FACE_RULE = re.compile(r"@font-face\s*{[^}]*}", re.S)


@dataclass(frozen=True)
class Face:
    """One style of a family, pinned to one file."""
    family: str
    style: str    # CSS font-style
    weight: str   # CSS font-weight
    path: str
    ranges: str   # CSS unicode-range of the characters it draws

    @property
    def pinned(self) -> str:
        return f"{self.family} anthology"

    def rule(self, family: str | None = None, src: str | None = None) -> str:
        return (f'@font-face {{ font-family: "{family or self.pinned}"; '
                f"font-style: {self.style}; font-weight: {self.weight}; "
                f'src: {src or "url(" + Path(self.path).as_uri() + ")"}; '
                f"unicode-range: {self.ranges}; }}")


@dataclass
class Pinned:
    """A stylesheet with its families pinned, and what could not be."""
    css: str
    faces: list[Face]
    missing: list[str]


@lru_cache(maxsize=8)
def pin(css: str) -> Pinned:
    """``css`` with every family named in a ``font-family`` declaration replaced by its pinned
    faces (declared at the end). A family that is not installed is dropped, as CSS would skip
    it; a stack left with no installed family gets the fallback face. Comments, custom
    properties, ``var()`` values and the ``font`` shorthand are left as they are."""
    defined = _defined(css)
    faces: dict[str, list[Face]] = {}
    missing: list[str] = []

    def families(value: str) -> str:
        out: list[str] = []
        text_faces, skipped_at = 0, None  # installed families; where the first missing was
        for name in (_unquote(part) for part in value.split(",")):
            if name.casefold() in GENERIC or name in defined:
                out.append(name if name.casefold() in GENERIC else f'"{name}"')
            elif installed(name) and not family_faces(name):
                out.append(f'"{name}"')  # a collection (CJK): left to fontconfig
                text_faces += 1
            elif family_faces(name):
                out.append(_pinned(name, faces))
                text_faces += 1
            else:
                missing.extend([] if name in missing else [name])
                skipped_at = len(out) if skipped_at is None else skipped_at
        if not text_faces and skipped_at is not None:  # the stylesheet's own faces (emoji,
            out.insert(skipped_at, _pinned(fallback(), faces))  # ranges) do not count
        return ", ".join(dict.fromkeys(o for o in out if o)) + " "

    def rewrite(match: re.Match) -> str:
        if match.group(1) is None or "var(" in match.group(3) or \
                _inside_face_rule(css, match.start()):
            return match.group(0)  # a comment, a custom value, an @font-face
        return match.group(2) + families(match.group(3))

    body = _DECLARATION.sub(rewrite, css)
    declared = [face for name in faces for face in faces[name]]
    rules = "\n".join(face.rule() for face in declared)
    # At the end: an @import must stay first.
    return Pinned(f"{body}\n/* Faces pinned by anthology (fonts.py) */\n{rules}\n", declared,
                  missing)


def _pinned(family: str, faces: dict[str, list[Face]]) -> str:
    faces.setdefault(family, family_faces(family))
    return f'"{faces[family][0].pinned}"' if faces[family] else ""


def named_stacks(css: str) -> list[list[str]]:
    """Each distinct font-family list of the stylesheet, as its installed families in order
    (generic ones and the stylesheet's own @font-face families left out)."""
    defined = _defined(css)
    stacks = [tuple(_unquote(part) for part in match.group(3).split(","))
              for match in _DECLARATION.finditer(css)
              if match.group(1) and not _inside_face_rule(css, match.start())]
    return [[name for name in dict.fromkeys(stack) if name.casefold() not in GENERIC
             and name not in defined and family_faces(name)]
            for stack in dict.fromkeys(stacks)]


def fallback() -> str:
    """The fallback text face installed here (the last one if none is)."""
    return next((face for face in FALLBACKS if family_faces(face)), FALLBACKS[-1])


def warnings(missing: list[str]) -> list[str]:
    return [f"font '{name}' is not installed; its text is set in the next installed face "
            f"of its font-family list, else {fallback()} (install the Debian package "
            f"{PACKAGES.get(name, 'that provides it')})" for name in missing]


def _defined(css: str) -> set[str]:
    """The families the stylesheet's own @font-face rules define."""
    return {_unquote(m) for rule in _FACE_RULE.findall(css)
            for m in re.findall(r"font-family\s*:\s*([^;}]+)", rule)}


def _unquote(name: str) -> str:
    return name.strip().strip("'\"").strip()


def _inside_face_rule(css: str, at: int) -> bool:
    return any(m.start() <= at < m.end() for m in _FACE_RULE.finditer(css))


@lru_cache(maxsize=None)
def family_faces(family: str) -> list[Face]:
    """The family's regular, italic, bold and bold italic, each one file; [] if not installed."""
    files = _files(family)
    if not files:
        return []
    faces = []
    for style, weight in STYLES:
        italic, wanted = style == "italic", _WEIGHTS[weight]
        candidates = [f for f in files if f.italic == italic and (
            abs(f.weight - wanted) <= 20 or f.variable_weight)]  # a variable one can go bold
        if not candidates:
            continue
        # The nearest weight (a variable font is any), then the most characters drawn.
        best = min(candidates, key=lambda f: (0 if f.variable_weight else abs(f.weight - wanted),
                                              -len(drawn(f.path)), f.path))
        faces.append(Face(family, style, weight, best.path, _ranges(drawn(best.path))))
    return faces


_WEIGHTS = {"normal": 80, "bold": 200}  # fontconfig's weights for CSS's 400 and 700


@dataclass(frozen=True)
class _File:
    path: str
    italic: bool
    weight: float  # fontconfig's: 80 regular, 200 bold
    variable_weight: bool


@lru_cache(maxsize=None)
def installed(family: str) -> bool:
    return bool(shutil.which("fc-list")) and bool(subprocess.run(
        ["fc-list", f"{family}:family={family}", "file"], capture_output=True, text=True,
        check=False).stdout.strip())


def _files(family: str) -> list[_File]:
    """The single-face files of ``family`` at normal width (no collections, no instances)."""
    if not shutil.which("fc-list"):
        return []
    result = subprocess.run(
        ["fc-list", "--format", "%{file}\t%{index}\t%{weight}\t%{slant}\t%{width}\t%{family}\n",
         family], capture_output=True, text=True, check=False)
    files = []
    for line in sorted(result.stdout.splitlines()):
        parts = line.split("\t")
        if len(parts) != 6 or family.casefold() not in (
                f.casefold() for f in parts[5].split(",")):
            continue
        path, index, weight, slant, width = parts[0], int(parts[1]), parts[2], \
            _number(parts[3]), _number(parts[4])
        if index != 0 or width != 100 or Path(path).suffix.lower() in (".ttc", ".otc"):
            continue
        try:
            variable = _variable_weight(path)
            drawn(path)
        except Exception:  # noqa: BLE001 - a bitmap or Type 1 face fontTools cannot read
            continue
        # A variable font's default instance lists its weight as a range: "[0 210]".
        files.append(_File(path, slant > 0, _number(weight), variable))
    return files


def _number(value: str) -> float:
    """A fontconfig value, or the low end of its range ("[0 100]")."""
    return float(value.strip("[]").split()[0])


def _variable_weight(path: str) -> bool:
    from fontTools.ttLib import TTFont
    font = TTFont(path, lazy=True)
    return "fvar" in font and any(axis.axisTag == "wght" for axis in font["fvar"].axes)


_store: Cache | None = None  # for drawn(): reading a face's glyphs takes ~40 ms a file


def remember_in(cache: Cache) -> None:
    """Keep what drawn() finds in ``cache``, across builds."""
    global _store
    _store = cache


@lru_cache(maxsize=None)
def drawn(path: str) -> frozenset[int]:
    """The characters the font at ``path`` maps to a glyph with an outline (spaces and
    invisible characters count as drawn: they are meant to be empty)."""
    stat = Path(path).stat()
    data = (_store or Cache.nowhere()).get_or_make(
        Cache.key("drawn", 2, path, stat.st_size, stat.st_mtime_ns),
        lambda: array("I", sorted(_drawn(path))).tobytes())
    return frozenset(array("I", data))


def _drawn(path: str) -> frozenset[int]:
    import unicodedata

    from fontTools.pens.boundsPen import ControlBoundsPen
    from fontTools.ttLib import TTFont
    font = TTFont(path, lazy=True)
    cmap = font.getBestCmap() or {}
    empty: set[str] = set()
    if "glyf" in font:
        loca = font["loca"]
        order = font.getGlyphOrder()
        empty = {name for gid, name in enumerate(order)
                 if gid + 1 < len(loca) and loca[gid + 1] == loca[gid]}
    elif "CFF " in font:
        # An empty charstring is a few bytes (a width, endchar): draw only the short ones.
        charstrings = font["CFF "].cff.topDictIndex[0].CharStrings
        offsets = charstrings.charStringsIndex.offsets
        order = font.getGlyphOrder()
        for name in set(cmap.values()):
            gid = font.getGlyphID(name)
            if gid + 1 < len(offsets) and offsets[gid + 1] - offsets[gid] < _SHORT:
                pen = ControlBoundsPen(None)
                charstrings[order[gid]].draw(pen)
                if pen.bounds is None:
                    empty.add(name)
    return frozenset(c for c, name in cmap.items() if name not in empty or
                     unicodedata.category(chr(c)) in INVISIBLE)


def _ranges(characters: frozenset[int]) -> str:
    runs: list[list[int]] = []
    for c in sorted(characters):
        if runs and runs[-1][1] == c - 1:
            runs[-1][1] = c
        else:
            runs.append([c, c])
    return ", ".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in runs)

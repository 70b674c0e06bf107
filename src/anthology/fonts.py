"""The faces the theme asks for, found through fontconfig (they come from Debian packages,
never from this repository)."""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache

# Where Debian's font packages put their files: a theme's local() faces are read from here.
SYSTEM_FONT_FOLDERS = ("/usr/share/fonts", "/usr/local/share/fonts")

# Face -> the Debian package that provides it.
FACES = {
    "EB Garamond": "fonts-ebgaramond",
    "Noto Serif": "fonts-noto-core",
    "Noto Naskh Arabic": "fonts-noto-core",
    "Noto Serif Hebrew": "fonts-noto-core",
    "Noto Serif CJK SC": "fonts-noto-cjk",
    "Noto Color Emoji": "fonts-noto-color-emoji",
}


@lru_cache(maxsize=None)
def find(family: str, style: str = "Regular") -> str | None:
    """The file of ``family`` in ``style``, or None when fontconfig has no such family."""
    if not shutil.which("fc-match"):
        return None
    result = subprocess.run(["fc-match", "-f", "%{family}\n%{file}", f"{family}:style={style}"],
                            capture_output=True, text=True, check=False)
    lines = result.stdout.splitlines()
    if len(lines) == 2 and family.casefold() in lines[0].casefold():
        return lines[1]
    return None


@lru_cache(maxsize=1)
def missing_faces() -> list[str]:
    """One warning per configured face that is not installed (computed once per process)."""
    if not shutil.which("fc-match"):
        return ["fontconfig's fc-match is not installed; cannot check the book's fonts"]
    return [f"font '{face}' is not installed; the book falls back to another face "
            f"(install the Debian package {package})"
            for face, package in FACES.items() if find(face) is None]

"""The images a book shows are untrusted files: each is opened and decoded with Pillow before
anything is laid out, so that what reaches the PDF and the EPUB is a real PNG, JPEG or GIF of a
size a page can use."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from .codes import Code

# 36 million pixels: a full-bleed 8.5 x 11 in page at 600 dpi (5,175 x 6,675) fits; anything
# larger serves no printer, makes the EPUB heavy and, decoded, takes over 100 MB of memory.
MAX_PIXELS = 36_000_000
_PILLOW = threading.Lock()
# MPO is how Pillow names a JPEG with extra pictures (phones' HDR gain maps): still a JPEG.
_SUFFIXES = {"PNG": (".png",), "JPEG": (".jpg", ".jpeg"), "MPO": (".jpg", ".jpeg"),
             "GIF": (".gif",)}
_PARSERS = ("PNG", "JPEG", "GIF")  # no other parser of Pillow's ever reads a book's file


def image_file_problem(path: Path, name: str) -> tuple[Code, str] | None:
    """Why the image file at ``path`` (named ``name`` in the text) cannot be used (its code
    and the message), or None.
    An image shown many times is decoded once (until the file changes)."""
    stat = path.stat()
    return _decoded_problem(path, name, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=1024)
def _decoded_problem(path: Path, name: str, mtime: int, size: int) -> tuple[Code, str] | None:
    from PIL import Image

    expected = "expected a PNG, JPEG or GIF file"
    try:
        with _strict(Image), Image.open(path, formats=_PARSERS) as image:
            kind, (width, height) = image.format, image.size
            if path.suffix.lower() not in _SUFFIXES[kind]:
                kind = "JPEG" if kind == "MPO" else kind
                return Code.IMAGE_MISNAMED, (f"image '{name}' is a {kind} file but named "
                                             f"{path.suffix}; rename it to end in "
                                             f"{_SUFFIXES[kind][0]}")
            if width * height > MAX_PIXELS:
                return Code.IMAGE_TOO_LARGE, (
                    f"image '{name}' has {width}×{height} pixels; expected at most "
                    f"{MAX_PIXELS // 10**6} million (a full-bleed letter page at 600 dpi): "
                    "scale it down")
            image.load()  # decodes every pixel: a truncated or corrupt file fails here
    except (OSError, SyntaxError, ValueError) as error:  # Pillow's ways of saying "not an image"
        return Code.UNREADABLE_IMAGE, f"image '{name}' cannot be read ({error}); {expected}"
    return None


@contextmanager
def _strict(Image):
    """Pillow as strict as it comes: a truncated file fails (WeasyPrint, once imported, lets
    Pillow accept them). And no limit of Pillow's own, which refuses a big image without
    saying its size: the size is checked against MAX_PIXELS before any pixel is decoded."""
    from PIL import ImageFile
    with _PILLOW:
        saved = Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES
        Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES = None, False
        try:
            yield
        finally:
            Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES = saved

"""One layout job, as a worker runs it: stylesheets parsed once per process, yet a file they
read (an @import), once edited, is read again."""

from __future__ import annotations

import io

import pikepdf
import pytest

from anthology.paged.cache import files_digest
from anthology.paged.layout import LayoutJob, lay_out


def _sizes(pdf: bytes) -> set[float]:
    """The font sizes the first page sets text in."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return {float(operands[1]) for operands, operator in
                pikepdf.parse_content_stream(document.pages[0], "Tf")}


def test_an_edited_import_is_parsed_again_though_its_sheet_is_the_same(tmp_path):
    extra = tmp_path / "extra.css"
    sheet = ('@import url("extra.css");', tmp_path.as_uri() + "/")

    def laid(points: int) -> set[float]:
        extra.write_text(f"p {{ font-size: {points}pt }}")
        job = LayoutJob("<p>Words</p>", (sheet,), (str(tmp_path),), tmp_path.as_uri() + "/",
                        None, files_digest([extra]))
        return _sizes(lay_out(job).pdf)
    first, second = laid(10), laid(30)
    assert max(second) == pytest.approx(3 * max(first), rel=1e-3)


def test_a_print_layout_is_the_same_bytes_after_another_in_the_same_process(tmp_path):
    """A worker's second print layout embedded its colour profile as LittleCMS wrote it back,
    not as the file has it: a piece's bytes hung on what its worker had laid out before."""
    from anthology.pdf import icc_profile
    icc = icc_profile()
    css = (f"@color-profile device-cmyk {{ src: url({icc.as_uri()}); components: cyan, "
           "magenta, yellow, black; } html { color: device-cmyk(0 0 0 1) }")
    stamped = "".join(f'<meta name="dcterms.{k}" content="2024-01-01T00:00:00Z">'
                      for k in ("created", "modified"))  # as book.html: not the clock's
    job = LayoutJob(f"<html><head>{stamped}</head><p>The same words</p></html>",
                    ((css, ""),), (str(icc.parent),), tmp_path.as_uri() + "/", "pdf/x-4")
    first, second = lay_out(job).pdf, lay_out(job).pdf
    assert first == second
    with pikepdf.open(io.BytesIO(first)) as document:
        profile = document.Root.OutputIntents[0].DestOutputProfile.read_bytes()
    assert profile == icc.read_bytes()

"""make bench: anthology against a plain WeasyPrint pass, measured in the same run.

For each N it generates an anthology (benchmarks/generate.py) and measures, as separate
processes, wall time and the peak RSS of the whole process tree (sampled from /proc):
  a  one WeasyPrint pass over the single HTML document a naive builder would produce
     (contents and index with target-counter() and leader()), the baseline
  b  anthology build --format pdf       (cold cache)
  c  anthology build --format epub      (after b)
  d  anthology build --format pdf       after editing one story
and writes benchmarks/results.md. Usage: python benchmarks/run.py [N ...] (default 100 1000 4000)
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import write  # noqa: E402

BASELINE = r"""
import collections, re, sys
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


def tree_rss(root: int) -> int:
    """Resident memory of ``root`` and all its descendants, in bytes."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack += children.get(pid, [])
    return total


def measure(command: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        time.sleep(0.05)
    elapsed = time.perf_counter() - start
    if process.returncode not in (0, 3):  # 3: preflight, not a failure of the build
        raise SystemExit(f"{command} failed:\n{process.stderr.read().decode()[-2000:]}")
    return elapsed, peak


def edit_one_story(manifest: Path) -> None:
    text = manifest.read_text()
    index = text.index("  - author: Author 7\n")
    marker = text.index("    text: |\n", index) + len("    text: |\n")
    manifest.write_text(text[:marker] + "      A corrected word.\n" + text[marker:])


def main(sizes: list[int]) -> None:
    python = sys.executable
    anthology = str(Path(python).with_name("anthology"))
    rows = []
    for count in sizes:
        with tempfile.TemporaryDirectory() as folder:
            folder = Path(folder)
            manifest = write(folder / "book", count)
            out, cache = folder / "out", ["--cache", str(folder / "cache")]
            a = measure([python, "-c", BASELINE, str(manifest), str(folder / "baseline.pdf")])
            build = [anthology, "build", str(manifest), "--out", str(out), *cache, "-q", "--format"]
            b = measure([*build, "pdf"])
            c = measure([*build, "epub"])
            edit_one_story(manifest)
            d = measure([*build, "pdf"])
            sizes_kb = (folder / "baseline.pdf").stat().st_size // 1024, \
                next(out.glob("*.pdf")).stat().st_size // 1024
        rows.append((count, a, b, c, d, sizes_kb))
        print(f"N={count}: a {a[0]:.1f}s {a[1] >> 20} MB | b {b[0]:.1f}s {b[1] >> 20} MB | "
              f"c {c[0]:.1f}s | d {d[0]:.1f}s | b/a {b[0] / a[0]:.2f} | d/b {d[0] / b[0]:.2f}",
              flush=True)
    report(rows)


def report(rows) -> None:
    lines = [
        "# Benchmark results", "",
        f"Machine: {os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable), "
        f"{platform.machine()}, Python {platform.python_version()}. "
        "Written by `make bench` (benchmarks/run.py); times are wall clock, memory is the "
        "peak RSS of the whole process tree.", "",
        "| N | a: WeasyPrint, one pass | b: build --format pdf | c: --format epub | "
        "d: rebuild after one edit | b/a | d/b | PDF size a / b |",
        "| ---: | --- | --- | --- | --- | ---: | ---: | --- |"]
    for count, a, b, c, d, (size_a, size_b) in rows:
        lines.append(f"| {count} | {a[0]:.1f} s, {a[1] >> 20} MB | {b[0]:.1f} s, {b[1] >> 20} MB | "
                     f"{c[0]:.1f} s, {c[1] >> 20} MB | {d[0]:.1f} s, {d[1] >> 20} MB | "
                     f"{b[0] / a[0]:.2f} | {d[0] / b[0]:.2f} | {size_a} / {size_b} KB |")
    (HERE / "results.md").write_text("\n".join(lines) + "\n")
    print((HERE / "results.md").read_text())


if __name__ == "__main__":
    main([int(n) for n in sys.argv[1:]] or [100, 1000, 4000])

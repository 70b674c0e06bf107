"""make bench: what users run, side by side with a plain WeasyPrint pass, Pandoc and Typst.

    python benchmarks/run.py [N ...] [--long-pages P] [--no-preview] [--results FILE]
                             [--step-timeout SECONDS]

For each N (default 100 1000 4000) it writes an anthology of N short stories
(benchmarks/generate.py) and measures, each step as its own process: wall time, CPU time
(user + sys of the whole process tree, from getrusage(RUSAGE_CHILDREN) deltas around each
waited-for child) and peak RSS (of the whole tree, sampled from /proc every 50 ms):
  a  baseline: one WeasyPrint pass over anthology's whole book, contents and indexes
     resolved with target-counter() (passes.baseline; how the book was built before)
  b  plain pass: one WeasyPrint pass with a contents list, running heads and folios and
     nothing else (passes.plain) -- the reference of the issue's targets
  c  `anthology build book.yaml` (every format): cold (empty --cache), warm (same cache
     again), and the one-edit rebuild (one word of the middle story changed)
  d  `anthology build --format epub`: cold (a fresh cache), then warm (same cache again)
  e  Pandoc: `pandoc book.md -o book.epub`, the same stories as chapters of one Markdown file
  f  Typst (the typst package, in-process in its own Python process): a minimal template
     with an outline, each story on a new page, page numbers in the footer
Then, once:
  g  a long book (--long-pages, default 1000 pages; 0 skips it) of stories of 3,000-7,000
     words: the cold default build, then the rebuild after a one-word edit, with how many
     pages were laid out again when the build reports it
  h  the preview's latency (benchmarks/preview_latency.py, at the smallest N; skipped with
     a note when that script, Playwright or chromium is missing, or with --no-preview)
It prints each step as it goes and writes benchmarks/results.md: the machine, its load before
and after, one table per N with ratios to the plain pass and to Typst, and the issue's
targets, each marked met or not met from this run's numbers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CATALOGUE = "## Catalogue (make bench-catalogue)"  # its section, kept when this rewrites
sys.path.insert(0, str(HERE))
import passes  # noqa: E402
from generate import edit_one_word, write, write_long  # noqa: E402

PYTHON = sys.executable
PASSES = str(HERE / "passes.py")


class StepFailed(Exception):
    """A measured step exited with an error: the run goes on and the report says so."""


FAILED: dict[str, str] = {}  # "N=100 a baseline" -> why


@dataclass
class Run:
    wall: float
    cpu: float
    rss: int            # bytes
    output: str = ""    # stdout + stderr, for the build's own report of pages laid out
    pages: int | None = None


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


STEP_TIMEOUT = 3600.0  # seconds; --step-timeout


def measure(command: list[str], ok=(0,)) -> Run:
    """Run ``command`` as a child process; its wall, tree CPU and tree peak RSS. A step still
    running after STEP_TIMEOUT is killed with its whole tree and reported as failed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        peak = 0
        while process.poll() is None:
            peak = max(peak, tree_rss(process.pid))
            if time.perf_counter() - start > STEP_TIMEOUT:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                raise StepFailed(f"timed out after {STEP_TIMEOUT:.0f} s")
            time.sleep(0.05)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        log.seek(0)
        output = log.read().decode(errors="replace")
    if process.returncode not in ok:
        raise StepFailed(f"exit {process.returncode}: "
                         + (output.strip().splitlines() or [""])[-1][:200])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall, cpu, peak, output)


def pdf_pages(path: Path) -> int | None:
    from pypdf import PdfReader
    return len(PdfReader(path).pages) if path.exists() else None


def screen_pdf(out: Path) -> Path:
    """The default build's screen PDF (not -print, not -cover)."""
    return next((p for p in sorted(out.glob("*.pdf"))
                 if not p.stem.endswith(("-print", "-cover"))), out / "missing.pdf")


# TODO(pages laid out): the owner is adding a count of pages laid out vs found in the cache.
# The build's closing line: "built in 1:05 · from the cache: 86 of 87 layouts, 7 of 8 body
# groups; 24 pages laid out".
PAGES_LAID_OUT = re.compile(r"(\d+) pages? laid out")
FROM_CACHE = re.compile(r"from the cache: ([^;\n]*)")
OF = re.compile(r"(\d+) of (\d+) ([\w ]+)")


def laid_out(output: str) -> str:
    """What a rebuild laid out again, as the build's closing line says."""
    said = []
    if pages := PAGES_LAID_OUT.findall(output):
        said.append(f"{pages[-1]} pages laid out again")
    if line := FROM_CACHE.findall(output):
        said += [f"{int(total) - int(found)} of {total} {what.strip()} made again"
                 for found, total, what in OF.findall(line[-1])]
    return ", ".join(said) or "not reported"


def anthology(manifest: Path, out: Path, cache: Path, *extra: str) -> list[str]:
    return [PYTHON, "-m", "anthology", "--debug", "build", str(manifest), "--out", str(out),
            "--cache", str(cache), *extra]


BUILD_OK = (0, 3)  # 3: preflight found something; not a failure of the build
PREVIEW_STORIES = 300  # the book for the preview's latency


def bench_size(count: int, folder: Path) -> dict[str, Run | None]:
    """Steps a-f at N = ``count`` stories, in ``folder``."""
    manifest = write(folder / "book", count)
    runs: dict[str, Run | None] = {}

    def step(key: str, command: list[str], pdf=None, ok=(0,)) -> None:
        """Measure ``command``; ``pdf``: the PDF it writes, or a function finding it."""
        try:
            run = measure(command, ok)
        except StepFailed as error:
            runs[key] = None
            FAILED[f"N={count} {key}"] = str(error)
            print(f"  N={count} {key:<11} FAILED {error}", flush=True)
            return
        pdf = pdf() if callable(pdf) else pdf
        run.pages = pdf_pages(pdf) if pdf else None
        runs[key] = run
        print(f"  N={count} {key:<11} {run.wall:7.1f} s wall {run.cpu:7.1f} s CPU "
              f"{run.rss >> 20:5d} MB" + (f" {run.pages} pages" if run.pages else ""), flush=True)

    step("a baseline", [PYTHON, PASSES, "baseline", str(manifest), str(folder / "a.pdf")],
         folder / "a.pdf")
    step("b plain", [PYTHON, PASSES, "plain", str(manifest), str(folder / "b.pdf")],
         folder / "b.pdf")
    step("b2 bare", [PYTHON, PASSES, "bare", str(manifest), str(folder / "b2.pdf")],
         folder / "b2.pdf")
    epub_out, epub_cache = folder / "epub", folder / "epub-cache"
    step("d epub cold", anthology(manifest, epub_out, epub_cache, "--format", "epub"), ok=BUILD_OK)
    step("d epub warm", anthology(manifest, epub_out, epub_cache, "--format", "epub"), ok=BUILD_OK)
    if shutil.which("pandoc"):
        markdown = passes.write_markdown(manifest, folder / "book.md")
        step("e pandoc", ["pandoc", str(markdown), "-o", str(folder / "pandoc.epub")])
    else:
        runs["e pandoc"] = None
        print("  pandoc not installed: e skipped (bash scripts/setup-system.sh --bench)")
    if importlib.util.find_spec("typst"):
        source = passes.write_typst(manifest, folder / "book.typ")
        step("f typst", [PYTHON, PASSES, "typst", str(source), str(folder / "f.pdf")],
             folder / "f.pdf")
    else:
        runs["f typst"] = None
        print("  typst not installed: f skipped (pip install -e '.[bench]')")
    out, cache = folder / "out", folder / "cache"
    pdf = lambda: screen_pdf(out)  # noqa: E731
    step("c cold", anthology(manifest, out, cache), pdf, BUILD_OK)
    step("c warm", anthology(manifest, out, cache), pdf, BUILD_OK)
    edit_one_word(manifest)
    step("c one-edit", anthology(manifest, out, cache), pdf, BUILD_OK)
    return runs


def bench_long(pages: int, folder: Path) -> dict[str, Run]:
    """Step g: the long book's cold default build, then the one-word edit's rebuild."""
    manifest = write_long(folder / "long", pages)
    out, cache = folder / "long-out", folder / "long-cache"
    runs = {}
    for key in ("g cold", "g one-edit"):
        if key == "g one-edit":
            edit_one_word(manifest)
        try:
            runs[key] = run = measure(anthology(manifest, out, cache), BUILD_OK)
        except StepFailed as error:
            FAILED[f"long book {key}"] = str(error)
            print(f"  long book {key} FAILED {error}", flush=True)
            return {}
        run.pages = pdf_pages(screen_pdf(out))
        print(f"  long book {key:<11} {run.wall:7.1f} s wall {run.cpu:7.1f} s CPU "
              f"{run.rss >> 20:5d} MB {run.pages} pages; {laid_out(run.output)}", flush=True)
    return runs


def bench_preview(count: int, folder: Path) -> dict:
    """Step h, through benchmarks/preview_latency.py when it is there."""
    script = HERE / "preview_latency.py"
    if not script.exists():
        return {"skipped": "benchmarks/preview_latency.py is absent"}
    manifest = write(folder / "preview", count)
    try:
        run = measure([PYTHON, str(script), str(manifest)])
    except StepFailed as error:
        return {"skipped": f"the driver failed ({error})"}
    lines = [line for line in run.output.splitlines() if line.startswith("{")]
    result = json.loads(lines[-1]) if lines else {"skipped": run.output[-300:]}
    print(f"  preview at N={count}: {result}", flush=True)
    return result


# --- the report ------------------------------------------------------------------------------

LABELS = {
    "a baseline": "a: baseline, one WeasyPrint pass with indexes (target-counter)",
    "b plain": "b: plain pass (the book's HTML and stylesheet: contents, running heads, folios)",
    "b2 bare": "b2: bare pass (a minimal HTML and stylesheet, for reference)",
    "c cold": "c: `anthology build`, cold cache",
    "c warm": "c: `anthology build`, warm cache",
    "c one-edit": "c: `anthology build` after a one-word edit",
    "d epub cold": "d: `build --format epub`, cold cache",
    "d epub warm": "d: `build --format epub`, warm cache",
    "e pandoc": "e: Pandoc → EPUB",
    "f typst": "f: Typst → PDF",
}


def ratio(run: Run | None, ref: Run | None, attr: str = "wall") -> float | None:
    if run is None or ref is None or ref is None or getattr(ref, attr) <= 0:
        return None
    return getattr(run, attr) / getattr(ref, attr)


def fmt(value: float | None, unit: str = "×") -> str:
    return "–" if value is None else f"{value:.2f}{unit}"


def verdict(value: float | None, limit: float, unit: str = "×") -> str:
    if value is None:
        return "not measured"
    return f"{value:.2f}{unit}: {'met' if value <= limit else 'NOT met'}"


def size_table(count: int, runs: dict[str, Run | None]) -> list[str]:
    plain, typ = runs.get("b plain"), runs.get("f typst")
    lines = [f"## N = {count}", "",
             "| step | wall | CPU | peak RSS | pages | wall × plain | CPU × plain | wall × Typst |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for key, label in LABELS.items():
        run = runs.get(key)
        if run is None:
            why = FAILED.get(f"N={count} {key}", "not run (not installed)")
            lines.append(f"| {label} | {why} | | | | | | |")
            continue
        lines.append(f"| {label} | {run.wall:.2f} s | {run.cpu:.2f} s | {run.rss >> 20} MB | "
                     f"{run.pages or '–'} | {fmt(ratio(run, plain))} | "
                     f"{fmt(ratio(run, plain, 'cpu'))} | {fmt(ratio(run, typ))} |")
    edit = runs.get("c one-edit")
    lines += ["", f"Laid out again by the one-edit rebuild (as the build reports it): "
              f"{laid_out(edit.output) if edit else '–'}.", ""]
    return lines


def build_rss(runs: dict[str, Run | None]) -> float | None:
    """The largest peak RSS of anthology's own builds (c and d) at one N, in MB."""
    peaks = [r.rss for k, r in runs.items() if k[0] in "cd" and r is not None]
    return max(peaks) / 2**20 if peaks else None


def targets(results: dict[int, dict[str, Run | None]], long: dict[str, Run]) -> list[str]:
    sizes = sorted(results)
    head = "| target (the issue's) | " + " | ".join(f"N={n}" for n in sizes) + " |"
    lines = ["## Targets", "",
             "Computed from this run's numbers. The issue states the ratios at N=1000; they are "
             "shown at every N measured.", "", head,
             "| --- |" + " ---: |" * len(sizes)]

    def row(label: str, cell) -> None:
        lines.append(f"| {label} | " + " | ".join(cell(results[n]) for n in sizes) + " |")

    row("default build (cold) wall ≤ 0.35× plain pass",
        lambda r: verdict(ratio(r["c cold"], r["b plain"]), 0.35))
    row("(warm default build wall, for reference)",
        lambda r: fmt(ratio(r["c warm"], r["b plain"])))
    row("layout CPU ≤ 1.0× plain pass CPU (measured: all CPU of the cold default build)",
        lambda r: verdict(ratio(r["c cold"], r["b plain"], "cpu"), 1.0))
    row("cold `--format epub` wall ≤ 0.5× plain pass",
        lambda r: verdict(ratio(r["d epub cold"], r["b plain"]), 0.5))
    row("warm `--format epub` wall ≤ 1× Pandoc",
        lambda r: verdict(ratio(r["d epub warm"], r.get("e pandoc")), 1.0))
    row("one-edit rebuild ≤ 2 s",
        lambda r: verdict(r["c one-edit"].wall if r["c one-edit"] else None, 2.0, " s"))
    row("peak RSS of the builds (c, d) ≤ 250 MB (at N=1000)",
        lambda r: verdict(build_rss(r), 250, " MB"))
    if 1000 in results and 4000 in results and build_rss(results[1000]) \
            and build_rss(results[4000]):
        grow = build_rss(results[4000]) / build_rss(results[1000]) - 1
        text = f"{grow:+.0%} at N=4000 over N=1000: {'met' if grow <= 0.10 else 'NOT met'}"
    else:
        text = "not measured (needs N=1000 and N=4000 in the same run)"
    lines += ["", f"Peak RSS ≤ +10% from N=1000 to N=4000: {text}."]
    if long:
        edit = long["g one-edit"]
        lines.append(f"Long book ({edit.pages} pages), one-edit rebuild ≤ 2 s: "
                     f"{verdict(edit.wall, 2.0, ' s')}.")
    return lines + [""]


def versions() -> str:
    import weasyprint
    parts = [f"WeasyPrint {weasyprint.__version__}"]
    try:
        parts.append(f"Typst (PyPI typst) {importlib.metadata.version('typst')}")
    except Exception:  # noqa: BLE001
        parts.append("Typst not installed")
    if shutil.which("pandoc"):
        first = subprocess.run(["pandoc", "--version"], capture_output=True, text=True).stdout
        parts.append(first.splitlines()[0])
    else:
        parts.append("Pandoc not installed")
    return ", ".join(parts)


def report(argv: list[str], loads: tuple, started: dt.datetime, results, long, preview) -> str:
    (b1, b5, b15), (a1, a5, a15) = loads
    lines = [
        "# Benchmark results", "",
        f"Written by `make bench` (`python benchmarks/run.py {' '.join(argv)}`), "
        f"{started:%Y-%m-%d %H:%M} UTC, in "
        f"{(dt.datetime.now(dt.timezone.utc) - started).total_seconds() / 60:.0f} min.", "",
        f"Machine: {os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable), "
        f"{platform.machine()}, Python {platform.python_version()}; {versions()}. "
        f"Load average (1, 5, 15 min): {b1:.2f} {b5:.2f} {b15:.2f} before, "
        f"{a1:.2f} {a5:.2f} {a15:.2f} after.", "",
        "Each step ran as its own process. Wall: wall clock. CPU: user + sys of the step's "
        "whole process tree. Peak RSS: of the whole process tree, sampled every 50 ms. Pages: "
        "of the PDF written (the screen PDF for `anthology build`). Ratios are to the plain pass "
        "(b) and to Typst (f) measured in the same run.", ""]
    lines += targets(results, long)
    if FAILED:
        lines += ["## Failed steps", ""] + [f"- {k}: {why}" for k, why in FAILED.items()] + [""]
    for count in sorted(results):
        lines += size_table(count, results[count])
    if long:
        lines += ["## Long book (g)", "",
                  "| step | wall | CPU | peak RSS | pages | laid out (as the build reports it) |",
                  "| --- | ---: | ---: | ---: | ---: | --- |"]
        for key, label in (("g cold", "`anthology build`, cold cache"),
                           ("g one-edit", "after a one-word edit")):
            run = long[key]
            lines.append(f"| {label} | {run.wall:.2f} s | {run.cpu:.2f} s | {run.rss >> 20} MB "
                         f"| {run.pages} | {laid_out(run.output)} |")
        lines.append("")
    lines += ["## Preview latency (h)", ""]
    if "skipped" in preview:
        lines.append(f"Skipped: {preview['skipped']}.")
    else:
        edit = preview.get("edit")
        whole = preview.get("whole_book")
        lines.append(f"At N={preview['n']}: first view {preview['first_view']:.2f} s after "
                     "starting `anthology preview`"
                     + (f", the whole book {whole:.2f} s" if whole is not None else "")
                     + "; then a one-word edit shown after "
                     + (f"{edit:.2f} s." if edit is not None else f"— ({preview.get('note')})."))
    return "\n".join(lines) + "\n"


def main() -> None:
    global STEP_TIMEOUT
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[100, 1000, 4000])
    parser.add_argument("--long-pages", type=int, default=1000,
                        help="pages of the long book of step g (0 skips it)")
    parser.add_argument("--no-preview", action="store_true", help="skip step h")
    parser.add_argument("--results", type=Path, default=HERE / "results.md")
    parser.add_argument("--step-timeout", type=float, default=STEP_TIMEOUT,
                        help="seconds after which a step is killed and reported as failed")
    args = parser.parse_args()
    STEP_TIMEOUT = args.step_timeout
    started = dt.datetime.now(dt.timezone.utc)
    load_before = os.getloadavg()
    results, long, preview = {}, {}, {"skipped": "--no-preview"}
    with tempfile.TemporaryDirectory(prefix="anthology-bench-") as tmp:
        for count in args.sizes:
            folder = Path(tmp) / str(count)
            results[count] = bench_size(count, folder)
            shutil.rmtree(folder)
            plain, typ = results[count]["b plain"], results[count].get("f typst")
            print(f"N={count}: " + ", ".join(
                f"{k} {fmt(ratio(r, plain))} plain / {fmt(ratio(r, typ))} Typst"
                for k, r in results[count].items() if r is not None), flush=True)
        if args.long_pages > 0:
            long = bench_long(args.long_pages, Path(tmp))
        if not args.no_preview:
            preview = bench_preview(PREVIEW_STORIES, Path(tmp))
            preview.setdefault("n", PREVIEW_STORIES)
    text = report(sys.argv[1:], (load_before, os.getloadavg()), started, results, long, preview)
    old = args.results.read_text(encoding="utf-8") if args.results.exists() else ""
    kept = old[old.find(CATALOGUE):] if CATALOGUE in old else ""  # make bench-catalogue's
    args.results.write_text(text.rstrip("\n") + "\n" + ("\n" + kept if kept else ""),
                            encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()

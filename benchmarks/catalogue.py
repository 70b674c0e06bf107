"""make bench-catalogue: a catalogue of many books, built one title at a time, as one
catalogue on this machine's processes, and on a Dask LocalCluster; and what a layout job
costs going through Dask.

    python benchmarks/catalogue.py [--books 20] [--min 50] [--max 200] [--workers 2]
                                   [--probe-jobs 200] [--results FILE] [--no-results]

It writes ``--books`` anthologies (benchmarks/generate.py), story counts spread evenly from
``--min`` to ``--max``, each from its own seed (so that no two share a laid-out piece in the
cache), and a catalogue of them. Each configuration starts from an empty cache, with
SOURCE_DATE_EPOCH set and every format, each command measured as its own process by
run.py's ``measure`` (wall, CPU of the process tree, peak RSS of the tree sampled every 50 ms):

  1  sequential: one ``anthology build`` per title, one after another (one fresh cache
     shared by them all: the usual cache of one user)
  2  ``anthology build catalogue.yaml``: every title's layouts in one pool of this
     machine's processes
  3  ``anthology build catalogue.yaml --cluster local:W``: on a Dask LocalCluster of W
     worker processes started for the build

Then the cost of a job going through Dask, measured three ways:
  a  (3's wall - 2's wall) / the catalogue's layout jobs (the build's "from the cache: 0 of
     N layouts" line);
  b  one book (the title nearest 100 stories), cold, with this machine's processes and with
     ``--cluster local:W``: the difference of the walls per job;
  c  a probe (this script run as ``--probe``, in its own process): ``--probe-jobs`` tiny
     distinct LayoutJobs through ``workers.Workers(W)`` and through ``cluster.Cluster.local(W)``
     (after their start-up, timed apart), all submitted at once (milliseconds per job of
     the batch) and one at a time (round trip), against laying them out in the probe
     itself; the bytes a job sends and gets back; and the real jobs of that one book,
     recorded from a build and laid out again one by one in the probe: their layout time.

Last, every output file of 1, 2 and 3 (and of b's two builds) is compared by SHA-256.
The results are printed and written as the section "Catalogue" of benchmarks/results.md
(replaced if it is there, else added at the end; the other sections are left as they are).
Ratios are to configuration 1, measured in the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import pickle
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from generate import manifest, write  # noqa: E402
from run import BUILD_OK, CATALOGUE, PYTHON, Run, StepFailed, anthology, measure  # noqa: E402

EPOCH = "1700000000"
SECTION = CATALOGUE
LAYOUTS = re.compile(r"from the cache: (\d+) of (\d+) layouts")


def environment() -> None:
    """What every measured command runs with: this tree's src first, a fixed date, no
    cluster unless asked for."""
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "src")] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    os.environ.pop("ANTHOLOGY_CLUSTER", None)


def counts(books: int, low: int, high: int) -> list[int]:
    return [low + round((high - low) * i / max(1, books - 1)) for i in range(books)]


def write_books(folder: Path, sizes: list[int]) -> list[Path]:
    """``folder``/books/book-NN/book.yaml, each from its own seed."""
    return [write(folder / "books" / f"book-{i:02d}", n, manifest(n, seed=1000 + i))
            for i, n in enumerate(sizes)]


def write_catalogue(folder: Path, name: str) -> Path:
    """A catalogue of every book, written to ``folder``/``name``/book-NN."""
    path = folder / f"catalogue-{name}.yaml"
    path.write_text(f"books: ['books/*/book.yaml']\nout: '{name}/{{folder}}'\n", encoding="utf-8")
    return path


def catalogue_command(path: Path, cache: Path, *extra: str) -> list[str]:
    return [PYTHON, "-m", "anthology", "--debug", "build", str(path), "--cache", str(cache),
            *extra]


def layouts(output: str) -> int | None:
    """The layouts of a build (found + made), from its closing line."""
    found = LAYOUTS.findall(output)
    return int(found[-1][1]) if found else None


def made(output: str) -> int | None:
    found = LAYOUTS.findall(output)
    return int(found[-1][1]) - int(found[-1][0]) if found else None


def digests(folder: Path) -> dict[str, str]:
    """Every file under ``folder``: its path relative to it -> SHA-256."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def show(name: str, run: Run, jobs: int | None = None) -> None:
    print(f"  {name:<34} {run.wall:7.1f} s wall {run.cpu:7.1f} s CPU {run.rss >> 20:5d} MB"
          + (f"  {jobs} layout jobs" if jobs is not None else ""), flush=True)


# --- the probe: run as its own process ------------------------------------------------------

TINY_CSS = "@page { size: A6; margin: 10mm } body { font: 11pt serif }"


def probe(jobs: int, workers: int, book: Path | None) -> dict:
    """Tiny jobs through Workers and through a LocalCluster; the real jobs of ``book``."""
    sys.path.insert(0, str(ROOT / "src"))
    from anthology.paged.cluster import Cluster, carried
    from anthology.paged.layout import Laid, LayoutJob, lay_out, warm_up
    from anthology.paged.workers import Workers
    result: dict = {"jobs": jobs, "workers": workers}
    with tempfile.TemporaryDirectory(prefix="anthology-probe-") as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        base = root.as_uri() + "/"

        def tiny(label: str, count: int) -> list:
            return [LayoutJob(f"<p>{label} {i}: a tiny document of one line.</p>",
                              ((TINY_CSS, base),), (str(root),), base, None)
                    for i in range(count)]

        warm_up()
        for job in tiny("warm-here", 5):
            lay_out(job)
        started = time.perf_counter()
        sample = None
        for job in tiny("here", jobs):
            sample = lay_out(job)
        result["in_process_ms"] = (time.perf_counter() - started) / jobs * 1000
        job = tiny("size", 1)[0]
        result["job_bytes"] = len(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
        result["bundle_bytes"] = len(pickle.dumps(carried(job), protocol=pickle.HIGHEST_PROTOCOL))
        result["workers_reply_bytes"] = len(pickle.dumps(("done", sample),
                                                         protocol=pickle.HIGHEST_PROTOCOL))
        result["cluster_reply_bytes"] = len(sample.to_bytes())
        for name, opening in (("workers", lambda: Workers(workers)),
                              ("cluster", lambda: Cluster.local(workers))):
            started = time.perf_counter()
            pool = opening()
            pool.start()
            for future in [pool.submit(j) for j in tiny(f"warm-{name}", 2 * workers)]:
                future.result()
            result[f"{name}_start_s"] = time.perf_counter() - started
            started = time.perf_counter()
            for future in [pool.submit(j) for j in tiny(f"batch-{name}", jobs)]:
                laid = future.result()
                assert isinstance(laid, Laid) and laid.pdf.startswith(b"%PDF")
            result[f"{name}_batch_ms"] = (time.perf_counter() - started) / jobs * 1000
            round_trips = max(1, jobs // 4)
            started = time.perf_counter()
            for j in tiny(f"one-{name}", round_trips):
                pool.submit(j).result()
            result[f"{name}_round_trip_ms"] = (time.perf_counter() - started) / round_trips * 1000
            started = time.perf_counter()
            pool.close()
            result[f"{name}_close_s"] = time.perf_counter() - started
        if book is not None:
            result.update(real_jobs(book, Path(tmp), workers))
    return result


def real_jobs(book: Path, folder: Path, workers: int) -> dict:
    """Build ``book`` (cold) through Workers, recording each job and its reply's size; then
    lay each job out again here, one by one: what a real job costs to lay out."""
    from anthology.build import build
    from anthology.paged.layout import lay_out
    from anthology.paged.workers import Workers

    class Recording(Workers):
        def __init__(self, count: int):
            super().__init__(count)
            self.jobs, self.sent, self.replies = [], [], []

        def submit(self, job, urgent=False):
            self.jobs.append(job)
            self.sent.append(len(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)))
            future = super().submit(job, urgent)
            future.add_done_callback(
                lambda f: self.replies.append(len(f.result().to_bytes()))
                if not f.cancelled() and f.exception() is None else None)
            return future

    pool = Recording(workers)
    pool.start()
    build(book, folder / "real-out", cache_dir=folder / "real-cache", pool=pool, prune=False)
    pool.close()
    times = []
    for job in pool.jobs:
        started = time.perf_counter()
        lay_out(job)
        times.append((time.perf_counter() - started) * 1000)
    return {"real_jobs": len(pool.jobs), "real_layout_ms_mean": statistics.mean(times),
            "real_layout_ms_median": statistics.median(times),
            "real_layout_ms_max": max(times),
            "real_job_bytes_mean": statistics.mean(pool.sent),
            "real_job_bytes_max": max(pool.sent),
            "real_reply_bytes_mean": statistics.mean(pool.replies),
            "real_reply_bytes_max": max(pool.replies)}


# --- the benchmark ----------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--books", type=int, default=20)
    parser.add_argument("--min", type=int, default=50, help="stories of the smallest book")
    parser.add_argument("--max", type=int, default=200, help="stories of the largest book")
    parser.add_argument("--workers", type=int, default=2,
                        help="worker processes of the LocalCluster (and of the probe's pools)")
    parser.add_argument("--probe-jobs", type=int, default=200)
    parser.add_argument("--results", type=Path, default=HERE / "results.md")
    parser.add_argument("--no-results", action="store_true", help="print only")
    parser.add_argument("--probe", type=Path, nargs="?", const=Path(), default=None,
                        help=argparse.SUPPRESS)  # internal: the probe, with a book or not
    args = parser.parse_args()
    environment()
    if args.probe is not None:
        book = args.probe if str(args.probe) not in ("", ".") else None
        print(json.dumps(probe(args.probe_jobs, args.workers, book)), flush=True)
        return
    started = dt.datetime.now(dt.timezone.utc)
    load_before = os.getloadavg()
    sizes = counts(args.books, args.min, args.max)
    cluster = f"local:{args.workers}"
    failed: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="anthology-catalogue-") as tmp:
        folder = Path(tmp)
        books = write_books(folder, sizes)
        print(f"{len(books)} books of {', '.join(map(str, sizes))} stories; cluster {cluster}",
              flush=True)

        # 1: one build per title
        runs: list[Run] = []
        try:
            for book in books:
                run = measure(anthology(book, folder / "seq" / book.parent.name,
                                        folder / "seq-cache"), BUILD_OK)
                runs.append(run)
                show(f"1 {book.parent.name} ({sizes[len(runs) - 1]} stories)", run,
                     layouts(run.output))
            seq = Run(sum(r.wall for r in runs), sum(r.cpu for r in runs),
                      max(r.rss for r in runs))
            seq_jobs = sum(layouts(r.output) or 0 for r in runs)
            show("1 sequential, all titles", seq, seq_jobs)
        except StepFailed as error:
            seq, seq_jobs, failed["1 sequential"] = None, None, str(error)
            print(f"  1 sequential FAILED {error}", flush=True)

        # 2 and 3: the catalogue, on this machine's processes and on a LocalCluster
        def catalogue(key: str, name: str, *extra: str) -> Run | None:
            try:
                run = measure(catalogue_command(write_catalogue(folder, name),
                                                folder / f"{name}-cache", *extra), BUILD_OK)
            except StepFailed as error:
                failed[key] = str(error)
                print(f"  {key} FAILED {error}", flush=True)
                return None
            show(key, run, layouts(run.output))
            return run
        pool = catalogue("2 catalogue, local pool", "pool")
        dask = catalogue(f"3 catalogue, --cluster {cluster}", "cluster", "--cluster", cluster)
        jobs = layouts(pool.output) if pool else None

        # b: one book, cold, both ways
        middle = min(range(len(sizes)), key=lambda i: abs(sizes[i] - 100))
        one = books[middle]
        single: dict[str, Run | None] = {}
        for key, extra in (("pool", ()), ("cluster", ("--cluster", cluster))):
            try:
                single[key] = measure(anthology(one, folder / f"one-{key}",
                                                folder / f"one-{key}-cache", *extra), BUILD_OK)
                show(f"b {one.parent.name} ({sizes[middle]} stories), {key}", single[key],
                     layouts(single[key].output))
            except StepFailed as error:
                single[key], failed[f"b one book, {key}"] = None, str(error)
                print(f"  b one book {key} FAILED {error}", flush=True)
        single_jobs = layouts(single["pool"].output) if single.get("pool") else None

        # c: the probe
        try:
            probed = measure([PYTHON, str(Path(__file__).resolve()), "--probe", str(one),
                              "--probe-jobs", str(args.probe_jobs), "--workers",
                              str(args.workers)])
            found = [line for line in probed.output.splitlines() if line.startswith("{")]
            micro = json.loads(found[-1]) if found else None
            if micro is None:
                raise StepFailed(probed.output.strip()[-300:])
            print(f"  c probe: {json.dumps(micro)}", flush=True)
        except StepFailed as error:
            micro, failed["c probe"] = None, str(error)
            print(f"  c probe FAILED {error}", flush=True)

        # byte identity
        same = compare(folder, one.parent.name)
        for line in same["lines"]:
            print(f"  {line}", flush=True)

    text = section(args, sizes, cluster, started, (load_before, os.getloadavg()), seq, seq_jobs,
                   pool, dask, jobs, single, single_jobs, sizes[middle], micro, same, failed)
    print(text)
    if not args.no_results:
        save(args.results, text)
        print(f"written to {args.results}")


def explain(first: Path, second: Path) -> str:
    """How two PDFs that differ differ: their pages' content, their embedded ICC profiles."""
    if first.suffix != ".pdf" or not (first.exists() and second.exists()):
        return ""
    from pypdf import PdfReader
    try:
        a, b = PdfReader(first), PdfReader(second)
        pages = len(a.pages) == len(b.pages) and all(
            x.get_contents().get_data() == y.get_contents().get_data()
            for x, y in zip(a.pages, b.pages) if x.get_contents() is not None)

        def profiles(reader) -> list[int]:
            return [len(i.get_object()["/DestOutputProfile"].get_object().get_data())
                    for i in reader.trailer["/Root"].get("/OutputIntents", [])]
        icc = profiles(a), profiles(b)
    except Exception as error:  # noqa: BLE001 - a description, not a verdict
        return f" (not read: {error})"
    return (" (pages' content " + ("identical" if pages else "differs")
            + (f"; output-intent ICC profile {icc[0]} vs {icc[1]} bytes" if icc[0] != icc[1]
               else "") + ")")


def compare(folder: Path, one: str) -> dict:
    """Whether the configurations wrote the same files, byte for byte (SHA-256 of each)."""
    lines, identical, profile_only = [], True, True
    seq = digests(folder / "seq")
    pairs = [("pool", folder / "seq", ""), ("cluster", folder / "seq", ""),
             ("one-pool", folder / "seq" / one, one + "/"),
             ("one-cluster", folder / "seq" / one, one + "/")]
    for name, reference, prefix in pairs:
        mine = {k.removeprefix(prefix): v for k, v in seq.items() if k.startswith(prefix)}
        other = digests(folder / name) if (folder / name).exists() else {}
        differ = sorted(k for k in set(mine) | set(other) if mine.get(k) != other.get(k))
        identical &= not differ and bool(mine)
        what = f"{name} vs sequential" + (f"'s {one}" if prefix else "")
        if not differ and mine:
            lines.append(f"{what}: {len(other)} files, byte-identical")
            continue
        why = {k: explain(reference / k, folder / name / k) for k in differ}
        profile_only &= all("content identical; output-intent ICC" in w for w in why.values())
        lines.append(f"{what}: {len(other)} files, {len(differ)} differ: " + ", ".join(
            k + why[k] for k in differ[:4])
            + (f", and {len(differ) - 4} more" if len(differ) > 4 else ""))
    return {"identical": identical, "lines": lines, "files": len(seq),
            "profile_only": profile_only and not identical}


# --- the report -------------------------------------------------------------------------------

def mb(run: Run) -> str:
    return f"{run.rss >> 20} MB"


def section(args, sizes, cluster, started, loads, seq, seq_jobs, pool, dask, jobs, single,
            single_jobs, single_size, micro, same, failed) -> str:
    (b1, b5, b15), (a1, a5, a15) = loads
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"],
                           capture_output=True, text=True).stdout.strip()
    argv = " ".join(sys.argv[1:])
    lines = [
        SECTION, "",
        f"Written by `make bench-catalogue` (`python benchmarks/catalogue.py {argv}`), "
        f"{started:%Y-%m-%d %H:%M} UTC, in "
        f"{(dt.datetime.now(dt.timezone.utc) - started).total_seconds() / 60:.0f} min, at commit "
        f"{commit}{' (src modified)' if dirty else ''}. Machine: {os.cpu_count()} cores "
        f"({len(os.sched_getaffinity(0))} usable; `nproc`). Load average (1, 5, 15 min): "
        f"{b1:.2f} {b5:.2f} {b15:.2f} before, {a1:.2f} {a5:.2f} {a15:.2f} after.", "",
        f"{len(sizes)} books of {min(sizes)} to {max(sizes)} stories "
        f"({sum(sizes)} in all; benchmarks/generate.py, a seed per book), every format, "
        "each configuration from an empty cache, SOURCE_DATE_EPOCH set. Wall, CPU (user + "
        "sys of the process tree) and peak RSS (of the process tree, sampled every 50 ms) "
        "as in run.py; for the sequential builds the sums of wall and CPU and the largest "
        "peak. Ratios are to the sequential builds of this run.", "",
        "| configuration | wall | CPU | peak RSS (tree) | wall × sequential | CPU × sequential |",
        "| --- | ---: | ---: | ---: | ---: | ---: |"]

    def row(label: str, run: Run | None, key: str) -> None:
        if run is None:
            lines.append(f"| {label} | FAILED: {failed.get(key, 'not run')} | | | | |")
            return
        ratio = (f"{run.wall / seq.wall:.2f}×", f"{run.cpu / seq.cpu:.2f}×") if seq else ("–",) * 2
        lines.append(f"| {label} | {run.wall:.1f} s | {run.cpu:.1f} s | {mb(run)} | "
                     f"{ratio[0]} | {ratio[1]} |")
    row(f"1: sequential, one `anthology build` per title ({len(sizes)} runs)", seq,
        "1 sequential")
    row("2: `anthology build catalogue.yaml` (local pool)", pool, "2 catalogue, local pool")
    row(f"3: `anthology build catalogue.yaml --cluster {cluster}`", dask,
        f"3 catalogue, --cluster {cluster}")
    lines.append("")
    lines.append(f"Layout jobs: {jobs if jobs is not None else '–'} in the catalogue (its "
                 f"closing line, \"from the cache: 0 of N layouts\"); "
                 f"{seq_jobs if seq_jobs is not None else '–'} in the sequential builds "
                 "together.")
    lines.append("")
    lines.append("Same output: " + ("yes, every file of 2 and 3 (and of the one-book builds "
                                    "below) is byte-identical to 1's"
                                    if same["identical"] else "NO")
                 + f" ({same['files']} files compared by SHA-256: "
                 + "; ".join(same["lines"]) + ").")
    if same.get("profile_only"):
        lines += ["", "The files that differ differ only in the embedded output-intent ICC "
                  "profile (every page's content is identical): in a worker process the "
                  "first print layout embeds default_cmyk.icc as it is on disk, later ones "
                  "the profile as LittleCMS writes it again after WeasyPrint has read its "
                  "name (layout.py keeps the parsed stylesheet, and its colour profile, "
                  "across jobs). Which layout is a worker's first depends on the scheduling, "
                  "not on the configuration: a bug of src, not a cost of the catalogue."]
    lines += ["", "### What a job costs going through Dask", ""]
    per_job = []
    if pool and dask and jobs:
        cost = (dask.wall - pool.wall) / jobs * 1000
        per_job.append(cost)
        lines.append(f"- a. The catalogue: (3 − 2) / {jobs} jobs = ({dask.wall:.1f} s − "
                     f"{pool.wall:.1f} s) / {jobs} = **{cost:.0f} ms per job** (the "
                     "LocalCluster's start and stop included).")
    one_pool, one_dask = single.get("pool"), single.get("cluster")
    if one_pool and one_dask and single_jobs:
        cost = (one_dask.wall - one_pool.wall) / single_jobs * 1000
        lines.append(f"- b. One book of {single_size} stories, cold: {one_pool.wall:.1f} s "
                     f"({mb(one_pool)}) with the local pool, {one_dask.wall:.1f} s "
                     f"({mb(one_dask)}) with `--cluster {cluster}`; {single_jobs} jobs: "
                     f"**{cost:.0f} ms per job** (start and stop included).")
    if micro:
        m = micro
        batch = m["cluster_batch_ms"] - m["workers_batch_ms"]
        trip = m["cluster_round_trip_ms"] - m["workers_round_trip_ms"]
        lines += [
            f"- c. The probe: {m['jobs']} tiny distinct jobs (one line on an A6 page; "
            f"{m['in_process_ms']:.1f} ms each laid out in the probe's own process). "
            f"Submitted all at once to {m['workers']} workers: "
            f"{m['workers_batch_ms']:.1f} ms per job through `Workers({m['workers']})`, "
            f"{m['cluster_batch_ms']:.1f} ms through `Cluster.local({m['workers']})`: "
            f"**Dask adds {batch:.1f} ms per job** of a batch. One at a time (the round "
            f"trip): {m['workers_round_trip_ms']:.1f} ms and {m['cluster_round_trip_ms']:.1f} "
            f"ms: **+{trip:.1f} ms per round trip**. Start (to the first jobs done): "
            f"{m['workers_start_s']:.2f} s for the processes, {m['cluster_start_s']:.2f} s for "
            f"the LocalCluster; close: {m['workers_close_s']:.2f} s and "
            f"{m['cluster_close_s']:.2f} s.",
            f"- Bytes: a tiny job is {m['job_bytes']:,} bytes pickled (its files, sent "
            f"once per set of files, {m['bundle_bytes']:,}); its reply {m['workers_reply_bytes']:,} "
            f"bytes from a process, {m['cluster_reply_bytes']:,} from Dask."]
        if "real_jobs" in m:
            lines.append(
                f"- The real jobs of the {single_size}-story book ({m['real_jobs']}, recorded "
                f"from a cold build and laid out again one by one in one process): "
                f"{m['real_layout_ms_mean']:.0f} ms each on average (median "
                f"{m['real_layout_ms_median']:.0f} ms, longest {m['real_layout_ms_max']:.0f} ms); "
                f"a job sends {m['real_job_bytes_mean'] / 1024:.0f} KiB on average (largest "
                f"{m['real_job_bytes_max'] / 1024:.0f} KiB) and gets back "
                f"{m['real_reply_bytes_mean'] / 1024:.0f} KiB (largest "
                f"{m['real_reply_bytes_max'] / 1024:.0f} KiB).")
    lines += ["", "### When a cluster pays", ""] + pays(seq, pool, dask, jobs, micro) + [""]
    if failed:
        lines += ["Failed steps: " + "; ".join(f"{k}: {v}" for k, v in failed.items()), ""]
    return "\n".join(lines)


def pays(seq, pool, dask, jobs, micro) -> list[str]:
    """The conclusion, from this run's numbers."""
    said = []
    cores = len(os.sched_getaffinity(0))
    if pool and dask:
        said.append(
            f"On this machine ({cores} cores) the LocalCluster of the same number of workers "
            f"took {dask.wall / pool.wall:.2f}× the local pool's wall "
            f"({dask.wall - pool.wall:+.1f} s) and {dask.rss / pool.rss:.2f}× its peak "
            "memory: " + ("a cluster on the cores the build already uses cannot beat the "
                          "local pool; it only adds the scheduler's work and the copies of "
                          "every job and reply." if dask.wall > pool.wall else
                          "here it was not slower than the local pool."))
    if pool and seq:
        said.append(f"The catalogue itself is what pays on one machine: "
                    f"{pool.wall / seq.wall:.2f}× the wall of building the titles one by one.")
    if micro and "real_jobs" in micro:
        cost = max(micro["cluster_batch_ms"] - micro["workers_batch_ms"], 0.0)
        layout = micro["real_layout_ms_mean"]
        fraction = cost / layout if layout else 0
        carried = (micro["real_job_bytes_mean"] + micro["real_reply_bytes_mean"]) / 1024
        said.append(
            f"Dask's cost per job ({cost:.1f} ms in a batch) is {fraction:.1%} of a real "
            f"job's layout (about {layout:.0f} ms here), so a remote cluster pays once it "
            f"has more workers than this machine's {cores} cores: with W workers it lays out "
            f"W / (1 + {fraction:.2f}) jobs in the time the local pool lays out {cores}, "
            f"more from W = {int(cores * (1 + fraction)) + 1} on, provided the network "
            f"carries a job and its reply (about {carried:.0f} KiB together) in well under "
            "that layout time and the catalogue has enough jobs to keep every worker busy "
            "(the parent's own work, joining and writing each title, stays on this machine). "
            f"For one small book, the cluster's start ({micro['cluster_start_s']:.1f} s "
            f"against {micro['workers_start_s']:.1f} s for local processes) weighs more "
            "than the per-job cost.")
    return [" ".join(said)] if said else ["Not measured (a configuration failed)."]


def save(path: Path, text: str) -> None:
    """Put the section in ``path``: in place of its previous version, else at the end."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    start = old.find(SECTION)
    if start < 0:
        new = old.rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n"
    else:
        after = old.find("\n## ", start + len(SECTION))
        new = old[:start] + text.rstrip("\n") + "\n" + (old[after:] if after >= 0 else "")
    path.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    main()

"""A catalogue: many books built as one run, their layouts in one shared pool.

A catalogue is a YAML file with a top-level ``books:`` list of manifests (paths or globs,
relative to the catalogue) and the options its titles share: where each is written
(``out:``, a pattern), ``formats:`` and ``editions:``. Every title's layouts go into one
pool (paged/pool.py), a few titles at a time, so that many small books keep every worker
busy, and they share the content-addressed cache where their pieces are equal. A title
that fails does not stop the others: its error is its result.
"""

from __future__ import annotations

import glob
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .build import FORMATS, Built, build
from .codes import Code
from .errors import AnthologyError, ClusterError, ManifestError, PreflightError, Problem
from .manifest import locate, parse_yaml
from .model import schema_problem
from .paged.cache import Cache, default_folder
from .paged.pool import Pool
from .paged.workers import default_jobs
from .progress import Titles

_BOOKS_KEY = re.compile(rb"""^[{ \t]*["']?books["']?[ \t]*:""", re.M)  # block or flow style
# What an out: pattern may name: the manifest's folder (its name), the manifest's name without
# .yaml, and the manifest's folder as a path from the catalogue's ("spring/alpha").
PLACES = ("folder", "stem", "path")


class CatalogueFile(BaseModel):
    """The catalogue's schema."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    books: list[str] = Field(min_length=1)  # manifests: paths or globs
    out: str = "build/{folder}"
    formats: list[Literal[FORMATS]] | None = None  # type: ignore[valid-type]
    editions: list[str] = []

    @field_validator("out")
    @classmethod
    def _pattern(cls, value: str) -> str:
        names = set(re.findall(r"{([^{}]*)}", value))
        expected = ("expected {folder} (the name of a book's folder), {path} (that folder "
                    "from the catalogue's) or {stem} (the manifest's name without .yaml)")
        if unknown := names - set(PLACES):
            raise ValueError(f"unknown {{{sorted(unknown)[0]}}} in the out folder pattern; "
                             + expected)
        try:
            value.format(folder="", stem="", path="")
        except (ValueError, IndexError, KeyError):
            raise ValueError(f"a lone {{ or }} in the out folder pattern; {expected}") from None
        return value


@dataclass(frozen=True)
class Title:
    """One book of a catalogue: its manifest and its out folder."""
    manifest: Path
    out: Path

    name: str  # the manifest, from the catalogue's folder: "spring/alpha/book.yaml"


@dataclass
class Catalogue:
    titles: list[Title]
    formats: list[str] | None
    editions: list[str]


@dataclass
class Result:
    """A title's outcome: what it built, or why it failed."""
    title: Title
    built: Built | None = None
    error: AnthologyError | None = None


def is_catalogue(path: Path) -> bool:
    """Whether the YAML file at ``path`` is a catalogue (a top-level ``books:``) rather than a
    book's manifest; False if it cannot be read (the build then says why)."""
    try:
        return bool(_BOOKS_KEY.search(path.read_bytes()))
    except OSError:
        return False


def load_catalogue(path: Path) -> Catalogue:
    """The catalogue at ``path``, its globs expanded in order (each manifest once); a
    ManifestError names every problem, at its line."""
    try:
        data = parse_yaml(path.read_bytes(), path.name)
    except ManifestError as error:  # its YAML
        raise ManifestError(error.problems, "catalogue") from None
    except OSError as error:
        raise ManifestError([Problem(str(path), 0, Code.UNREADABLE_MANIFEST, "",
                                     f"cannot read the catalogue: {error}")], "catalogue") from None
    try:
        chosen = CatalogueFile.model_validate(data)
    except ValidationError as error:
        raise ManifestError([schema_problem(data, e, CatalogueFile)
                             for e in error.errors()], "catalogue") from None
    folder, problems = path.resolve().parent, []
    manifests: dict[Path, None] = {}
    for index, pattern in enumerate(chosen.books):
        found = [p for p in map(Path, sorted(glob.glob(str(folder / pattern))))
                 if p.is_file() and p.resolve() != path.resolve()]  # not the catalogue
        where = locate(data, ("books", index))
        if not found:
            problems.append(Problem(*where, Code.NO_BOOKS, f"books[{index}]",
                                    f"{pattern!r} matches no manifest in {folder}"))
        for other in filter(is_catalogue, found):
            problems.append(Problem(*where, Code.NO_BOOKS, f"books[{index}]",
                                    f"{other} is a catalogue, not a book's manifest: list "
                                    "its books here instead"))
        manifests.update(dict.fromkeys(p.resolve() for p in found))
    titles = []
    for manifest in manifests:
        inside = os.path.relpath(manifest.parent, folder)
        titles.append(Title(manifest, folder / chosen.out.format(
            folder=manifest.parent.name, stem=manifest.stem, path=inside),
            os.path.relpath(manifest, folder)))
    outs: dict[Path, Title] = {}
    for title in titles:
        if (other := outs.setdefault(title.out.resolve(), title)) is not title:
            fix = next((f"put {{{place}}} in the pattern" for place in ("path", "stem")
                        if f"{{{place}}}" not in chosen.out), "list them in two catalogues")
            problems.append(Problem(*locate(data, ("out",)), Code.SAME_OUT_FOLDER, "out",
                                    f"{other.name} and {title.name} would both be written "
                                    f"to {title.out}; {fix}"))
    if problems:
        raise ManifestError(problems, "catalogue")
    return Catalogue(titles, chosen.formats, chosen.editions)


def build_catalogue(catalogue: Catalogue, pool: Pool, progress: Titles,
                    cache_dir: Path | None = None,
                    cancel: threading.Event | None = None) -> list[Result]:
    """Build every title, a few at a time, all laying out in ``pool``: one more than the
    pool runs jobs at once, so that its workers are kept busy while a title is joined and
    written (but no more than this machine has cores for, which does that work). A title's
    error is its result; a ClusterError (the pool is gone) or an interrupt stops them all,
    and is raised once every title has stopped."""
    cancel = cancel or threading.Event()
    stopped: list[BaseException] = []

    def one(title: Title) -> Result:
        result = Result(title)
        shown = progress.title(title.name)
        try:
            if stopped:
                raise AnthologyError("not built: the catalogue stopped")
            result.built = build(
                title.manifest, title.out, catalogue.formats, cache_dir=cache_dir,
                cancel=cancel, editions=catalogue.editions, reporter=shown, pool=pool,
                prune=False)
            result.error = _failed_preflight(result.built)
        except ClusterError as error:
            stopped.append(error)
            cancel.set()
            result.error = error
        except KeyboardInterrupt as error:  # Ctrl-C, or another title's ClusterError
            result.error = AnthologyError("not built: the catalogue stopped" if stopped
                                          else "not built: interrupted")
            stopped.append(error)
            cancel.set()
        except AnthologyError as error:
            result.error = error
        except Exception as error:  # noqa: BLE001 - one title's bug is its own failure
            result.error = AnthologyError(f"internal error: {type(error).__name__}: {error}")
        progress.done_with(title.name, result.error)
        return result

    titles = ThreadPoolExecutor(max_workers=min(pool.size, default_jobs()) + 1,
                                thread_name_prefix="title")
    try:
        results = list(titles.map(one, catalogue.titles))
    except BaseException:  # interrupted: the titles stop at their next stage
        cancel.set()
        titles.shutdown(wait=False, cancel_futures=True)
        raise
    titles.shutdown()
    if stopped:
        raise stopped[0]
    Cache(cache_dir or default_folder()).prune()
    progress.finish()
    return results


def _failed_preflight(built: Built) -> PreflightError | None:
    failed = [c for c in built.preflight or [] if not c.ok]
    if not failed:
        return None
    return PreflightError("preflight failed: " + "; ".join(
        f"{c.code} {c.name}" + (f" ({c.edition})" if c.edition else "") + f": {c.detail}"
        for c in failed))



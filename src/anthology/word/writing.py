"""Writing stories: one as a file named by its title, or a folder of submissions as a new
book folder (``book.yaml`` and ``stories/``). Every file is written whole or not at all."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, reason
from ..files import write_atomically
from ..importer import dump_yaml
from ..model import slug
from .story import WordStory, read_docx


@dataclass
class FolderImport:
    manifest: Path
    stories: list[Path]
    warnings: list[str]   # each starting with the .docx file's name


def write_story(story: WordStory, folder: Path, fallback_stem: str = "story") -> Path:
    """Write ``story`` as ``folder/<slug of its title>.md`` (a free name); returns the path."""
    return write_atomically(free_path(folder, _stem(story, fallback_stem)),
                            story.text.encode())


def free_path(folder: Path, stem: str, taken: set[str] = frozenset()) -> Path:
    """``folder/stem.md``, or ``stem-2.md``, ``stem-3.md``... if the name exists or is taken."""
    number = 1
    while True:
        name = f"{stem}.md" if number == 1 else f"{stem}-{number}.md"
        if name not in taken and not (folder / name).exists():
            return folder / name
        number += 1


def _stem(story: WordStory, fallback: str) -> str:
    return slug(story.matter.get("title", ""), 60) or slug(fallback, 60) or "story"


def docx_files(folder: Path) -> list[Path]:
    """The .docx files of ``folder`` by name (Word's ``~$`` lock files left out)."""
    try:
        found = [p for p in folder.iterdir() if p.suffix.lower() == ".docx"
                 and not p.name.startswith("~$") and p.is_file()]
    except OSError as error:
        raise InputError(f"{folder}: cannot read the folder: {reason(error)}") from None
    return sorted(found, key=lambda p: (p.name.casefold(), p.name))


def import_folder(source: Path, out: Path, title: str = "Imported stories",
                  kind: str | None = None) -> FolderImport:
    """Every .docx of ``source`` -> ``out/stories/<slug>.md``, and ``out/book.yaml`` listing
    them (and saying ``kind``, when given, for the whole book). Nothing is written unless
    every file reads; an existing book.yaml is never replaced."""
    manifest = out / "book.yaml"
    if manifest.exists():
        raise InputError(f"{manifest} exists; import into a new folder (it is never replaced)")
    files = docx_files(source)
    if not files:
        raise InputError(f"{source}: no .docx files in the folder")
    stories, failures = [], []
    for path in files:
        try:
            stories.append((path, read_docx(path)))
        except InputError as error:
            failures.append(str(error))
    if failures:
        raise InputError(f"{len(failures)} of {len(files)} files cannot be imported; nothing "
                         "was written:\n" + "\n".join(failures))
    written, warnings = [], []
    for path, story in stories:
        target = free_path(out / "stories", _stem(story, path.stem), {p.name for p in written})
        written.append(write_atomically(target, story.text.encode()))
        warnings += [f"{path.name} -> stories/{target.name}: {w}" for w in story.warnings]
    data = {"title": title, "language": "en", **({"kind": kind} if kind else {}),
            "stories": [{"file": f"stories/{p.name}"} for p in written]}
    write_atomically(manifest, dump_yaml(data).encode())
    return FolderImport(manifest, written, warnings)

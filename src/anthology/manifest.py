"""Manifest files -> plain data that remembers where every value came from.

YAML is parsed into ``Node`` dicts and lists that carry the file and line of each key and item,
so that a validation problem found later (in ``model``) can be reported as ``book.yaml:6``.
Story and foreword ``file:`` references are resolved here, inside the book folder only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Characters XML 1.0 forbids (C0 controls but tab and newlines, lone surrogates, U+FFFE/F):
# pasted text carries them, and neither XHTML nor the PDF's text layer can hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    return _NOT_XML.sub("", text.replace("\r\n", "\n"))


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.file}:{self.line}: {where}{self.message}"


class ManifestError(Exception):
    """Every problem found in a manifest, in file order."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems), key=lambda p: (p.file, p.line, p.path, p.message))
        super().__init__("\n".join(map(str, self.problems)))


class NodeDict(dict):
    """A mapping that knows the (file, line) of itself and of each key."""

    origin: tuple[str, int] = ("", 0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.origins: dict = {}


class NodeList(list):
    """A sequence that knows the (file, line) of itself and of each item."""

    origin: tuple[str, int] = ("", 0)

    def __init__(self, *args):
        super().__init__(*args)
        self.origins: dict = {}


def _loader_for(filename: str, problems: list[Problem]):
    class Loader(_Loader):
        def construct_mapping_with_origins(self, node):
            data = NodeDict()
            data.origin = (filename, node.start_mark.line + 1)
            yield data
            for key_node, value_node in node.value:
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                if not isinstance(key, str):
                    key = str(key)
                if key in data:
                    problems.append(Problem(filename, line, "", f"duplicate key '{key}' "
                                            f"(first given on line {data.origins[key][1]})"))
                    continue
                data[key] = self.construct_object(value_node, deep=True)
                data.origins[key] = (filename, line)

        def construct_sequence_with_origins(self, node):
            data = NodeList()
            data.origin = (filename, node.start_mark.line + 1)
            yield data
            for index, child in enumerate(node.value):
                data.append(self.construct_object(child, deep=True))
                data.origins[index] = (filename, child.start_mark.line + 1)

        def construct_clean_str(self, node):
            return clean_text(self.construct_scalar(node))

        def construct_timestamp_or_text(self, node):
            try:
                return self.construct_yaml_timestamp(node)
            except ValueError:  # 2018-02-30: left as text for the model to report with its line
                return self.construct_scalar(node)

    Loader.add_constructor("tag:yaml.org,2002:str", Loader.construct_clean_str)
    Loader.add_constructor("tag:yaml.org,2002:timestamp", Loader.construct_timestamp_or_text)
    Loader.add_constructor("tag:yaml.org,2002:map", Loader.construct_mapping_with_origins)
    Loader.add_constructor("tag:yaml.org,2002:seq", Loader.construct_sequence_with_origins)
    return Loader


def parse_yaml(text: str, filename: str, first_line: int = 1) -> NodeDict:
    """Parse one YAML mapping; raise ManifestError for syntax errors and duplicate keys."""
    problems: list[Problem] = []
    try:
        data = yaml.load(text, Loader=_loader_for(filename, problems))  # noqa: S506 (safe loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = (mark.line + first_line) if mark else first_line
        reason = error.problem or error.context or "invalid YAML"
        raise ManifestError([Problem(filename, line, "", f"YAML syntax error: {reason}")]) from None
    except yaml.reader.ReaderError as error:  # a character YAML does not allow
        line = text.count("\n", 0, error.position) + first_line
        code = error.character if isinstance(error.character, int) else ord(error.character)
        raise ManifestError([Problem(filename, line, "", f"character U+{code:04X} is not "
                                     "allowed in YAML; remove it or write it as an escape")]) \
            from None
    except yaml.YAMLError as error:
        raise ManifestError([Problem(filename, first_line, "", f"YAML error: {error}")]) from None
    if first_line != 1:
        _shift_lines(data, first_line - 1)
        problems = [Problem(p.file, p.line + first_line - 1, p.path, p.message) for p in problems]
    if problems:
        raise ManifestError(problems)
    if data is None:
        raise ManifestError([Problem(filename, first_line, "", "the document is empty; "
                                     "expected a mapping with at least 'title' and 'stories'")])
    if not isinstance(data, NodeDict):
        raise ManifestError([Problem(filename, first_line, "", "expected a mapping of keys "
                                     f"(title: ..., stories: ...), got {type(data).__name__}")])
    return data


def _shift_lines(data, offset: int) -> None:
    if isinstance(data, (NodeDict, NodeList)):
        data.origin = (data.origin[0], data.origin[1] + offset)
        data.origins = {k: (f, line + offset) for k, (f, line) in data.origins.items()}
        for child in data.values() if isinstance(data, dict) else data:
            _shift_lines(child, offset)


_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)?(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)


def split_front_matter(text: str, filename: str) -> tuple[NodeDict, str]:
    """Split a Markdown file into its YAML front matter (may be empty) and its body."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return NodeDict(), text
    meta = parse_yaml(match.group(1) or "{}", filename, first_line=2)
    return meta, text[match.end():]


def locate(data, loc: tuple) -> tuple[str, int]:
    """The (file, line) of the deepest value along ``loc`` that exists in ``data``."""
    origin = getattr(data, "origin", ("", 1))
    for key in loc:
        if isinstance(data, (NodeDict, NodeList)) and key in data.origins:
            origin = data.origins[key]
            data = data[key]
        else:
            break
    return origin


def load_manifest(path: Path) -> tuple[NodeDict, list[Problem]]:
    """Read a manifest and inline every ``file:`` it references.

    Returns the data and the problems found with the referenced files; YAML-level problems
    in the manifest itself raise ManifestError at once, since nothing else can be checked.
    """
    name = path.name
    try:
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    except FileNotFoundError:
        raise ManifestError([Problem(str(path), 0, "", "no such manifest file")]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ManifestError([Problem(str(path), 0, "", f"cannot read the manifest: {error}")]) \
            from None
    data = parse_yaml(text, name)
    root = path.resolve().parent
    problems: list[Problem] = []
    foreword = data.get("foreword")
    if isinstance(foreword, NodeDict):
        _inline_file(foreword, root, "foreword", problems, front_matter=False)
    for where, story in _story_entries(data):
        _inline_file(story, root, where, problems, front_matter=True)
    return data, problems


def _story_entries(data: NodeDict):
    def entries(stories, prefix):
        if isinstance(stories, list):
            for i, story in enumerate(stories):
                if isinstance(story, NodeDict):
                    yield f"{prefix}stories[{i}]", story

    yield from entries(data.get("stories"), "")
    parts = data.get("parts")
    if isinstance(parts, list):
        for p, part in enumerate(parts):
            if isinstance(part, NodeDict):
                yield from entries(part.get("stories"), f"parts[{p}].")


def resolve_inside(root: Path, relative: str) -> Path | None:
    """``root / relative`` if it stays inside ``root`` (symlinks followed), else None."""
    if not relative or Path(relative).is_absolute() or "\\" in relative or ":" in relative:
        return None
    target = (root / relative).resolve()
    return target if target.is_relative_to(root) else None


def _inline_file(entry: NodeDict, root: Path, where: str, problems: list[Problem],
                 front_matter: bool) -> None:
    """Replace ``file: x.md`` by ``text:`` (and front-matter fields the entry lacks)."""
    if "file" not in entry or "text" in entry:
        return  # "both" and "neither" are reported by the model
    file_value = entry["file"]
    origin = entry.origins["file"]

    def fail(message):
        problems.append(Problem(origin[0], origin[1], f"{where}.file", message))

    if not isinstance(file_value, str):
        return  # the model reports the type
    target = resolve_inside(root, file_value)
    if target is None:
        return fail(f"'{file_value}' is outside the book folder; "
                    "expected a path relative to the manifest, inside its folder")
    if not target.is_file():
        return fail(f"no such file '{file_value}' (looked in {root})")
    try:
        text = clean_text(target.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        return fail(f"cannot read '{file_value}': {error}")
    try:
        meta, body = split_front_matter(text, file_value) if front_matter else (NodeDict(), text)
    except ManifestError as error:
        problems.extend(error.problems)
        return
    for key, value in meta.items():
        if key not in entry:
            entry[key] = value
            entry.origins[key] = meta.origins[key]
    del entry["file"]
    entry["text"] = body
    entry.origins["text"] = origin

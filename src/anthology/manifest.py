"""Manifest files -> plain data that remembers where every value came from.

YAML is parsed into ``Node`` dicts and lists that carry the file and line of each key and item,
so that a validation problem found later (in ``model``) can be reported as ``book.yaml:6``.
Story, foreword, afterword and acknowledgements ``file:`` references are resolved here, inside
the book folder only.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import BinaryIO

import yaml

from .codes import Code
from .errors import InputError, ManifestError, Problem

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Characters XML 1.0 forbids (C0 controls but tab and newlines, lone surrogates, U+FFFE/F):
# pasted text carries them, and neither XHTML nor the PDF's text layer can hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    return _NOT_XML.sub("", text.replace("\r\n", "\n"))


class _Node:
    """A parsed value that knows where it and each of its items came from. ``origins`` holds a
    line (in the file of ``origin``) or a (file, line) for an item taken from another file."""

    __slots__ = ()

    def where(self, key) -> tuple[str, int]:
        line = self.origins[key]
        return line if isinstance(line, tuple) else (self.origin[0], line)


class NodeDict(_Node, dict):
    """A mapping, with the line of each key; for a block of text (``text: |``, or a story
    file's body), the line where the text begins, so that a problem inside it is found."""

    __slots__ = ("origin", "origins")

    def __init__(self, origin: tuple[str, int] = ("", 0)):
        super().__init__()
        self.origin, self.origins = origin, {}


class NodeList(_Node, list):
    """A sequence, with the line of each item."""

    __slots__ = ("origin", "origins")

    def __init__(self, origin: tuple[str, int] = ("", 0)):
        super().__init__()
        self.origin, self.origins = origin, []


# Bounds on what a manifest may ask of the parser: a value nested deeper than MAX_DEPTH, or
# aliases that repeat more than ALIAS_BUDGET values or ALIAS_TEXT characters of text (a
# "billion laughs" bomb), is an error before anything is built. A real manifest nests about
# six deep and aliases a few short entries.
MAX_DEPTH = 32
ALIAS_BUDGET = 100_000
ALIAS_TEXT = 1_000_000
_STR, _TIMESTAMP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp"
_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
_MERGE, _VALUE = "tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"
_RESOLVERS = _Loader.yaml_implicit_resolvers
_SCALARS = {tag for tag in _Loader.yaml_constructors
            if tag and tag.rsplit(":", 1)[-1] in ("null", "bool", "int", "float", "timestamp")}


class _Frame:
    """A mapping or sequence being built from the event stream: its size counts its values
    and the characters of its text, aliases expanded."""
    __slots__ = ("container", "anchor", "key", "size", "merges")

    def __init__(self, container, anchor):
        self.container, self.anchor, self.key, self.size = container, anchor, None, (1, 0)
        self.merges: list = []  # mappings named by '<<' keys, merged when it ends


def _plain_tag(value: str) -> str:
    """The tag YAML's core schema gives an unquoted scalar (as yaml.resolver does)."""
    for tag, pattern in _RESOLVERS.get(value[:1], ()):
        if pattern.match(value):
            return tag
    return _STR


def _scalar(event, constructor, fail):
    tag = event.tag
    if tag in (None, "!"):
        tag = _plain_tag(event.value) if event.implicit[0] and tag is None else _STR
    if tag == _STR:  # only escapes in double quotes can make characters XML forbids
        return clean_text(event.value) if event.style == '"' else event.value
    if tag in (_MERGE, _VALUE):  # '<<' and '=' as keys: read as text, '<<' merged later
        return event.value
    if tag not in _SCALARS:
        return fail(Code.UNSUPPORTED_TAG, f"unsupported YAML tag '{tag}'; expected plain values")
    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    try:
        return constructor.construct_object(node)
    except (ValueError, KeyError, AttributeError, OverflowError, TypeError, yaml.YAMLError):
        if tag == _TIMESTAMP:  # 2018-02-30: left as text for the model to report with its line
            return event.value
        kind = tag.rsplit(":", 1)[-1]
        return fail(Code.UNREADABLE_VALUE, f"'{event.value[:40]}' cannot be read as a YAML "
                    f"{kind}; write it as text in quotes")


def _events(text, filename: str, first_line: int, problems: list[Problem]):
    """Build NodeDicts and NodeLists straight from the parser's events: no node graph is held
    (a manifest of 100,000 stories parses in a fraction of the time and memory), nesting and
    alias expansion are bounded, and no recursion is involved."""
    constructor = yaml.constructor.SafeConstructor()
    stack: list[_Frame] = []
    anchors: dict[str, tuple[object, tuple[int, int]]] = {}
    expanded, documents, root = (0, 0), 0, None

    def fail(code, message, line):
        raise ManifestError([Problem(filename, line, code, "", message)])

    for event in yaml.parse(text, Loader=_Loader):
        kind = type(event)
        if kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                fail(Code.SECOND_DOCUMENT, "expected one YAML document, found a second one "
                     "('---')", event.start_mark.line + first_line)
            continue
        if kind in (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent):
            continue
        if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            frame = stack.pop()
            _merge(frame)
            value, size, line = frame.container, frame.size, frame.container.origin[1]
            if frame.anchor:
                anchors[frame.anchor] = (value, size)
        else:
            line = event.start_mark.line + first_line
            if kind is yaml.AliasEvent:
                if event.anchor not in anchors:
                    fail(Code.UNKNOWN_ALIAS, f"alias '*{event.anchor}' names no earlier anchor "
                         f"('&{event.anchor}' on a finished value)", line)
                value, size = anchors[event.anchor]
                expanded = (expanded[0] + size[0], expanded[1] + size[1])
                if expanded[0] > ALIAS_BUDGET or expanded[1] > ALIAS_TEXT:
                    fail(Code.ALIAS_BOMB, f"aliases repeat more than {ALIAS_BUDGET:,} values or "
                         f"{ALIAS_TEXT:,} characters of text; expected a manifest without alias "
                         "bombs (write the entries out)", line)
            elif kind is yaml.ScalarEvent:
                value = _scalar(event, constructor, lambda code, m: fail(code, m, line))
                size = (1, len(event.value))
                if event.anchor:
                    anchors[event.anchor] = (value, size)
            else:
                is_map = kind is yaml.MappingStartEvent
                if event.tag not in (None, "!", _MAP if is_map else _SEQ):
                    fail(Code.UNSUPPORTED_TAG, f"unsupported YAML tag '{event.tag}'; expected "
                         f"a plain {'mapping' if is_map else 'list'}", line)
                if len(stack) >= MAX_DEPTH:
                    fail(Code.YAML_TOO_DEEP, f"values nested more than {MAX_DEPTH} deep; "
                         "expected a manifest of at most a few levels (book, parts, stories, "
                         "fields)", line)
                container = (NodeDict if is_map else NodeList)((filename, line))
                stack.append(_Frame(container, event.anchor))
                continue
        if not stack:
            root = value
            continue
        frame = stack[-1]
        frame.size = (frame.size[0] + size[0], frame.size[1] + size[1])
        container = frame.container
        if isinstance(container, NodeList):
            container.origins.append(line)
            container.append(value)
        elif frame.key is None:
            frame.key = (sys.intern(value if isinstance(value, str) else str(value)), line)
        else:
            (key, key_line), frame.key = frame.key, None
            if key == "<<" and _mergeable(value):  # YAML's merge key, as PyYAML reads it
                frame.merges.append(value)
            elif key in container:
                problems.append(Problem(filename, key_line, Code.DUPLICATE_KEY, "",
                                        f"duplicate key '{key}' "
                                        f"(first given on line {container.origins[key]})"))
            else:
                container[key] = value
                # In a literal block (|) each line of the text is a line of the file: a problem
                # found inside the text is then located from where the text begins.
                literal = kind is yaml.ScalarEvent and event.style == "|"
                container.origins[key] = line + 1 if literal else key_line
    return root


def _mergeable(value) -> bool:
    return isinstance(value, NodeDict) or (
        isinstance(value, NodeList) and all(isinstance(v, NodeDict) for v in value))


def _merge(frame: _Frame) -> None:
    """Keys named by '<<' that the mapping does not set itself (the first merged wins)."""
    for merged in frame.merges:
        for source in [merged] if isinstance(merged, NodeDict) else merged:
            for key, value in source.items():
                if key not in frame.container:
                    frame.container[key] = value
                    frame.container.origins[key] = source.where(key)


def parse_yaml(text: str | bytes | BinaryIO, filename: str, first_line: int = 1) -> NodeDict:
    """Parse one YAML mapping (text, or UTF-8 bytes or a binary file: a BOM is skipped);
    raise ManifestError for syntax errors, duplicate keys and documents past the bounds
    above."""
    problems: list[Problem] = []
    if isinstance(text, str):
        text = text.removeprefix("\ufeff")
    try:
        data = _events(text, filename, first_line, problems)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = (mark.line + first_line) if mark else first_line
        reason = error.problem or error.context or "invalid YAML"
        raise ManifestError([Problem(filename, line, Code.YAML_SYNTAX, "",
                                     f"YAML syntax error: {reason}")]) from None
    except yaml.reader.ReaderError as error:  # a character YAML does not allow, or not UTF-8
        if not isinstance(text, (str, bytes)):
            text.seek(0)
            text = text.read(error.position)  # libyaml counts bytes
        line = text[:error.position].count("\n" if isinstance(text, str) else b"\n") \
            + first_line
        if "UTF-8" in str(error.reason) or "utf-8" in str(error.reason):
            code, message = Code.NOT_UTF8, ("the file is not UTF-8 text (a byte of another "
                                            "encoding, such as Latin-1, near here); save it "
                                            "as UTF-8")
        else:
            point = error.character if isinstance(error.character, int) \
                else ord(error.character)
            code, message = Code.FORBIDDEN_CHARACTER, (
                f"character U+{point:04X} is not allowed in YAML; remove it or write it as an "
                "escape")
        raise ManifestError([Problem(filename, line, code, "", message)]) from None
    except yaml.YAMLError as error:
        raise ManifestError([Problem(filename, first_line, Code.YAML_ERROR, "",
                                     f"YAML error: {error}")]) from None
    if problems:
        raise ManifestError(problems)
    if data is None:
        raise ManifestError([Problem(filename, first_line, Code.EMPTY_DOCUMENT, "",
                                     "the document is empty; expected a mapping with at "
                                     "least 'title' and 'stories'")])
    if not isinstance(data, NodeDict):
        raise ManifestError([Problem(filename, first_line, Code.NOT_A_MAPPING, "",
                                     "expected a mapping of keys "
                                     f"(title: ..., stories: ...), got {type(data).__name__}")])
    return data


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
        try:
            origin, data = data.where(key), data[key]
        except (AttributeError, KeyError, IndexError, TypeError):
            break
    return origin


def load_manifest(path: Path) -> tuple[NodeDict, list[Problem], list[Path]]:
    """Read a manifest and inline every ``file:`` it references.

    Returns the data, the problems found with the referenced files and those files;
    YAML-level problems in the manifest itself raise ManifestError at once, since nothing
    else can be checked.
    """
    name = path.name
    try:
        with open(path, "rb") as stream:  # streamed: a big manifest is never held as text
            data = parse_yaml(stream, name)
    except FileNotFoundError:
        raise ManifestError([Problem(str(path), 0, Code.NO_MANIFEST, "",
                                     "no such manifest file")]) from None
    except OSError as error:
        raise ManifestError([Problem(str(path), 0, Code.UNREADABLE_MANIFEST, "",
                                     f"cannot read the manifest: {error}")]) from None
    root = path.resolve().parent
    problems: list[Problem] = []
    files: list[Path] = []
    for matter in ("foreword", "afterword", "acknowledgements"):
        if isinstance(entry := data.get(matter), NodeDict):
            _inline_file(entry, root, matter, problems, files, front_matter=False)
    for where, story in _story_entries(data):
        _inline_file(story, root, where, problems, files, front_matter=True)
    return data, problems, files


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


def read_inside(root: Path, relative: str) -> bytes:
    """The bytes of ``root / relative``, checked again when read: a file validated earlier
    may have been replaced since by a symlink leading out of the book."""
    target = resolve_inside(root, relative)
    if target is None or not target.is_file():
        raise InputError(f"{root / relative}: no longer a file inside the book folder")
    return target.read_bytes()


# Front-matter keys the manifest's entry overrides by giving the other one.
_ONE_OF = {"author": "authors", "authors": "author"}


def _inline_file(entry: NodeDict, root: Path, where: str, problems: list[Problem],
                 files: list[Path], front_matter: bool) -> None:
    """Replace ``file: x.md`` by ``text:`` (and front-matter fields the entry lacks)."""
    if "file" not in entry or "text" in entry:
        return  # "both" and "neither" are reported by the model
    file_value = entry["file"]
    origin = entry.where("file")

    def fail(code, message):
        problems.append(Problem(origin[0], origin[1], code, f"{where}.file", message))

    if not isinstance(file_value, str):
        return  # the model reports the type
    target = resolve_inside(root, file_value)
    if target is None:
        return fail(Code.FILE_OUTSIDE, f"'{file_value}' is outside the book folder; "
                    "expected a path relative to the manifest, inside its folder")
    if target.is_dir():
        return fail(Code.FILE_IS_FOLDER, f"'{file_value}' is a folder, expected a Markdown file")
    if target.exists() and not target.is_file():
        return fail(Code.FILE_NOT_REGULAR, f"'{file_value}' is not a regular file (a pipe or "
                    "a device?), expected a Markdown file")
    if not target.is_file():
        return fail(Code.NO_SUCH_FILE, f"no such file '{file_value}' (looked in {root})")
    files.append(target)
    try:
        text = clean_text(target.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as error:
        return fail(Code.UNREADABLE_FILE, f"cannot read '{file_value}': {error}")
    try:
        meta, body = split_front_matter(text, file_value) if front_matter else (NodeDict(), text)
    except ManifestError as error:
        problems.extend(error.problems)
        return
    for key, value in meta.items():
        if key not in entry and _ONE_OF.get(key) not in entry:
            entry[key] = value
            entry.origins[key] = meta.where(key)
    del entry["file"]
    entry["text"] = body
    entry.origins["text"] = (file_value, text.count("\n", 0, len(text) - len(body)) + 1)

"""The validated book: what a manifest means, independent of any output format."""

from __future__ import annotations

import datetime as dt
import decimal
import difflib
import re
import unicodedata
import uuid
from pathlib import Path
from typing import Annotated, Literal, get_args
from urllib.parse import urlsplit

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr,
                      StringConstraints, ValidationError, create_model, field_validator,
                      model_validator)

from . import isbn as isbns
from . import profiles
from .codes import Code
from .errors import ManifestError, Problem
from .images import image_file_problem
from .manifest import load_manifest, locate, resolve_inside
from .text import (IMAGE_TYPES, LANGUAGE_TAG, image_path, markdown_images, nesting_problem,
                   note_problems, shows_nothing, span_problems)


class _Invalid(ValueError):
    """A validator's refusal with its code (pydantic hands the exception on in the error)."""

    def __init__(self, code: Code, message: str):
        super().__init__(message)
        self.code = code


def _coded(code: Code, parse):
    """``parse``, its ValueErrors given ``code``."""
    def validate(value):
        try:
            return parse(value)
        except ValueError as error:
            raise _Invalid(code, str(error)) from None
    return validate


def _as_date(value):
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date) or value is None:
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _Invalid(Code.BAD_DATE, f"expected a date like 2018-05-05, got {value!r}")


def _as_list(value):
    return [value] if isinstance(value, str) else value


Date = Annotated[dt.date | None, BeforeValidator(_as_date)]
Text = Annotated[str, Field(min_length=1)]
Names = Annotated[list[Text], BeforeValidator(_as_list)]
Trim = Annotated[tuple[float, float], BeforeValidator(_coded(Code.BAD_TRIM, profiles.trim))]
Length = Annotated[float, BeforeValidator(_coded(Code.BAD_LENGTH, profiles.length))]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class _HasText(_Entry):
    """Text given inline, or as ``file:`` (which the manifest loader turns into text). Its
    leading spaces are kept: a poem's first line may be indented."""

    text: Annotated[str | None, StringConstraints(strip_whitespace=False)] = None
    file: str | None = None

    @field_validator("text")
    @classmethod
    def _not_empty(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise _Invalid(Code.EMPTY_TEXT, "the text is empty; expected Markdown text")
        return value.rstrip() if value is not None else None

    @model_validator(mode="after")
    def _text_or_file(self):
        if self.text is not None and self.file is not None:
            raise _Invalid(Code.TEXT_AND_FILE, "give either 'text' or 'file', not both")
        if self.text is None and self.file is None:
            raise _Invalid(Code.NO_TEXT, "missing 'text' (Markdown) or 'file' (a Markdown file)")
        return self


def _check_language(value: str | None) -> str | None:
    if value is not None and not LANGUAGE_TAG.match(value):
        raise _Invalid(Code.BAD_LANGUAGE,
                       f"expected a BCP 47 language tag like 'en' or 'pt-BR', got {value!r}")
    return value


def _text_block(value):
    """A block of text given as plain Markdown instead of ``{text: ...}``."""
    return {"text": value} if isinstance(value, str) else value


def _address(value: str) -> str:
    """A plain http(s) address: a piece's source, a contributor's website."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _Invalid(Code.BAD_ADDRESS, f"expected an http(s):// address, got {value!r}")
    if re.search(r'[\s<>"{}|\\^`]', value):
        raise _Invalid(Code.BAD_ADDRESS, "expected an address without spaces or any of "
                       f"<>\"{{}}|\\^`, got {value!r} (percent-encode them, e.g. %3C for <)")
    return value


Address = Annotated[str, AfterValidator(_address)]
Kind = Literal["prose", "verse", "letter"]
LETTER_PARTS = ("dateline", "salutation", "closing", "signature", "postscript")


class Epigraph(_Entry):
    """A quotation set apart before a piece or the book; ``source`` is its attribution."""
    text: Text
    source: str | None = None


_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class Contributor(_Entry):
    """One person of the ``contributors:`` register. Pieces name them by ``id`` or ``name``."""
    id: str | None = None
    name: Text
    sort_as: str | None = None            # "Choo, Esther"; default: the name's last word first
    handle: str | None = None
    website: Address | None = None
    bio: str | None = None                # Markdown, in "About the Contributors"
    short_bio: str | None = None          # Markdown, a sentence printed with their pieces

    @field_validator("id")
    @classmethod
    def _plain_id(cls, value: str | None) -> str | None:
        if value is not None and not _ID.match(value):
            raise _Invalid(Code.INVALID_VALUE, "expected an id of letters, digits, '-', '_' "
                           f"and '.' (e.g. 'choo' or 'ana-ruiz'), got {value!r}")
        return value


def same_name(name: str) -> str:
    """A name as pieces match it: Unicode-normalised, its spaces collapsed."""
    return " ".join(unicodedata.normalize("NFC", name).split())


ROLES = ("author", "translator", "illustrator", "editor")  # a piece's credits, in print order


class Story(_HasText):
    # Who made it: contributors' ids or names (a name not in the register is a person too).
    author: Text | None = None            # one author ...
    authors: Annotated[Names, Field(min_length=1)] | None = None  # ... or several
    translator: Names = []
    illustrator: Names = []
    editor: Names = []                    # of an excerpt
    handle: str | None = None             # the inline author's (the register has its own)
    title: str | None = None              # inline emphasis: "How to Write a *Blackwood* Article"
    subtitle: Text | None = None          # printed under the title; inline emphasis too
    original_title: str | None = None     # a translation's title in its own language
    original_language: str | None = None  # BCP 47: "translated from the Galician"
    date: Date = None
    first_published: str | None = None    # free text: "Poetry Wales, Spring 2024"
    permission: str | None = None         # "Reprinted by permission of the author"
    source: Address | None = None
    language: str | None = None
    kind: Kind | None = None              # None: the part's, else the book's (prose)
    headnote: str | None = None           # an editor's note before the text (Markdown)
    epigraph: Annotated[Epigraph | None, BeforeValidator(_text_block)] = None
    # A letter's parts around its body: where and when it was written (its own words, not
    # the piece's first publication, ``date``), the greeting, the closing, the signature
    # (printed once) and a postscript.
    dateline: str | None = None
    salutation: str | None = None
    closing: str | None = None
    signature: str | None = None
    postscript: str | None = None

    _language = field_validator("language", "original_language")(_check_language)

    @model_validator(mode="after")
    def _one_author_field(self):
        if self.author is not None and self.authors is not None:
            raise _Invalid(Code.AUTHOR_AND_AUTHORS, "give either 'author' (one name) or "
                           "'authors' (a list), not both")
        if self.author is None and self.authors is None:
            raise _Invalid(Code.MISSING_FIELD, "missing required field 'author'")
        return self

    @property
    def author_refs(self) -> list[str]:
        """The ids or names of its authors, in order."""
        return [self.author] if self.author is not None else list(self.authors)

    def refs(self, role: str) -> list[str]:
        """The ids or names credited in ``role`` (one of ROLES)."""
        return self.author_refs if role == "author" else list(getattr(self, role))


class Foreword(_HasText):
    title: Text = "Foreword"
    author: str | None = None


class Afterword(_HasText):
    title: Text = "Afterword"
    author: str | None = None


class Acknowledgements(_HasText):
    title: Text = "Acknowledgements"


class Layout(_Entry):
    """How pieces follow one another in print: each on a new page (``always``), running on
    with an ornament between them (``never``), or running on but starting a new page when a
    piece does not fit in what is left of the page (``when_needed``); ``numbers``: the
    "— n —" over each piece. Unset keys fall back to the book's layout, then to the
    defaults (always, with numbers)."""
    new_page: Literal["always", "never", "when_needed"] | None = None
    numbers: bool | None = None


class Part(_Entry):
    title: Text
    intro: str | None = None
    kind: Kind | None = None
    layout: Layout | None = None
    stories: Annotated[list[Story], Field(min_length=1)]


class PrintSettings(_Entry):
    """How the print edition is made; every key is optional."""

    trim: Trim = profiles.TRIMS["5.5x8.5"]
    paper: Literal["white", "cream"] = "cream"
    bleed: Annotated[Length, Field(ge=0, le=0.5)] = 0.0
    recto_starts: bool = False
    profile: Literal["kdp", "ingram"] = "kdp"
    pdf_x: Literal["x-4", "x-1a"] = "x-4"
    _binding: str = PrivateAttr(default="paperback")  # an edition's format: Book.for_edition

    @property
    def binding(self) -> str:
        """paperback or hardcover."""
        return self._binding

    @property
    def rules(self) -> profiles.Profile:
        return profiles.rules(self.profile, self.binding)

    @property
    def margin_floor(self) -> float:
        """The least margin the printer accepts outside, at the top and at the bottom."""
        return self.rules.min_margin_bleed if self.bleed else self.rules.min_margin


def _font_name(value: str) -> str:
    """A family name as fontconfig lists it (``fc-list : family``): it goes into stylesheets,
    so nothing but letters, digits, spaces and ``-_.+&'``."""
    if not re.fullmatch(r"[^\W_][\w .+&'-]{0,63}", value) or "  " in value:
        hint = " (one name: fc-list shows a family's other names after a comma)" \
            if "," in value else ""
        raise _Invalid(Code.BAD_FONT_NAME, "expected a font family's name, like 'EB Garamond' "
                       f"or 'Gentium Plus' (fc-list : family lists them), got {value!r}{hint}")
    return value


def _type_size(value) -> float:
    """11, '11pt', '10.5 pt' -> points, 8 to 24."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(pt)?\s*", str(value)) \
        if isinstance(value, (int, float, str)) and not isinstance(value, bool) else None
    if not match or not 8 <= float(match[1]) <= 24:
        raise _Invalid(Code.BAD_TYPE_SIZE, f"expected a type size from 8pt to 24pt, like 11pt, "
                       f"got {value!r}")
    return float(match[1])


def _ornament(value: str) -> str:
    if len(value) > 12 or any(unicodedata.category(c)[0] == "C" for c in value) \
            or not value.strip():
        raise _Invalid(Code.BAD_ORNAMENT, "expected a short ornament of at most 12 characters "
                       f"on one line, like '❧' or '* * *', got {value!r}")
    return value


FontName = Annotated[str, AfterValidator(_font_name)]


class ThemeSettings(_Entry):
    """How the book looks, in all its outputs (print, screen PDF, EPUB, cover); every key is
    optional. A book's own ``styles/`` may still override any of it."""
    body_font: FontName = "EB Garamond"
    heading_font: FontName | None = None  # None: the body font
    font_size: Annotated[float, BeforeValidator(_type_size)] = 11.0  # points
    leading: Annotated[float, Field(ge=1.0, le=2.5)] = 1.38  # line height / type size
    paragraphs: Literal["indent", "block"] = "indent"
    ornament: Annotated[str, AfterValidator(_ornament)] = "❧"
    heading_case: Literal["small-caps", "upper", "as-written"] = "small-caps"
    small_caps_openings: bool = True      # a piece's first line in small caps
    justify: bool = True                  # prose justified, else ragged right
    hyphenate: bool = True


def _overrides(model: type[_Entry]) -> type[_Entry]:
    """``model`` with the same keys, validators and defaults, for an edition to override
    some of them: the keys it sets are ``model_dump(exclude_unset=True)``."""
    return create_model(f"{model.__name__}Overrides", __base__=_Entry, __doc__=model.__doc__,
                        **{name: (field.rebuild_annotation(), field.default)
                           for name, field in model.model_fields.items()})


PrintOverrides, ThemeOverrides = _overrides(PrintSettings), _overrides(ThemeSettings)
PRINT_FORMATS = ("paperback", "hardcover")
# A large-print edition's type (applied before the edition's own theme: settings), after
# the UK Association for Accessible Formats' "Creating clear print and large print documents"
# and APH's large-print guidelines: 18pt (UKAAF asks 16pt at least, APH 18pt), a plain sans
# serif face, 1.5 line spacing, ragged right, no words broken across lines, no runs of
# capitals or small capitals.
LARGE_PRINT_MINIMUM = 16.0  # points: UKAAF's least large-print size
LARGE_PRINT = {"body_font": "Noto Sans", "heading_font": None, "font_size": 18.0,
               "leading": 1.5, "justify": False, "hyphenate": False,
               "heading_case": "as-written", "small_caps_openings": False}


def _currency(value: str) -> str:
    import pycountry
    code = str(value).strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code) or pycountry.currencies.get(alpha_3=code) is None:
        raise _Invalid(Code.BAD_PRICE, "expected an ISO 4217 currency code like USD, GBP or "
                       f"EUR, got {value!r}")
    return code


def _amount(value) -> decimal.Decimal:
    try:
        amount = decimal.Decimal(str(value).strip()) if not isinstance(value, bool) else None
    except decimal.InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or not 0 < amount < 100000 \
            or amount.as_tuple().exponent < -2:
        raise _Invalid(Code.BAD_PRICE, f"expected a price like 19.95, got {value!r}")
    return amount


def _price_code(value) -> str:
    text = str(value).strip()
    if text != "auto" and not re.fullmatch(r"\d{5}", text):
        raise _Invalid(Code.BAD_PRICE_CODE, "expected the barcode's 5-digit add-on, like "
                       f"'51995' for $19.95 or '90000' for no price, or auto, got {value!r} "
                       "(write it in quotes: YAML reads 01234 unquoted as another number)")
    return text


def _prices(value):
    if not isinstance(value, dict):
        raise _Invalid(Code.BAD_PRICE, "expected prices by currency, like "
                       f"price: {{USD: 19.95, GBP: 14.99}}, got {value!r}")
    return value


def _edition_name(value: str) -> str:
    """A name that goes into the edition's file names."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", value):
        raise _Invalid(Code.INVALID_VALUE, "expected a name of lowercase letters, digits and "
                       f"hyphens, like 'paperback' or 'large-print', got {value!r}")
    return value


class Edition(_Entry):
    """One product of the book: its format, ISBN, prices, and the print and theme settings in
    which it differs from the book's."""
    name: Annotated[str, AfterValidator(_edition_name)]
    format: Literal["paperback", "hardcover", "ebook", "pdf"]
    isbn: Annotated[str | None, BeforeValidator(
        _coded(Code.BAD_ISBN, lambda v: None if v is None else isbns.parse(v)))] = None
    price: Annotated[dict[Annotated[str, AfterValidator(_currency)],
                          Annotated[decimal.Decimal, BeforeValidator(_amount)]],
                     BeforeValidator(_prices)] = {}
    price_code: Annotated[str | None, BeforeValidator(
        lambda v: None if v is None else _price_code(v))] = None
    large_print: bool = False
    print: PrintOverrides = PrintOverrides()
    theme: ThemeOverrides = ThemeOverrides()

    @property
    def printed(self) -> bool:
        return self.format in PRINT_FORMATS

    @property
    def addon(self) -> str | None:
        """The barcode's price add-on: given, or from the US price (``auto``)."""
        if self.price_code != "auto":
            return self.price_code
        return isbns.price_code(self.price.get("USD"))


# The editions a manifest without ``editions:`` makes: its print settings as a paperback,
# an ebook and a screen PDF.
DEFAULT_EDITIONS = (Edition(name="paperback", format="paperback"),
                    Edition(name="ebook", format="ebook"), Edition(name="pdf", format="pdf"))


def _subject_codes(pattern: str, example: str):
    def check(value: str) -> str:
        code = str(value).strip().upper()
        if not re.fullmatch(pattern, code):
            raise _Invalid(Code.BAD_SUBJECT, f"expected a code like {example}, got {value!r}")
        return code
    return AfterValidator(check)


class Subjects(_Entry):
    """The book's subjects in the trade's schemes, for ONIX: the first of each is its main
    subject."""
    bisac: list[Annotated[str, _subject_codes(r"[A-Z]{3}\d{6}", "FIC029000")]] = []
    thema: list[Annotated[str, _subject_codes(r"[0-9A-Z][0-9A-Z-]{0,15}", "FYB or DNT")]] = []


class CoverSettings(_Entry):
    """The cover's own words and picture; the back's copy is ``back_cover`` (or the
    description)."""
    image: str | None = None               # an image on the front, inside the book folder
    byline: str | None = None              # the front's line under the title; default
                                           # "Edited by" and the editors


class Book(_Entry):
    title: Text
    subtitle: str | None = None
    editors: Names = []
    publisher: str | None = None
    language: str = "en"
    date: Date = None
    identifier: str | None = None
    rights: str | None = None             # the copyright notice: "© 2026 the contributors"
    edition: str | None = None            # on the copyright page: "First edition, May 2026"
    colophon: str | None = None           # the copyright page's last line (Markdown): "Set
                                          # in EB Garamond. Made with anthology."
    description: str | None = None
    back_cover: str | None = None          # Markdown: the back cover's copy (else the
                                           # description)
    cover: CoverSettings = CoverSettings()
    editions: Annotated[list[Edition], Field(min_length=1)] | None = None
    keywords: Names = []
    subjects: Subjects = Subjects()         # BISAC and Thema codes (ONIX)
    foreword: Foreword | None = None
    dedication: Text | None = None        # Markdown, on a page of its own after the copyright
    epigraph: Annotated[Epigraph | None, BeforeValidator(_text_block)] = None  # the book's
    afterword: Afterword | None = None
    acknowledgements: Annotated[Acknowledgements | None, BeforeValidator(_text_block)] = None
    contributors: list[Contributor] = []  # the register: who they are, bios
    indexes: list[Literal["titles", "first_lines"]] = []  # the back matter's optional indexes
    kind: Kind = "prose"                  # every piece's kind, unless its part or it says
    notes: Literal["page", "piece-end"] = "page"  # where print sets footnotes
    layout: Layout = Layout()
    stories: Annotated[list[Story], Field(min_length=1)] | None = None
    parts: Annotated[list[Part], Field(min_length=1)] | None = None
    print: PrintSettings = PrintSettings()
    theme: ThemeSettings = ThemeSettings()
    _sources: list[Path] = PrivateAttr(default_factory=list)  # the story files it read
    _edition: Edition | None = PrivateAttr(default=None)      # set by for_edition

    _language = field_validator("language")(_check_language)

    @property
    def sources(self) -> list[Path]:
        """The files the manifest's ``file:`` entries named (resolved)."""
        return list(self._sources)

    @model_validator(mode="after")
    def _stories_or_parts(self):
        if (self.stories is None) == (self.parts is None):
            raise _Invalid(Code.STORIES_OR_PARTS, "expected exactly one of 'stories' (a list) "
                           "or 'parts' (sections, each with its own stories)")
        return self

    @property
    def all_stories(self) -> list[Story]:
        if self.parts is not None:
            return [story for part in self.parts for story in part.stories]
        return list(self.stories)

    @property
    def all_parts(self) -> list[Part]:
        """The book as parts; a book without parts is one untitled part."""
        if self.parts is not None:
            return list(self.parts)
        return [Part.model_construct(title="", intro=None, stories=list(self.stories))]

    def kind_of(self, story: Story, part: Part | None = None) -> str:
        """A piece's kind: its own, else its part's, else the book's."""
        return story.kind or (part.kind if part else None) or self.kind

    def layout_of(self, part: Part | None = None) -> tuple[str, bool]:
        """(new_page, numbers) for the pieces of ``part`` (or of a book without parts)."""
        own = part.layout if part is not None and part.layout else Layout()
        new_page = own.new_page or self.layout.new_page or "always"
        numbers = own.numbers if own.numbers is not None else self.layout.numbers
        return new_page, True if numbers is None else numbers

    @property
    def slug(self) -> str:
        return slug(self.title) or "book"

    @property
    def all_editions(self) -> tuple[Edition, ...]:
        """The manifest's editions, else DEFAULT_EDITIONS."""
        return tuple(self.editions) if self.editions else DEFAULT_EDITIONS

    @property
    def edition_in_hand(self) -> Edition | None:
        """The edition this book is (for_edition), or None for the book as the manifest
        gives it."""
        return self._edition

    @property
    def large_print(self) -> bool:
        return bool(self._edition and self._edition.large_print)

    def for_edition(self, edition: Edition) -> Book:
        """The book as ``edition``: its print and theme settings over the book's (a
        large-print edition's LARGE_PRINT type between them), its ISBN as the identifier."""
        theme = self.theme.model_copy(update=LARGE_PRINT if edition.large_print else {})
        theme = theme.model_copy(update=edition.theme.model_dump(exclude_unset=True))
        printing = self.print.model_copy(update=edition.print.model_dump(exclude_unset=True))
        printing._binding = edition.format if edition.printed else "paperback"
        # Each edition has its own identifier: its ISBN, else one derived from the book's.
        identifier = f"urn:isbn:{edition.isbn}" if edition.isbn else \
            f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{self.uid}#{edition.name}')}"
        copy = self.model_copy(update={"theme": theme, "print": printing,
                                       "identifier": identifier})
        copy._sources, copy._edition = self._sources, edition
        return copy

    def as_edition(self, name: str) -> Book:
        """The book as its edition ``name``; "" for the book as the manifest gives it."""
        return self.for_edition(next(e for e in self.editions if e.name == name)) \
            if name else self

    @property
    def isbn(self) -> str | None:
        """The ISBN the identifier gives (``urn:isbn:978...`` or the number itself), as
        written, if its check digit is right; None for another identifier (a ``urn:uuid``
        is never printed)."""
        number = (self.identifier or "").removeprefix("urn:isbn:").strip()
        return number if isbns.is_valid(number) else None

    @property
    def isbn13(self) -> str | None:
        """The ISBN-13's digits: the edition's, else the identifier's (an ISBN-10 has none)."""
        return self._edition.isbn if self._edition else isbns.digits13(self.isbn)

    @property
    def uid(self) -> str:
        """The manifest's identifier, or one derived from the title (stable across builds)."""
        return self.identifier or f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'anthology:' + self.title)}"


def slug(text: str, most: int = 80) -> str:
    """An ASCII file-name stem of at most ``most`` characters: lowercase words joined by
    hyphens ("" if none)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:most].rstrip("-")


_NAME_LISTS = ("editors", "authors", "translator", "illustrator", "editor")  # _as_list
_TYPE_NAMES = {dict: "a mapping", list: "a list", str: "text", int: "a number", float: "a number",
               bool: "true/false", type(None): "nothing", dt.date: "a date"}


def _describe(value) -> str:
    for kind, name in _TYPE_NAMES.items():
        if isinstance(value, kind):
            return name
    return type(value).__name__


def dotted_path(loc) -> str:
    out = ""
    for key in loc:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else key)
    return out


def _nested_model(annotation) -> type[BaseModel] | None:
    """The model class inside an annotation such as ``list[Story] | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        if found := _nested_model(arg):
            return found
    return None


def _fields_at(loc: tuple, root: type[BaseModel]) -> list[str]:
    """The keys allowed where ``loc`` points, for 'did you mean' hints."""
    model: type[BaseModel] | None = root
    for key in loc:
        if isinstance(key, str):
            field = model.model_fields.get(key)
            model = _nested_model(field.annotation) if field else None
            if model is None:
                return []
    return list(model.model_fields)


def schema_problem(data, error: dict, root: type[BaseModel]) -> Problem:
    """One of pydantic's errors validating ``data`` as ``root`` (the Book, a catalogue), as a
    Problem: where it is, its code, and what was expected in words."""
    loc, kind, value = tuple(error["loc"]), error["type"], error.get("input")
    if kind == "extra_forbidden":
        key = loc[-1]
        close = difflib.get_close_matches(str(key), _fields_at(loc[:-1], root), n=1, cutoff=0.6)
        home = next((name for name in _fields_at(loc[:-1], root)
                     if key in _fields_at((*loc[:-1], name), root)), None)
        hint = f" (did you mean '{close[0]}'?)" if close else \
            f" (it belongs under '{home}:', as {home}: {{{key}: ...}})" if home else \
            f" (expected one of: {', '.join(_fields_at(loc[:-1], root))})"
        file, line = locate(data, loc)
        return Problem(file, line, Code.UNKNOWN_KEY, dotted_path(loc[:-1]),
                       f"unknown key '{key}'{hint}")
    if kind == "missing":
        file, line = locate(data, loc[:-1])
        return Problem(file, line, Code.MISSING_FIELD, dotted_path(loc[:-1]),
                       f"missing required field '{loc[-1]}'")
    loc = tuple(key for key in loc if key != "[key]")  # a mapping's key refused: its place
    file, line = locate(data, loc)
    # A validator's own refusal has its code; pydantic's other errors are coded by kind.
    code = getattr(error.get("ctx", {}).get("error"), "code", Code.INVALID_VALUE)
    message = error["msg"].removeprefix("Value error, ")
    if kind in ("string_type", "list_type", "dict_type", "model_type", "model_attributes_type"):
        expected = {"string_type": "text", "list_type": "a list"}.get(kind, "a mapping")
        if kind == "list_type" and loc[-1] in _NAME_LISTS:
            expected = "a name or a list of names"
        code, message = Code.WRONG_TYPE, f"expected {expected}, got {_describe(value)}"
    elif kind == "string_too_short":
        code, message = Code.EMPTY_VALUE, "expected text, got an empty value"
    elif kind == "too_short":
        code, message = Code.EMPTY_LIST, "expected a list with at least one entry"
    elif kind in ("less_than_equal", "greater_than_equal"):
        bound = error["ctx"].get("le", error["ctx"].get("ge"))
        side = "at most" if kind == "less_than_equal" else "at least"
        code, message = Code.OUT_OF_RANGE, f"expected {side} {bound}, got {value!r}"
    elif kind == "literal_error":
        code, message = Code.NOT_A_CHOICE, f"expected {error['ctx']['expected']}, got {value!r}"
    elif kind == "bool_type" or kind == "bool_parsing":
        code, message = Code.NOT_TRUE_OR_FALSE, f"expected true or false, got {value!r}"
    return Problem(file, line, code, dotted_path(loc), message)


def load_book(path: str | Path) -> Book:
    """Read, resolve and validate a manifest; raise ManifestError listing every problem."""
    path = Path(path)
    data, problems, files = load_manifest(path)
    root = path.resolve().parent
    # Stories are validated one at a time and each valid one takes the place of its located
    # raw entry, which is let go: a big manifest's raw tree is not held beside its models.
    # (An invalid story stays raw, to be reported with the whole book and its hints.)
    for loc, stories, index, default_kind in _story_slots(data):
        try:
            story = Story.model_validate(stories[index])
        except ValidationError:
            continue
        kind = story.kind or default_kind
        problems += _letter_problems(data, (*loc, index), story, kind)
        problems += _span_problems(data, _inline_fields((*loc, index), story))
        problems += _text_problems(data, _story_fields((*loc, index), story, kind), root)
        stories[index] = story
    problems += _edition_problems(data)
    try:
        book = Book.model_validate(data)
    except ValidationError as error:
        found = [schema_problem(data, e, Book) for e in error.errors()]
        # "unknown key 'autor' (did you mean 'author'?)" already says that 'author' is missing.
        suggested = {(p.path, m[1]) for p in found if p.code == Code.UNKNOWN_KEY
                     and (m := re.search(r"did you mean '(\w+)'", p.message))}
        problems += [p for p in found if not (
            p.code == Code.MISSING_FIELD
            and (m := re.fullmatch(r"missing required field '(\w+)'", p.message))
            and (p.path, m[1]) in suggested)]
        raise ManifestError(problems) from None
    problems += _text_problems(data, _matter_fields(book), root)
    problems += _span_problems(data, _title_fields(book))
    problems += _people_problems(data, book)
    problems += _edition_setting_problems(data, book)
    if book.cover.image and (found := _image_problem(book.cover.image, "the cover", root)):
        problems.append(Problem(*locate(data, ("cover", "image")), found[0], "cover.image",
                                found[1]))
    if problems:
        raise ManifestError(problems)
    book._sources = files
    return book


def _raw_kind(entry) -> str | None:
    kind = entry.get("kind") if isinstance(entry, dict) else None
    return kind if kind in get_args(Kind) else None


def _story_slots(data):
    """(location of the list, the list, index, the kind its part or book gives) of every
    story entry in the raw manifest."""
    book_kind = _raw_kind(data) or "prose"
    lists = [(("stories",), data.get("stories"), book_kind)]
    if isinstance(data.get("parts"), list):
        lists += [(("parts", p, "stories"), part.get("stories"), _raw_kind(part) or book_kind)
                  for p, part in enumerate(data["parts"]) if isinstance(part, dict)]
    for loc, stories, kind in lists:
        if isinstance(stories, list):
            yield from ((loc, stories, i, kind) for i, entry in enumerate(stories)
                        if isinstance(entry, dict))


def _letter_problems(data, loc: tuple, story: Story, kind: str) -> list[Problem]:
    if kind == "letter":
        return []
    problems = []
    for part in LETTER_PARTS:
        if getattr(story, part) is not None:
            file, line = locate(data, (*loc, part))
            problems.append(Problem(file, line, Code.LETTER_PART_OUTSIDE_LETTER,
                                    dotted_path((*loc, part)),
                                    f"'{part}' belongs to a letter, and this piece is {kind}; "
                                    "expected 'kind: letter' on the piece (or its part or "
                                    f"book), or no '{part}'"))
    return problems


def _story_fields(loc: tuple, story: Story, kind: str):
    """(location, Markdown text, kind) of a story's Markdown fields."""
    fields = [((*loc, "text"), story.text, kind), ((*loc, "headnote"), story.headnote, "prose")]
    if story.epigraph:
        fields.append(((*loc, "epigraph", "text"), story.epigraph.text, "prose"))
    return fields


def _inline_fields(loc: tuple, story: Story):
    """(location, Markdown, kind) of a story's one-line fields that may hold spans."""
    fields = [((*loc, name), getattr(story, name), "prose")
              for name in ("title", "subtitle", *LETTER_PARTS)]
    if story.epigraph:
        fields.append(((*loc, "epigraph", "source"), story.epigraph.source, "prose"))
    return [field for field in fields if field[1]]


def _span_problems(data, fields) -> list[Problem]:
    """Spans ``[words]{...}`` of ``fields`` that give anything but a valid language."""
    problems = []
    for loc, text, kind in fields:
        for offset, what, message in span_problems(text, kind) if text else ():
            file, line = locate(data, loc)
            code = Code.BAD_LANGUAGE if what == "language" else Code.INVALID_VALUE
            problems.append(Problem(file, line + offset - 1, code, dotted_path(loc), message))
    return problems


def _title_fields(book: Book):
    """(location, Markdown, kind) of the book's and its parts' titles."""
    fields = [(("title",), book.title, "prose"), (("subtitle",), book.subtitle, "prose")]
    fields += [(("parts", p, "title"), part.title, "prose")
               for p, part in enumerate(book.parts or ())]
    return [field for field in fields if field[1]]


def located_stories(book: Book):
    """(location in the manifest, story, its part or None) of every story, in book order."""
    if book.parts is not None:
        for p, part in enumerate(book.parts):
            yield from ((("parts", p, "stories", i), story, part)
                        for i, story in enumerate(part.stories))
    else:
        yield from ((("stories", i), story, None) for i, story in enumerate(book.stories))


def markdown_fields(book: Book):
    """(location, Markdown text, kind) of every Markdown field in the book that has text."""
    fields = _matter_fields(book)
    for loc, story, part in located_stories(book):
        fields += _story_fields(loc, story, book.kind_of(story, part))
    return [field for field in fields if field[1]]


def _people_problems(data, book: Book) -> list[Problem]:
    """Two contributors with one id; a piece naming a person two contributors' names match
    (it must use an id)."""
    problems, first_with = [], {}
    for c, entry in enumerate(book.contributors):
        if entry.id is None:
            continue
        if entry.id in first_with:
            file, line = locate(data, ("contributors", c, "id"))
            problems.append(Problem(file, line, Code.DUPLICATE_CONTRIBUTOR,
                                    dotted_path(("contributors", c, "id")),
                                    f"the id '{entry.id}' is already "
                                    f"contributors[{first_with[entry.id]}]'s; expected each "
                                    "contributor's id once"))
        first_with.setdefault(entry.id, c)
    by_name: dict[str, list[int]] = {}
    for c, entry in enumerate(book.contributors):
        by_name.setdefault(same_name(entry.name), []).append(c)
    for loc, story, _ in located_stories(book):
        for _, ref, where in credit_fields(loc, story):
            shared = by_name.get(same_name(ref), [])
            if ref in first_with or len(shared) < 2:
                continue
            where = as_given(data, where)
            entries = " and ".join(f"contributors[{c}]" for c in shared)
            fix = "the id of the one meant" if all(book.contributors[c].id for c in shared) \
                else f"each of {entries} an id, and here the id of the one meant"
            problems.append(Problem(*locate(data, where), Code.DUPLICATE_CONTRIBUTOR,
                                    dotted_path(where),
                                    f"'{ref}' is the name of {entries}; expected {fix}"))
    return problems


def _edition_problems(data) -> list[Problem]:
    """Two editions with one name (their files would collide) or one ISBN; print settings
    on an edition that is not printed. Read from the raw manifest, so that they are reported
    with the schema's problems."""
    editions = data.get("editions")
    problems, first = [], {}
    for e, entry in enumerate(editions if isinstance(editions, list) else ()):
        if not isinstance(entry, dict):
            continue
        for key in ("large_print", "price_code", "print"):
            if key in entry and entry.get("format") in {"ebook", "pdf"}:
                where = ("editions", e, key)
                problems.append(Problem(*locate(data, where), Code.NOT_FOR_FORMAT,
                                        dotted_path(where), f"'{key}' is for a paperback or "
                                        f"hardcover edition, and this one is "
                                        f"{entry['format']}; expected no '{key}' here"))
        try:
            number = isbns.parse(entry["isbn"])
        except (KeyError, ValueError):
            number = None
        for key, value, code in (("name", entry.get("name"), Code.DUPLICATE_EDITION),
                                 ("isbn", number, Code.DUPLICATE_ISBN)):
            if not isinstance(value, str):
                continue
            if (key, value) in first:
                where = ("editions", e, key)
                what, shown = ("ISBN", isbns.hyphenated(value)) if key == "isbn" \
                    else ("name", value)
                problems.append(Problem(*locate(data, where), code, dotted_path(where),
                                        f"the {what} {shown} is already editions"
                                        f"[{first[key, value]}]'s; expected each edition's "
                                        f"{what} once"))
            first.setdefault((key, value), e)
    # A PDF edition's file (book-NAME.pdf) is a print edition's when NAME is its name and
    # -print or -cover (book-NAME-print.pdf).
    for e, entry in enumerate(editions if isinstance(editions, list) else ()):
        if isinstance(entry, dict) and entry.get("format") == "pdf" and \
                isinstance(entry.get("name"), str) and \
                (other := first.get(("name", re.sub(r"-(print|cover)$", "", entry["name"])))) \
                is not None and other != e:
            where = ("editions", e, "name")
            problems.append(Problem(*locate(data, where), Code.DUPLICATE_EDITION,
                                    dotted_path(where), f"the PDF of '{entry['name']}' would "
                                    f"have the name of editions[{other}]'s print file; expected "
                                    "another name"))
    return problems


def _edition_setting_problems(data, book: Book) -> list[Problem]:
    """What an edition's settings, merged with the book's, cannot make: a KDP hardcover in a
    trim KDP does not bind, large print under 16pt, a price code that is not the US price;
    and an ISBN as the book's identifier when each edition has its own."""
    problems = []

    def problem(where: tuple, code: Code, message: str) -> None:
        problems.append(Problem(*locate(data, where), code, dotted_path(where), message))

    if book.editions and book.isbn:
        problem(("identifier",), Code.BAD_ISBN, "with editions, each edition's ISBN is its "
                "own 'isbn:'; expected no ISBN as the book's identifier (move it to its "
                "edition)")
    for e, edition in enumerate(book.editions or ()):
        printed = book.for_edition(edition)
        settings = printed.print
        if why := profiles.unbound_trim(settings.profile, settings.binding, settings.trim):
            where = ("editions", e, "print", "trim") if "trim" in edition.print.model_fields_set \
                else ("editions", e, "format")
            problem(where, Code.BAD_TRIM, f"{why}, and this one is {settings.trim[0]:g}x"
                    f"{settings.trim[1]:g}; expected one of them as the edition's "
                    "print: {trim: ...}")
        if edition.large_print and printed.theme.font_size < LARGE_PRINT_MINIMUM:
            problem(("editions", e, "theme", "font_size"), Code.LARGE_PRINT_TOO_SMALL,
                    f"large print is {LARGE_PRINT_MINIMUM:g}pt at least (UKAAF; APH asks "
                    f"18pt), and this edition is {printed.theme.font_size:g}pt; expected "
                    f"{LARGE_PRINT_MINIMUM:g}pt or more, or no large_print")
        if edition.price_code not in (None, "auto") and edition.price_code.startswith("5") \
                and "USD" in edition.price and \
                edition.price_code != isbns.price_code(edition.price["USD"]):
            problem(("editions", e, "price_code"), Code.BAD_PRICE_CODE,
                    f"the price code {edition.price_code} says "
                    f"${int(edition.price_code[1:]) / 100:.2f} and the US price is "
                    f"${edition.price['USD']}; expected {isbns.price_code(edition.price['USD'])}"
                    " (or auto)")
    return problems


def credit_fields(loc: tuple, story: Story):
    """(role, ref, where) of each person ``story`` (at ``loc``) credits: the id or name and
    its place in the manifest ('authors', 1 or 'author'), in ROLES order."""
    for role in ROLES:
        field = "authors" if role == "author" and story.authors is not None else role
        for n, ref in enumerate(story.refs(role)):
            yield role, ref, (*loc, field) if field == "author" else (*loc, field, n)


def as_given(data, where: tuple) -> tuple:
    """``where`` as the manifest gives it: a list of names given as one name
    ('translator: Jo Penrose') has no index."""
    if isinstance(where[-1], int) and isinstance(raw_value(data, where[:-1]), str):
        return where[:-1]
    return where


def raw_value(data, loc):
    """The raw manifest's value at ``loc``, or None."""
    for key in loc:
        try:
            data = data[key]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _matter_fields(book: Book):
    """(location, Markdown text, kind) of the Markdown fields outside the pieces (load_book
    checks the pieces' own one at a time)."""
    fields = [(("foreword", "text"), book.foreword.text if book.foreword else None, "prose"),
              (("afterword", "text"), book.afterword.text if book.afterword else None, "prose"),
              (("acknowledgements", "text"),
               book.acknowledgements.text if book.acknowledgements else None, "prose"),
              (("dedication",), book.dedication, "prose"),
              (("epigraph", "text"), book.epigraph.text if book.epigraph else None, "prose")]
    fields += [(("parts", p, "intro"), part.intro, "prose")
               for p, part in enumerate(book.parts or ())]
    fields += [(("contributors", c, bio), getattr(entry, bio), "prose")
               for c, entry in enumerate(book.contributors) for bio in ("bio", "short_bio")]
    return [field for field in fields if field[1]]


def book_images(book: Book) -> list[str]:
    """The book-relative paths of every image the book shows (checked by load_book)."""
    return sorted({image_path(src) for _, text, kind in markdown_fields(book)
                   for src, _, _ in markdown_images(text, kind)})


_NOTE_CODES = {"no text": Code.NOTE_WITHOUT_TEXT, "never called": Code.NOTE_NEVER_CALLED,
               "misplaced": Code.NOTE_MISPLACED}


def _text_problems(data, fields, root: Path) -> list[Problem]:
    """What the Markdown of ``fields`` ((location, text, kind), located in ``data``) asks that the
    book cannot honour: nesting deeper than the layout keeps, nothing to show, and images
    that are not readable files inside the book folder."""
    problems = []
    for loc, text, kind in fields:
        if not text:
            continue
        file, line = locate(data, loc)
        if nested := nesting_problem(text, kind):
            problems.append(Problem(file, line + nested[0] - 1, Code.MARKDOWN_TOO_DEEP,
                                    dotted_path(loc), nested[1]))
        for offset, what, message in note_problems(text, kind):
            problems.append(Problem(file, line + offset - 1, _NOTE_CODES[what], dotted_path(loc),
                                    message))
        if shows_nothing(text, kind):
            problems.append(Problem(file, line, Code.SHOWS_NOTHING, dotted_path(loc), "the text "
                                    "shows nothing (only link reference definitions); "
                                    "expected Markdown text"))
        problems += _span_problems(data, [(loc, text, kind)])
        for src, alt, offset in markdown_images(text, kind):
            if found := _image_problem(src, alt, root):
                problems.append(Problem(file, line + offset - 1, found[0], dotted_path(loc),
                                        found[1]))
    return problems


def _image_problem(src: str, alt: str, root: Path) -> tuple[Code, str] | None:
    """Images may only be files inside the book folder, in formats both outputs carry, of a
    size a page can use, and must say what they show."""
    relative = image_path(src)
    target = resolve_inside(root, relative) if relative else None
    if relative is None or target is None:
        return Code.IMAGE_OUTSIDE, (f"image '{src}' is not a file inside the book folder; "
                                    "expected a relative path to a "
                                    f"{'/'.join(sorted(IMAGE_TYPES))} file")
    if not target.is_file():
        return Code.IMAGE_NOT_FOUND, f"image '{src}' not found (looked in {root})"
    if not alt.strip():
        return Code.IMAGE_UNDESCRIBED, f"image '{src}' needs a description: ![what it shows]({src})"
    return image_file_problem(target, src)

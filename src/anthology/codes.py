"""The stable codes of manifest problems (Mnnn) and preflight checks (Pnnn): the one table.

Every manifest problem and every preflight line carries its code, so that an editor or CI can
grep for it. A code keeps its meaning for good: a new kind of problem or check takes the next
free number, and a code that is no longer used stays here (its meaning saying so), never to be
given to something else. The README's "Error and check codes" section is this table (a test
compares them).
"""

from __future__ import annotations

from enum import StrEnum, unique


@unique
class Code(StrEnum):
    """A code (the value, e.g. "M016") with a short ``label`` and its ``meaning``. For a
    preflight check the label is the check's name in the table."""

    label: str
    meaning: str

    def __new__(cls, value: str, label: str, meaning: str):
        member = str.__new__(cls, value)
        member._value_, member.label, member.meaning = value, label, meaning
        return member

    # Reading the manifest and its YAML (manifest.py)
    NO_MANIFEST = "M001", "no manifest", "the manifest file does not exist"
    UNREADABLE_MANIFEST = "M002", "unreadable manifest", "the manifest file cannot be read"
    NOT_UTF8 = "M003", "not UTF-8", "the manifest is not UTF-8 text"
    FORBIDDEN_CHARACTER = "M004", "forbidden character", "a character YAML does not allow"
    YAML_SYNTAX = "M005", "YAML syntax error", "the YAML cannot be parsed"
    YAML_ERROR = "M006", "YAML error", "another error of the YAML parser"
    SECOND_DOCUMENT = "M007", "second document", "more than one YAML document ('---')"
    EMPTY_DOCUMENT = "M008", "empty document", "the manifest has no content"
    NOT_A_MAPPING = "M009", "not a mapping", "the manifest is not a mapping of keys"
    DUPLICATE_KEY = "M010", "duplicate key", "a key given twice in one mapping"
    UNSUPPORTED_TAG = "M011", "unsupported tag", "a YAML tag other than plain values"
    UNREADABLE_VALUE = "M012", "unreadable value", "a tagged value YAML cannot read as its type"
    UNKNOWN_ALIAS = "M013", "unknown alias", "an alias that names no earlier anchor"
    ALIAS_BOMB = "M014", "alias bomb", "aliases that repeat too many values or too much text"
    YAML_TOO_DEEP = "M015", "YAML too deep", "values nested deeper than the parser allows"
    # The book's schema (model.py)
    UNKNOWN_KEY = "M016", "unknown key", "a key the manifest does not define here"
    MISSING_FIELD = "M017", "missing field", "a required key is missing"
    WRONG_TYPE = "M018", "wrong type", "text, a list or a mapping of another kind"
    EMPTY_VALUE = "M019", "empty value", "text that must not be empty is empty"
    EMPTY_LIST = "M020", "empty list", "a list that needs at least one entry is empty"
    OUT_OF_RANGE = "M021", "out of range", "a number outside its bounds"
    NOT_A_CHOICE = "M022", "not a choice", "a value that is not one of the allowed ones"
    NOT_TRUE_OR_FALSE = "M023", "not true or false", "a yes/no setting given another value"
    BAD_DATE = "M024", "bad date", "not a date like 2018-05-05"
    BAD_LANGUAGE = "M025", "bad language", "not a BCP 47 language tag like 'en' or 'pt-BR'"
    BAD_ADDRESS = "M026", "bad address", "a source that is not a plain http(s):// address"
    BAD_TRIM = "M027", "bad trim", "not a trim size like '5.5in x 8.5in' or a preset"
    BAD_LENGTH = "M028", "bad length", "not a length like 0.125in or 3mm"
    EMPTY_TEXT = "M029", "empty text", "a story's or foreword's text is empty"
    TEXT_AND_FILE = "M030", "text and file", "both 'text' and 'file' given"
    NO_TEXT = "M031", "no text", "neither 'text' nor 'file' given"
    STORIES_OR_PARTS = "M032", "stories or parts", "not exactly one of 'stories' and 'parts'"
    INVALID_VALUE = "M033", "invalid value", "a value the schema refuses for another reason"
    # Story and foreword files (manifest.py)
    FILE_OUTSIDE = "M034", "file outside the book", "a 'file:' path outside the book folder"
    FILE_IS_FOLDER = "M035", "file is a folder", "a 'file:' path that names a folder"
    FILE_NOT_REGULAR = "M036", "file not regular", "a 'file:' path to a pipe or a device"
    NO_SUCH_FILE = "M037", "no such file", "a 'file:' path to nothing"
    UNREADABLE_FILE = "M038", "unreadable file", "a 'file:' that cannot be read as UTF-8 text"
    # The Markdown text and its images (model.py, images.py)
    MARKDOWN_TOO_DEEP = "M039", "Markdown too deep", "block quotes and lists nested too deep"
    SHOWS_NOTHING = "M040", "shows nothing", "text of link reference definitions only"
    IMAGE_OUTSIDE = "M041", "image outside the book", "an image that is not a file in the book"
    IMAGE_NOT_FOUND = "M042", "image not found", "an image path to nothing"
    IMAGE_UNDESCRIBED = "M043", "image undescribed", "an image without a description (alt text)"
    IMAGE_MISNAMED = "M044", "image misnamed", "an image whose suffix names another format"
    IMAGE_TOO_LARGE = "M045", "image too large", "an image of over 36 million pixels"
    UNREADABLE_IMAGE = "M046", "unreadable image", "not a PNG, JPEG or GIF that decodes whole"
    # Kinds of piece and their apparatus (model.py, text.py)
    LETTER_PART_OUTSIDE_LETTER = "M047", "letter part outside a letter", \
        "a dateline, salutation, closing, signature or postscript on a piece not a letter"
    NOTE_WITHOUT_TEXT = "M048", "note without text", "a footnote call [^n] with no '[^n]:' text"
    NOTE_NEVER_CALLED = "M049", "note never called", "a footnote text '[^n]:' no call refers to"
    NOTE_MISPLACED = "M050", "note misplaced", \
        "a note's second text, a call inside a note, or verse after a poem's notes"
    # The people of the book (model.py)
    AUTHOR_AND_AUTHORS = "M051", "author and authors", "both 'author' and 'authors' given"
    DUPLICATE_CONTRIBUTOR = "M052", "duplicate contributor", \
        "two contributors with one id, or a name two ids share that a piece uses"
    # The theme block (model.ThemeSettings)
    BAD_FONT_NAME = "M060", "bad font name", "a font family name with characters no family has"
    BAD_TYPE_SIZE = "M061", "bad type size", "not a type size like 11pt (8-24pt)"
    BAD_ORNAMENT = "M062", "bad ornament", "an ornament that is not one short line of text"
    # Editions (model.Edition)
    BAD_ISBN = "M063", "bad ISBN", "not an ISBN-13 (978 or 979) with its right check digit"
    DUPLICATE_ISBN = "M064", "duplicate ISBN", "one ISBN given to two editions"
    BAD_PRICE = "M065", "bad price", "not a price like 'USD: 19.95' (ISO 4217 currency)"
    DUPLICATE_EDITION = "M066", "duplicate edition", "two editions with one name"
    BAD_PRICE_CODE = "M067", "bad price code", "a barcode add-on that is not five digits or auto"
    NOT_FOR_FORMAT = "M068", "not for this format", \
        "an edition setting its format has no use for (large_print on an ebook)"
    LARGE_PRINT_TOO_SMALL = "M069", "large print too small", \
        "a large-print edition set under 16pt"
    BAD_SUBJECT = "M070", "bad subject code", "not a BISAC (FIC029000) or Thema (FYB) code"
    # A catalogue of books (catalogue.py)
    NO_BOOKS = "M071", "no books", \
        "a catalogue's books: entry that matches no manifest, or names a catalogue"
    SAME_OUT_FOLDER = "M072", "same out folder", \
        "a catalogue's out: pattern that writes two books to one folder"
    # Warnings of `anthology check` (lint.py): the book builds, but an editor should look
    CONTRIBUTOR_WITHOUT_PIECE = "W001", "contributor without a piece", \
        "a contributor of the register no piece credits"
    BIO_MISSING = "W002", "bio missing", "a piece's author has no bio when others have one"
    SAME_PERSON = "W003", "same person twice?", \
        "two contributors whose names differ only in spelling or accents"
    UNKNOWN_ID = "W004", "unknown id?", "a piece names someone the register lacks, one letter " \
        "or so from a contributor's id"
    NO_TRANSLATOR = "W005", "no translator", "a piece translated from a language, by no one"
    FONT_NOT_INSTALLED = "W006", "font not installed", \
        "a theme font this machine lacks: its text would be set in another face"
    # Preflight of the print files (preflight.py)
    PAGE_COUNT = "P001", "page count", "the interior's page count is within the printer's"
    EVEN_PAGES = "P002", "even page count", "an even page count, where the printer needs one"
    TRIM_SIZE = "P003", "trim size", "every page's TrimBox is the book's trim"
    BOXES = "P004", "boxes", "the MediaBox is the trim plus bleed, with a BleedBox if bled"
    GUTTER = "P005", "gutter", "the measured inside margin is the gutter for the page count"
    MARGINS = "P006", "margins", "the measured outside, top and bottom margins"
    FONTS_EMBEDDED = "P007", "fonts embedded", "every font is embedded"
    GLYPHS_DRAWN = "P008", "every glyph drawn", "every glyph drawn has an outline in its font"
    PDF_X = "P009", "PDF/X output intent", "the PDF/X output intent and XMP identification"
    BLACK_TEXT = "P010", "text in pure black", "all text is K-only black (0/0/0/100 CMYK)"
    COVER_WIDTH = "P011", "cover width", "bleed, back, spine and front add up"
    COVER_HEIGHT = "P012", "cover height", "the trim's height plus bleed"
    COVER_TRIM_BOX = "P013", "cover trim box", "the cover has a TrimBox"
    SPINE_TEXT = "P014", "spine text", "spine text only where the spine is wide enough for it"
    COVER_SAFE_ZONE = "P015", "cover safe zone", \
        "cover text 0.25in plus a 1/16in shift from the trim and the spine's folds"
    BARCODE = "P016", "barcode", "the barcode, read at 300 dpi, is the edition's ISBN (and add-on)"
    BARCODE_ZONE = "P017", "barcode zone clear", "nothing but the barcode in its 2in x 1.2in zone"
    COVER_COPY = "P018", "back cover copy whole", "the back cover's copy is all drawn, above the barcode"

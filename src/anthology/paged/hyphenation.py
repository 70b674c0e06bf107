"""Hyphenation a typesetter accepts, on top of WeasyPrint 70's.

WeasyPrint hyphenates a word with pyphen wherever its patterns allow, within the counts of
``hyphenate-limit-chars`` (book.css: 6 3 3). Three rules it does not know are added here:

- a break keeps at least three letters on each side *within its run of letters*: pyphen is
  given "apartment⁠—⁠at" (a word joiner each side of the dash) whole, so its limits count
  the dash and "at", and it broke "apartmen-/t—at"; the same holds by a slash, an apostrophe
  or a digit;
- a capitalised word (a name: "Russell", "Philadelphia") is never broken, in any measure:
  a loose line reads better than a split name (like InDesign's "Hyphenate Capitalized Words"
  off, this also keeps a sentence's first word whole); but for languages that capitalise
  every noun (German, Luxembourgish), whose compounds must break;
- no more than two consecutive lines end in a hyphen (``hyphenate-limit-lines: 2``, which
  WeasyPrint lacks): the line after two hyphenated ones is not hyphenated. The count goes on
  across a page break: it is kept for each place a paragraph resumes.

``install`` makes the change in the running process (layout.lay_out calls it in each
worker). It wraps two of WeasyPrint's functions and gives its line breaker a pyphen
dictionary with these rules; the version is pinned, and a WeasyPrint whose code differs
where the change hooks in, or another version, fails loudly rather than hyphenating
differently.
"""

from __future__ import annotations

import inspect
import types
from contextvars import ContextVar
from functools import lru_cache

WEASYPRINT = "70.0"   # the version whose line breaking this changes (pinned in pyproject.toml)
LETTERS_AROUND = 3    # letters kept on each side of a break, within the run of letters
MOST_IN_A_ROW = 2     # consecutive lines that may end in a hyphen
NOUNS_CAPITALISED = ("de", "lb", "gsw", "nds")  # languages whose capitals are not names
# What a layout's cache key holds of these rules: change it with them.
RULES = (WEASYPRINT, LETTERS_AROUND, MOST_IN_A_ROW, NOUNS_CAPITALISED, 1)
HYPHENS = ("\u2010", "-", "\u00ad")  # WeasyPrint's hyphenate-character, a hyphen, a soft one

_no_more = ContextVar("anthology_no_more_hyphens", default=False)  # this line: none


def allowed(word: str, position: int, names: bool = True) -> bool:
    """Whether ``word`` may break before ``word[position]``: three letters each side within
    the run of letters around it, and (``names``: capitals are names) that run not
    capitalised (pyphen may be given "“Russell" or "at—Philadelphia" whole)."""
    before = word[max(0, position - LETTERS_AROUND):position]
    after = word[position:position + LETTERS_AROUND]
    if not (len(before) == len(after) == LETTERS_AROUND and before.isalpha()
            and after.isalpha()):
        return False
    start = position
    while start and word[start - 1].isalpha():
        start -= 1
    return not (names and word[start].isupper())


def _dictionary_class(pyphen):
    class Dictionary(pyphen.Pyphen):
        """pyphen's dictionary, with anthology's rules on where a word may break."""

        def __init__(self, *args, lang=None, **kwargs):
            super().__init__(*args, lang=lang, **kwargs)
            self.names = (lang or "").replace("_", "-").split("-")[0].lower() \
                not in NOUNS_CAPITALISED

        def positions(self, word):
            if _no_more.get():
                return []
            return [i for i in super().positions(word) if allowed(word, i, self.names)]

    return Dictionary


def _ends_in_hyphen(box) -> bool:
    """Whether a laid-out line's last text ends in a hyphen."""
    text = getattr(box, "text", None)
    if text is not None:
        return text.rstrip(" ").endswith(HYPHENS)
    for child in reversed(getattr(box, "children", ())):
        text = getattr(child, "text", None)
        if text is not None and not text.strip(" "):
            continue  # a trailing space
        return _ends_in_hyphen(child)
    return False


def _frozen(stack):
    """A skip stack (WeasyPrint's place in a box: nested dicts) as a dictionary key."""
    if stack is None:
        return None
    return tuple(sorted((key, _frozen(value)) for key, value in stack.items()))


def _counting_lines(get_next_linebox):
    def counted(context, linebox, position_y, bottom_space, skip_stack, *args, **kwargs):
        """WeasyPrint's ``get_next_linebox``, told when the line must not be hyphenated;
        how many hyphenated lines end just before each place a paragraph's lines resume
        is kept on the layout's context (the next page resumes the count there)."""
        runs = context.__dict__.setdefault("_anthology_hyphen_runs", {})
        where = (id(linebox.element), linebox.element_tag)
        before = 0 if skip_stack is None else runs.get((where, _frozen(skip_stack)), 0)
        token = _no_more.set(before >= MOST_IN_A_ROW)
        try:
            line, resume_at = get_next_linebox(context, linebox, position_y, bottom_space,
                                               skip_stack, *args, **kwargs)
        finally:
            _no_more.reset(token)
        if line is not None and resume_at is not None:
            runs[(where, _frozen(resume_at))] = before + 1 if _ends_in_hyphen(line) else 0
        return line, resume_at

    counted.anthology_wrapped = True
    return counted


@lru_cache(maxsize=1)
def install() -> None:
    """Put the rules above into WeasyPrint's line breaking, in this process (once)."""
    import pyphen
    import weasyprint
    from weasyprint.layout import inline
    from weasyprint.text import line_break

    if weasyprint.__version__ != WEASYPRINT:
        raise RuntimeError(f"anthology's hyphenation rules (paged/hyphenation.py) are made for "
                           f"WeasyPrint {WEASYPRINT}, not {weasyprint.__version__}")
    hooks = (("dictionary = pyphen.Pyphen(lang=lang, left=left, right=right)",
              inspect.getsource(line_break.split_first_line)),
             ("line, resume_at = get_next_linebox(", inspect.getsource(inline.iter_line_boxes)))
    if line_break.pyphen is not pyphen or not all(hook in source for hook, source in hooks):
        raise RuntimeError("WeasyPrint's line breaking changed: anthology's hyphenation "
                           "rules (paged/hyphenation.py) need a look")
    line_break.pyphen = types.SimpleNamespace(Pyphen=_dictionary_class(pyphen),
                                              language_fallback=pyphen.language_fallback)
    if not getattr(inline.get_next_linebox, "anthology_wrapped", False):
        inline.get_next_linebox = _counting_lines(inline.get_next_linebox)

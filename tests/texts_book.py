"""A 40-piece test anthology of verse, letters and prose, written for these tests.

Poems with indents, long lines, stanzas that run across pages and lines that look like
Markdown; letters with every part; prose with scene breaks, footnotes (many on a page, and
enough that some call falls on a page's last line), epigraphs and headnotes; Greek
polytonic, Vietnamese, Arabic and Chinese; a dedication, the book's epigraph, an afterword
and acknowledgements. Parts set their pieces differently: poems run on, letters start a page
when needed, stories each open a page.
"""

from __future__ import annotations

from pathlib import Path

import yaml

# ---- Verse ---------------------------------------------------------------------------

HARBOUR = """\
The boats come in at six with nothing said,
  their engines ticking like a kitchen clock;
    the gulls go over, patient, overhead,
and someone's mother waits along the dock.

# Four is the number of ropes on the bollard,
1. one for the bow and one for the stern,
- and two for the weather, which never is ordered,
> and none for the sailor who does not return.

* * *
    A stanza that begins four spaces in
    is still a stanza, not a block of code;
the tide decides the rest, as it has been
deciding since the harbour wall was made and the first rope was thrown across the water by a boy who did not know he would be counted for it."""

LONG_LINES = """\
There is a kind of evening that arrives before the light has finished with the fields, and stays a little longer than it should,
  and in it every sound is further off than it has any right to be, the dog, the gate, the voice across the yard calling a name that no one answers to,
and then it is the ordinary dark."""

WINTER_LIST = "\n\n".join(
    "\n".join(f"{'  ' * (line % 3)}{text}" for line, text in enumerate(stanza))
    for stanza in [
        ["First the wood, and then the kindling,", "then the paper, then the match;",
         "then the waiting, then the dwindling", "of the cold behind the latch."],
        ["Count the jars along the shelving:", "plum and damson, pear and quince;",
         "count the hours of the delving", "and the frost that followed since."],
        ["Mend the collar of the jacket,", "wind the clock above the stair,",
         "fold the letters in their packet,", "leave a candle by the chair."],
        ["Every year the list grows longer", "and the doing grows more slow,",
         "and the reasons to be stronger", "are the reasons that we know."],
        ["Salt the step before the morning,", "knock the ice out of the pail,",
         "read the almanac's fair warning", "of the sleet and then the hail."],
        ["Say the names of those not present", "at the table, one by one;",
         "keep the telling plain and pleasant,", "and be quiet when it's done."],
    ])

# One stanza longer than a page: it must break, keeping two lines or more on each side.
LONG_STANZA = "\n".join(f"{'  ' * (n % 2)}Line {n + 1} of the tally, and the tide still "
                         f"{('rising', 'turning', 'falling')[n % 3]}," for n in range(44))

CENTRED = """\
->for the ones who stayed<-

We kept the lamp at the window
  long after the road went quiet,
    long after the dog gave up.

->and for the ones who went"""

NOTED_POEM = """\
They call it *the Narrows*[^1] where the river turns,
  and nobody swims there after June;
the old men say the water learns
  the names of those who leave too soon.

[^1]: A bend of the river below the mill, so named on the parish map of 1840."""

GREEK_POEM = """\
Ἡ θάλασσα ἀνοίγει τὰ χέρια της τὸ βράδυ,
  καὶ τὰ καράβια γέρνουν σὰν παιδιὰ ποὺ κοιμοῦνται·
ὁ γέροντας μετρᾷ τὰ ἄστρα ἕνα ἕνα,
  καὶ ἡ νύχτα τοῦ ἀπαντᾷ μὲ ἥσυχη φωνή."""

VIETNAMESE_POEM = """\
Chiều về trên bến sông quê,
  con đò nhỏ chở nắng về bên kia;
mẹ ngồi vá lưới đầu hè,
  tiếng ru còn vọng, gió khuya chưa về."""

# ---- Letters -------------------------------------------------------------------------

LETTER_BODY = (  # a line break in Markdown is kept, so each paragraph is one line
    "The parcel came on Tuesday, wet at one corner, and I have been meaning to write since. "
    "The books are safe; the jam is not, though the dog disagrees.\n\n"
    "We have had a week of weather that cannot make up its mind. On Monday the river rose to "
    "the second step; by Thursday you could walk across the ford without wetting your boots. "
    "Father says this is what comes of building a house where two valleys argue.\n\n"
    "Tell me everything about the new post, and do not pretend it is dull. Nothing you have "
    "ever done has been dull, least of all the things you called dull at the time.")

ARABIC_LETTER = """\
وصلتني رسالتك مع أول المطر، فقرأتها مرتين قبل أن أفتح النافذة. البيت هادئ منذ سافرت، \
والشجرة التي زرعناها في الربيع صارت أطول من السور.

أكتب لك من المطبخ، والشاي يبرد بجانبي كعادته. لا تقلق علينا، فكل شيء على ما يرام."""

# ---- Prose ---------------------------------------------------------------------------

_SENTENCES = [
    "The ferry left at a quarter past seven, whatever the timetable said.",
    "Nobody in the village could remember who had first painted the boathouse blue.",
    "She kept the key on a string around her wrist, and never once used it.",
    "By the third winter the orchard had gone wild, and the children preferred it.",
    "The postmistress read every card before she sorted it, and said so.",
    "There was a bell in the church tower that rang on its own in a west wind.",
    "He measured the tide each morning with a broom handle notched in inches.",
    "The road to the quarry was closed, then open, then closed again, for reasons.",
    "On the last day of the fair the strongman sold his weights to the blacksmith.",
    "In the evenings the wireless caught a station from somewhere with no name.",
]


def _prose(paragraphs: int, seed: int, notes: list[int] = (), note_base: int = 1,
           breaks: tuple[int, ...] = ()) -> str:
    """``paragraphs`` paragraphs of the sentences above; a footnote call at the end of each
    paragraph in ``notes``, a scene break before each paragraph in ``breaks``."""
    out, definitions = [], []
    for p in range(paragraphs):
        words = [_SENTENCES[(seed + p * 3 + s) % len(_SENTENCES)] for s in range(5 + p % 4)]
        text = " ".join(words)
        if p in notes:
            n = note_base + len(definitions)
            cut = text.index(".", len(text) // 2) + 1
            text = f"{text[:cut]}[^{n}]{text[cut:]}"
            definitions.append(f"[^{n}]: Note {n}: the parish records give another "
                               f"account{', at some length' * (p % 3)}.")
        if p in breaks:
            out.append("* * *")
        out.append(text)
    return "\n\n".join(out + definitions)


def pieces() -> list[dict]:
    poems = [
        {"title": "The Harbour Rules", "author": "Maren Oakes", "text": HARBOUR},
        {"title": "Evening, Long Lines", "author": "Tomás Reyes", "text": LONG_LINES},
        {"title": "A Winter List", "author": "Edith Carrow", "file": "poems/winter.md"},
        {"title": "Window", "author": "Jun Park", "text": CENTRED},
        {"title": "The Tally", "author": "Edith Carrow", "text": LONG_STANZA},
        {"title": "The Narrows", "author": "Maren Oakes", "text": NOTED_POEM},
        {"title": "Θάλασσα τὸ βράδυ", "author": "Ἑλένη Μαυρίδου", "language": "grc",
         "text": GREEK_POEM},
        {"title": "Bến sông", "author": "Trần Thị Mai", "language": "vi",
         "text": VIETNAMESE_POEM},
    ]
    for n in range(8):
        poems.append({"title": f"Small Hours {n + 1}", "author": "Ivo Lindqvist",
                      "text": "\n".join(f"{'  ' * (i % 2)}{_SENTENCES[(n + i) % 10][:-1]}"
                                        for i in range(3 + n % 4))})
    letters = [
        {"title": "To a Sister Abroad", "author": "Ruth Ellery", "kind": "letter",
         "dateline": "Hollins Farm, 12 March 1931", "salutation": "Dearest Kit,",
         "text": LETTER_BODY, "closing": "Your loving sister,", "signature": "Ruth",
         "postscript": "P.S. The dog sends his regards, and no apology."},
        {"title": "رسالة إلى أخي", "author": "سلمى يوسف", "language": "ar", "kind": "letter",
         "salutation": "أخي العزيز،", "text": ARABIC_LETTER, "closing": "مع محبتي،",
         "signature": "سلمى يوسف"},
    ]
    for n in range(6):
        letters.append({
            "title": f"Letter from the Coast {n + 1}", "author": "Arthur Penhale",
            "kind": "letter", "dateline": f"St Ives, {n + 3} June 1952",
            "salutation": "My dear Tom,", "date": f"1953-0{n + 1}-01",
            "text": _prose(2 + n % 3, n), "closing": "Ever yours,",
            "signature": "Arthur Penhale",
            **({"postscript": "P.S. Burn this, or frame it."} if n % 2 else {})})
    stories = [
        {"title": "The Annotated Ferry", "author": "Nadia Brooks",
         "headnote": "First read aloud at the harbour festival; the notes are the author's.",
         "epigraph": {"text": "Every crossing is two crossings.",
                      "source": "a ferryman's saying"},
         "text": _prose(28, 1, notes=[0, 1, 2, 4, 5, 7, 8, 9, 11, 12, 14, 15, 16, 18, 19,
                                      20, 22, 23, 24, 26, 27], breaks=(10, 21))},
        {"title": "Three Notes on One Page", "author": "Idris Okafor",
         "text": _prose(4, 2, notes=[0, 1, 2])},
        {"title": "Scene Changes", "author": "Lena Vogt",
         "text": _prose(14, 3, breaks=(3, 6, 9, 12))},
        {"title": "海边的灯塔", "author": "林小雨", "language": "zh",
         "text": "灯塔在海边站了一百年。每天晚上，老人都会爬上去点灯。\n\n"
                 "* * *\n\n后来，村里的孩子们长大了，也学会了点灯。"},
    ]
    for n in range(12):
        story = {"title": f"The Quarry Road {n + 1}", "author": "Owen Treharne",
                 "text": _prose(3 + n % 5, n + 4, breaks=(2,) if n % 2 else ())}
        if n % 3 == 0:
            story["epigraph"] = {"text": "*Roads are only promises with gravel.*"}
        stories.append(story)
    return [poems, letters, stories]


def manifest() -> dict:
    poems, letters, stories = pieces()
    return {
        "title": "Tides and Letters",
        "subtitle": "An anthology of verse, letters and stories",
        "editors": ["Clare Whitlow"],
        "language": "en",
        "date": "2026-11-01",
        "dedication": "*For everyone who kept the lamp lit.*",
        "epigraph": {"text": "The sea keeps what it is given, and gives back what it keeps.",
                     "source": "a saying of the coast"},
        "afterword": {"title": "Editor's Note", "author": "Clare Whitlow",
                      "text": "These pieces were gathered over two winters. " * 6},
        "acknowledgements": "Thanks to the harbour library and its patient staff.",
        "parts": [
            {"title": "Poems", "kind": "verse", "layout": {"new_page": "never"},
             "stories": poems},
            {"title": "Letters", "layout": {"new_page": "when_needed", "numbers": False},
             "stories": letters},
            {"title": "Stories", "stories": stories},
        ],
    }


def write(folder: Path) -> Path:
    """The book's folder (manifest and one poem file) written into ``folder``."""
    (folder / "poems").mkdir(parents=True, exist_ok=True)
    (folder / "poems" / "winter.md").write_text(WINTER_LIST + "\n", encoding="utf-8")
    path = folder / "book.yaml"
    path.write_text(yaml.safe_dump(manifest(), allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return path

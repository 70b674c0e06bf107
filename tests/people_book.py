"""A 30-piece test anthology of many people, written for these tests.

Co-authored pieces, translations (from the Galician, the Vietnamese and the Greek, with
their original titles), an illustrated piece, an edited excerpt, reprints with their first
publication and permission, contributors in a register with bios (some with a short bio
under their pieces) and some named only in their pieces; names that need collation (Ñ, Ø,
Ł, Ö, Ó, "de la", "van der", a family name first, a Greek name), and pieces long enough to
run over several pages, so that page numbers are not the pieces' order.
"""

from __future__ import annotations

from pathlib import Path

import yaml

CONTRIBUTORS = [
    {"id": "zoe", "name": "Zoë Núñez", "handle": "@zoenunez",
     "website": "https://zoenunez.example.org/",
     "bio": "Zoë Núñez grew up above a bakery in Salamanca and now teaches chemistry in "
            "Leeds. Her stories have been read on the radio.",
     "short_bio": "Zoë Núñez teaches chemistry in Leeds."},
    {"id": "oystein", "name": "Øystein Ødegård",
     "bio": "Øystein Ødegård keeps bees and a ferry timetable in his head. He lives on an "
            "island with more sheep than roads."},
    {"id": "lucja", "name": "Łucja Łęcka",
     "bio": "Łucja Łęcka writes in Polish and English and translates neither."},
    {"id": "orjan", "name": "Örjan Öberg",
     "bio": "Örjan Öberg is a retired surveyor whose poems measure things."},
    {"id": "ana", "name": "Ana de la Fuente",
     "bio": "Ana de la Fuente is a nurse in Valladolid; this is her first published story.",
     "short_bio": "Ana de la Fuente is a nurse in Valladolid."},
    {"id": "jan", "name": "Jan van der Berg", "sort_as": "Berg, Jan van der",
     "bio": "Jan van der Berg repairs clocks, and sometimes the people who bring them."},
    {"id": "lan", "name": "Nguyễn Thị Lan", "sort_as": "Nguyễn Thị Lan",
     "bio": "Nguyễn Thị Lan writes short fiction in Hà Nội."},
    {"id": "jo", "name": "Jo Penrose", "website": "https://penrose.example.net/translations",
     "bio": "Jo Penrose translates from Galician, Portuguese and Vietnamese."},
    {"id": "maria", "name": "María Olalla Rei", "sort_as": "Olalla Rei, María",
     "bio": "María Olalla Rei writes poems in Galician about the coast near Cangas."},
    {"id": "eleni", "name": "Ελένη Παππά", "sort_as": "Παππά, Ελένη",
     "bio": "Ελένη Παππά lives in Thessaloniki; her poems are about harbours."},
    {"id": "tomas", "name": "Tomás Ó Briain", "sort_as": "Ó Briain, Tomás",
     "bio": "Tomás Ó Briain fishes, badly, off the coast of Clare."},
    {"id": "laura", "name": "Laura Lopez", "bio": "Laura Lopez drives a night bus."},
    {"id": "ida", "name": "Ida Oak", "bio": "Ida Oak is a gardener and a grandmother."},
    {"id": "oscar", "name": "Oscar Ortiz", "bio": "Oscar Ortiz plays the tuba in a brass band."},
    {"id": "kit", "name": "Kit Marlowe-Hay", "bio": "Kit Marlowe-Hay draws birds in ink."},
    {"id": "ruth", "name": "Ruth Abara", "bio": "Ruth Abara edits a magazine of short prose."},
]

# Who the index lists, in the order a reader expects (accents sort with their base letter;
# a space sorts before a letter: "Ó Briain" before "Oak"; Greek after Latin).
INDEX_ORDER = ["Abara, Ruth", "Berg, Jan van der", "Dalby, Hugh", "Fuente, Ana de la",
               "Hale, Sam", "Łęcka, Łucja", "Lopez, Laura", "Marlowe-Hay, Kit",
               "Natarajan, Priya", "Nguyễn Thị Lan", "Núñez, Zoë", "Ó Briain, Tomás",
               "Oak, Ida", "Öberg, Örjan", "Ødegård, Øystein", "Olalla Rei, María",
               "Ortiz, Oscar", "Penrose, Jo", "Παππά, Ελένη"]

_SENTENCES = [
    "The kettle had been boiling for some time before anyone noticed it.",
    "Outside, the rain went on with its work, patient as a clerk.",
    "She counted the stairs again, because the number had changed since morning.",
    "Nobody in the village could remember who had planted the row of pear trees.",
    "He wrote the letter twice and posted neither, and both arrived.",
    "The ferry was late, which on that island counted as a kind of news.",
    "By the third winter the dog had learned the bus timetable better than we had.",
    "There are maps that tell you where you are, and maps that tell you who.",
    "My grandmother kept buttons in a biscuit tin and secrets in the button holes.",
    "At the end of the shift the corridor lights hummed a note no one could name.",
]
_LINES = ["the tide goes out with all our names", "a gull stands on one leg and thinks",
          "the harbour lamps come on like questions", "we mend the nets we tore last year",
          "salt on the window, salt on the bread", "my father's boat is someone else's now",
          "the light comes sideways through the rain", "and nobody is waiting on the quay"]


def _prose(seed: int, paragraphs: int) -> str:
    out = []
    for p in range(paragraphs):
        out.append(" ".join(_SENTENCES[(seed + p + k) % len(_SENTENCES)] for k in range(5)))
    return "\n\n".join(out)


def _verse(seed: int, stanzas: int) -> str:
    return "\n\n".join("\n".join(_LINES[(seed + s + k) % len(_LINES)] for k in range(4))
                       for s in range(stanzas))


def pieces() -> list[list[dict]]:
    """The book's parts: (stories of) prose, then verse and letters."""
    prose = [
        {"title": "The Pear Trees", "author": "zoe", "text": _prose(0, 3)},
        {"title": "Two Hands on a Rope", "authors": ["zoe", "oystein"], "text": _prose(1, 9)},
        {"title": "A Night Bus", "author": "laura", "text": _prose(2, 2),
         "first_published": "The Lantern Review, no. 12, 2021",
         "permission": "Reprinted by permission of the author"},
        {"title": "Ward Seven", "authors": ["ana", "Sam Hale"], "text": _prose(3, 14)},
        {"title": "The Clockmaker's Apprentice", "author": "jan", "text": _prose(4, 4),
         "illustrator": "kit"},
        {"title": "Chợ Sáng", "author": "lan", "translator": "jo", "original_language": "vi",
         "original_title": "Chợ sáng ở Hà Nội", "text": _prose(5, 5),
         "first_published": "Tạp chí Văn, 2017", "permission": "© 2019 Jo Penrose"},
        {"title": "From “The Long Field”", "author": "lucja", "editor": "ruth",
         "text": _prose(6, 12),
         "first_published": "The Long Field (Harrow Press, 2015)",
         "permission": "Excerpted by permission of Harrow Press"},
        {"title": "Buttons", "author": "ida", "text": _prose(7, 1)},
        {"title": "The Tuba Lesson", "author": "oscar", "text": _prose(8, 6)},
        {"title": None, "author": "Priya Natarajan", "handle": "@priyawrites",
         "text": _prose(9, 1)},
        {"title": "Ferry Weather", "author": "oystein", "text": _prose(0, 8)},
        {"title": "Evening Class", "author": "zoe", "text": _prose(1, 2),
         "source": "https://example.org/evening-class"},
        {"title": "The Surveyor's Daughter", "author": "orjan", "text": _prose(2, 10)},
        {"title": "Ænid's Kitchen", "author": "ana", "text": _prose(3, 3)},
        {"title": "Salt", "author": "tomas", "text": _prose(4, 2)},
    ]
    verse = [
        {"title": "A casa da avoa", "author": "maria", "translator": "jo",
         "original_language": "gl", "original_title": "A casa da avoa", "text": _verse(0, 3),
         "first_published": "Poetry Wales, Spring 2024",
         "permission": "Reprinted by permission of the author and the translator"},
        {"title": "Harbour Lamps", "author": "eleni", "translator": "Hugh Dalby",
         "original_language": "el", "original_title": "Τα φανάρια του λιμανιού",
         "text": _verse(1, 4)},
        {"title": "Measurements", "author": "orjan", "text": _verse(2, 6)},
        {"title": "Øresund", "author": "oystein", "text": _verse(3, 2)},
        {"title": "Łódź in March", "author": "lucja", "text": _verse(4, 3)},
        {"title": "The Quay", "author": "tomas", "text": _verse(5, 2)},
        {"title": "Night Nets", "authors": ["tomas", "maria"], "translator": "jo",
         "original_language": "gl", "text": _verse(6, 3)},
        {"title": "Buttonholes", "author": "ida", "text": _verse(7, 2),
         "first_published": "Garden Verse, 1998", "permission": "© 1998 Ida Oak"},
        {"title": "Bus Stop Psalm", "author": "laura", "text": _verse(0, 5)},
        {"title": "Gulls", "author": "Sam Hale", "text": _verse(1, 2)},
    ]
    letters = [
        {"title": "Letter to a Pear Tree", "author": "zoe", "kind": "letter",
         "salutation": "Dear tree,", "closing": "Yours, from the window,", "signature": "Z.",
         "text": _prose(4, 2)},
        {"title": "A Letter Home", "author": "lan", "translator": "jo", "kind": "letter",
         "original_language": "vi", "salutation": "Mẹ ơi,", "text": _prose(5, 3)},
        {"title": "To the Harbourmaster", "author": "oscar", "kind": "letter",
         "closing": "With respect,", "text": _prose(6, 1)},
        {"title": "Postcard from Vigo", "author": "jan", "kind": "letter",
         "dateline": "Vigo, 3 March", "text": _prose(7, 1)},
        {"title": "The Last Letter", "authors": ["ana", "zoe"], "kind": "letter",
         "text": _prose(8, 4)},
    ]
    for part, kind in ((prose, "prose"), (verse, "verse")):
        for piece in part:
            piece.setdefault("kind", kind)
    return [prose, verse, letters]


def manifest() -> dict:
    parts = [{"title": title, "stories": [{k: v for k, v in piece.items() if v is not None}
                                           for piece in stories]}
             for title, stories in zip(("Prose", "Poems", "Letters"), pieces())]
    return {"title": "Many Hands", "subtitle": "A test anthology of many people",
            "editors": ["Rosa Quint"], "publisher": "Test Press", "language": "en",
            "date": "2026-11-29", "identifier": "urn:uuid:7d1f3c2e-1a84-4b7e-9f4e-0c2b5d6e7f81",
            "rights": "Selection © 2026 Rosa Quint. Each piece © its author.",
            "indexes": ["titles", "first_lines"],
            "contributors": CONTRIBUTORS, "parts": parts}


def write(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "book.yaml"
    path.write_text(yaml.safe_dump(manifest(), allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return path

"""Test books that look real: pieces in many scripts, with long ones, written for these tests.

Every piece's title, author and text carry what the theme sets in small caps (headings, first
lines), italics and old-style figures, so every face of a font matrix shows them all.
"""

from __future__ import annotations

import json


# (language, title, author, text): one piece per script the book must print and extract.
PIECES = [
    ("fr", "L’été de la fête", "Hélène Dubois-Lefèvre",
     "Ça faisait déjà trois hivers que Maël gardait la lettre de sa sœur dans la poche de "
     "son manteau. Il la relisait à la gare, *toujours à 7 h 45*, avant le train de 1984."),
    ("pl", "Źdźbła trawy", "Małgorzata Wróbel",
     "Zażółcona łąka pachniała jeszcze deszczem, gdy Łucja liczyła źdźbła: *dwadzieścia "
     "siedem*, potem czterdzieści jeden."),
    ("vi", "Mưa ở Huế", "Nguyễn Thị Hương",
     "Người ở Huế nói rằng mưa sẽ đến trước khi trời tối. Bà tôi ngồi bên cửa sổ, *đếm "
     "từng giọt nước*, và kể chuyện năm 1968."),
    ("el", "Η θάλασσα του Αυγούστου", "Νίκος Παπαδόπουλος",
     "Η Ελένη περπάτησε ως την ακτή και άκουσε τα κύματα. *Δεν είπε τίποτα* για 25 λεπτά."),
    ("grc", "Περὶ τῆς θαλάσσης", "Ἀλέξανδρος Κωνσταντίνου",
     "Ἡ θάλασσα ἦν ἥσυχος, καὶ ὁ ἥλιος ἔδυε πρὸς τὰ ὄρη. *Ὁ γέρων ᾖδε μόνος* ἐν τῇ ἀκτῇ, "
     "ἕως ἡ νὺξ ἦλθεν."),
    ("ru", "Звёзды над рекой", "Анна Сергеевна Иванова",
     "Мы шли по берегу и считали звёзды над рекой. *Ёжик спал* под старой ивой уже 3 часа."),
    ("he", "כוכבים על החוף", "נועה לוי",
     "הלכנו לאורך החוף וספרנו כוכבים עד שהירח עלה מעל הגלים."),
    ("ar", "نجوم الشاطئ", "ليلى حسن",
     "مشينا على الشاطئ وعددنا النجوم حتى طلع القمر فوق الموج."),
    ("hi", "समुद्र के किनारे", "प्रिया शर्मा",
     "हम समुद्र के किनारे चले और तारे गिने। दादी ने कहानी सुनाई कि कैसे बारिश आई थी।"),
    ("zh", "海边的星星", "王小明",
     "我们沿着海边散步，数着天上的星星。外婆说，明天会下雨。"),
    ("en", "The Night Shift", "Siobhán Ó Súilleabháin",
     "She came off the night shift at 6:40 and texted her brother a single line: "
     "👩‍⚕️ home safe 👨‍👩‍👧 see you Sunday 🏳️‍🌈. *Naïve*, he wrote back, *café first?*"),
]

LONG = ("The tide went out further than anyone in the village could remember, and for three "
        "days the children walked on the sea floor collecting things the water had kept: a "
        "bell, a boot, a jar of buttons with no lid. ")


def manifest(count: int = len(PIECES), long_every: int = 0, face: str | None = None) -> str:
    """A book of ``count`` pieces cycling through PIECES; every ``long_every``-th one runs to
    a few pages; set in ``face`` (the theme's body_font) if given."""
    stories = []
    for n in range(count):
        language, title, author, text = PIECES[n % len(PIECES)]
        if long_every and n % long_every == long_every - 1:
            text += "\n\n" + "\n\n".join(LONG * 4 for _ in range(6))
        stories.append({"author": author, "title": f"{title} {n + 1}" if count > len(PIECES)
                        else title, "language": language, "date": "2024-05-01", "text": text})
    book = {"title": "Stars over the Water", "subtitle": "Night pieces in eleven scripts",
            "editors": ["Ana Ortiz"], "date": "2024-06-01", "language": "en",
            "stories": stories, **({"theme": {"body_font": face}} if face else {})}
    return json.dumps(book, ensure_ascii=False, indent=1)


def font_names(data: bytes) -> list[str]:
    """The BaseFont of every font the pages of a PDF use."""
    import io

    import pikepdf
    pdf = pikepdf.open(io.BytesIO(data))
    return [str(font.get("/BaseFont", "")) for page in pdf.pages
            for font in page.Resources.get("/Font", {}).values()]

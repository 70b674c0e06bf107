"""Writes benchmark anthologies: N tweet-length stories (every 100th a multi-page one), or a
long book of titled stories of several thousand words each (``long_manifest``).

The long stories come from a small sentence grammar below (its own word lists, no copied
text), seeded, so the same call writes the same book.
Usage: python benchmarks/generate.py FOLDER N, or FOLDER --long PAGES"""

from __future__ import annotations

import random
import sys
from pathlib import Path

WORDS = ("the night shift ended and she walked home through snow thinking of the boy in bed "
         "four who laughed at her jokes and asked if the stars were still there when it rained "
         "we kept him breathing until morning his mother held my hand and said nothing at all").split()


def story_text(rng: random.Random, words: int) -> str:
    paragraphs, left = [], words
    while left > 0:
        size = min(left, rng.randint(20, 60))
        paragraphs.append(" ".join(rng.choice(WORDS) for _ in range(size)).capitalize() + ".")
        left -= size
    return "\n\n".join(paragraphs)


def manifest(count: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    lines = [f"title: Benchmark of {count} Stories", "editors: [Bench Editor]",
             "date: 2024-01-01", "foreword:", "  text: |"]
    lines += ["    " + line for line in story_text(rng, 300).splitlines()]
    lines.append("stories:")
    for n in range(1, count + 1):
        words = 900 if n % 100 == 0 else rng.randint(25, 50)
        lines += [f"  - author: Author {n}", f"    handle: '@author{n}'",
                  f"    date: 2018-05-{n % 28 + 1:02d}", "    text: |"]
        lines += ["      " + line for line in story_text(rng, words).splitlines()]
    return "\n".join(lines) + "\n"


def write(folder: Path, count: int, text: str | None = None) -> Path:
    """``folder``/book.yaml: the anthology of ``count`` stories, or the manifest ``text``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "book.yaml"
    path.write_text(manifest(count) if text is None else text, encoding="utf-8")
    return path


def edit_one_word(manifest: Path, word: str = "trawler") -> str:
    """Replace one word in the middle of the middle story with ``word`` (the one-edit
    rebuild and the preview's latency); returns the word it replaced. The default is new to
    the books generated here but made of letters they set: an edit's usual case (a letter the
    book never set changes its fonts' programs, and so every page is checked again)."""
    text = manifest.read_text(encoding="utf-8")
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith("  - author: ")]
    first = starts[len(starts) // 2]
    last = next((i for i in starts if i > first), len(lines))
    body = [i for i in range(first, last) if lines[i].startswith("      ") and lines[i].strip()]
    row = body[len(body) // 2]
    words = lines[row].split(" ")
    at = next(i for i in range(len(words) // 2, len(words)) if words[i].isalpha())
    old, words[at] = words[at], word
    lines[row] = " ".join(words)
    manifest.write_text("\n".join(lines), encoding="utf-8")
    return old


# The long stories' grammar: a sentence is a template whose slots are filled from these lists.
NAMES = ("Mara", "Tobias", "Ines", "the ferryman", "old Petra", "the surveyor", "Jonah",
         "the innkeeper's daughter", "Anselm", "the widow Kell", "Ruth", "the boy from the mill")
PLACES = ("the harbour", "the salt marsh", "the upper road", "the chapel", "the orchard",
          "the signal house", "the station", "the long field", "the ferry landing", "the attic",
          "the quarry", "the market square", "the frozen canal", "the lighthouse stair")
THINGS = ("a lantern", "the letter", "a brass key", "the ledger", "a coil of rope", "the map",
          "a tin of matches", "the photograph", "a loaf of bread", "the fiddle", "a red scarf",
          "the compass", "a bundle of kindling", "the clock's pendulum", "an empty jar")
VERBS = ("carried", "found", "lost", "mended", "buried", "opened", "counted", "hid",
         "polished", "sold", "borrowed", "returned", "wrapped", "weighed", "forgot")
MOTIONS = ("walked", "ran", "drifted", "climbed", "hurried", "wandered", "limped", "rowed")
TIMES = ("at dawn", "before the bells", "after supper", "in the first snow", "all that winter",
         "when the tide turned", "on the third evening", "long after midnight", "by noon")
FEELINGS = ("uneasy", "glad", "tired beyond words", "certain", "ashamed", "curious",
            "hopeful", "afraid", "strangely calm", "restless")
ADJECTIVES = ("grey", "narrow", "quiet", "crooked", "bright", "sunken", "borrowed", "distant",
              "patient", "broken", "salt-stained", "unfinished", "last")
NOUNS = ("Harbour", "Lantern", "Winter", "Ferry", "Orchard", "Ledger", "Signal", "Quarry",
         "Crossing", "Bell", "Tide", "Stair", "Promise", "Season")
TEMPLATES = (
    "{name} {verb} {thing} {time}.",
    "{time_cap}, {name} {motion} to {place} and waited there.",
    "Nobody at {place} remembered who had {verb} {thing}.",
    "{name_cap} felt {feeling}, though the {adjective} light said otherwise.",
    "It was {time} that {name} first saw {place} from the water.",
    "{name_cap} {motion} past {place}, {thing} held close, {feeling} and silent.",
    "\u201cYou {verb} {thing},\u201d said {name}, \u201cand now {place} will never be the same.\u201d",
    "The road to {place} was {adjective}, and {name} knew every stone of it.",
    "Later, much later, {name} would say that {thing} had been {adjective} even then.",
    "{name_cap} and {name2} {motion} together as far as {place}, and there they parted.",
)


def sentence(rng: random.Random) -> str:
    pick = rng.choice
    name, time_ = pick(NAMES), pick(TIMES)
    text = pick(TEMPLATES).format(
        name=name, name_cap=name[0].upper() + name[1:], name2=pick(NAMES), verb=pick(VERBS),
        thing=pick(THINGS), time=time_, time_cap=time_[0].upper() + time_[1:],
        motion=pick(MOTIONS), place=pick(PLACES), feeling=pick(FEELINGS),
        adjective=pick(ADJECTIVES))
    return text


def long_story(rng: random.Random, words: int) -> list[str]:
    """Paragraphs of three to nine sentences until ``words`` words are written."""
    paragraphs, count = [], 0
    while count < words:
        paragraph = " ".join(sentence(rng) for _ in range(rng.randint(3, 9)))
        paragraphs.append(paragraph)
        count += len(paragraph.split())
    return paragraphs


WORDS_PER_PAGE = 330  # about what the default 5.5 x 8.5 in, 11 pt page holds


def long_manifest(pages: int, seed: int = 2) -> str:
    """A book of about ``pages`` pages: titled stories of 3,000 to 7,000 words."""
    rng = random.Random(seed)
    lines = [f"title: A Long Book of {pages} Pages", "editors: [Bench Editor]",
             "date: 2024-01-01", "stories:"]
    words, n = pages * WORDS_PER_PAGE, 0
    while words > 0:
        n += 1
        size = min(words, rng.randint(3000, 7000))
        words -= size
        title = f"The {rng.choice(ADJECTIVES).capitalize()} {rng.choice(NOUNS)}"
        lines += [f"  - author: Author {n}", f"    title: '{title} ({n})'",
                  f"    date: 2019-03-{n % 28 + 1:02d}", "    text: |"]
        for paragraph in long_story(rng, size):
            lines += ["      " + paragraph, ""]
        lines.pop()
    return "\n".join(lines) + "\n"


def write_long(folder: Path, pages: int) -> Path:
    return write(folder, 0, long_manifest(pages))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[2] == "--long":
        print(write_long(Path(sys.argv[1]), int(sys.argv[3])))
    else:
        print(write(Path(sys.argv[1]), int(sys.argv[2])))

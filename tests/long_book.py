"""A long test book, written by a seeded generator: over 300 pages of prose that reads like a
book's (sentences of short and long words, names, dialogue, em dashes joined to their words,
slashes, a few French and Greek words), in four parts: stories with epigraphs, footnotes,
block quotes and scene breaks; letters; short pieces that run on (their headings fall
mid-page); and long stories again. Every word is made up here, nothing is quoted.

``write(folder)`` writes the book's manifest and returns its path; the same seed gives the
same book. Used by benchmarks/typesetting.py (the 300-page measurement) and by tests that
want a few pages of it (``pieces=``).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

WJ = "\u2060"  # a word joiner: an em dash joined to its words breaks neither side

NAMES = ["Russell", "Philadelphia", "Marguerite", "Bartholomew", "Wilhelmina", "Alessandro",
         "Evangeline", "Montgomery", "Theodora", "Cornelius", "Josephine", "Ignatius",
         "Birmingham", "Valparaíso", "Copenhagen", "Rosalind", "Leopold", "Agnieszka",
         "Harriet", "Nathaniel", "Clementine", "Winchester", "Okonkwo", "Mitchell"]
AUTHORS = ["Harriet Vane-Albury", "Tomasz Wierzbicki", "Adaeze Okonkwo", "Maud Pellerin",
           "Rhiannon Castellanos", "Ezekiel Marchbanks", "Ingrid Solvang", "Priya Raghunathan",
           "Cormac Delahunty", "Léonie Faucher", "Bartholomew Quayle", "Yusuf Demirci"]
NOUNS = ["house", "window", "letter", "river", "kitchen", "afternoon", "neighbourhood",
         "conversation", "photograph", "handkerchief", "apartment", "staircase",
         "correspondence", "circumstance", "thunderstorm", "lighthouse", "orchard", "harbour",
         "cathedral", "typewriter", "telegram", "suitcase", "platform", "newspaper",
         "grandmother", "shopkeeper", "schoolteacher", "manuscript", "envelope", "telephone",
         "candlestick", "wallpaper", "silence", "morning", "evening", "door", "garden",
         "table", "road", "coat", "sister", "brother", "father", "mother", "winter", "summer",
         "umbrella", "wheelbarrow", "accordion", "refrigerator", "encyclopaedia", "ferry",
         "embankment", "greenhouse", "conservatory", "pharmacist", "inheritance", "bicycle",
         "landlady", "cemetery", "boarding house", "radiator", "wardrobe", "hallway", "attic",
         "basement", "chimney", "stationmaster", "postmistress", "undertaker", "violin",
         "piano", "ledger", "inventory", "apology", "misunderstanding", "arrangement"]
ADJECTIVES = ["quiet", "enormous", "unremarkable", "extraordinary", "ordinary", "careful",
              "melancholy", "unreasonable", "inexplicable", "comfortable", "narrow", "cold",
              "old", "small", "yellow", "patient", "unfinished", "complicated", "respectable",
              "threadbare", "indefatigable", "incomprehensible", "affectionate", "dishevelled",
              "particular", "unforgivable", "temporary", "magnificent", "irritable", "damp",
              "grey", "bright", "tired", "sensible", "unaccountable", "overwhelming"]
VERBS = ["remembered", "considered", "disappeared", "understood", "hesitated", "walked",
         "listened", "waited", "returned", "abandoned", "discovered", "rearranged",
         "misplaced", "recognised", "examined", "interrupted", "contemplated", "folded",
         "opened", "closed", "repaired", "photographed", "counted", "borrowed", "forgave",
         "described", "telephoned", "accompanied", "investigated", "postponed"]
ADVERBS = ["eventually", "unfortunately", "deliberately", "carefully", "slowly", "quietly",
           "immediately", "reluctantly", "unexpectedly", "particularly", "occasionally",
           "afterwards", "apparently", "considerably", "simultaneously", "nonetheless"]
PLACES = ["in the kitchen", "by the river", "at the station", "on the staircase",
          "behind the greenhouse", "under the embankment", "at the end of the platform",
          "in the apartment above the pharmacy", "outside the cathedral", "in the attic"]
FOREIGN = ["*déjà vu*", "*raison d’être*", "*l’esprit de l’escalier*", "*fin de siècle*",
           "*tant pis*", "*à la recherche*", "νόστος", "ἀγάπη", "καιρός"]
SLASHED = ["and/or", "his/her", "kitchen/dining room", "either/or", "1914/15",
           "Monday/Tuesday", "inside/outside", "yes/no"]
# Most of a sentence is short words: these clauses bring the book's mean word to about
# five letters, as in most English prose.
PLAIN = ["she did not say so, but it was true", "he went out to the yard and came back",
         "it was late and the light was going", "no one spoke for a while",
         "we sat by the fire and did not talk", "the dog lay on the step in the sun",
         "there was bread on the table and a jug of milk", "he put his hat on the peg",
         "she took the key from her bag and held it up", "the rain had not let up all day",
         "I could hear them in the next room", "it was not the first time",
         "they had been here once, years ago", "the bus was late again",
         "all of it was as she had left it", "he said he would write, and he did",
         "the sea was flat and grey", "you could see the hills from the road",
         "her hands were cold", "the clock on the wall had stopped at ten",
         "we ate in the garden when it was warm", "he knew what she meant",
         "the room smelt of soap and old books", "she had a way of looking at you"]
SAID = ["said", "asked", "replied", "whispered", "insisted", "admitted", "remarked"]


class Writer:
    """Sentences and paragraphs from one random stream."""

    def __init__(self, seed: int):
        self.r = random.Random(seed)

    def pick(self, words):
        return self.r.choice(words)

    def phrase(self) -> str:
        r = self.r
        if r.random() < 0.55:
            return self.pick(PLAIN)
        noun = f"the {self.pick(ADJECTIVES)} {self.pick(NOUNS)}" if r.random() < 0.5 \
            else f"the {self.pick(NOUNS)}"
        return r.choice([
            f"{self.pick(NAMES)} {self.pick(VERBS)} {noun} {self.pick(PLACES)}",
            f"{noun} {self.pick(VERBS)} nothing, {self.pick(ADVERBS)}",
            f"nobody {self.pick(VERBS)} {noun} until the {self.pick(NOUNS)} was "
            f"{self.pick(ADJECTIVES)}",
            f"she {self.pick(ADVERBS)} {self.pick(VERBS)} {noun} and the {self.pick(NOUNS)}",
            f"it was {self.pick(ADJECTIVES)}, the way {noun} {self.pick(VERBS)} everything",
            f"he had {self.pick(VERBS)} {noun} twice, which was {self.pick(ADJECTIVES)} of him",
            f"we {self.pick(VERBS)} {noun} in {self.pick(NAMES)}",
        ])

    def sentence(self) -> str:
        r = self.r
        parts = [self.phrase() for _ in range(r.choice([1, 1, 2, 2, 3]))]
        glue = r.choice([", and ", "; ", ", but ", ", because ", ", while "])
        text = glue.join(parts)
        roll = r.random()
        if roll < 0.12:   # an em dash, joined to the words on both sides
            text += f" {self.pick(PLACES)}{WJ}—{WJ}{self.phrase()}"
        elif roll < 0.18:
            text += f", {self.pick(SLASHED)}"
        elif roll < 0.24:
            text += f", a kind of {self.pick(FOREIGN)}"
        return text[0].upper() + text[1:] + r.choice([".", ".", ".", "?", "!"])

    def paragraph(self, low: int = 2, high: int = 7) -> str:
        return " ".join(self.sentence() for _ in range(self.r.randint(low, high)))

    def dialogue(self) -> str:
        speaker = self.pick(NAMES)
        first, second = self.phrase(), self.phrase()
        first = first if first[0] != "I" else "well, " + first
        if self.r.random() < 0.5:
            return f"“{first[0].upper() + first[1:]},” {self.pick(SAID)} {speaker}."
        return (f"“{first[0].upper() + first[1:]},” {self.pick(SAID)} {speaker}, “and "
                f"{second}{WJ}—{WJ}well.” {self.sentence()}")

    def prose(self, paragraphs: int, notes: bool = False) -> str:
        blocks, calls = [], []
        for n in range(paragraphs):
            roll = self.r.random()
            if roll < 0.2:
                blocks.append(self.dialogue())
            elif roll < 0.25 and n:
                blocks.append("> " + self.paragraph(2, 4))
            elif roll < 0.29 and n:
                blocks.append("* * *")
            else:
                text = self.paragraph()
                if notes and self.r.random() < 0.15:
                    calls.append(len(calls) + 1)
                    text = text[:-1] + f"[^{calls[-1]}]" + text[-1]
                blocks.append(text)
        if blocks[-1] == "* * *":
            blocks.pop()
        blocks += [f"[^{n}]: {self.paragraph(1, 2)}" for n in calls]
        return "\n\n".join(blocks) + "\n"

    def title(self) -> str:
        return self.r.choice([f"The {self.pick(ADJECTIVES).title()} {self.pick(NOUNS).title()}",
                              f"{self.pick(NAMES)} and the {self.pick(NOUNS).title()}",
                              f"A {self.pick(NOUNS).title()} in {self.pick(NAMES)}"])


def manifest(seed: int = 18, pieces: int = 62) -> dict:
    """The book as manifest data: ``pieces`` pieces in four parts (62 make over 300 pages)."""
    w = Writer(seed)
    counts = [pieces * 3 // 8, pieces // 8, pieces * 3 // 8, pieces // 8]
    counts[0] += pieces - sum(counts)
    parts = []
    stories = []
    for n in range(counts[0]):
        story = {"title": w.title(), "author": w.pick(AUTHORS),
                 "text": w.prose(w.r.randint(18, 40), notes=True)}
        if n % 3 == 0:
            story["epigraph"] = {"text": w.sentence(), "source": w.pick(NAMES)}
        stories.append(story)
    parts.append({"title": "Rooms and Rivers", "intro": w.paragraph(2, 3), "stories": stories})
    letters = [{"title": f"To {w.pick(NAMES)}", "author": w.pick(AUTHORS), "kind": "letter",
                "dateline": f"{w.pick(NAMES)}, {w.r.randint(1, 28)} March "
                            f"{w.r.randint(1890, 1990)}",
                "salutation": f"Dear {w.pick(NAMES)},", "closing": "Yours, as ever,",
                "signature": w.pick(NAMES), "text": w.prose(w.r.randint(10, 22))}
               for _ in range(counts[1])]
    parts.append({"title": "Correspondence", "kind": "letter", "stories": letters})
    short = [{"title": w.title(), "author": w.pick(AUTHORS),
              "text": w.prose(w.r.randint(1, 9))} for _ in range(counts[2])]
    parts.append({"title": "Small Hours", "layout": {"new_page": "never"}, "stories": short})
    long = [{"title": w.title(), "author": w.pick(AUTHORS),
             "text": w.prose(w.r.randint(40, 70), notes=True)} for _ in range(counts[3])]
    parts.append({"title": "Long Distance", "stories": long})
    return {"title": "The Long Test Book", "subtitle": "Pieces written by a generator",
            "editors": ["The Anthology Editors"], "date": "2026-11-29", "language": "en",
            "print": {"trim": "5.5x8.5"}, "parts": parts}


def write(folder: Path, seed: int = 18, pieces: int = 62) -> Path:
    """Write the book's manifest (JSON, which is YAML) into ``folder``; its path."""
    path = Path(folder) / "book.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest(seed, pieces), ensure_ascii=False, indent=1),
                    encoding="utf-8")
    return path

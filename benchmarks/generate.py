"""Writes a benchmark anthology: N tweet-length stories, and every 100th a multi-page one."""

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


def write(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "book.yaml"
    path.write_text(manifest(count), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write(Path(sys.argv[1]), int(sys.argv[2])))

"""make bench-long-word: a story that is one word of 100,000 and of 1,000,000 letters, built
to the tagged screen PDF in separate processes (cold cache), and the ratio of their times:
a word is broken at invisible break points in linear time, so the ratio stays near 10.

Usage: python benchmarks/long_word.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path


def build_seconds(letters: int, folder: Path) -> float:
    word = "".join(chr(ord("a") + (i * 7) % 26) for i in range(letters))
    manifest = folder / f"word-{letters}" / "book.yaml"
    manifest.parent.mkdir()
    manifest.write_text(f"title: Long\nstories:\n  - author: A\n    text: |\n"
                        f"      Before {word} after.\n", encoding="utf-8")
    anthology = str(Path(sys.executable).with_name("anthology"))
    started = time.monotonic()
    subprocess.run([anthology, "build", str(manifest), "--out", str(manifest.parent / "out"),
                    "--cache", str(manifest.parent / "cache"), "--format", "pdf", "-q"],
                   check=True)
    return time.monotonic() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        small = build_seconds(100_000, Path(folder))
        large = build_seconds(1_000_000, Path(folder))
    print(f"100,000 letters: {small:.1f} s; 1,000,000 letters: {large:.1f} s; "
          f"ratio {large / small:.1f} (linear: about 10)")


if __name__ == "__main__":
    main()

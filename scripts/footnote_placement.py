"""How many footnotes WeasyPrint puts on another page than their call, with and without
anthology's correction (paged/layout.py), on dense random pages written for the purpose.

    .venv/bin/python scripts/footnote_placement.py

Prints, for a few densities (notes per paragraph, words per note), the notes misplaced or
lost out of those called: with CSS `footnote-policy: auto`, with `line`, and with `line`
plus the correction.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import weasyprint

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from anthology.paged.layout import _keep_notes_with_their_calls  # noqa: E402

WORDS = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
         "incididunt ut labore et dolore magna aliqua").split()


def misplaced(per_paragraph: int, note_words: int, policy: str, seeds: int = 6):
    bad = total = 0
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "notes.pdf"
        for seed in range(seeds):
            r, body, n = random.Random(seed), [], 0
            for _ in range(50):
                words = [r.choice(WORDS) for _ in range(r.randint(20, 160))]
                for _ in range(r.randint(0, per_paragraph)):
                    n += 1
                    note = " ".join(r.choice(WORDS) for _ in range(r.randint(3, note_words)))
                    words[r.randint(0, len(words) - 1)] += \
                        f'Q{n}Q<span class="fn">Note{n}N {note}</span>'
                body.append("<p>" + " ".join(words) + "</p>")
            style = ("@page { size: 5.5in 8.5in; margin: 0.9in 0.6in; } p { margin: 0; "
                     "font-size: 11pt; line-height: 1.38; orphans: 2; widows: 2 } "
                     f".fn {{ float: footnote; font-size: 8pt; footnote-policy: {policy} }}")
            weasyprint.HTML(string=f"<style>{style}</style>{''.join(body)}").write_pdf(pdf)
            pages = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                   text=True, check=True).stdout.split("\f")
            calls, notes = {}, {}
            for number, page in enumerate(pages):
                calls.update({c: number for c in re.findall(r"Q(\d+)Q", page)})
                for c in re.findall(r"Note(\d+)N", page):
                    notes.setdefault(c, number)
            total += len(calls)
            bad += sum(notes.get(c) != page for c, page in calls.items())
    return bad, total


def main() -> None:
    densities = [(1, 30), (2, 30), (1, 60), (3, 60)]
    rows = {"auto": [misplaced(*d, "auto") for d in densities],
            "line": [misplaced(*d, "line") for d in densities]}
    _keep_notes_with_their_calls()
    rows["line + anthology"] = [misplaced(*d, "line") for d in densities]
    for name, results in rows.items():
        cells = "  ".join(f"{bad:3}/{total:<4}" for bad, total in results)
        print(f"{name:18} {cells}   (notes per paragraph, words per note: {densities})")


if __name__ == "__main__":
    main()

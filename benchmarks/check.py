"""`anthology check` on a big manifest, against PyYAML's own fastest load of the same file,
measured in the same run as separate processes (wall time, peak RSS of the process).

  baseline  yaml.load(..., Loader=yaml.CSafeLoader): libyaml's parser, nothing checked
  check     anthology check: parse with lines, validate every field, check the Markdown

Usage: python benchmarks/check.py [N] (default 100000). Prints one line; nothing is written.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import write  # noqa: E402

BASELINE = "import sys, yaml; yaml.load(open(sys.argv[1], 'rb'), Loader=yaml.CSafeLoader)"


def measure(command: list[str]) -> tuple[float, int]:
    """Wall time and peak RSS (bytes) of a command, from the kernel's own accounting."""
    timed = [sys.executable, "-c", "import resource, subprocess, sys, time;"
             "t = time.perf_counter(); code = subprocess.call(sys.argv[1:]);"
             "print(time.perf_counter() - t,"
             " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024); sys.exit(code)",
             *command]
    result = subprocess.run(timed, capture_output=True, text=True, check=True)
    seconds, peak = result.stdout.split()[-2:]
    return float(seconds), int(peak)


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        manifest = write(Path(folder), count)
        size = manifest.stat().st_size >> 20
        base = measure([sys.executable, "-c", BASELINE, str(manifest)])
        check = measure([str(Path(sys.executable).with_name("anthology")), "check", str(manifest)])
    print(f"N={count} ({size} MB of YAML): baseline {base[0]:.1f} s, {base[1] >> 20} MB | "
          f"check {check[0]:.1f} s, {check[1] >> 20} MB | "
          f"time {check[0] / base[0]:.2f}x, memory {check[1] / base[1]:.2f}x the baseline")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)

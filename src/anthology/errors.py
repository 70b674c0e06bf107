"""The errors a user can act on, each with the exit code the command line gives it.

| exit | error              | meaning                                                        |
| ---- | ------------------ | -------------------------------------------------------------- |
| 0    |                    | success                                                        |
| 1    | AnthologyError     | an error of anthology itself (any exception not listed here)   |
| 2    | InputError         | invalid input: the manifest, a theme file or the command line  |
| 3    | PreflightError     | the print files break the printer's rules                      |
| 4    | WriteError         | the disk is full (or the quota used up)                        |
| 5    | WriteError         | the folder is on a read-only file system                       |
| 6    | WriteError         | permission denied                                              |
| 7    | WriteError         | another error writing a file                                   |
| 8    | ClusterError       | the Dask cluster: unreachable, lost, or no worker with our fonts |
| 130  | (KeyboardInterrupt)| interrupted: Ctrl-C or SIGTERM (128 + SIGINT)                  |

This module imports nothing of anthology's, so that every layer may raise these.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path


class AnthologyError(Exception):
    """An error whose message says what is wrong and what to do."""

    exit_code = 1


class InputError(AnthologyError):
    """Invalid input: the manifest, a theme file, or what was asked of the build."""

    exit_code = 2


class OutputConflict(InputError):
    """An output would overwrite a file the book reads."""


@dataclass(frozen=True)
class Problem:
    """One problem of a manifest, where it is and its stable code (codes.py)."""

    file: str
    line: int
    code: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.file}:{self.line}: {self.code} {where}{self.message}"


class ManifestError(InputError):
    """Every problem found in a manifest (or a catalogue: ``what``), in file order."""

    def __init__(self, problems: list[Problem], what: str = "manifest"):
        self.problems = sorted(set(problems), key=lambda p: (p.file, p.line, p.path, p.message))
        self.what = what
        super().__init__("\n".join(map(str, self.problems)))


class PreflightError(AnthologyError):
    """The print files break the printer's rules."""

    exit_code = 3


class MissingGlyphs(PreflightError):
    """A page draws glyphs that its embedded font has no outline for: it would print blank."""

    def __init__(self, path: Path | str, missing: list, code: str):
        self.path, self.missing = Path(path), missing
        lines = "\n".join(f"  {m}" for m in missing[:10])
        more = f"\n  ... and {len(missing) - 10} more" if len(missing) > 10 else ""
        super().__init__(f"{code} {self.path.name} would print blanks where these characters "
                         f"are:\n"
                         f"{lines}{more}\nNo font of the theme's stack draws them: add a face "
                         "that has them to font-family in the theme's book.css")


class WriteError(AnthologyError):
    """The machine refused to write a file: a full disk, a read-only folder, no permission.
    Its exit code says which (7 for any other reason)."""

    exit_code = 7
    REASONS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
               errno.EROFS: "the folder is on a read-only file system",
               errno.EACCES: "permission denied", errno.EPERM: "permission denied"}
    EXIT_CODES = {errno.ENOSPC: 4, errno.EDQUOT: 4, errno.EROFS: 5, errno.EACCES: 6,
                  errno.EPERM: 6}

    def __init__(self, path: Path | str, error: OSError):
        self.path, self.errno, self.reason = Path(path), error.errno, reason(error)
        self.exit_code = self.EXIT_CODES.get(error.errno, WriteError.exit_code)
        super().__init__(f"cannot write {self.path}: {self.reason}")


class ClusterError(AnthologyError):
    """The Dask cluster a build was sent to cannot be used: its scheduler cannot be reached
    or went away, or none of its workers has this machine's fonts."""

    exit_code = 8


def reason(error: OSError) -> str:
    """Why the machine refused, in words."""
    return WriteError.REASONS.get(error.errno, error.strerror or str(error))

"""The errors a user can act on. The command line maps each kind to an exit code; anything
else is an internal error (a bug)."""

from __future__ import annotations

import errno
from pathlib import Path


class AnthologyError(Exception):
    """An error whose message says what is wrong and what to do."""


class InputError(AnthologyError):
    """Invalid input: the manifest, a theme file, or what was asked of the build."""


class OutputConflict(InputError):
    """An output would overwrite a file the book reads."""


class MissingGlyphs(AnthologyError):
    """A page draws glyphs that its embedded font has no outline for: it would print blank."""

    def __init__(self, path: Path | str, missing: list):
        self.path, self.missing = Path(path), missing
        lines = "\n".join(f"  {m}" for m in missing[:10])
        more = f"\n  ... and {len(missing) - 10} more" if len(missing) > 10 else ""
        super().__init__(f"{self.path.name} would print blanks where these characters are:\n"
                         f"{lines}{more}\nNo font of the theme's stack draws them: add a face "
                         "that has them to font-family in the theme's book.css")


class WriteError(AnthologyError):
    """The machine refused to write a file: a full disk, a read-only folder, no permission."""

    REASONS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
               errno.EROFS: "the folder is on a read-only file system",
               errno.EACCES: "permission denied", errno.EPERM: "permission denied"}

    def __init__(self, path: Path | str, error: OSError):
        self.path, self.errno, self.reason = Path(path), error.errno, reason(error)
        super().__init__(f"cannot write {self.path}: {self.reason}")


def reason(error: OSError) -> str:
    """Why the machine refused, in words."""
    return WriteError.REASONS.get(error.errno, error.strerror or str(error))

"""Native code that must not run on two threads at once.

pdfium (pypdfium2) is not thread-safe, and a catalogue builds its titles on threads (the
preview draws pages on the server's while it lays out on another). Every use of pdfium,
from opening a document to closing it, holds ``PDFIUM``.
"""

from __future__ import annotations

import threading

PDFIUM = threading.RLock()

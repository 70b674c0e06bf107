"""Writes one PDF object by object from the pages of many, holding one source at a time.

Joining documents with qpdf copies every page's objects into one document that stays in
memory until it is saved: for a 4,000-story book, ~200 MB. Here the objects a source's pages
reach are renumbered and written out as soon as they are reached, so memory follows the
largest source, not the book. Each source's pages hang in the page tree under a node of their
own. Identical streams without references (colour profiles, images, repeated content) are
written once.
"""

from __future__ import annotations

import hashlib
import io
import re
import zlib

import pikepdf

# A literal string (qpdf escapes the parentheses in them), a hex string, or a reference.
_TOKEN = re.compile(rb"\((?:[^\\()]|\\.)*\)|<[0-9A-Fa-f\s]*>|(?<![\w./+-])(\d+) (\d+) R(?!\w)",
                    re.S)
OBJECTS_PER_STREAM = 100


class PdfWriter:
    def __init__(self, version: str, object_streams: bool):
        self.version = max(version, "1.5") if object_streams else version
        self.object_streams = object_streams
        self.out = io.BytesIO()
        self.out.write(b"%%PDF-%s\n%%\xe2\xe3\xcf\xd3\n" % self.version.encode())
        self.where: dict[int, tuple[int, int, int]] = {}  # number -> xref entry (type, a, b)
        self.count = 0
        self.waiting: list[tuple[int, bytes]] = []  # objects for the next object stream
        self.leaves: dict[bytes, int] = {}  # digest of a stream without references -> number
        self.pages_root = self.reserve()
        self.nodes: list[tuple[int, int]] = []  # (page tree node, its page count)

    def reserve(self) -> int:
        """A number for an object written later."""
        self.count += 1
        return self.count

    def write(self, number: int, body: bytes, data: bytes | None = None) -> None:
        """Object ``number``: a dictionary, array or value, or with ``data`` a stream."""
        if data is None and self.object_streams:
            self.waiting.append((number, body))
            if len(self.waiting) == OBJECTS_PER_STREAM:
                self._flush()
            return
        self.where[number] = (1, self.out.tell(), 0)
        self.out.write(b"%d 0 obj\n%s\n" % (number, body))
        if data is not None:
            self.out.write(b"stream\n%s\nendstream\n" % data)
        self.out.write(b"endobj\n")

    def copy(self, pdf: pikepdf.Pdf, text: bytes, numbers: dict[int, int | None]) -> bytes:
        """``text`` (PDF syntax) with its references into ``pdf`` renumbered, every object they
        reach written first. ``numbers`` maps ``pdf``'s object numbers to this file's: given
        in advance for objects not to copy (None writes ``null``), filled in as they are."""
        queue: list[tuple[int, bytes, bytes | None]] = []

        def renumber(match: re.Match) -> bytes:
            if match.group(1) is None:
                return match.group(0)
            key = int(match.group(1))
            if key not in numbers:
                numbers[key] = self._reach(pdf.get_object(key, int(match.group(2))), queue)
            return b"null" if numbers[key] is None else b"%d 0 R" % numbers[key]

        text = _TOKEN.sub(renumber, text)
        while queue:
            number, body, data = queue.pop()
            self.write(number, _TOKEN.sub(renumber, body), data)
        return text

    def _reach(self, obj: pikepdf.Object, queue: list) -> int:
        if not isinstance(obj, pikepdf.Stream):
            number = self.reserve()
            queue.append((number, obj.unparse(resolved=True), None))
            return number
        if "/Filter" not in obj.stream_dict:
            obj.write(zlib.compress(obj.read_bytes()), filter=pikepdf.Name.FlateDecode)
        body, data = obj.stream_dict.unparse(resolved=True), obj.read_raw_bytes()
        if any(m.group(1) for m in _TOKEN.finditer(body)):
            number = self.reserve()
            queue.append((number, body, data))
            return number
        digest = hashlib.sha256(body + b"\0" + data).digest()
        if digest not in self.leaves:
            self.leaves[digest] = self.reserve()
            self.write(self.leaves[digest], body, data)
        return self.leaves[digest]

    def add_pages(self, pdf: pikepdf.Pdf, indices: list[int],
                  numbers: dict[int, int | None]) -> list[int]:
        """Pages ``indices`` of ``pdf`` appended to the book: their numbers here. References
        to ``pdf``'s other pages become ``null``."""
        node = self.reserve()
        taken = set(indices)
        for i, page in enumerate(pdf.pages):
            numbers.setdefault(page.obj.Parent.objgen[0], node)
            if i not in taken:
                numbers.setdefault(page.objgen[0], None)
        kids = [int(self.copy(pdf, b"%d 0 R" % pdf.pages[i].objgen[0], numbers).split()[0])
                for i in indices]
        self.write(node, b"<< /Type /Pages /Parent %d 0 R /Kids [%s] /Count %d >>" % (
            self.pages_root, b" ".join(b"%d 0 R" % k for k in kids), len(kids)))
        self.nodes.append((node, len(kids)))
        return kids

    def finish(self, catalog: bytes, info: bytes) -> bytes:
        """The file, with ``catalog`` (its entries but /Type and /Pages) and ``info``."""
        self.write(self.pages_root, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
            b" ".join(b"%d 0 R" % n for n, _ in self.nodes), sum(c for _, c in self.nodes)))
        root = self.reserve()
        self.write(root, b"<< /Type /Catalog /Pages %d 0 R %s >>" % (self.pages_root, catalog))
        info_number = self.reserve()
        self.write(info_number, info)
        self._flush()
        ident = hashlib.md5(self.out.getvalue()).hexdigest().encode()
        trailer = b"/Root %d 0 R /Info %d 0 R /ID [<%s> <%s>]" % (root, info_number, ident, ident)
        start = self.out.tell()
        if self.object_streams:
            xref = self.reserve()
            self.where[xref] = (1, start, 0)
            rows = b"".join(bytes([kind]) + a.to_bytes(4, "big") + b.to_bytes(2, "big")
                            for kind, a, b in self._entries())
            data = zlib.compress(rows)
            self.out.write(b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] %s /Filter /FlateDecode"
                           b" /Length %d >>\nstream\n%s\nendstream\nendobj\n"
                           % (xref, self.count + 1, trailer, len(data), data))
        else:
            self.out.write(b"xref\n0 %d\n" % (self.count + 1))
            self.out.write(b"".join(b"%010d %05d %s \n" % ((a, 0, b"n") if kind == 1
                                                              else (0, 65535, b"f"))
                                    for kind, a, b in self._entries()))
            self.out.write(b"trailer\n<< /Size %d %s >>\n" % (self.count + 1, trailer))
        self.out.write(b"startxref\n%d\n%%%%EOF\n" % start)
        return self.out.getvalue()

    def _entries(self):
        yield 0, 0, 65535
        for number in range(1, self.count + 1):
            yield self.where.get(number, (0, 0, 65535))

    def _flush(self) -> None:
        """The waiting objects as one compressed object stream."""
        if not self.waiting:
            return
        number, heads, bodies, offset = self.reserve(), [], [], 0
        for index, (member, body) in enumerate(self.waiting):
            heads.append(b"%d %d" % (member, offset))
            bodies.append(body)
            offset += len(body) + 1
            self.where[member] = (2, number, index)
        head = b" ".join(heads) + b"\n"
        data = zlib.compress(head + b"\n".join(bodies) + b"\n")
        self.waiting = []
        self.write(number, b"<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>"
                   % (len(heads), len(head), len(data)), data)

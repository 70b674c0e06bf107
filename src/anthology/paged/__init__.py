"""The paged engine: a book laid out by WeasyPrint in pieces, on worker processes, and
joined into one PDF. Read docs/architecture.md for the data flow; pagination.py drives it."""

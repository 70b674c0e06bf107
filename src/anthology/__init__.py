"""anthology: a YAML manifest of short stories -> a print-ready PDF and an EPUB 3."""

__version__ = "0.1.0"

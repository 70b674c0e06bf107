"""Word submissions (.docx) -> Markdown story files with YAML front matter; a folder of them ->
a book folder (``book.yaml`` and ``stories/``).

In layers, each reading only the ones above it:
- package: the .docx read safely (zip limits, XML without entities, core properties, section
  breaks marked) and turned into HTML by mammoth;
- blocks: mammoth's HTML as paragraphs of inline items, lists, breaks and notes;
- markdown: blocks as Markdown (emphasis, notes, lists, scene breaks);
- story: title and author found, the body, the warnings;
- writing: story files and the folder import.

What mammoth leaves out never reaches the story: images (left out here, with a warning),
comments (mammoth leaves them out unless asked), tracked changes (read as if accepted:
insertions kept, deletions dropped), underline, small caps, fonts, colours, alignment, indents
and page breaks. Tables come out of mammoth as tables; here their cells become paragraphs (with
a warning). Section breaks mammoth drops: package marks them before it reads the document.
The library never prints: warnings are returned with the story.
"""

from .story import WordStory, read_docx
from .writing import FolderImport, import_folder, write_story

__all__ = ["FolderImport", "WordStory", "import_folder", "read_docx", "write_story"]

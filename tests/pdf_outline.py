"""Reading a rendered PDF as a user's viewer shows it: the titles of its outline (bookmarks)."""

from __future__ import annotations

from pypdf import PdfReader


def outline_titles(reader: PdfReader) -> list[str]:
    """Every bookmark title, depth first, in reading order."""
    titles: list[str] = []

    def walk(items) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader.outline)
    return titles

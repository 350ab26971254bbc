"""The files a run writes, by the short names a user gives to --formats (and `formats:` of a batch).

A light module (no pandas, no renderer): the CLI builds its help and validates a choice from it
before any work. indicateurs.json and indicateurs.csv are always written: the edition itself
needs them (the next run compares with them, batch.json points to them).
"""

from __future__ import annotations

from diagterr.errors import BadInputError
from diagterr.texts import say

# short name -> what it writes (French, for --help and the messages), in the order of the help.
OUTPUT_FORMATS: dict[str, str] = {
    "pdf": "dossier.pdf",
    "html": "dossier.html",
    "docx": "dossier.docx (modifiable)",
    "affiche": "affiche-a3.pdf",
    "fiches": "fiches-atelier.pdf",
    "cartes": "cartes/ (SVG, PNG 300 dpi) et territoire.gpkg",
}
ALL_FORMATS: frozenset[str] = frozenset(OUTPUT_FORMATS)


def check_formats(text: str | None) -> frozenset[str]:
    """The formats named in "pdf,docx" (None or empty: all), validated; unknown names are refused
    with the list of valid ones (BadInputError, exit 2)."""
    if text is None or not text.strip():
        return ALL_FORMATS
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in OUTPUT_FORMATS]
    if unknown:
        raise BadInputError(say("pipeline.formats_unknown", names=", ".join(unknown), choices=formats_in_words()))
    return frozenset(names)


def formats_in_words() -> str:
    """"pdf (dossier.pdf), html (dossier.html), …": the choices, as a help text says them."""
    return ", ".join(f"{name} ({what})" for name, what in OUTPUT_FORMATS.items())

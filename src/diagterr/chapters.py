"""The dossier's chapters as the reader and the command line name them: id and title, in order.

A light module (no pandas, no themes): the CLI builds its `--focus` help and validates a focus
from it without loading the analysers. `themes.ANALYSERS` pairs each chapter with its analyser
and checks, on import, that both say the same ids and titles.
"""

from __future__ import annotations

from diagterr.errors import BadInputError

# (section id, title): the section id is the html anchor, the key of indicateurs.json and the
# choice a user names with `--focus` or `focus:`.
CHAPTERS: tuple[tuple[str, str], ...] = (
    ("territoire", "Le territoire"),
    ("comparables", "Territoires comparables"),
    ("demographie", "Démographie"),
    ("habitat", "Habitat"),
    ("economie", "Économie et emploi"),
    ("mobilites", "Mobilités"),
    ("climat", "Climat, risques et sols"),
    ("horizon_2050", "Horizon 2050 : prolonger les tendances"),
    ("programmes", "Initiatives et programmes en cours"),
)

# Section ids a user can name with `focus:` (batch) or `--focus` (run), with their chapter titles.
FOCUS_CHOICES: dict[str, str] = dict(CHAPTERS)

# Former section ids still accepted, so that batch files written before the renaming keep working.
FOCUS_ALIASES: dict[str, str] = {"emploi_revenus": "economie"}


def check_focus(focus: str | None) -> str | None:
    """The focus theme's section id, validated (French message listing the choices when unknown)."""
    if focus is None or focus in FOCUS_CHOICES:
        return focus
    if focus in FOCUS_ALIASES:
        return FOCUS_ALIASES[focus]
    choices = ", ".join(f"{key} ({title})" for key, title in FOCUS_CHOICES.items())
    raise BadInputError(f"Thème « {focus} » inconnu pour focus. Choix : {choices}.")


def focus_choices_in_words() -> str:
    """"territoire, demographie, …, climat ou programmes": the choices, as a help text says them."""
    *first, last = FOCUS_CHOICES
    return f"{', '.join(first)} ou {last}"

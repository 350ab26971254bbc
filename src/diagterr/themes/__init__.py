"""Themes: one analyser per theme reads the store (never the network) and returns a Section.

`ANALYSERS` is the order of the dossier's chapters.
"""

from __future__ import annotations

from collections.abc import Callable

from diagterr.dossier import Section
from diagterr.themes import climat, demographie, emploi_revenus, habitat, mobilites, programmes, territoire
from diagterr.themes.figures import Figures

ANALYSERS: tuple[tuple[str, Callable[[Figures], Section]], ...] = (
    ("Le territoire", territoire.analyse),
    ("Démographie", demographie.analyse),
    ("Habitat", habitat.analyse),
    ("Économie et emploi", emploi_revenus.analyse),
    ("Mobilités", mobilites.analyse),
    ("Climat, risques et sols", climat.analyse),
    ("Initiatives et programmes en cours", programmes.analyse),
)

# Section ids a user can name with `focus:` (batch) or `--focus` (run), with their chapter titles.
FOCUS_CHOICES: dict[str, str] = {
    "territoire": "Le territoire",
    "demographie": "Démographie",
    "habitat": "Habitat",
    "emploi_revenus": "Économie et emploi",
    "mobilites": "Mobilités",
    "climat": "Climat, risques et sols",
    "programmes": "Initiatives et programmes en cours",
}


def check_focus(focus: str | None) -> str | None:
    """The focus theme, validated (French message listing the choices when unknown)."""
    from diagterr.errors import BadInputError

    if focus is None or focus in FOCUS_CHOICES:
        return focus
    choices = ", ".join(f"{key} ({title})" for key, title in FOCUS_CHOICES.items())
    raise BadInputError(f"Thème « {focus} » inconnu pour focus. Choix : {choices}.")

"""Themes: one analyser per theme reads the store (never the network) and returns a Section.

`ANALYSERS` is the order of the dossier's chapters.
"""

from __future__ import annotations

from collections.abc import Callable

from diagterr.dossier import Section
from diagterr.themes import demographie, emploi_revenus, habitat, programmes, territoire
from diagterr.themes.figures import Figures

ANALYSERS: tuple[tuple[str, Callable[[Figures], Section]], ...] = (
    ("Le territoire", territoire.analyse),
    ("Démographie", demographie.analyse),
    ("Habitat", habitat.analyse),
    ("Emploi et revenus", emploi_revenus.analyse),
    ("Programmes en cours", programmes.analyse),
)

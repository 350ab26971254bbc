"""Themes: one analyser per theme reads the store (never the network) and returns a Section.

`ANALYSERS` is the order of the dossier's chapters.
"""

from __future__ import annotations

from collections.abc import Callable

from diagterr.dossier import Section
from diagterr.themes import climat, demographie, emploi_revenus, habitat, programmes, territoire
from diagterr.themes.figures import Figures

ANALYSERS: tuple[tuple[str, Callable[[Figures], Section]], ...] = (
    ("Le territoire", territoire.analyse),
    ("Démographie", demographie.analyse),
    ("Habitat", habitat.analyse),
    ("Économie et emploi", emploi_revenus.analyse),
    ("Climat, risques et sols", climat.analyse),
    ("Initiatives et programmes en cours", programmes.analyse),
)

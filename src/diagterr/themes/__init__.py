"""Themes: one analyser per theme reads the store (never the network) and returns a Section.

`ANALYSERS` is the order of the dossier's chapters, each with its section id (html anchor, key of
indicateurs.json, the choice a user names with `--focus` or `focus:`) and its title.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from diagterr.chapters import CHAPTERS, FOCUS_ALIASES, FOCUS_CHOICES, check_focus, focus_choices_in_words
from diagterr.dossier import Section
from diagterr.themes import (
    climat,
    comparables,
    demographie,
    economie,
    habitat,
    horizon_2050,
    mobilites,
    programmes,
    territoire,
)
from diagterr.themes.figures import Figures


@dataclass(frozen=True, slots=True)
class Chapter:
    id: str  # the id of the Section its analyser returns
    title: str  # the title of that Section
    analyse: Callable[[Figures], Section]


ANALYSERS: tuple[Chapter, ...] = (
    Chapter("territoire", "Le territoire", territoire.analyse),
    Chapter(comparables.SECTION_ID, comparables.TITLE, comparables.analyse),
    Chapter("demographie", "Démographie", demographie.analyse),
    Chapter("habitat", "Habitat", habitat.analyse),
    Chapter(economie.SECTION_ID, economie.TITLE, economie.analyse),
    Chapter("mobilites", "Mobilités", mobilites.analyse),
    Chapter(climat.SECTION_ID, climat.TITLE, climat.analyse),
    Chapter(horizon_2050.SECTION_ID, horizon_2050.TITLE, horizon_2050.analyse),
    Chapter(programmes.SECTION_ID, programmes.TITLE, programmes.analyse),
)

if tuple((chapter.id, chapter.title) for chapter in ANALYSERS) != CHAPTERS:
    raise RuntimeError("themes.ANALYSERS and chapters.CHAPTERS disagree on the chapters' ids or titles")

__all__ = ["ANALYSERS", "FOCUS_ALIASES", "FOCUS_CHOICES", "Chapter", "check_focus", "focus_choices_in_words"]

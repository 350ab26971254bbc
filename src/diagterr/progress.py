"""Progress of a run or a batch, as events: the CLI shows them, nothing parses their text.

A run reports `Event(Phase.FETCH, "Climat observé (Open-Meteo, ERA5)")`; a batch reports the
same events with the site's name, and `done=True` once a site is finished (its progress bar
advances on that flag, never on the wording of the message).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Phase(StrEnum):
    FETCH = "fetch"  # bring the store up to date (network, cache, samples)
    ANALYSE = "analyse"  # themes read the store
    RENDER = "render"  # the dossier's files are written
    SITE = "site"  # batch: one site's status


# French words the CLI prints before each message of a phase.
PHASE_LABELS: dict[Phase, str] = {
    Phase.FETCH: "Données",
    Phase.ANALYSE: "Analyse",
    Phase.RENDER: "Mise en page",
    Phase.SITE: "Site",
}


@dataclass(frozen=True, slots=True)
class Event:
    phase: Phase
    message: str  # French, for the reader of the terminal or the log
    site: str | None = None  # batch: the site's name
    done: bool = False  # batch: this site is finished (whatever its status)


Reporter = Callable[[Event], None]


def silent(_event: Event) -> None:
    """The reporter of a run nobody watches."""

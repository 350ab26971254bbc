"""A territory of the dossier and its comparison levels, resolved offline from the COG index.

A territory is a commune, an EPCI (by SIREN) or a named list of communes. It knows its member
communes (current COG), its département(s) and région(s) (an EPCI can straddle two) and
France: those are the levels every figure is compared with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TerritoryKind = Literal["commune", "epci", "communes"]


@dataclass(frozen=True, slots=True)
class Place:
    """A comparison level."""

    level: Literal["departement", "region", "france"]
    code: str  # "69", "84", "FR"
    name: str


@dataclass(frozen=True, slots=True)
class Commune:
    code: str  # INSEE code, current COG, a string ("07341", "2A004")
    name: str
    departement: str
    region: str
    epci: str | None  # SIREN of its EPCI (None for the few communes outside any EPCI)
    population: int | None  # population municipale légale of the COG index (PL 2023)


@dataclass(frozen=True, slots=True)
class Territory:
    kind: TerritoryKind
    code: str  # commune code, EPCI SIREN, or a slug of the name for a list
    name: str
    kind_label: str  # "Commune", "Communauté de communes", "Communauté d'agglomération", …
    communes: tuple[Commune, ...]  # sorted by code
    departements: tuple[Place, ...]
    regions: tuple[Place, ...]

    @property
    def commune_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.communes)

    @property
    def comparison_levels(self) -> tuple[Place, ...]:
        """Département(s), région(s), then France."""
        return (*self.departements, *self.regions, Place("france", "FR", "France"))

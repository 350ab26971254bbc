"""A territory of the dossier and its comparison levels, resolved offline from the COG index.

A territory is a commune, an EPCI (by SIREN) or a named list of communes. It knows its member
communes (current COG), its département(s) and région(s) (an EPCI can straddle two) and
France: those are the levels every figure is compared with.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Literal

from diagterr.cog import (
    COG_VINTAGE,
    COMMUNE_CODE_RE,
    SIREN_RE,
    CogIndex,
    CommuneRecord,
    EpciRecord,
    SearchHit,
    load_cog,
    normalize,
)
from diagterr.errors import BadInputError, UnknownTerritoryError

log = logging.getLogger(__name__)

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


# -- resolution -----------------------------------------------------------------------------------

__all__ = [
    "Commune",
    "Place",
    "SearchHit",
    "Territory",
    "TerritoryKind",
    "is_valid_siren",
    "resolve_territory",
    "search_territories",
]

_USAGE = (
    "  --commune CODE                une commune, par son code INSEE (ex. --commune 07341)\n"
    "  --epci SIREN                  une intercommunalité, par son SIREN (ex. --epci 246900625)\n"
    '  --communes C1,C2,… --nom "…"  une liste de communes, avec le nom du périmètre\n'
    "Pour trouver un code : diagterr search NOM"
)
_COMMUNE_FORMAT = (
    "un code commune INSEE a 5 caractères : 5 chiffres, ou 2A/2B suivis de 3 chiffres "
    "pour la Corse (ex. 07341, 2A004)"
)
_SEARCH_HINT = "Cherchez par nom : diagterr search NOM"
# Said with a code that exists in no vintage: what a territory's code looks like (issue 16, bad input).
_VALID_FORMS = (
    "Formes valides : --commune et --communes, des codes INSEE de 5 caractères (ex. 07341, 2A004) ; "
    "--epci, un SIREN de 9 chiffres (ex. 246900625)."
)
_MAX_NEAR_CODES = 5


def is_valid_siren(siren: str) -> bool:
    """True if `siren` is 9 digits with a correct Luhn check digit."""
    if not SIREN_RE.match(siren):
        return False
    total = 0
    for position, char in enumerate(reversed(siren)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def search_territories(text: str, limit: int = 20) -> list[SearchHit]:
    """Communes, EPCI, départements and régions matching a name, a code or a postcode."""
    if not text or not text.strip():
        raise BadInputError(
            "Recherche vide : donnez un nom (ex. « arbresle »), un code commune (07341), "
            "un SIREN d'EPCI (246900625), un code postal (69210) ou un code de département (69)."
        )
    return load_cog().search(text, limit=limit)


def resolve_territory(
    *,
    commune: str | None = None,
    epci: str | None = None,
    communes: str | None = None,
    nom: str | None = None,
    whole_communes: bool = False,
) -> Territory:
    """The territory named by exactly one of commune / epci / communes (with nom).

    `whole_communes` (what a user asks with --commune): an arrondissement municipal is refused with
    the hint of its commune, the national base holding Paris, Lyon and Marseille whole."""
    given = [
        option
        for option, value in (("--commune", commune), ("--epci", epci), ("--communes", communes))
        if value is not None
    ]
    if not given:
        raise BadInputError("Aucun territoire indiqué. Choisissez une de ces options :\n" + _USAGE)
    if len(given) > 1:
        raise BadInputError(
            f"Une seule option de territoire à la fois : vous avez donné {' et '.join(given)}. "
            "Gardez-en une :\n" + _USAGE
        )
    display_name = nom.strip() if nom is not None and nom.strip() else None
    index = load_cog()
    if commune is not None:
        return _resolve_commune(index, commune, display_name, whole_communes)
    if epci is not None:
        return _resolve_epci(index, epci, display_name)
    assert communes is not None
    if display_name is None:
        raise BadInputError(
            "--communes demande aussi --nom, le nom du périmètre affiché dans le dossier "
            '(ex. --communes 69010,69021 --nom "Vallée de la Brévenne").'
        )
    return _resolve_list(index, communes, display_name)


# -- commune --------------------------------------------------------------------------------------


def _clean_code(value: str) -> str:
    return re.sub(r"\s+", "", value).upper()


def _resolve_commune(index: CogIndex, value: str, display_name: str | None, whole_communes: bool) -> Territory:
    code = _clean_code(value)
    rec = index.commune(code)
    if rec is None:
        raise _commune_error(index, value, code, option="--commune")
    if whole_communes and rec.type == "arrondissement-municipal":
        raise _arrondissement_error(index, rec)
    member = _member(index, rec)
    kind_label = "Arrondissement municipal" if rec.type == "arrondissement-municipal" else "Commune"
    return _territory(index, "commune", rec.code, display_name or rec.name, kind_label, [member])


def _arrondissement_error(index: CogIndex, rec: CommuneRecord) -> BadInputError:
    """An arrondissement municipal asked as a commune: the dossier is made for its whole commune."""
    city = index.commune(rec.parent) if rec.parent is not None else None
    city_name = f"{city.name} ({city.code})" if city is not None else str(rec.parent)
    return BadInputError(
        f"{rec.code} est un arrondissement municipal ({rec.name}) : le dossier se fait pour la commune entière, "
        f"{city_name}. Écrivez --commune {rec.parent}."
    )


def _commune_error(index: CogIndex, value: str, code: str, *, option: str) -> BadInputError:
    """Why `code` is not a commune of the index, with the way to fix it."""
    shown = value.strip() or "(vide)"
    if SIREN_RE.match(code):
        epci_rec = index.epci(code)
        if epci_rec is not None:
            return BadInputError(
                f"{code} est le SIREN de l'EPCI {epci_rec.name}, pas un code commune. "
                f"Pour cette intercommunalité, écrivez --epci {code}."
            )
        by_siren = index.commune_by_siren(code)
        if by_siren is not None:
            return BadInputError(
                f"{code} est le SIREN de la commune {by_siren.name}, pas son code INSEE. "
                f"Écrivez {option} {by_siren.code}."
            )
    if not COMMUNE_CODE_RE.match(code):
        message = f"Code commune « {shown} » invalide : {_COMMUNE_FORMAT}."
        guesses = _format_guesses(index, code)
        if guesses:
            message += " Vouliez-vous dire " + " ou ".join(guesses) + " ?"
        return BadInputError(f"{message} {_SEARCH_HINT}")
    current = index.current_commune_for_former_code(code)
    if current is not None:
        old = index.delegated_commune(code)
        old_name = f" ({old.name})" if old is not None else ""
        return UnknownTerritoryError(
            f"{code} est un ancien code commune{old_name} : il fait partie de "
            f"{current.name} ({current.code}) dans le {COG_VINTAGE}. Écrivez {option} {current.code}."
        )
    message = f"Code commune {code} inconnu du {COG_VINTAGE}."
    dep = _departement_of_code(code)
    near = _near_codes(index, code)
    if near:
        dep_rec = index.departement(dep)
        dep_label = f"{dep_rec.name} ({dep})" if dep_rec is not None else dep
        message += (
            f" Codes proches dans le département {dep_label} : "
            + ", ".join(f"{c.code} ({c.name})" for c in near)
            + "."
        )
    else:
        message += f" Aucune commune du {COG_VINTAGE} ne commence par {dep}."
    return UnknownTerritoryError(f"{message} {_VALID_FORMS} {_SEARCH_HINT}")


def _format_guesses(index: CogIndex, code: str) -> list[str]:
    """Existing codes a malformed one may stand for (lost leading zero, Corsica as 20…)."""
    candidates: list[str] = []
    if re.fullmatch(r"\d{4}", code):
        candidates.append("0" + code)
    if re.fullmatch(r"20\d{3}", code):
        candidates += ["2A" + code[2:], "2B" + code[2:]]
    return [
        f"{c} ({rec.name})" for c in candidates if (rec := index.commune(c)) is not None
    ]


def _departement_of_code(code: str) -> str:
    return code[:3] if code[:2] in ("97", "98") else code[:2]


def _near_codes(index: CogIndex, code: str) -> list[CommuneRecord]:
    """Up to 5 communes of the same département with the closest codes, sorted by code."""
    dep = _departement_of_code(code)
    candidates = [r for r in index.communes_of_departement(dep) if r.type == "commune-actuelle"]
    if not candidates:
        return []
    target = int(code[len(dep) :]) if code[len(dep) :].isdigit() else 0

    def distance(rec: CommuneRecord) -> tuple[int, str]:
        tail = rec.code[len(dep) :]
        return (abs(int(tail) - target) if tail.isdigit() else 10**6, rec.code)

    return sorted(sorted(candidates, key=distance)[:_MAX_NEAR_CODES], key=lambda r: r.code)


# -- EPCI -----------------------------------------------------------------------------------------


def _resolve_epci(index: CogIndex, value: str, display_name: str | None) -> Territory:
    siren = _clean_code(value)
    epci_rec = index.epci(siren)
    if epci_rec is None:
        raise _epci_error(index, value, siren)
    members = [_member(index, rec) for code in epci_rec.members if (rec := index.commune(code)) is not None]
    if len(members) != len(epci_rec.members):
        log.warning("EPCI %s: %d member codes not in the COG index", siren, len(epci_rec.members) - len(members))
    return _territory(index, "epci", siren, display_name or epci_rec.name, epci_rec.kind_label, members)


def _epci_error(index: CogIndex, value: str, siren: str) -> BadInputError:
    """Why `siren` is not an EPCI of the index, with the way to fix it."""
    shown = value.strip() or "(vide)"
    if COMMUNE_CODE_RE.match(siren):
        rec = index.commune(siren)
        former = index.current_commune_for_former_code(siren) if rec is None else None
        target = rec or former
        if target is not None:
            what = (
                f"{siren} est un code commune ({target.name})"
                if rec is not None
                else f"{siren} est un ancien code commune, aujourd'hui {target.name} ({target.code})"
            )
            epci_rec = index.epci_of_commune(target.code)
            if epci_rec is None:
                return BadInputError(
                    f"{what}, qui n'appartient à aucun EPCI. Écrivez --commune {target.code}."
                )
            return BadInputError(
                f"{what} ; son EPCI est {epci_rec.code} ({epci_rec.name}). "
                f"Écrivez --epci {epci_rec.code} pour l'intercommunalité entière, "
                f"ou --commune {target.code} pour la commune seule."
            )
    if not SIREN_RE.match(siren):
        return BadInputError(
            f"SIREN « {shown} » invalide : --epci attend le SIREN de l'EPCI, 9 chiffres "
            f"(ex. --epci 246900625). {_SEARCH_HINT}"
        )
    if not is_valid_siren(siren):
        return BadInputError(
            f"{siren} n'est pas un SIREN valide : sa clé de contrôle (algorithme de Luhn) est fausse. "
            f"Vérifiez le numéro (ex. 246900625). {_SEARCH_HINT}"
        )
    by_siren = index.commune_by_siren(siren)
    if by_siren is not None:
        epci_rec = index.epci_of_commune(by_siren.code)
        hint = f" ; son EPCI est {epci_rec.code} ({epci_rec.name})" if epci_rec is not None else ""
        return BadInputError(
            f"{siren} est le SIREN de la commune {by_siren.name} ({by_siren.code}), pas d'un EPCI{hint}. "
            f"Écrivez --commune {by_siren.code}"
            + (f" ou --epci {epci_rec.code}." if epci_rec is not None else ".")
        )
    return UnknownTerritoryError(
        f"EPCI {siren} inconnu : ce SIREN n'est celui d'aucun EPCI à fiscalité propre du {COG_VINTAGE}. "
        f"{_VALID_FORMS} {_SEARCH_HINT}"
    )


# -- list of communes -----------------------------------------------------------------------------


def _resolve_list(index: CogIndex, value: str, display_name: str) -> Territory:
    codes = sorted({_clean_code(part) for part in re.split(r"[,;\s]+", value) if part.strip()})
    if not codes:
        raise BadInputError(
            f"--communes est vide : donnez des codes communes séparés par des virgules "
            f'(ex. --communes 69010,69021 --nom "{display_name}").'
        )
    records: list[CommuneRecord] = []
    problems: list[str] = []
    malformed = False
    for code in codes:
        rec = index.commune(code)
        if rec is not None:
            records.append(rec)
            continue
        if not COMMUNE_CODE_RE.match(code):
            malformed = True
            problems.append(f"{code} (format invalide)")
        elif (current := index.current_commune_for_former_code(code)) is not None:
            problems.append(f"{code} (ancien code : aujourd'hui {current.name}, {current.code})")
        else:
            problems.append(f"{code} (inconnu du {COG_VINTAGE})")
    if problems:
        plural = "s" if len(problems) > 1 else ""
        message = f"Code{plural} invalide{plural} dans --communes : {', '.join(problems)}. Corrigez la liste"
        message += f" ({_COMMUNE_FORMAT})." if malformed else f". {_VALID_FORMS}"
        message += f" {_SEARCH_HINT}"
        raise BadInputError(message) if malformed else UnknownTerritoryError(message)
    listed = {rec.code for rec in records}
    doubled = sorted(
        f"{rec.code} ({rec.name})"
        for rec in records
        if rec.type == "arrondissement-municipal" and rec.parent in listed
    )
    if doubled:
        raise BadInputError(
            f"--communes contient à la fois une commune et ses arrondissements municipaux : "
            f"{', '.join(doubled)} {'sont' if len(doubled) > 1 else 'est'} déjà dans la commune listée. "
            "Gardez la commune ou ses arrondissements, pas les deux."
        )
    slug = normalize(display_name).replace(" ", "-")
    if not slug:
        raise BadInputError(
            f"Nom de périmètre « {display_name} » inutilisable : il doit contenir au moins une lettre ou un chiffre."
        )
    members = [_member(index, rec) for rec in records]
    return _territory(index, "communes", slug, display_name, "Périmètre de communes", members)


# -- building -------------------------------------------------------------------------------------


def _member(index: CogIndex, rec: CommuneRecord) -> Commune:
    """The dossier's Commune for an index record (an arrondissement takes its city's EPCI)."""
    epci_rec: EpciRecord | None = index.epci_of_commune(rec.code)
    return Commune(
        code=rec.code,
        name=rec.name,
        departement=rec.departement,
        region=rec.region,
        epci=epci_rec.code if epci_rec is not None else None,
        population=rec.population,
    )


def _territory(
    index: CogIndex,
    kind: TerritoryKind,
    code: str,
    name: str,
    kind_label: str,
    members: list[Commune],
) -> Territory:
    members = sorted(members, key=lambda c: c.code)
    departements = tuple(
        Place("departement", dep, rec.name if (rec := index.departement(dep)) is not None else dep)
        for dep in sorted({c.departement for c in members})
    )
    regions = tuple(
        Place("region", reg, region.name if (region := index.region(reg)) is not None else reg)
        for reg in sorted({c.region for c in members})
    )
    log.debug("Resolved %s %s: %d communes", kind, code, len(members))
    return Territory(kind, code, name, kind_label, tuple(members), departements, regions)

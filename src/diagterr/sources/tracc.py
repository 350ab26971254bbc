"""TRACC: the reference warming trajectory for adaptation, read from its official text.

The *trajectoire de réchauffement de référence pour l'adaptation au changement climatique* is
fixed by the arrêté du 23 janvier 2026 (JORF n°0021 du 25 janvier 2026), Article 1: warming
levels against the pre-industrial era, per horizon (2030, 2050, 2100), for metropolitan France
and each overseas territory, with the global warming they correspond to.

No value is typed in: `parse_article1` reads every level from the text of Article 1 (a stored
copy of the JORF text on juriblio.fr, ../shared/data/raw/tracc-official-text/), and the sample
builder (scripts/build_samples.py, `build_tracc`) writes them to the table `tracc` with the
file's sha256. The text is pinned (TEXT_SHA256) and the parser is strict: a changed text stops
the build with a French message instead of shipping other numbers unread.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from diagterr.sources.registry import source_info
from diagterr.store import InputFile, Manifest
from diagterr.tables.climate import METROPOLE, TRACC, TRACC_HORIZONS, TRACC_REFERENCE, WORLD

SOURCE_ID = "tracc_arrete"
# Relative to ../shared/data.
TEXT_FILE = "raw/tracc-official-text/arrete_2026-01-23_TRACC_article1.juriblio.txt"
# sha256 of the text read to build the table: a new copy must be read again by a person (and the
# parser run on it) before its numbers reach a dossier.
TEXT_SHA256 = "faf6bac639937bf6eafe4e916789b15adff6f7c8167f457cd52d5e77734a9e46"
TEXT_URL = "https://juriblio.fr/arretes/arrete-du-23-janvier-2026/187616893"
TITLE = (
    "Arrêté du 23 janvier 2026 fixant la trajectoire de réchauffement de référence pour "
    "l'adaptation au changement climatique"
)
JOURNAL = "JORF n°0021 du 25 janvier 2026"
VINTAGE = "Arrêté du 23 janvier 2026 (JORF du 25 janvier 2026)"

_NUMBER = r"(\d+(?:,\d+)?)"
_LEVEL = re.compile(rf"réchauffement de {_NUMBER} °C à l'horizon (\d{{4}})")
_NUMBERED = re.compile(r"^(?P<num>[IVX]+)\. - Pour (?P<zone>.+?), (?P<levels>réchauffement de .+)$")
_GLOBAL = re.compile(
    rf"^Ces niveaux de réchauffement correspondent à un réchauffement mondial de {_NUMBER} °C à "
    rf"l'horizon (\d{{4}}), de {_NUMBER} °C à l'horizon (\d{{4}}) et de {_NUMBER} °C à l'horizon (\d{{4}})\.$"
)
_SAME_AS = re.compile(r"^Pour (?P<zone>.+?), ces niveaux de réchauffement correspondent à ceux (?P<ref>.+)\.$")
_OWN_LEVELS = re.compile(
    r"^Pour (?P<zone>.+?), ces niveaux de réchauffement correspondent à un (?P<levels>réchauffement de .*)$"
)
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


class TraccTextError(ValueError):
    """The official text is not the one this parser was written for (French message)."""


@dataclass(frozen=True, slots=True)
class TraccLevel:
    paragraphe: str  # "I".."V" for the numbered paragraphs, "" for the sentences after them
    perimetre: str  # as written after "Pour" ("la France métropolitaine"), or "monde"
    horizon: str  # "2030"
    rechauffement_c: float  # °C against the pre-industrial era
    extrait: str  # the sentence of Article 1 the value was read from


def parse_article1(text: str) -> list[TraccLevel]:
    """Every warming level of Article 1, in the order of the text.

    Raises TraccTextError (French) when the title, the Journal officiel reference, Article 1 or
    the expected structure is missing: five numbered paragraphs (I to V), each with exactly the
    horizons 2030, 2050 and 2100; paragraph I for metropolitan France; the global equivalents.
    """
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    for expected in (TITLE, JOURNAL, "Article 1"):
        if expected not in text:
            raise TraccTextError(f"TRACC : « {expected} » est absent du texte de l'arrêté.")
    article = text.split("Article 1", 1)[1]
    lines = [" ".join(line.split()) for line in article.splitlines()]
    levels: list[TraccLevel] = []
    numbered: dict[str, list[TraccLevel]] = {}
    by_zone: dict[str, list[TraccLevel]] = {}
    for line in lines:
        if match := _NUMBERED.match(line):
            number, zone = match["num"], match["zone"]
            if number in numbered:
                raise TraccTextError(f"TRACC : le paragraphe {number} de l'article 1 figure deux fois.")
            found = _levels(match["levels"], line, number, zone)
            numbered[number] = found
            levels += found
        elif match := _GLOBAL.match(line):
            values = match.groups()
            pairs = [(values[i + 1], values[i]) for i in range(0, 6, 2)]
            _check_horizons([h for h, _ in pairs], line)
            levels += [TraccLevel("", WORLD, h, _float(v), line) for h, v in pairs]
        elif match := _OWN_LEVELS.match(line):
            zone = match["zone"]
            if not _LEVEL.search(match["levels"]):
                continue  # the sentence cut by the copy; the full one follows
            found = _levels(match["levels"], line, "", zone)
            if not _repeated(by_zone, zone, found):
                by_zone[zone] = found
                levels += found
        elif match := _SAME_AS.match(line):
            zone, reference = match["zone"], match["ref"]
            source = next(
                (number for number, found in numbered.items() if _same_places(found[0].perimetre, reference)), None
            )
            if source is None:
                raise TraccTextError(f"TRACC : « {line} » renvoie à un paragraphe introuvable.")
            levels += [TraccLevel("", zone, x.horizon, x.rechauffement_c, line) for x in numbered[source]]
    _check_structure(numbered, levels)
    return levels


def _check_structure(numbered: dict[str, list[TraccLevel]], levels: list[TraccLevel]) -> None:
    """Paragraphs I to V, paragraph I for metropolitan France, the global equivalents."""
    expected_numbers = list(_ROMAN[:5])
    if sorted(numbered, key=_ROMAN.index) != expected_numbers:
        raise TraccTextError(
            f"TRACC : paragraphes numérotés attendus {', '.join(expected_numbers)}, lus "
            f"{', '.join(sorted(numbered, key=_ROMAN.index)) or 'aucun'}."
        )
    if "France métropolitaine" not in numbered[METROPOLE][0].perimetre:
        raise TraccTextError(
            f"TRACC : le paragraphe {METROPOLE} ne vise plus la France métropolitaine "
            f"(« {numbered[METROPOLE][0].perimetre} »)."
        )
    if not any(level.perimetre == WORLD for level in levels):
        raise TraccTextError("TRACC : les niveaux de réchauffement mondial équivalents sont introuvables.")


def levels_frame(levels: Sequence[TraccLevel]) -> pd.DataFrame:
    """The `tracc` table: one row per perimeter and horizon, with the sentence it comes from."""
    frame = pd.DataFrame(
        [
            {
                "paragraphe": x.paragraphe,
                "perimetre": x.perimetre,
                "horizon": x.horizon,
                "rechauffement_c": x.rechauffement_c,
                "reference": TRACC_REFERENCE,
                "extrait": x.extrait,
            }
            for x in levels
        ],
        columns=list(TRACC.columns),
    )
    return frame.astype({c: "string" for c in TRACC.columns if c != "rechauffement_c"})


def read_text(path: Path) -> str:
    """The official text, after checking it is the copy this parser was written for."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != TEXT_SHA256:
        raise TraccTextError(
            f"TRACC : le texte de l'arrêté a changé ({path.name}, sha256 {digest[:12]}… au lieu de "
            f"{TEXT_SHA256[:12]}…). Relisez l'article 1, vérifiez que l'analyse le lit toujours, "
            "puis mettez à jour TEXT_SHA256 dans diagterr/sources/tracc.py."
        )
    return data.decode("utf-8")


def table_from_text(path: Path, inputs: Sequence[InputFile]) -> tuple[pd.DataFrame, Manifest]:
    """The `tracc` table and its manifest, read from the official text at `path`."""
    levels = parse_article1(read_text(path))
    info = source_info(SOURCE_ID)
    manifest = Manifest(
        table=TRACC.name,
        source_id=SOURCE_ID,
        title="Trajectoire de réchauffement de référence (TRACC), arrêté du 23 janvier 2026, article 1",
        producer=info.producer,
        origin=f"{TEXT_URL} (copie du texte publié au {JOURNAL})",
        vintage=VINTAGE,
        geo_vintage="France métropolitaine et outre-mer",
        licence=info.licence,
        retrieved_at="2026-01-25",
        inputs=tuple(inputs),
        method=(
            "Niveaux de réchauffement lus par le programme dans l'article 1 de l'arrêté (expressions "
            "régulières sur le texte, jamais recopiés à la main), avec la phrase d'où vient chaque valeur ; "
            "empreinte sha256 du texte vérifiée à chaque construction. Référence : ère préindustrielle. Date "
            "indiquée : celle du Journal officiel (la date de la copie n'est pas connue)."
        ),
    )
    return levels_frame(levels), manifest


# -- internals ---------------------------------------------------------------------------------


def _levels(levels_text: str, line: str, number: str, zone: str) -> list[TraccLevel]:
    found = _LEVEL.findall(levels_text)
    _check_horizons([horizon for _, horizon in found], line)
    return [TraccLevel(number, zone, horizon, _float(value), line) for value, horizon in found]


def _repeated(by_zone: dict[str, list[TraccLevel]], zone: str, found: list[TraccLevel]) -> bool:
    """Whether `zone` was read already (the copy repeats a sentence); two different series fail."""
    if zone not in by_zone:
        return False
    if [(x.horizon, x.rechauffement_c) for x in by_zone[zone]] != [(x.horizon, x.rechauffement_c) for x in found]:
        raise TraccTextError(f"TRACC : deux séries de valeurs différentes pour {zone}.")
    return True


def _check_horizons(horizons: list[str], line: str) -> None:
    if tuple(horizons) != TRACC_HORIZONS:
        raise TraccTextError(
            f"TRACC : horizons attendus {', '.join(TRACC_HORIZONS)}, lus {', '.join(horizons) or 'aucun'} "
            f"dans « {line} »."
        )


def _float(text: str) -> float:
    return float(text.replace(",", "."))


def _same_places(perimetre: str, reference: str) -> bool:
    """"la Guadeloupe, la Martinique, Saint-Martin" is "de la Guadeloupe, de la Martinique et de
    Saint-Martin": the same place names, whatever the articles and conjunctions."""

    def names(text: str) -> set[str]:
        words = re.split(r",| et ", text)
        return {re.sub(r"^(?:de |du |des )?(?:la |le |les |l')?", "", w.strip()) for w in words if w.strip()}

    return names(perimetre) == names(reference)

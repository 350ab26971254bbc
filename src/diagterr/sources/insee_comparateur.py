"""INSEE "Base du comparateur de territoires": the national file, read into tidy observations.

The file (`base_cc_comparateur.CSV`, `;`, UTF-8, one row per commune and per arrondissement
municipal) changes its year suffixes with every edition (P18_POP, then P21_POP, P22_POP…), so
columns are recognised by pattern, never by literal name, and the period is read from the name.

The 45 arrondissements municipaux of Paris, Lyon and Marseille are also counted in their
commune (75056, 69123, 13055): they are dropped before any sum.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from diagterr.aggregate import sum_by_group
from diagterr.errors import SourceSchemaError
from diagterr.store import InputFile, Manifest, Store, observation_frame
from diagterr.tables.census import COMPARATEUR

log = logging.getLogger(__name__)

SOURCE_ID = COMPARATEUR.source_id
URL = "https://www.insee.fr/fr/statistiques/fichier/2521169/base_cc_comparateur_csv.zip"


@dataclass(frozen=True, slots=True)
class ColumnRule:
    pattern: str  # regex on the column name
    variable: str  # our variable name
    period: Callable[[re.Match[str]], str]  # period read from the column name
    aggregable: bool = True  # False for medians, shares and rates published as such


def _year(group: int = 1) -> Callable[[re.Match[str]], str]:
    return lambda m: f"20{m.group(group)}"


def _span(m: re.Match[str]) -> str:
    return f"20{m.group(1)}-20{m.group(2)}"


def _geography(_: re.Match[str]) -> str:
    return "geographie"


# Column patterns of the editions seen (2022: P18_…, MED19, ETTOT18; 2025: P22_…, MED21, ETTOT23).
COLUMN_RULES: tuple[ColumnRule, ...] = (
    ColumnRule(r"^P(\d\d)_POP$", "pop", _year()),
    ColumnRule(r"^SUPERF$", "superficie_km2", _geography),
    ColumnRule(r"^NAIS(\d\d)(\d\d)$", "naissances", _span),
    ColumnRule(r"^DECE(\d\d)(\d\d)$", "deces", _span),
    ColumnRule(r"^NAISD(\d\d)$", "naissances", _year()),
    ColumnRule(r"^DECESD(\d\d)$", "deces", _year()),
    ColumnRule(r"^P(\d\d)_MEN$", "menages", _year()),
    ColumnRule(r"^P(\d\d)_LOG$", "logements", _year()),
    ColumnRule(r"^P(\d\d)_RP$", "residences_principales", _year()),
    ColumnRule(r"^P(\d\d)_RSECOCC$", "residences_secondaires", _year()),
    ColumnRule(r"^P(\d\d)_LOGVAC$", "logements_vacants", _year()),
    ColumnRule(r"^P(\d\d)_RP_PROP$", "rp_proprietaires", _year()),
    ColumnRule(r"^NBMENFISC(\d\d)$", "menages_fiscaux", _year()),
    ColumnRule(r"^PIMP(\d\d)$", "part_menages_imposes_pct", _year(), aggregable=False),
    ColumnRule(r"^MED(\d\d)$", "mediane_niveau_vie", _year(), aggregable=False),
    ColumnRule(r"^TP60(\d\d)$", "taux_pauvrete_pct", _year(), aggregable=False),
    ColumnRule(r"^P(\d\d)_EMPLT$", "emplois", _year()),
    ColumnRule(r"^P(\d\d)_EMPLT_SAL$", "emplois_salaries", _year()),
    ColumnRule(r"^P(\d\d)_POP1564$", "pop_15_64", _year()),
    ColumnRule(r"^P(\d\d)_CHOM1564$", "chomeurs_15_64", _year()),
    ColumnRule(r"^P(\d\d)_ACT1564$", "actifs_15_64", _year()),
    ColumnRule(r"^ETTOT(\d\d)$", "etablissements", _year()),
    ColumnRule(r"^ETAZ(\d\d)$", "etab_agriculture", _year()),
    ColumnRule(r"^ETBE(\d\d)$", "etab_industrie", _year()),
    ColumnRule(r"^ETFZ(\d\d)$", "etab_construction", _year()),
    ColumnRule(r"^ETGU(\d\d)$", "etab_commerce_transports_services", _year()),
    ColumnRule(r"^ETGZ(\d\d)$", "etab_commerce_reparation_auto", _year()),
    ColumnRule(r"^ETOQ(\d\d)$", "etab_admin_enseignement_sante", _year()),
    ColumnRule(r"^ETTEF1(\d\d)$", "etab_1_9_salaries", _year()),
    ColumnRule(r"^ETTEFP10(\d\d)$", "etab_10_salaries_plus", _year()),
)

NON_AGGREGABLE = frozenset(r.variable for r in COLUMN_RULES if not r.aggregable)


@dataclass(frozen=True, slots=True)
class CommuneGeography:
    """Where a code of the file stands in today's geography."""

    current_code: str  # the current commune it is (or belongs to, after a merger)
    departement: str
    region: str


def read_comparateur_csv(path: Path) -> pd.DataFrame:
    """The base file as a frame of strings (secret `s` and blanks kept as missing)."""
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if re.match(r"(?i)^base_cc_comparateur.*\.csv$", Path(n).name)]
            if not names:
                raise SourceSchemaError(
                    f"Archive {path.name} : fichier base_cc_comparateur*.csv introuvable "
                    f"(contenu : {', '.join(archive.namelist())})."
                )
            data = archive.read(names[0])
        frame = pd.read_csv(io.BytesIO(data), sep=";", dtype=str, keep_default_na=False)
    else:
        frame = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if "CODGEO" not in frame.columns:
        raise SourceSchemaError(
            f"{path.name} : colonne CODGEO absente ; colonnes reçues : {', '.join(frame.columns[:10])}…"
        )
    return frame


def recognise_columns(columns: list[str]) -> dict[str, tuple[str, str]]:
    """Column name -> (variable, period) for the columns we know; fails if a core one is absent."""
    found: dict[str, tuple[str, str]] = {}
    for column in columns:
        for rule in COLUMN_RULES:
            match = re.match(rule.pattern, column)
            if match:
                found[column] = (rule.variable, rule.period(match))
                break
    variables = {v for v, _ in found.values()}
    for core in ("pop", "logements", "emplois", "actifs_15_64"):
        if core not in variables:
            raise SourceSchemaError(
                f"Base du comparateur : aucune colonne reconnue pour « {core} » "
                f"(colonnes reçues : {', '.join(columns)})."
            )
    return found


def _numeric(series: pd.Series) -> pd.Series:
    # "s" (secret) and "" (not published) stay missing, never 0.
    return pd.to_numeric(series.replace({"s": None, "": None}), errors="coerce")


def comparateur_observations(
    frame: pd.DataFrame,
    geography: Mapping[str, CommuneGeography],
    arrondissements: frozenset[str],
    keep_communes: frozenset[str] | None = None,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Tidy observations: communes (current codes) and sums per département, région and France.

    - `geography`: file code -> current commune, département, région (codes merged since the
      file's geography map to the commune nouvelle; their values are summed into it);
    - `arrondissements`: codes of the arrondissements municipaux, dropped (counted in their commune);
    - `keep_communes`: commune rows to keep (all when None); aggregates always use every commune.
    Non-aggregable variables (medians, published rates) are kept for communes only.
    Returns the observations and counters for the build log.
    """
    columns = recognise_columns(list(frame.columns))
    stats = {"rows": len(frame), "arrondissements_dropped": 0, "unmapped": 0, "merged_into_current": 0}
    frame = frame[~frame["CODGEO"].isin(arrondissements)].copy()
    stats["arrondissements_dropped"] = stats["rows"] - len(frame)

    unknown = sorted(set(frame["CODGEO"]) - set(geography))
    if unknown:
        stats["unmapped"] = len(unknown)
        log.warning("codes absents de la géographie courante, ignorés : %s", ", ".join(unknown[:20]))
        frame = frame[frame["CODGEO"].isin(set(geography))]

    frame["current"] = frame["CODGEO"].map(lambda c: geography[c].current_code)
    frame["DEP"] = frame["CODGEO"].map(lambda c: geography[c].departement)
    frame["REG"] = frame["CODGEO"].map(lambda c: geography[c].region)
    stats["merged_into_current"] = int((frame["current"] != frame["CODGEO"]).sum())

    value_columns = list(columns)
    for column in value_columns:
        frame[column] = _numeric(frame[column])

    aggregable_cols = [c for c in value_columns if columns[c][0] not in NON_AGGREGABLE]
    parts: list[pd.DataFrame] = []

    # Départements, régions, France first: the communes missing from a sum are named in its status
    # (when few), and their rows are kept so that a rate can be put on the sum's perimeter.
    frame["FR"] = "FR"
    gap_communes: set[str] = set()
    for column in aggregable_cols:
        variable, period = columns[column]
        for level in ("DEP", "REG", "FR"):
            value, status = _level_sums(frame, column, level)
            for text in status.dropna():
                gap_communes.update(_listed_gaps(text))
            parts.append(_frame(level, value, status, variable, period))

    # Communes: a commune nouvelle made of several codes of the file gets their sum; a
    # non-aggregable figure of a merged commune cannot be rebuilt and stays missing.
    kept = None if keep_communes is None else keep_communes | gap_communes
    communes = frame if kept is None else frame[frame["current"].isin(kept)]
    grouped = communes.groupby("current", sort=True)
    sums = grouped[value_columns].sum(min_count=1)
    missing = communes[value_columns].isna().groupby(communes["current"], sort=True).sum()
    merged = grouped["CODGEO"].nunique()
    for column in value_columns:
        variable, period = columns[column]
        value = sums[column].copy()
        status = pd.Series(None, index=sums.index, dtype="object")
        status[missing[column] > 0] = "partial:" + missing[column].astype(str)
        status[value.isna()] = "absent"
        if variable in NON_AGGREGABLE:
            rebuilt = merged > 1
            value[rebuilt] = float("nan")
            status[rebuilt] = "absent"
        parts.append(_frame("COM", value, status, variable, period))
    stats["gap_communes_kept"] = len(gap_communes - (keep_communes or frozenset()))

    observations = pd.concat(parts, ignore_index=True)
    return observation_frame(observations), stats


# A sum that lacks at most this share of its communes names them in its status (and keeps their
# rows): the largest gap a comparison may show (themes.figures.MAX_GAP_SHARE). Beyond, the
# status only counts them.
LISTED_GAP_SHARE = 0.01


def _level_sums(frame: pd.DataFrame, column: str, level: str) -> tuple[pd.Series, pd.Series]:
    """The sums of `column` per code of `level` (DEP, REG, FR) and their status.

    Status (read by themes.figures), parts joined by ";":
    - "hors:976": départements where no commune has a value (Mayotte for the census), left out of
      their région and of France — a well-defined total of the rest;
    - "partial:N/M[:codes]": N of the M communes of the sum (outside the départements left out)
      have no value (secret or not published); their codes when N ≤ LISTED_GAP_SHARE × M and
      all of them are current communes;
    - "absent": no commune has a value.
    """
    sums = sum_by_group(frame, level, [column]).set_index(level)
    value = sums[column]
    status = pd.Series(None, index=sums.index, dtype="object")
    absent = frame[column].isna()
    if not absent.any():
        return value, status
    by_dep = absent.groupby(frame["DEP"]).agg(["sum", "size"])
    empty_deps = set(by_dep.index[by_dep["sum"] == by_dep["size"]]) if level != "DEP" else set()
    inside = ~frame["DEP"].isin(empty_deps)
    communes = inside.groupby(frame[level]).sum()
    for code in sorted(set(frame.loc[absent, level])):
        if pd.isna(value[code]):
            status[code] = "absent"
            continue
        rows = frame[(frame[level] == code) & absent]
        left_out = sorted(set(rows["DEP"]) & empty_deps)
        scattered = rows[~rows["DEP"].isin(empty_deps)]
        texts = ["hors:" + ",".join(left_out)] if left_out else []
        if len(scattered):
            text = f"partial:{len(scattered)}/{int(communes[code])}"
            listable = (len(scattered) <= LISTED_GAP_SHARE * communes[code]
                        and (scattered["current"] == scattered["CODGEO"]).all())
            if listable:
                text += ":" + ",".join(sorted(scattered["CODGEO"]))
            texts.append(text)
        status[code] = ";".join(texts)
    return value, status


def _listed_gaps(status: str) -> list[str]:
    """The commune codes a status of `_level_sums` names (none when it only counts them)."""
    codes: list[str] = []
    for part in status.split(";"):
        fields = part.split(":")
        if fields[0] == "partial" and len(fields) == 3:
            codes.extend(fields[2].split(","))
    return codes


def _frame(level: str, value: pd.Series, status: pd.Series, variable: str, period: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "geo_level": level,
            "geo_code": value.index.astype(str),
            "variable": variable,
            "period": period,
            "value": value.to_numpy(dtype="float64"),
            "status": status.to_numpy(),
            "source_id": SOURCE_ID,
        }
    )


def geography_from_cog(cog) -> tuple[dict[str, CommuneGeography], frozenset[str]]:
    """File code -> today's commune, département, région; and the arrondissements municipaux.

    `cog` is the COG index (diagterr.cog.CogIndex): current communes map to themselves, former
    codes (communes fusionnées, déléguées, associées) to the commune nouvelle they belong to.
    """
    geography: dict[str, CommuneGeography] = {}
    arrondissements: set[str] = set()
    for record in cog.all_communes():
        if record.type == "arrondissement-municipal":
            arrondissements.add(record.code)
        else:
            geography[record.code] = CommuneGeography(record.code, record.departement, record.region)
    for former, current in cog.former_codes().items():
        if current in geography:
            geography.setdefault(former, geography[current])
    return geography, frozenset(arrondissements)


def vintage_of_file(observations: pd.DataFrame) -> str:
    """The vintages the file carries, read from its columns (never hard-coded)."""

    def latest(variables: set[str]) -> str | None:
        periods = observations.loc[observations["variable"].isin(variables), "period"]
        periods = [p for p in periods.unique() if re.fullmatch(r"\d{4}", p)]
        return max(periods) if periods else None

    parts = []
    census = latest({"pop", "logements", "emplois"})
    if census:
        parts.append(f"RP {census}")
    filosofi = latest({"mediane_niveau_vie", "menages_fiscaux"})
    if filosofi:
        parts.append(f"Filosofi {filosofi}")
    sirene = latest({"etablissements"})
    if sirene:
        parts.append(f"REE-Sirene {sirene}")
    return ", ".join(parts)


def import_comparateur(
    path: Path,
    store: Store,
    cog,
    *,
    keep_communes: frozenset[str] | None = None,
    origin: str = URL,
    retrieved_at: str,
    geo_vintage: str = "géographie de l'édition (codes ramenés au COG 2026)",
    inputs: tuple[InputFile, ...] = (),
) -> tuple[Manifest, dict[str, int]]:
    """Read the national file and write the `tables.census.COMPARATEUR` table into `store`."""
    frame = read_comparateur_csv(path)
    geography, arrondissements = geography_from_cog(cog)
    observations, stats = comparateur_observations(frame, geography, arrondissements, keep_communes)
    scope = "toutes les communes" if keep_communes is None else f"les {len(keep_communes)} communes retenues"
    manifest = Manifest(
        table=COMPARATEUR.name,
        source_id=SOURCE_ID,
        title=f"Base du comparateur de territoires ({vintage_of_file(observations)})",
        producer="INSEE",
        origin=origin,
        vintage=vintage_of_file(observations),
        geo_vintage=geo_vintage,
        licence="Licence Ouverte / Etalab 2.0",
        retrieved_at=retrieved_at,
        inputs=inputs,
        method=(
            f"Fichier national entier ({stats['rows']} lignes). Communes : {scope}, codes ramenés aux communes "
            "du COG 2026 (une commune nouvelle reçoit la somme de ses anciennes communes). Départements, régions "
            "et France : sommes des communes, sans les 45 arrondissements municipaux de Paris, Lyon et Marseille "
            "(déjà comptés dans leur commune). Une somme à laquelle manquent N des M communes porte le statut "
            "« partial:N/M » (suivi de leurs codes quand elles sont peu nombreuses, leurs lignes communales étant "
            "gardées) ; « hors:976 » : France et région sans Mayotte, où le recensement n'est pas publié dans ce "
            "fichier. Médianes, taux de pauvreté et parts de ménages "
            "imposés ne sont pas sommés (non agrégeables) : ils ne figurent qu'au niveau communal."
        ),
    )
    written = store.write_table(COMPARATEUR.name, observations, manifest)
    log.info("comparateur : %d observations écrites (%s)", written.rows, written.vintage)
    return written, stats

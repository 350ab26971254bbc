"""Melodi `/data` answers for the census, Filosofi and civil-registration datasets, WRITTEN BY THE
PROJECT (no RP or Filosofi body has ever been recorded, APIS.md §2).

Shape: exactly the REAL recorded bodies (`melodi__data_popref_*.json`): `identifier`, `title`,
`observations[]` of `{"dimensions": {"GEO": "<COG year>-<LEVEL>-<code>", "FREQ": "A",
"TIME_PERIOD": …, <breakdowns>}, "measures": {"OBS_VALUE_NIVEAU": {"value": …}}}`, `paging.first`;
a secret value is `{"OBS_VALUE_NIVEAU": {}}` (the documented secrecy shape).

Values: only real figures, read from the project's sample store (data/samples, built from
../shared/data by scripts/build_samples.py; every row traces to a file there): RP 2021 by commune
(IRIS bases and the datas.fun compilation), the comparateur de territoires (RP 2013/2018,
Filosofi 2019, état civil 2020, with its département / région / France sums), and the
populations "sans doubles comptes" 1968-1999. Where the samples have no real figure (commuting
modes, age by sex, the EPCI's own Filosofi value), the answer has no observation: the dossier
must say the figure is missing, not invent it.

Dimension codes are those diagterr.sources.melodi_census documents (with their provenance).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import pandas as pd

from diagterr.resources import samples_dir
from diagterr.store import Store
from diagterr.territory import Territory

COG_YEAR = "2025"
_LEVEL = {"COM": "COM", "DEP": "DEP", "REG": "REG", "FR": "FRANCE"}


@dataclass(frozen=True)
class Recipe:
    """Rows of a sample table that become observations with these breakdown codes."""

    table: str
    variable: str
    dimensions: dict[str, str]
    periods: tuple[str, ...] | None = None  # None: every yearly period
    value: str = "value"  # "value", or "difference:<variable>" (value minus another variable)
    extra: dict[str, str] = field(default_factory=dict)
    # A count over a span of the samples ("2013-2018") answered with the TIME_PERIOD of the census
    # closing it ("2018"): how a public script reads DS_RP_SERIE_HISTORIQUE's BRTH/DEATH (third-party).
    span_end: bool = False


def _t(**codes: str) -> dict[str, str]:
    return codes


RECIPES: dict[str, tuple[Recipe, ...]] = {
    "DS_RP_POPULATION_PRINC": (
        Recipe("rp2021_iris", "pop", _t(RP_MEASURE="POP", SEX="_T", AGE="_T")),
        Recipe("rp2021_iris", "pop_0_19", _t(RP_MEASURE="POP", SEX="_T", AGE="Y_LT20")),
        Recipe("rp2021_iris", "pop_20_64", _t(RP_MEASURE="POP", SEX="_T", AGE="Y20T64")),
        Recipe("rp2021_iris", "pop_65_plus", _t(RP_MEASURE="POP", SEX="_T", AGE="Y_GE65")),
        Recipe("insee_comparateur", "pop", _t(RP_MEASURE="POP", SEX="_T", AGE="_T")),
    ),
    "DS_RP_SERIE_HISTORIQUE": (
        Recipe("population_historique", "psdc", _t(RP_MEASURE="POP", OCS="_T"), ("1968", "1975", "1982", "1990", "1999")),
        Recipe("insee_comparateur", "pop", _t(RP_MEASURE="POP", OCS="_T")),
        Recipe("insee_comparateur", "logements", _t(RP_MEASURE="DWELLINGS", OCS="_T")),
        Recipe("insee_comparateur", "residences_principales", _t(RP_MEASURE="DWELLINGS", OCS="DW_MAIN")),
        Recipe("insee_comparateur", "residences_secondaires", _t(RP_MEASURE="DWELLINGS", OCS="DW_SEC_DW_OCC")),
        Recipe("insee_comparateur", "logements_vacants", _t(RP_MEASURE="DWELLINGS", OCS="DW_VAC")),
        # Births and deaths 2013-2018 (comparateur, état civil), with their DEP / REG / France sums.
        Recipe("insee_comparateur", "naissances", _t(RP_MEASURE="BRTH", OCS="_T"), span_end=True),
        Recipe("insee_comparateur", "deces", _t(RP_MEASURE="DEATH", OCS="_T"), span_end=True),
        # RP 2021 dwellings by commune (IRIS bases; no département / région / France value).
        Recipe("rp2021_iris", "logements", _t(RP_MEASURE="DWELLINGS", OCS="_T")),
        Recipe("rp2021_iris", "residences_principales", _t(RP_MEASURE="DWELLINGS", OCS="DW_MAIN")),
        Recipe("rp2021_iris", "residences_secondaires", _t(RP_MEASURE="DWELLINGS", OCS="DW_SEC_DW_OCC")),
        Recipe("rp2021_iris", "logements_vacants", _t(RP_MEASURE="DWELLINGS", OCS="DW_VAC")),
    ),
    "DS_RP_MENAGES_PRINC": (
        Recipe("rp2021_compilation", "menages", _t(RP_MEASURE="DWELLINGS", NOC="_T")),
        Recipe("insee_comparateur", "menages", _t(RP_MEASURE="DWELLINGS", NOC="_T")),
    ),
    "DS_RP_LOGEMENT_PRINC": (
        Recipe("rp2021_iris", "logements", _t(RP_MEASURE="DWELLINGS", OCS="_T", TSH="_T")),
        Recipe("rp2021_iris", "residences_principales", _t(RP_MEASURE="DWELLINGS", OCS="DW_MAIN", TSH="_T")),
        Recipe("rp2021_iris", "residences_secondaires", _t(RP_MEASURE="DWELLINGS", OCS="DW_SEC_DW_OCC", TSH="_T")),
        Recipe("rp2021_iris", "logements_vacants", _t(RP_MEASURE="DWELLINGS", OCS="DW_VAC", TSH="_T")),
        Recipe("insee_comparateur", "logements", _t(RP_MEASURE="DWELLINGS", OCS="_T", TSH="_T")),
        Recipe("insee_comparateur", "residences_principales", _t(RP_MEASURE="DWELLINGS", OCS="DW_MAIN", TSH="_T")),
        Recipe("insee_comparateur", "rp_proprietaires", _t(RP_MEASURE="DWELLINGS", OCS="DW_MAIN", TSH="100")),
    ),
    "DS_RP_EMPLOI_LR_PRINC": tuple(
        recipe
        for table in ("rp2021_compilation", "insee_comparateur")
        for recipe in (
            Recipe(table, "pop_15_64", _t(AGE="Y15T64", SEX="_T", EDUC="_T", EMPSTA_ENQ="_T")),
            Recipe(table, "actifs_15_64", _t(AGE="Y15T64", SEX="_T", EDUC="_T", EMPSTA_ENQ="1"),
                   value="difference:chomeurs_15_64"),
            Recipe(table, "chomeurs_15_64", _t(AGE="Y15T64", SEX="_T", EDUC="_T", EMPSTA_ENQ="2")),
        )
    ),
    "DS_RP_EMPLOI_LT_PRINC": (Recipe("insee_comparateur", "emplois", {}),),
    "DS_RP_NAVETTES_PRINC": (),
    # Residents aged 15 or more by PCS: no real figure in the samples, the answer is empty.
    "DS_RP_POPULATION_COMP": (),
    "DS_FILOSOFI_CC": (
        Recipe("insee_comparateur", "mediane_niveau_vie", _t(FILOSOFI_MEASURE="MED_SL")),
        Recipe("insee_comparateur", "taux_pauvrete_pct", _t(FILOSOFI_MEASURE="PR_MD60")),
    ),
    "DS_ETAT_CIVIL_NAIS_COMMUNES": (
        Recipe("insee_comparateur", "naissances", {}, ("2020",)),
        Recipe("rp2021_compilation", "naissances", {}, ("2022",)),
    ),
    "DS_ETAT_CIVIL_DECES_COMMUNES": (
        Recipe("insee_comparateur", "deces", {}, ("2020",)),
        Recipe("rp2021_compilation", "deces", {}, ("2022",)),
    ),
    # The economy datasets (sources.melodi_economy): Flores, SIDE and tourism capacity have no real
    # figure in the samples at the levels asked (communes, EPCI, département, région, France): the
    # answers are empty and the dossier must say the figures are missing.
    "DS_FLORES_A38": (),
    "DS_FLORES_ECONOMIC_SPHERE": (),
    "DS_FLORES_A5": (),
    "DS_SIDE_STOCKS_ET_COM": (),
    "DS_SIDE_CREA_ETAB_COM": (),
    "DS_TOUR_CAP": (),
    # France services from the BPE (sources.bpe_france_services): no real count in the samples.
    "DS_BPE": (),
}


class CensusAnswers:
    """Builds the `/data` answer of any census request of one territory from the samples."""

    def __init__(self, territory: Territory):
        self.territory = territory
        self.store = Store([samples_dir()])
        self._tables: dict[str, pd.DataFrame] = {}

    def table(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            self._tables[name] = self.store.read(name)
        return self._tables[name]

    def body(self, url: str) -> bytes:
        path = urlsplit(url).path
        dataset = path.rsplit("/", 1)[-1]
        query = parse_qsl(urlsplit(url).query)
        geo = dict(query)["GEO"]
        sent = {}
        for key, value in query:
            if key not in ("GEO", "maxResult", "page", "totalCount"):
                sent.setdefault(key, set()).add(value)
        observations = [
            o for o in self._observations(dataset, geo)
            if all(o["dimensions"].get(k) in values for k, values in sent.items())
        ]
        return json.dumps({
            "identifier": dataset,
            "title": {"fr": dataset, "en": dataset},
            "observations": observations,
            "paging": {"first": f"{url}&page=1"},
        }).encode()

    def _places(self, geo: str) -> tuple[str, set[str] | None]:
        level, _, code = geo.partition("-")
        if "*" in code:
            return "COM", set(self.territory.commune_codes)
        if level == "FRANCE":
            return "FR", None
        return {"DEP": "DEP", "REG": "REG", "COM": "COM"}.get(level, level), {code}

    def _observations(self, dataset: str, geo: str) -> Iterable[dict]:
        level, codes = self._places(geo)
        for recipe in RECIPES[dataset]:
            frame = self.table(recipe.table)
            rows = frame[(frame["geo_level"] == level) & (frame["variable"] == recipe.variable)
                         & frame["period"].str.fullmatch(r"\d{4}-\d{4}" if recipe.span_end else r"\d{4}")]
            if codes is not None:
                rows = rows[rows["geo_code"].isin(codes)]
            if recipe.periods is not None:
                rows = rows[rows["period"].isin(recipe.periods)]
            for row in rows.itertuples():
                value = row.value
                if recipe.value.startswith("difference:"):
                    other = frame[(frame["geo_level"] == level) & (frame["geo_code"] == row.geo_code)
                                  & (frame["variable"] == recipe.value.split(":", 1)[1]) & (frame["period"] == row.period)]
                    value = value - other["value"].iloc[0] if len(other) and pd.notna(value) else None
                geo_code = "F" if level == "FR" else row.geo_code
                measure = {"value": float(value)} if value is not None and pd.notna(value) else {}
                yield {
                    "dimensions": {"GEO": f"{COG_YEAR}-{_LEVEL[level]}-{geo_code}", "FREQ": "A",
                                   "TIME_PERIOD": row.period[-4:] if recipe.span_end else row.period,
                                   **recipe.dimensions},
                    "measures": {"OBS_VALUE_NIVEAU": measure},
                }

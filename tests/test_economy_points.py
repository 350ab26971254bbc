"""Issue 14, economy: figures a consultant can defend — checked against the raw files of ../shared.

- private salaried jobs (URSSAF): where the sum of the communes is incomplete, the EPCI's published
  row, labelled as such, rather than « n.d. »;
- the EPCI's Filosofi 2019 values: INSEE's own EPCI values as the third party republished them,
  rather than « n.d. — non agrégeable »;
- the presential / productive economy: no « France » row taken from the file's row that is not France;
- the sector profile of the zones d'emploi says so in its title, after the territory's own figures.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from diagterr.dossier import Chart, IndicatorTable, Note, Table
from diagterr.pipeline import RunOptions, build_dossier, default_store
from diagterr.resources import samples_dir
from diagterr.store import Store
from diagterr.territory import resolve_territory
from helpers import SHARED, load_script, needs_shared

PTOD = SHARED / "data" / "raw" / "ptod-observatoire-territorial"
URSSAF_FILE = PTOD / "urssaf_serie_indice100.trimmed.parquet"
QLOG_FILE = PTOD / "agg_epci_qlog.trimmed.csv"
EXDECO_FILE = PTOD / "agg_epci_exdeco.trimmed.json"
SANCY, BERG, SAINT_LO, CCPA = "246300966", "240700815", "200066389", "246900625"


def economy(**territory):
    dossier = build_dossier(resolve_territory(**territory), default_store(), RunOptions(Path("unused")), [], [])
    return next(s for s in dossier.sections if s.id == "economie")


@pytest.fixture(scope="module")
def sancy():
    return economy(epci=SANCY)


def indicators(section) -> dict:
    return {i.id: i for b in section.blocks if isinstance(b, IndicatorTable) for i in b.indicators}


def epci_row(siren: str) -> dict[str, float]:
    raw = pd.read_parquet(URSSAF_FILE)
    rows = raw[(raw["echelon"] == "epci") & (raw["code"] == siren)]
    return {str(r.year): float(r.eff_total) for r in rows.itertuples()}


# -- 1. URSSAF: the EPCI's published row where the communes' sum is incomplete ----------------------


@needs_shared
@pytest.mark.parametrize("siren", [SANCY, BERG, SAINT_LO])
def test_an_incomplete_sum_of_communes_gives_the_epcis_published_row_labelled(siren):
    section = economy(epci=siren)
    row = epci_row(siren)
    found = indicators(section)
    jobs = found["effectifs_salaries_prives"]
    assert jobs.value == row["2024"]  # was n.d. (somme incomplète)
    assert "valeur publiée pour l'EPCI" in jobs.note and jobs.label.endswith("(valeur publiée pour l'EPCI)")
    since = found["evolution_effectifs_salaries_prives_2014"]
    assert since.value == pytest.approx((row["2024"] / row["2014"] - 1) * 100)
    five = found["evolution_effectifs_salaries_prives_5ans"]
    assert five.value == pytest.approx((row["2024"] / row["2019"] - 1) * 100)
    assert five.label.endswith("(valeur publiée pour l'EPCI)")  # page 2 shows it: labelled there too
    chart = next(b for b in section.blocks if isinstance(b, Chart) and b.id == "effectifs_salaries_indice")
    own = chart.series[0]
    assert own.label.endswith("(valeur publiée pour l'EPCI)")
    assert own.y[-1] == pytest.approx(row["2024"] / row["2014"] * 100)
    method = next(b for b in section.blocks if isinstance(b, Note) and "valeur « EPCI »" in b.text)
    assert "retenue pour toute la série" in method.text and "republication tierce" in method.text


@needs_shared
def test_a_complete_sum_stays_the_sum_of_the_communes():
    section = economy(epci=CCPA)
    jobs = indicators(section)["effectifs_salaries_prives"]
    assert jobs.value == epci_row(CCPA)["2024"] and not (jobs.note or "")  # equal, and no label needed
    chart = next(b for b in section.blocks if isinstance(b, Chart) and b.id == "effectifs_salaries_indice")
    assert chart.series[0].label == "CC du Pays de l'Arbresle (CCPA)"


@needs_shared
def test_the_sample_table_keeps_the_epci_rows():
    store = Store([samples_dir()])
    rows = store.observations("urssaf_effectifs", "EPCI", [SANCY, BERG, SAINT_LO, CCPA], ["effectifs_salaries_prives"])
    assert len(rows) == 44
    assert dict(zip(rows[rows["geo_code"] == SANCY]["period"], rows[rows["geo_code"] == SANCY]["value"],
                    strict=True)) == epci_row(SANCY)


# -- 2. Filosofi 2019: the EPCI's own values -----------------------------------------------------


@needs_shared
def test_the_epci_income_2019_is_insees_epci_value_republished_not_non_aggregable(sancy):
    raw = pd.read_csv(QLOG_FILE, dtype={"code": str}).set_index("code")
    found = indicators(sancy)
    median = found["mediane_niveau_vie_2019_tiers"]
    assert median.value == raw.loc[SANCY, "rev_med_19"] and median.period == "2019"
    assert median.label == "Médiane du niveau de vie de l'EPCI" and median.source.source_id == "ptod_epci"
    poverty = found["taux_pauvrete_2019_tiers"]
    assert poverty.value == raw.loc[SANCY, "rev_txpauv_19"]
    table = next(b for b in sancy.blocks if isinstance(b, IndicatorTable) and median in b.indicators)
    assert table.title == "Revenus de l'EPCI, Filosofi 2019 et 2021 (republication tierce)"  # one series
    assert "mediane_niveau_vie" not in found  # no « n.d. — non agrégeable » beside the EPCI's value
    # page 2 keeps the latest vintage: 2021, not 2019
    assert found["mediane_niveau_vie_tiers"].period == "2021"


@needs_shared
def test_a_commune_keeps_its_own_published_median():
    found = indicators(economy(commune="07341"))
    assert found["mediane_niveau_vie"].value is not None
    assert not any(k.endswith("_2019_tiers") for k in found)


# -- 3. presential / productive: no France row from the file's row that is not France ---------------


@needs_shared
def test_the_presential_share_has_no_france_row_taken_from_the_untraceable_row(sancy):
    published = {r["code"]: r for r in json.loads(EXDECO_FILE.read_text("utf-8"))}
    assert published["00FR"]["P22_POP"] < 100_000  # the file's "France" row: not France's population
    table = next(b for b in sancy.blocks if isinstance(b, Table) and b.title.startswith("Économie présentielle"))
    assert [r[0] for r in table.rows] == ["CC du Massif du Sancy"]
    assert table.rows[0][1] == published[SANCY]["eco_emp_pres_pct_23"]
    assert "n'est pas la France" in table.note
    store = Store([samples_dir()])
    frame = store.read("spheres_ptod")
    assert "FR" not in set(frame["geo_level"])
    assert "00FR" in store.manifest("spheres_ptod").method and "pas la France" in store.manifest("spheres_ptod").method


# -- 4. the zones d'emploi's profile: said in the title, after the territory's own figures ----------


@needs_shared
def test_the_zone_profile_says_so_in_its_title_and_comes_after_the_territorys_own_figures(sancy):
    blocks = list(sancy.blocks)
    chart = next(b for b in blocks if isinstance(b, Chart) and b.id == "emplois_secteurs_ze")
    assert chart.title.startswith("Profil sectoriel des zones d'emploi d'Issoire et de Clermont-Ferrand")
    index = next(b for b in blocks if isinstance(b, Table) and b.title.startswith("Profil sectoriel"))
    assert index.title.startswith("Profil sectoriel des zones d'emploi d'Issoire et de Clermont-Ferrand")
    own = next(b for b in blocks if isinstance(b, Table) and b.title.startswith("Emplois au lieu de travail par grand"))
    published = {r["code"]: r for r in json.loads(EXDECO_FILE.read_text("utf-8"))}[SANCY]
    assert dict(own.rows) == {
        "Agriculture": published["eco_sectagri_pct_22"], "Industrie": published["eco_sectindus_pct_22"],
        "Construction": published["eco_sectconst_pct_22"],
        "Commerce, transports et services divers": published["eco_sectservi_pct_22"],
        "Administration publique, enseignement, santé et action sociale": published["eco_sectadmin_pct_22"],
    }
    spheres = next(b for b in blocks if isinstance(b, Table) and b.title.startswith("Économie présentielle"))
    establishments = next(b for b in blocks if isinstance(b, Chart) and b.title.startswith("Établissements actifs"))
    assert blocks.index(own) < blocks.index(chart)
    assert blocks.index(spheres) < blocks.index(chart)
    assert blocks.index(establishments) < blocks.index(chart)


@needs_shared
def test_a_single_zone_is_named_in_the_singular():
    section = economy(commune="07341")
    chart = next(b for b in section.blocks if isinstance(b, Chart) and b.id == "emplois_secteurs_ze")
    assert chart.title.startswith("Profil sectoriel de la zone d'emploi d'Aubenas (pas le territoire)")


@needs_shared
def test_the_build_step_keeps_the_epcis_sector_shares_and_drops_the_france_row(tmp_path):
    build = load_script("build_samples")
    build.main(["--shared", str(SHARED), "--out", str(tmp_path), "--only", "sectors_ptod"])
    frame = Store([tmp_path]).read("spheres_ptod")
    assert set(frame["geo_level"]) == {"EPCI"} and len(set(frame["geo_code"])) == 4
    sancy = frame[frame["geo_code"] == SANCY].set_index("variable")["value"]
    published = {r["code"]: r for r in json.loads(EXDECO_FILE.read_text("utf-8"))}[SANCY]
    assert sancy["part_emplois_rp_INDUS_pct"] == published["eco_sectindus_pct_22"]
    assert sancy["part_emploi_presentiel_pct"] == published["eco_emp_pres_pct_23"]

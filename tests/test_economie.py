"""Économie et emploi: what a consultant reads in the section, checked against the raw tables.

The salaried-jobs series comes from the sample table `urssaf_effectifs`, built by
scripts/build_samples.py from the real (third-party) URSSAF file of ../shared/data; the tests
recompute every figure from that table's counts, never from the file's own index.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from diagterr.cli import app
from diagterr.dossier import Chart, CommuneMap, IndicatorTable, Note, Table
from diagterr.pipeline import RunOptions, build_dossier, default_store
from diagterr.resources import samples_dir
from diagterr.sources import recherche_entreprises as re_api
from diagterr.store import Store, sha256_of
from diagterr.tables.economy import GRANDS_ETABLISSEMENTS
from diagterr.territory import resolve_territory
from diagterr.themes import economie
from diagterr.themes.figures import Figures
from helpers import SHARED, indicator, needs_shared, runner
from specimens import load_json, needs_specimens

URSSAF = "urssaf_effectifs"
JOBS = "effectifs_salaries_prives"
PTOD = "raw/ptod-observatoire-territorial/urssaf_serie_indice100.trimmed.parquet"


def economy_of(**territory):
    store = default_store()
    dossier = build_dossier(resolve_territory(**territory), store, RunOptions(Path("unused")), [], [])
    return next(s for s in dossier.sections if s.id == "economie"), dossier, store


@pytest.fixture(scope="module")
def ccpa():
    return economy_of(epci="246900625")


@pytest.fixture(scope="module")
def sancy():
    return economy_of(epci="246300966")


def block(section, kind, block_id=None, title_start=None):
    return next(
        b for b in section.blocks
        if isinstance(b, kind) and (block_id is None or b.id == block_id)
        and (title_start is None or b.title.startswith(title_start))
    )


def commune_sums(store, codes) -> pd.Series:
    rows = store.observations(URSSAF, "COM", codes, [JOBS])
    return rows.groupby("period")["value"].sum()


# -- samples ---------------------------------------------------------------------------------------


@needs_shared
def test_sample_table_holds_the_real_counts_and_says_it_is_a_third_party_republication():
    store = Store([samples_dir()])
    manifest = store.manifest(URSSAF)
    assert manifest.source_id == "urssaf_ptod"
    assert "REPUBLICATION TIERCE" in manifest.method and "ptod-observatoire-territorial" in manifest.origin
    assert "d41fc3c71d3ce393a9453fad0e9b616a4221c78a" in manifest.origin
    assert "sans fichier de licence" in manifest.licence
    assert [i.path for i in manifest.inputs] == [f"shared/data/{PTOD}"]
    assert manifest.inputs[0].sha256 == sha256_of(SHARED / "data" / PTOD)
    raw = pd.read_parquet(SHARED / "data" / PTOD)
    table = store.read(URSSAF)
    assert set(table["variable"]) == {JOBS}  # absolute counts only: the file's own index is not kept
    assert set(table["geo_level"]) == {"COM", "EPCI", "ZE", "FR"}  # no département, no région in the source
    assert sorted(table["period"].unique()) == [str(y) for y in range(2014, 2025)]
    lyon = raw[(raw["echelon"] == "ze") & (raw["code"] == "8421")].set_index("year")["eff_total"]
    ours = table[(table["geo_level"] == "ZE") & (table["geo_code"] == "8421")].set_index("period")["value"]
    assert {int(p): v for p, v in ours.items()} == {y: float(v) for y, v in lyon.items()}
    assert not table[table["geo_level"] == "COM"]["geo_code"].isin(["07242", "50283", "50351"]).any()


# -- salaried jobs since 2014 ----------------------------------------------------------------------


def test_ccpa_index_starts_at_100_and_is_recomputed_from_the_summed_counts(ccpa):
    section, dossier, store = ccpa
    codes = [c for c, _ in dossier.territory.communes]
    sums = commune_sums(store, codes)
    chart = block(section, Chart, "effectifs_salaries_indice")
    territory = chart.series[0]
    assert territory.label == "CC du Pays de l'Arbresle (CCPA)"
    assert territory.x[0] == "2014" and territory.y[0] == 100.0
    for year, value in zip(territory.x, territory.y, strict=True):
        assert value == pytest.approx(100 * sums[year] / sums["2014"])
    assert [s.label for s in chart.series] == [territory.label, "ZE Lyon", "France"]
    france = store.observations(URSSAF, "FR", ["FR"], [JOBS]).set_index("period")["value"]
    assert chart.series[-1].y[-1] == pytest.approx(100 * france["2024"] / france["2014"])


def test_ccpa_salaried_jobs_and_their_changes_with_comparisons(ccpa):
    section, dossier, store = ccpa
    sums = commune_sums(store, [c for c, _ in dossier.territory.communes])
    jobs = indicator(section, JOBS)
    assert jobs.value == sums["2024"] == 9756 and jobs.period == "2024"
    since = indicator(section, "evolution_effectifs_salaries_prives_2014")
    assert since.value == pytest.approx((sums["2024"] / sums["2014"] - 1) * 100)
    recent = indicator(section, "evolution_effectifs_salaries_prives_5ans")
    assert recent.period == "2019-2024" and recent.value == pytest.approx((sums["2024"] / sums["2019"] - 1) * 100)
    by_level = {c.level: c for c in recent.comparisons}
    assert by_level["france"].value is not None
    for level in ("departement", "region"):  # the source has none: missing, with the reason
        assert by_level[level].value is None and "pas de ligne" in by_level[level].missing_reason


def test_the_epci_row_of_the_source_is_checked_against_the_communes(ccpa):
    section, _, _ = ccpa
    limit = next(b for b in section.blocks if isinstance(b, Note) and "ligne « EPCI »" in b.text)
    assert "égale à la somme de ses communes pour les 11 années" in limit.text
    assert "republication tierce" in limit.text


# The communes of the CC Berg et Coiron (07242 absent from the source), as a list: no EPCI row to fall
# back on (an EPCI uses its published row: tests/test_economy_points.py).
BERG_COMMUNES = "07032,07077,07145,07159,07208,07241,07242,07247,07263,07273,07287,07311,07341"


@pytest.mark.parametrize("territory, absent", [({"communes": BERG_COMMUNES, "nom": "Berg et Coiron"}, "07242")])
def test_a_commune_absent_from_the_source_makes_the_sum_missing_never_partial(territory, absent):
    section, dossier, _ = economy_of(**territory)
    jobs = indicator(section, JOBS)
    assert jobs.value is None and "somme incomplète" in jobs.missing_reason and absent in jobs.missing_reason
    since = indicator(section, "evolution_effectifs_salaries_prives_2014")
    assert since.value is None and absent in since.missing_reason
    chart = block(section, Chart, "effectifs_salaries_indice")
    own = chart.series[0]
    assert own.label != dossier.territory.name  # never the territory's name on a partial curve
    assert own.label.endswith("n.d.") or "communes sur" in own.label
    table = block(section, Table, title_start="Salariés du secteur privé par commune")
    assert "Absentes de la source" in table.note


def test_sancy_curve_is_the_epcis_published_row_against_its_zones_and_france(sancy):
    section, _, _ = sancy
    chart = block(section, Chart, "effectifs_salaries_indice")
    own = chart.series[0]
    assert own.label == "CC du Massif du Sancy (valeur publiée pour l'EPCI)"
    assert "valeur publiée pour l'EPCI" in chart.note and "champ constant" not in chart.note
    assert [s.label for s in chart.series[1:]] == ["ZE Issoire", "ZE Clermont-Ferrand", "France"]


def test_commune_map_and_table_of_salaried_jobs(sancy):
    section, _, store = sancy
    carte = block(section, CommuneMap, "carte_effectifs_salaries")
    values = dict(carte.values)
    assert len(values) == 20 and values["63440"] is None  # no row in 2024: n.d., not 0
    published = store.observations(URSSAF, "COM", ["63038"], [JOBS]).set_index("period")["value"]
    assert values["63038"] == published["2024"]


# -- tourism, gaps, largest employers -------------------------------------------------------------------


def test_sancy_secondary_homes_are_the_tourism_capacity_figure(sancy):
    section, dossier, store = sancy
    codes = [c for c, _ in dossier.territory.communes]
    rows = store.observations("insee_comparateur", "COM", codes, ["residences_secondaires", "logements"])
    rows = rows[rows["period"] == "2018"].groupby("variable")["value"].sum()
    homes = indicator(section, "residences_secondaires")
    assert homes.value == pytest.approx(rows["residences_secondaires"])
    assert homes.source.source_id == "insee_comparateur" and homes.source.vintage == "RP 2018"
    assert homes.value / rows["logements"] == pytest.approx(0.613, abs=0.001)  # 61 % of the dwellings
    per_100 = indicator(section, "residences_secondaires_pour_100_habitants")
    assert per_100.value > 90 and all(c.value < 20 for c in per_100.comparisons)
    # Hotel and campsite beds: named plainly in the chapter's box, their source in the annex.
    box = next(b for b in section.blocks if isinstance(b, Note) and b.tone == "gap")
    assert "la capacité des hôtels, campings et autres hébergements touristiques" in box.text
    part = next(p for p in dossier.missing if p.section_id == "economie" and "DS_TOUR_CAP" in (p.detail or ""))
    assert "non disponible hors ligne" in (part.detail or "")


def test_what_the_offline_data_cannot_give_is_said_with_its_source(ccpa):
    section, dossier, _ = ccpa
    gap = next(b for b in section.blocks if isinstance(b, Note) and b.tone == "gap")
    assert "les dix plus grands établissements employeurs" in gap.text  # plainly, in the chapter's box
    detail = " ".join(p.detail or "" for p in dossier.missing if p.section_id == "economie")  # the annex
    for source in ("DS_SIDE_CREA_ETAB_COM", "Recherche d'entreprises"):
        assert source in detail
    # Sectors (zones d'emploi) and spheres (EPCI) come from the samples: not in the gap note.
    assert "DS_FLORES_A38" not in detail and "DS_FLORES_ECONOMIC_SPHERE" not in detail
    assert "non disponible hors ligne" in detail.lower()
    # Sectors per commune or EPCI: said (the zones d'emploi's figures are not the territory's), not invented.
    assert any("pas ceux du territoire ni de ses communes, que le dossier n'estime pas" in b.text
               for b in section.blocks if isinstance(b, Note))
    assert block(section, Chart, "etablissements_secteurs")  # establishments by sector: kept


@needs_specimens
def test_largest_employers_fetched_into_the_store_are_shown_with_their_band_and_date(tmp_path):
    """When a fetch has written `grands_etablissements` (here from the REAL-ish Coise answer), the
    section lists them instead of the gap."""
    body = load_json("recherche_entreprises__search_commune_coise_2023.json")
    found = re_api.parse_establishments(body, "coise", communes=["69062"])
    store = Store([tmp_path, samples_dir()])
    from diagterr.store import Manifest

    store.write_table(GRANDS_ETABLISSEMENTS.name, re_api.establishments_frame(found, "commune:69062", "2026-11-21"), Manifest(
        table="", source_id="recherche_entreprises", title="t", producer="p", origin="o", vintage="Sirene",
        geo_vintage="COG", licence="LO", retrieved_at="2026-11-21",
    ))
    section = economie.analyse(Figures(store, resolve_territory(commune="69062")))
    table = block(section, Table, title_start="Les plus grands établissements")
    assert table.rows == (("COMMUNE DE COISE (MAIRIE)", "84.11Z — Administration publique", "3 à 5 salariés", None,
                           "Coise"),)
    assert "2026-11-21" in table.note
    gap = next(b for b in section.blocks
               if isinstance(b, Note) and b.tone == "gap" and "DS_FLORES_A38" in (b.detail or ""))
    assert "Recherche d'entreprises" not in (gap.detail or "")


# -- en bref, PDF ---------------------------------------------------------------------------------------


def test_job_trend_feeds_a_key_figure_and_an_enjeu():
    _, tessy, _ = economy_of(commune="50592")
    enjeu = next(e for e in tessy.enjeux if e.indicator_id == "evolution_effectifs_salaries_prives_5ans")
    # the URSSAF figures have no département: a decline against France is a question, not a fragility
    assert enjeu.kind == "question" and "recule" in enjeu.text and "France" in enjeu.text
    assert "département non publié" in enjeu.text
    _, villeneuve, _ = economy_of(commune="07341")
    enjeu = next(e for e in villeneuve.enjeux if e.indicator_id == "evolution_effectifs_salaries_prives_5ans")
    assert enjeu.kind == "question" and "plus vite qu'en France" in enjeu.text
    _, ccpa_dossier, _ = economy_of(epci="246900625")
    assert "evolution_effectifs_salaries_prives_5ans" in [k.id for k in ccpa_dossier.key_figures]


@pytest.fixture(scope="module")
def sancy_pdf(tmp_path_factory):
    out = tmp_path_factory.mktemp("sancy")
    result = runner.invoke(
        app, ["run", "--epci", "246300966", "--offline", "--sortie", str(out), "--date-edition", "2026-11-21"],
        catch_exceptions=False,
    )
    assert result.exit_code == 4, result.output  # offline: partial
    return PdfReader(out / "dossier.pdf")


@pytest.mark.slow
def test_the_section_is_in_the_pdf_outline_with_its_figures(sancy_pdf):
    chapters = [item for item in sancy_pdf.outline if not isinstance(item, list)]  # top level only
    titles = [c.title for c in chapters]
    start = next(i for i, t in enumerate(titles) if t.startswith("Économie et emploi"))
    first = sancy_pdf.get_destination_page_number(chapters[start])
    last = sancy_pdf.get_destination_page_number(chapters[start + 1])
    assert last - first >= 3, titles
    text = "\n".join(sancy_pdf.pages[i].extract_text() for i in range(first, last))
    assert "Emploi salarié privé depuis 2014 (indice base 100 en 2014)" in text
    # the legend is drawn, not text: the note under the curve says what it is
    assert "le territoire est la valeur publiée pour l'EPCI" in " ".join(text.split()) and "republication tierce" in text
    assert "Profil sectoriel des zones d'emploi d'Issoire et de" in " ".join(text.split())
    assert "Résidences secondaires pour 100" in text and "hôtels, campings" in text  # the box, plainly


# -- jobs by sector of the zones d'emploi, specialisation, spheres (third-party Flores) -------------

FLORES_A21 = "raw/ptod-observatoire-territorial/exdeco_pivot_flores_a21.trimmed.parquet"
EXDECO_EPCI = "raw/ptod-observatoire-territorial/agg_epci_exdeco.trimmed.json"


@needs_shared
def test_sector_tables_are_labelled_third_party_and_keep_only_counts_and_france_shares():
    store = Store([samples_dir()])
    for table in ("secteurs_ze", "spheres_ptod"):
        manifest = store.manifest(table)
        assert manifest.source_id == "flores_ptod" and "REPUBLICATION TIERCE" in manifest.method
        assert "ptod-observatoire-territorial" in manifest.origin and "sans fichier de licence" in manifest.licence
    assert [i.path for i in store.manifest("secteurs_ze").inputs] == [f"shared/data/{FLORES_A21}"]
    assert "is_23" not in store.columns("secteurs_ze") and "pct_23" not in store.columns("secteurs_ze")


@needs_shared
def test_sancy_sector_shares_and_index_are_recomputed_from_the_zone_counts(sancy):
    """Issoire (8410) holds 16 of the Sancy's 20 communes; each share is the sector's count over the
    zone's summed counts, each index that share over France's published share."""
    section, _, _ = sancy
    raw = pd.read_parquet(SHARED / "data" / FLORES_A21)
    issoire = raw[raw["code_ze"] == "8410"].set_index("lib")
    total = issoire["eff_23"].sum()
    table = block(section, Table, title_start="Profil sectoriel des zones d'emploi d'Issoire et de Clermont-Ferrand")
    assert [c.label for c in table.columns][:4] == ["Secteur (A21)", "Emplois ZE Issoire", "Part ZE Issoire",
                                                    "Indice ZE Issoire"]
    rows = {r[0]: r for r in table.rows}
    assert len(rows) == len(issoire) == 19
    for label, row in rows.items():
        share = issoire.loc[label, "eff_23"] / total * 100
        assert row[1] == issoire.loc[label, "eff_23"]
        assert row[2] == pytest.approx(share)
        assert row[3] == pytest.approx(share / issoire.loc[label, "fr_pct_23"])
        assert row[-1] == issoire.loc[label, "fr_pct_23"]
    assert rows["Ind. manufacturière"][3] == pytest.approx(2.48, abs=0.01)  # the author's is_23, recomputed
    chart = block(section, Chart, "emplois_secteurs_ze")
    assert [s.label for s in chart.series] == ["ZE Issoire", "ZE Clermont-Ferrand", "France"]
    assert "Zones d'emploi, pas le territoire" in chart.note
    method = next(b for b in section.blocks if isinstance(b, Note) and "INSEE Flores" in b.text)
    assert "pas ceux du territoire" in method.text and "republication tierce" in method.text
    assert "Zone d'emploi d'Issoire : secteurs sur-représentés Ind. manufacturière (2,48)" in method.text


@needs_shared
def test_presential_share_is_the_published_epci_share_and_a_commune_gets_the_reason(sancy):
    section, _, _ = sancy
    import json

    published = {r["code"]: r["eco_emp_pres_pct_23"] for r in json.loads((SHARED / "data" / EXDECO_EPCI).read_text())}
    table = block(section, Table, title_start="Économie présentielle et productive")
    assert table.rows[0][:2] == ("CC du Massif du Sancy", published["246300966"])
    assert table.rows[0][2] == pytest.approx(100 - published["246300966"])
    assert len(table.rows) == 1  # the file's "00FR" row is not France: no comparison (test_economy_points)
    villeneuve, dossier, _ = economy_of(commune="07341")
    box = next(b for b in villeneuve.blocks if isinstance(b, Note) and "présentielle" in b.text)
    gap = next(p for p in dossier.missing if p.section_id == "economie" and "présentielle" in p.what)
    assert box.tone == "gap" and "par EPCI" in (gap.detail or "") and "DS_FLORES_ECONOMIC_SPHERE" in (gap.detail or "")


BOOKS = ("economie", "economie_habitants", "economie_salaries", "economie_secteurs", "economie_etablissements",
         "economie_tourisme")


def test_every_text_of_the_chapter_is_used_and_every_use_exists():
    import re

    from diagterr.texts import keys

    package = Path(economie.__file__).parent
    source = " ".join(path.read_text("utf-8") for path in package.glob("*.py"))
    used = set(re.findall(r'"(economie[a-z_]*\.[a-z0-9_]+)"', source))
    used |= {f"economie.gap_{topic}" for topic in economie.OFFLINE_TOPICS}  # say(f"economie.gap_{topic}")
    assert used == {f"{book}.{key}" for book in BOOKS for key in keys(book)}


def test_indicator_ids_are_stable_ascii(ccpa, sancy):
    import re

    for section, _, _ in (ccpa, sancy):
        ids = [i.id for b in section.blocks if isinstance(b, IndicatorTable) for i in b.indicators]
        assert ids and all(re.fullmatch(r"[a-z0-9_]+", i) for i in ids), ids

"""Climat, risques et sols: the TRACC frame read from the official text, the section's offline
wording, its sums and trends, and the section in a rendered dossier.

The TRACC text is read in place in ../shared/data (never copied into the project). Tables marked
SYNTHETIC below are written by the tests into a temporary store to exercise the arithmetic and
the layout; they are no data of any territory and never reach the samples.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import responses
from pypdf import PdfReader

from diagterr.cli import app
from diagterr.dossier import Chart, CommuneMap, IndicatorTable, Note, Table
from diagterr.pipeline import RunOptions, build_dossier
from diagterr.resources import national_dir, samples_dir
from diagterr.sources import georisques, open_meteo, tracc
from diagterr.sources.http import HttpClient
from diagterr.store import InputFile, Store
from diagterr.tables.climate import CLIMAT_ERA5, GEORISQUES, METROPOLE, TRACC, WORLD, territory_key
from diagterr.territory import resolve_territory
from diagterr.texts import keys
from diagterr.themes import ANALYSERS, climat
from diagterr.themes.climat import observed
from diagterr.themes.figures import Figures
from helpers import SHARED, indicator, load_script, needs_shared, runner
from pdf_outline import outline_titles
from specimens import needs_specimens

TRACC_TEXT = SHARED / "data" / tracc.TEXT_FILE
OFFLINE = "non disponible hors ligne"


def levels(frame: pd.DataFrame, perimetre: str) -> dict[str, float]:
    rows = frame[frame["perimetre"] == perimetre]
    return dict(zip(rows["horizon"], rows["rechauffement_c"], strict=True))


# -- TRACC: read from the official text -------------------------------------------------------------


@needs_shared
def test_tracc_levels_are_read_from_article_1():
    frame = tracc.levels_frame(tracc.parse_article1(tracc.read_text(TRACC_TEXT)))
    # The values the arrêté states (issue 6, SOURCES-2.md §1), checked against what the parser read.
    assert levels(frame, "la France métropolitaine") == {"2030": 2.0, "2050": 2.7, "2100": 4.0}
    assert levels(frame, WORLD) == {"2030": 1.5, "2050": 2.0, "2100": 3.0}
    assert levels(frame, "La Réunion") == {"2030": 1.5, "2050": 2.0, "2100": 2.9}
    assert levels(frame, "Saint-Barthélemy") == levels(frame, "la Guadeloupe, la Martinique, Saint-Martin")
    assert levels(frame, "la Nouvelle-Calédonie") == {"2030": 1.5, "2050": 2.0, "2100": 3.0}
    metropole = frame[frame["paragraphe"] == METROPOLE]
    assert set(metropole["perimetre"]) == {"la France métropolitaine"}
    text = TRACC_TEXT.read_text("utf-8")
    assert all(sentence in text for sentence in frame["extrait"])  # every value traces to its sentence


@needs_shared
@pytest.mark.parametrize(
    "old, new, message",
    [
        ("2,7 °C à l'horizon 2050, réchauffement de 4 °C", "2,7 °C à l'horizon 2055, réchauffement de 4 °C", "horizons"),
        ("I. - Pour la France métropolitaine", "I. - Pour l'Hexagone", "France métropolitaine"),
        ("V. - Pour Mayotte", "Pour Mayotte", "paragraphes numérotés"),
        ("réchauffement mondial de 1,5 °C", "réchauffement global de 1,5 °C", "mondial"),
        ("JORF n°0021 du 25 janvier 2026", "JORF n°0022 du 26 janvier 2026", "JORF n°0021"),
    ],
)
def test_a_changed_text_stops_the_parser(old, new, message):
    text = TRACC_TEXT.read_text("utf-8")
    assert old in text
    with pytest.raises(tracc.TraccTextError, match=message):
        tracc.parse_article1(text.replace(old, new))


def load_build_samples():
    return load_script("build_samples")


@needs_shared
def test_the_build_fails_loudly_when_the_text_changes(tmp_path):
    """A modified copy of the text in a temporary shared folder (never in the project)."""
    build = load_build_samples()
    shared = tmp_path / "shared" / "data"
    target = shared / tracc.TEXT_FILE
    target.parent.mkdir(parents=True)
    (shared / "territories.json").write_text("{}", "utf-8")
    target.write_text(TRACC_TEXT.read_text("utf-8").replace("4 °C à l'horizon 2100", "4,5 °C à l'horizon 2100"), "utf-8")
    with pytest.raises(SystemExit) as stopped:
        build.build_tracc(build.SharedData(shared), Store([tmp_path / "out"]))
    assert "a changé" in str(stopped.value.code) and "TEXT_SHA256" in str(stopped.value.code)
    assert not (tmp_path / "out" / "tables").exists()


@needs_shared
def test_the_shipped_tracc_table_is_the_text_read_by_the_build():
    store = Store([samples_dir()])
    shipped = store.read(TRACC.name)
    fresh, _ = tracc.table_from_text(TRACC_TEXT, ())
    pd.testing.assert_frame_equal(shipped, fresh, check_dtype=False)
    manifest = store.manifest(TRACC.name)
    assert manifest.inputs == (InputFile(f"shared/data/{tracc.TEXT_FILE}", tracc.TEXT_SHA256),)
    assert manifest.source_id == tracc.SOURCE_ID and "23 janvier 2026" in manifest.vintage


# -- the section, offline ---------------------------------------------------------------------------


def section_of(store: Store, **territory):
    figures = Figures(store, resolve_territory(**territory))
    return climat.analyse(figures), figures


def notes(section) -> list[str]:
    """Each note's text, a gap's annex detail after it (the source, why it is missing)."""
    return [" ".join(filter(None, (b.text, b.detail))) for b in section.blocks if isinstance(b, Note)]


@pytest.fixture(scope="module")
def sancy_section():
    return section_of(Store([samples_dir()]), epci="246300966")


def test_the_section_comes_after_the_economy_right_before_horizon_2050_and_programmes():
    order = [chapter.analyse for chapter in ANALYSERS]
    position = order.index(climat.analyse)
    from diagterr.themes import economie, horizon_2050, programmes

    assert order.index(economie.analyse) < position
    assert order[position + 1:position + 3] == [horizon_2050.analyse, programmes.analyse]


def test_offline_the_samples_show_the_tracc_frame_and_say_what_they_lack(sancy_section):
    section, figures = sancy_section
    assert (section.id, section.title) == ("climat", "Climat, risques et sols")
    [frame] = [b for b in section.blocks if isinstance(b, Table)]
    assert "TRACC" in frame.title and "France métropolitaine" in frame.title
    assert frame.rows == (("2030", 2.0, 1.5), ("2050", 2.7, 2.0), ("2100", 4.0, 3.0))
    assert frame.source.source_id == tracc.SOURCE_ID
    text = " ".join(notes(section))
    assert "+2 °C en 2030, +2,7 °C en 2050, +4 °C en 2100" in text
    gaps = [b.detail or "" for b in section.blocks if isinstance(b, Note) and b.tone == "gap"]
    climate, projections, risks, land = gaps
    assert OFFLINE in climate and "ERA5" in climate and "Open-Meteo" in climate
    assert OFFLINE in projections and "fourchette des modèles" in projections and "+2,7 °C" in projections
    assert "climate-api.open-meteo.com" in projections
    assert OFFLINE in risks and "GASPAR" in risks and "Géorisques" in risks
    assert OFFLINE in land and "Cerema" in land and "data.gouv.fr" in land
    assert "loi n° 2021-1104 du 22 août 2021" in text and "moitié" in text and "2050" in text
    assert not [b for b in section.blocks if isinstance(b, (Chart, CommuneMap, IndicatorTable))]
    assert figures.tables_used() == [TRACC.name]  # its source goes to the annex


def test_tessy_bocage_shows_no_catnat_figure_offline():
    """The one CatNat item of ../shared (Montrabot, a secondary page) is no GASPAR extract: it is
    not shown as one, nor as anything else."""
    section, _ = section_of(Store([samples_dir()]), epci="200066389")
    text = " ".join(notes(section)) + " ".join(getattr(b, "title", "") for b in section.blocks)
    assert "Montrabot" not in text and "INTE" not in text
    assert any(OFFLINE in t and "GASPAR" in t for t in notes(section))


def test_an_overseas_territory_gets_its_own_tracc_levels():
    section, _ = section_of(Store([samples_dir()]), commune="97411")  # Saint-Denis, La Réunion
    [frame] = [b for b in section.blocks if isinstance(b, Table)]
    assert "La Réunion" in frame.title
    shipped = Store([samples_dir()]).read(TRACC.name)
    expected = levels(shipped, "La Réunion")
    assert [row[1] for row in frame.rows] == [expected[h] for h in ("2030", "2050", "2100")]


# -- arithmetic -------------------------------------------------------------------------------------


def test_trend_sign_and_size():
    """Plain arithmetic on made-up lines (not data): +0.3 °C per decade, then −0.2."""
    years = list(range(1950, 2026))
    assert observed.trend_per_decade(years, [10 + 0.03 * (y - 1950) for y in years]) == pytest.approx(0.3)
    assert observed.trend_per_decade(years, [10 - 0.02 * (y - 1950) for y in years]) == pytest.approx(-0.2)
    assert observed.trend_per_decade(years[:29], [1.0] * 29) is None  # under 30 years
    with_gaps = [None if y % 7 == 0 else 10 + 0.03 * (y - 1950) for y in years]
    assert observed.trend_per_decade(years, with_gaps) == pytest.approx(0.3)  # gaps skipped, not zeros


def test_a_mean_over_a_period_needs_every_year():
    years = [2000, 2001, 2002]
    assert observed.mean_over(years, [1.0, 2.0, 3.0], 2000, 2002) == 2.0
    assert observed.mean_over(years, [1.0, None, 3.0], 2000, 2002) is None
    assert observed.mean_over(years, [1.0, 2.0, 3.0], 1999, 2002) is None  # 1999 absent


def synthetic_climate(store: Store, territory, groups: list[list[str]], blank: tuple[int, int] | None = None) -> None:
    """SYNTHETIC `climat_era5` rows (made-up numbers, not a climate): point i has temperature
    10 + i + 0.03 × (year − 1950), 2 hot days, 50 frost days. `blank` = (point, year) left
    missing, as an incomplete year is."""
    rows = []
    for index, group in enumerate(groups):
        for year in range(1950, 2026):
            values = {"temperature_moyenne": 10 + index + 0.03 * (year - 1950), "precipitations": 800.0,
                      "jours_tx_30": 2.0, "jours_gel": 50.0, "nuits_tropicales": 0.0}
            for variable, value in values.items():
                missing = blank == (index, year)
                rows.append({
                    "territoire": territory_key(territory), "commune": group[0], "communes": ",".join(sorted(group)),
                    "point_latitude": 45.0 + index, "point_longitude": 3.0, "latitude": 45.0 + index, "longitude": 3.0,
                    "altitude": 500.0 + 100 * index, "variable": variable, "period": str(year),
                    "value": math.nan if missing else value, "status": "incomplet:300/365" if missing else None,
                    "days": 300 if missing else 365, "retrieved_at": "2026-03-01T00:00:00+00:00",
                    "source_id": open_meteo.SOURCE_ID,
                })
    store.write_table(CLIMAT_ERA5.name, open_meteo._typed(pd.DataFrame(rows)),
                      open_meteo.climate_manifest(date(1950, 1, 1), date(2025, 12, 31), "2026-03-01"))


def test_the_territory_climate_is_the_mean_of_its_points_and_a_missing_year_stays_missing(tmp_path):
    territory = resolve_territory(epci="246300966")
    codes = list(territory.commune_codes)
    store = Store([tmp_path / "user", samples_dir()])
    synthetic_climate(store, territory, [codes[:10], codes[10:]], blank=(1, 1990))
    section, figures = section_of(store, epci="246300966")
    reference = indicator(section, "temperature_moyenne_reference")
    assert reference.value is None and "incomplètes" in reference.missing_reason  # 1990 missing at a point
    recent = indicator(section, "temperature_moyenne_recente")
    assert recent.period == "2016-2025"
    assert recent.value == pytest.approx(sum(10.5 + 0.03 * (y - 1950) for y in range(2016, 2026)) / 10)
    assert indicator(section, "tendance_temperature_decennie").value == pytest.approx(0.3)
    assert indicator(section, "jours_gel_recent").value == 50.0
    charts = {b.id: b for b in section.blocks if isinstance(b, Chart)}
    assert set(charts) == {"climat_temperature_annuelle", "climat_jours_par_decennie"}  # no anomaly without reference
    curve = charts["climat_temperature_annuelle"].series[0]
    assert curve.y[curve.x.index("1990")] is None  # never the mean of the points that have it
    [points] = [b for b in section.blocks if isinstance(b, Table) and b.title.startswith("Points")]
    assert [row[1] for row in points.rows] == [10.0, float(len(codes) - 10)]
    assert CLIMAT_ERA5.name in figures.tables_used()


def test_with_a_full_reference_period_the_warming_stripes_are_drawn(tmp_path):
    territory = resolve_territory(commune="50592")
    store = Store([tmp_path / "user", samples_dir()])
    synthetic_climate(store, territory, [["50592"]])
    section, _ = section_of(store, commune="50592")
    [stripes] = [b for b in section.blocks if isinstance(b, Chart) and b.id == "climat_rayures"]
    assert stripes.chart == "stripes" and len(stripes.series) == 1
    years = stripes.series[0].x
    assert (years[0], years[-1], len(years)) == ("1950", "2025", 76)  # one stripe per year
    reference = sum(10 + 0.03 * (y - 1950) for y in range(1976, 2006)) / 30
    assert stripes.series[0].y[-1] == pytest.approx(10 + 0.03 * 75 - reference)
    assert stripes.series[0].y[0] == pytest.approx(10 - reference) and stripes.series[0].y[0] < 0  # colder
    [curve] = [b for b in section.blocks if isinstance(b, Chart) and b.id == "climat_temperature_annuelle"]
    labels = [s.label for s in curve.series]
    assert labels[1] == "Moyenne 1976-2005" and all(v == pytest.approx(reference) for v in curve.series[1].y)
    assert labels[2] == "Tendance linéaire (+0,30 °C par décennie)"
    assert any("ère préindustrielle" in t and "ne se compare pas directement" in t for t in notes(section))


def test_a_missing_year_is_a_hatched_stripe_never_a_reference_year(tmp_path):
    territory = resolve_territory(commune="50592")
    store = Store([tmp_path / "user", samples_dir()])
    synthetic_climate(store, territory, [["50592"]], blank=(0, 2010))
    section, _ = section_of(store, commune="50592")
    [stripes] = [b for b in section.blocks if isinstance(b, Chart) and b.id == "climat_rayures"]
    assert stripes.series[0].y[stripes.series[0].x.index("2010")] is None


def test_points_of_another_perimeter_are_not_this_territorys(tmp_path):
    territory = resolve_territory(epci="246300966")
    store = Store([tmp_path / "user", samples_dir()])
    synthetic_climate(store, territory, [list(territory.commune_codes)[:5]])  # 5 communes only
    section, _ = section_of(store, epci="246300966")
    assert any(OFFLINE in t and "ERA5" in t for t in notes(section))


def synthetic_risks(store: Store, codes: list[str], read: list[str]) -> None:
    """SYNTHETIC `georisques` rows: the documented example values of APIS.md §4 (Paris CatNat item,
    "11 Inondation", zone "2 - FAIBLE", radon "1") put on sample communes to test the layout; no
    commune of the samples has these facts on record here."""
    rows = []
    for index, code in enumerate(read):
        rows.append(georisques._row(code, "commune", code, ""))
        rows.append(georisques._row(code, "risque", "11", "Inondation"))
        rows.append(georisques._row(code, "sismicite", "2", "2 - FAIBLE"))
        rows.append(georisques._row(code, "radon", "1", ""))
        for _ in range(index % 3):
            rows.append(georisques._row(code, "catnat", "INTE0100460A", "Inondations et/ou Coulées de Boue",
                                        {"date_debut": "2001-07-06", "date_fin": "2001-07-06",
                                         "date_arrete": "2001-07-06", "date_jo": "2001-07-06"}))
    store.write_table(GEORISQUES.name, georisques.frame_of(rows), georisques.risks_manifest(
        resolve_territory(epci="246300966"), "2026-03-01T00:00:00+00:00"))


def test_risks_count_true_zeros_and_leave_unread_communes_missing(tmp_path):
    territory = resolve_territory(epci="246300966")
    codes = list(territory.commune_codes)
    store = Store([tmp_path / "user", samples_dir()])
    synthetic_risks(store, codes, codes[:-2])
    section, _ = section_of(store, epci="246300966")
    total = indicator(section, "catnat_reconnaissances")
    assert total.value is None and "2 commune(s) non lue(s)" in total.missing_reason
    [catnat_map] = [b for b in section.blocks if isinstance(b, CommuneMap)]
    values = dict(catnat_map.values)
    assert values[codes[0]] == 0.0  # read, no decree: a true zero
    assert values[codes[-1]] is None  # not read: missing, never 0
    assert values[codes[2]] == 2.0
    [chart] = [b for b in section.blocks if isinstance(b, Chart)]
    assert chart.chart == "stacked_bar" and chart.series[0].x == ("2000-2004",)
    assert any("n'ont pas été lues" in t for t in notes(section))


@needs_specimens
def test_the_pipeline_hook_fetches_then_the_section_reads_honestly(tmp_path):
    """What the pipeline calls online (see sources/open_meteo.py), with the merged REAL Bergen body
    (OURS: served for every point; 3 days of 2025) as every answer: the section says no year is
    complete rather than showing a climate, and the annex lists the source."""
    from test_open_meteo import era5_bergen_four_variables

    territory = resolve_territory(epci="246300966")
    store = Store([tmp_path / "user", samples_dir()])
    boundaries = store.read_geo("boundaries_communes")
    points = open_meteo.representative_points(territory, boundaries)
    with responses.RequestsMock() as mocked, HttpClient(backend="memory", rate_limits={}, sleep=lambda s: None) as client:
        mocked.get(open_meteo.ARCHIVE_URL, json=era5_bergen_four_variables())
        open_meteo.fetch_climate_for_territory(client, store, territory, points, today=date(2026, 3, 1))
        assert len(mocked.calls) == len(points) == 3
    dossier = build_dossier(territory, store, RunOptions(tmp_path / "out"), [], [])
    section = next(s for s in dossier.sections if s.id == "climat")
    assert any(part.section_id == "climat" and "aucune année complète" in (part.detail or "")
               for part in dossier.missing)  # the chapter's box says it plainly, the annex why
    assert any(b.tone == "gap" for b in section.blocks if isinstance(b, Note))
    assert open_meteo.SOURCE_ID in {entry.source_id for entry in dossier.sources}


# -- the dossier, end to end ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sancy_dossier(tmp_path_factory):
    out = tmp_path_factory.mktemp("sancy")
    result = runner.invoke(
        app, ["run", "--epci", "246300966", "--offline", "--sortie", str(out), "--date-edition", "2026-11-21"],
        catch_exceptions=False,
    )
    return result, out


@pytest.mark.slow
def test_the_sancy_dossier_has_the_section_in_its_outline_and_says_what_it_lacks(sancy_dossier):
    result, out = sancy_dossier
    assert result.exit_code == 4, result.output  # offline: the climate sources are gaps of the run
    reader = PdfReader(out / "dossier.pdf")
    titles = outline_titles(reader)
    chapter = titles.index("Climat, risques et sols")
    assert titles.index("Habitat") < chapter < titles.index("Annexes")
    assert titles[chapter + 1].startswith("Trajectoire de réchauffement de référence (TRACC)")
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "2,7" in text and "ère préindustrielle" in text
    assert text.count(OFFLINE) >= 3
    assert "Arrêté du 23 janvier 2026" in text  # the annex lists the text the values come from
    data = json.loads((out / "indicateurs.json").read_text("utf-8"))
    ids = {i["id"] for i in data["indicators"]}
    assert not {i for i in ids if i.startswith(("temperature_", "catnat_", "jours_"))}  # nothing made up offline


@pytest.mark.slow
def test_the_dossier_offline_touches_no_fetch_of_this_theme(sancy_dossier):
    _, out = sancy_dossier
    store = Store([samples_dir(), national_dir()])  # as a run: the national base holds the zonings
    assert not store.has(CLIMAT_ERA5.name) and not store.has(GEORISQUES.name)
    gaps = build_dossier(resolve_territory(epci="246300966"), store, RunOptions(out), [], []).gaps
    # Nothing was fetched: the gaps are the sources the chapters lack offline, each named by its chapter.
    assert {"open_meteo_era5", "georisques"} <= {g.source_id for g in gaps}
    assert all(g.chapters and "non lue" in g.message for g in gaps)


def test_every_text_of_the_chapter_is_used_and_every_use_exists():
    package = Path(observed.__file__).parent
    source = " ".join(path.read_text("utf-8") for path in package.glob("*.py"))
    used = set(re.findall(r'"climat\.([a-z0-9_]+)"', source))
    assert used == keys("climat")

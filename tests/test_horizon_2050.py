"""Horizon 2050: the trends extended to 2050 as printed arithmetic on the six sample sites
(offline, from the shipped store), never called a forecast, and the scenario frames naming the
trends by their signs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from diagterr.chapters import CHAPTERS
from diagterr.dossier import Indicator, IndicatorTable, Note, Section, Table
from diagterr.missing_data import fold_chapter_gaps
from diagterr.pipeline import default_store
from diagterr.territory import resolve_territory
from diagterr.texts import keys, say
from diagterr.themes import horizon_2050
from diagterr.themes.figures import Figures

SITES = {
    "ccpa": {"epci": "246900625"},
    "sancy": {"epci": "246300966"},
    "berg-et-coiron": {"epci": "240700815"},
    "saint-lo-agglo": {"epci": "200066389"},
    "villeneuve-de-berg": {"commune": "07341"},
    "tessy-bocage": {"commune": "50592"},
}


@pytest.fixture(scope="module")
def store():
    return default_store()


@pytest.fixture(scope="module")
def sections(store) -> dict[str, Section]:
    return {name: horizon_2050.analyse(Figures(store, resolve_territory(**territory)))
            for name, territory in SITES.items()}


def indicators(section: Section) -> dict[str, Indicator]:
    return {i.id: i for b in section.blocks if isinstance(b, IndicatorTable) for i in b.indicators}


def frame_row(section: Section, title: str) -> tuple:
    [frames] = [b for b in section.blocks if isinstance(b, Table) and b.title == say("horizon_2050.frames_title")]
    return next(row for row in frames.rows if row[0] == title)


def all_text(section: Section) -> str:
    parts = [section.title, section.intro]
    for block in section.blocks:
        if isinstance(block, Note):
            parts += [block.text, block.detail or ""]
        elif isinstance(block, IndicatorTable):
            parts.append(block.title)
            parts += [f"{i.label} {i.note or ''} {i.missing_reason or ''}" for i in block.indicators]
        elif isinstance(block, Table):
            parts += [block.title, block.note or ""]
            parts += [str(cell).replace(".", ",") for row in block.rows for cell in row]  # as printed
    return " ".join(parts)


def legal_total(store, codes: list[str], year: str) -> float:
    rows = store.observations("populations_legales", "COM", geo_codes=codes, variables=["pmun"])
    rows = rows[rows["period"] == year]
    assert len(rows) == len(codes)
    return float(rows["value"].sum())


def test_the_chapter_sits_between_climate_and_programmes_for_the_six_sites(sections):
    ids = [chapter_id for chapter_id, _ in CHAPTERS]
    assert ids.index("horizon_2050") == ids.index("climat") + 1 == ids.index("programmes") - 1
    assert dict(CHAPTERS)["horizon_2050"] == "Horizon 2050 : prolonger les tendances"
    for name, section in sections.items():
        assert (section.id, section.title) == ("horizon_2050", "Horizon 2050 : prolonger les tendances"), name
        assert indicators(section)["horizon_population_2050_recent"].value is not None, name


def test_the_2050_population_is_the_compound_formula_on_the_printed_figures(sections, store):
    for name, section in sections.items():
        found = indicators(section)
        base, recent = found["horizon_population_depart"], found["horizon_rythme_population_recent"]
        start, end = recent.period.split("-")
        codes = list(resolve_territory(**SITES[name]).commune_codes)
        # The printed base and rate are the legal populations' own sums, read here from the store.
        assert base.value == legal_total(store, codes, end) and base.period == end, name
        expected_rate = ((legal_total(store, codes, end) / legal_total(store, codes, start)) ** (1 / (int(end) - int(start)))
                         - 1) * 100
        assert recent.value == pytest.approx(expected_rate), name
        expected = base.value * (1 + recent.value / 100) ** (2050 - int(end))
        assert found["horizon_population_2050_recent"].value == 100 * round(expected / 100), name
        long = found["horizon_rythme_population_long"]
        first, _ = long.period.split("-")
        assert int(first) >= 1968
        old = found["horizon_population_ancienne"].value
        assert long.value == pytest.approx(((base.value / old) ** (1 / (int(end) - int(first))) - 1) * 100)
        at_long = base.value * (1 + long.value / 100) ** (2050 - int(end))
        assert found["horizon_population_2050_long"].value == 100 * round(at_long / 100), name


def test_households_and_housing_need_follow_the_printed_rule(sections):
    for name, section in sections.items():
        found = indicators(section)
        size = found["horizon_taille_menages_depart"]
        pace = found["horizon_rythme_taille_menages"]
        size_2050 = size.value * (1 + pace.value / 100) ** (2050 - int(size.period))
        assert found["horizon_taille_menages_2050"].value == pytest.approx(size_2050), name
        households_2050 = found["horizon_population_2050_recent"].value / size_2050
        assert found["horizon_menages_2050"].value == 10 * round(households_2050 / 10), name
        extra = households_2050 - found["horizon_menages_depart"].value
        assert found["horizon_residences_principales_supplementaires"].value == 10 * round(extra / 10), name


def test_jobs_extend_their_census_pace(sections):
    for name, section in sections.items():
        found = indicators(section)
        jobs, pace = found["horizon_emplois_depart"], found["horizon_rythme_emplois"]
        expected = jobs.value * (1 + pace.value / 100) ** (2050 - int(jobs.period))
        assert found["horizon_emplois_2050"].value == 10 * round(expected / 10), name


def test_never_a_forecast_and_every_table_prints_its_rule(sections):
    for name, section in sections.items():
        text = all_text(section)
        assert "prévision" not in text.replace("pas une prévision", ""), name
        assert "projection insee" not in text.lower(), name
        blocks = list(section.blocks)
        for index, block in enumerate(blocks):
            if isinstance(block, IndicatorTable):
                rule = blocks[index + 1]
                assert isinstance(rule, Note) and "prolongement arithmétique, pas une prévision" in rule.text, name


def test_a_falling_population_gives_a_falling_line_and_the_repli_frame_names_it(sections):
    sancy = indicators(sections["sancy"])
    assert sancy["horizon_rythme_population_recent"].value < -horizon_2050.STABLE_BAND
    assert sancy["horizon_population_2050_recent"].value < sancy["horizon_population_depart"].value
    _, drivers, questions = frame_row(sections["sancy"], "Repli")
    assert "prolonge la baisse de la population au rythme des populations légales 2018-2023" in drivers
    assert "prolonge le solde naturel négatif" in drivers  # more deaths than births in 2013-2018
    assert "plus de décès que de naissances" in questions
    # A growing territory's « repli » only supposes the fall, and its natural balance is positive.
    ccpa = indicators(sections["ccpa"])
    assert ccpa["horizon_population_2050_recent"].value > ccpa["horizon_population_depart"].value
    _, drivers, _ = frame_row(sections["ccpa"], "Repli")
    assert "prolonge la baisse" not in drivers and "suppose une baisse de la population" in drivers
    assert "solde naturel négatif" not in drivers


def test_the_frames_carry_no_number_of_their_own(sections):
    for name, section in sections.items():
        printed = all_text(Section(section.id, section.title, "", tuple(
            b for b in section.blocks if not (isinstance(b, Table) and b.title == say("horizon_2050.frames_title")))))
        for title in ("Au fil de l'eau", "Accueil", "Repli", "Transition"):
            _, drivers, questions = frame_row(section, title)
            for number in re.findall(r"\d+(?:,\d+)?", drivers + " " + questions):
                assert number in printed, (name, title, number)


def test_what_the_edition_lacks_is_said_once_in_the_chapter(sections):
    # As the dossier is assembled: the chapter's gap notes folded into one box, each part once.
    section, missing = fold_chapter_gaps(sections["ccpa"])
    boxes = [b for b in section.blocks if isinstance(b, Note) and b.tone == "gap"]
    assert len(boxes) == 1
    parts = [p.what for p in missing]
    assert parts.count(say("horizon_2050.missing_climate")) == 1
    assert say("horizon_2050.missing_land") in parts  # offline, no Cerema land take
    [tracc] = [b for b in section.blocks if isinstance(b, Table) and "TRACC" in b.title]
    assert tracc.rows == (("la France métropolitaine", 2.7, 2.0),)


def test_the_zan_trajectory_halves_then_declines_to_zero_in_2050():
    # Reference 2011-2020 of 100 ha: 50 ha in 2021-2030 (5 ha a year), then 5 ha a year falling
    # straight to 0 in 2050: 5 × (19 + 18 + … + 0) / 20 = 47,5 ha.
    assert horizon_2050.zan_trajectory(100.0) == pytest.approx(50 + 47.5)


def test_every_text_of_the_chapter_is_used_and_every_use_exists():
    source = Path(horizon_2050.__file__).read_text("utf-8")
    used = set(re.findall(r'"horizon_2050\.([a-z0-9_]+)"', source))
    used |= set(re.findall(r'_(?:gap|rule)\("([a-z0-9_]+)"', source))
    used |= {f"frame_{frame}_{part}" for frame in horizon_2050.FRAMES for part in ("title", "drivers", "questions")}
    assert used == keys("horizon_2050")


def test_online_land_take_and_local_climate_reuse_the_climate_chapter_figures(tmp_path):
    """With SYNTHETIC land take and climate rows (made-up arithmetic, see the helpers' docstrings)."""
    from diagterr.resources import samples_dir
    from diagterr.store import Store
    from diagterr.themes import climat
    from test_cerema_conso import synthetic_conso
    from test_climat import synthetic_climate

    territory = resolve_territory(epci="246300966")
    codes = list(territory.commune_codes)
    store = Store([tmp_path / "user", samples_dir()])
    synthetic_conso(store, codes, 1000.0)
    synthetic_climate(store, territory, [codes[:10], codes[10:]])
    section = horizon_2050.analyse(Figures(store, territory))
    chapter = indicators(climat.analyse(Figures(store, territory)))
    found = indicators(section)
    reference = chapter["conso_naf_reference"].value
    assert found["horizon_conso_naf_rythme"].value == pytest.approx(reference / 10)
    assert found["horizon_conso_naf_2050_rythme_observe"].value == pytest.approx(reference / 10 * 30)
    assert found["horizon_conso_naf_2050_trajectoire"].value == pytest.approx(horizon_2050.zan_trajectory(reference))
    text = all_text(section)
    assert say("horizon_2050.missing_land") not in text and say("horizon_2050.missing_climate") not in text
    [local] = [b for b in section.blocks if isinstance(b, Table) and b.title == say("horizon_2050.climate_title")]
    assert [row[2] for row in local.rows][:2] == [chapter["ecart_temperature_recente_reference"].period,
                                                  chapter["tendance_temperature_decennie"].period]
    _, drivers, questions = frame_row(section, "Au fil de l'eau")
    assert "au-dessus de la trajectoire du ZAN" in drivers and "dépasse la trajectoire du ZAN" in questions


def test_ageing_extends_its_change_in_a_straight_line_capped_to_0_100(monkeypatch, store):
    """Two census points (made-up shares, the online Melodi case) instead of the samples' one."""
    figures = Figures(store, resolve_territory(commune="50592"))
    monkeypatch.setattr(horizon_2050, "elderly_shares", lambda fig: [(2016, 20.0), (2022, 23.0)])
    [table, rule] = horizon_2050.ageing_blocks(figures, horizon_2050.Trends())
    assert isinstance(table, IndicatorTable) and isinstance(rule, Note)
    found = {i.id: i.value for i in table.indicators}
    assert found["horizon_evolution_part_65_ans"] == pytest.approx(0.5)
    assert found["horizon_part_65_ans_2050"] == pytest.approx(23.0 + 0.5 * 28)
    assert "borne est atteinte" not in rule.text
    monkeypatch.setattr(horizon_2050, "elderly_shares", lambda fig: [(2016, 80.0), (2022, 95.0)])
    [table, rule] = horizon_2050.ageing_blocks(figures, horizon_2050.Trends())
    assert {i.id: i.value for i in table.indicators}["horizon_part_65_ans_2050"] == 100.0
    assert "borne est atteinte" in rule.text

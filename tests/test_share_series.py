"""A chapter shows each share's series in one table: its vintages as consecutive rows, oldest
first, never three vintages of one share scattered over one table per census (issue 14)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from diagterr.dossier import IndicatorTable, Section
from diagterr.pipeline import RunOptions, build_dossier, default_store
from diagterr.territory import resolve_territory

SAMPLES = {"ccpa": {"epci": "246900625"}, "sancy": {"epci": "246300966"}, "saint_lo": {"epci": "240700815"},
           "epci_200066389": {"epci": "200066389"}, "commune_07341": {"commune": "07341"},
           "tessy_bocage": {"commune": "50592"}}
# themes/en_bref.py's vintages and publishers of one figure: `_<year>`, then `_publie` or `_tiers`.
_VINTAGE = re.compile(r"(?:_\d{4})?(?:_publie|_tiers)?$")


def _family(indicator_id: str) -> str:
    return _VINTAGE.sub("", indicator_id)


@pytest.fixture(scope="module")
def sections() -> dict[str, dict[str, Section]]:
    store = default_store()
    return {name: {s.id: s for s in build_dossier(resolve_territory(**where), store, RunOptions(Path("unused")),
                                                  [], []).sections}
            for name, where in SAMPLES.items()}


def _tables(section: Section) -> list[IndicatorTable]:
    return [b for b in section.blocks if isinstance(b, IndicatorTable)]


@pytest.mark.parametrize("site", SAMPLES)
def test_no_figure_is_spread_over_two_tables_of_a_chapter(sections, site):
    for section in sections[site].values():
        where: dict[str, str] = {}
        for table in _tables(section):
            for family in {_family(i.id) for i in table.indicators}:
                assert family not in where, (section.id, family, where.get(family), table.title)
                where[family] = table.title


@pytest.mark.parametrize("site", SAMPLES)
def test_the_vintages_of_a_share_are_consecutive_rows_oldest_first(sections, site):
    for section_id in ("habitat", "economie"):
        for table in _tables(sections[site][section_id]):
            families = [_family(i.id) for i in table.indicators]
            blocks = [f for n, f in enumerate(families) if n == 0 or families[n - 1] != f]
            assert len(blocks) == len(set(blocks)), (table.title, families)  # each family's rows together
            for family in set(families):
                years = [int(re.findall(r"\d{4}", i.period)[-1]) for i in table.indicators if _family(i.id) == family]
                assert years == sorted(years), (table.title, family, years)


def test_the_ccpa_housing_shares_2018_2021_2022_are_one_table_with_its_comparisons(sections):
    habitat = sections["ccpa"]["habitat"]
    table = next(t for t in _tables(habitat) if any(i.id == "part_logements_vacants" for i in t.indicators))
    assert table.title == "Parc de logements, recensements 2018 à 2022"
    vacancy = [i for i in table.indicators if _family(i.id) == "part_logements_vacants"]
    assert [(i.id, i.period) for i in vacancy] == [("part_logements_vacants", "2018"),
                                                   ("part_logements_vacants_2021", "2021"),
                                                   ("part_logements_vacants_2022_tiers", "2022")]
    assert [c.level for c in vacancy[0].comparisons] == ["departement", "region", "france"]  # kept
    assert vacancy[2].source.source_id == "ptod_epci" and vacancy[2].comparisons == ()
    assert [i.id for i in table.indicators if _family(i.id) == "part_proprietaires"] == [
        "part_proprietaires", "part_proprietaires_2022_tiers"]
    # The notes of the merged tables, each once, right after the table.
    after = habitat.blocks[habitat.blocks.index(table) + 1:][:2]
    texts = [getattr(b, "text", "") for b in after]
    assert texts[0].startswith("Recensement 2021") and texts[1].startswith("Recensement 2022")
    assert len({getattr(b, "text", None) for b in habitat.blocks if getattr(b, "text", None)}) == len(
        [b for b in habitat.blocks if getattr(b, "text", None)])


def test_the_ccpa_unemployment_and_income_are_one_series_each(sections):
    economy = sections["ccpa"]["economie"]
    activity = next(t for t in _tables(economy) if any(i.id == "taux_chomage_15_64" for i in t.indicators))
    assert activity.title == "Activité et emploi, recensements 2018 et 2021"
    ids = [i.id for i in activity.indicators]
    assert ids[ids.index("taux_chomage_15_64") + 1] == "taux_chomage_15_64_2021"
    income = next(t for t in _tables(economy) if any(i.id == "mediane_niveau_vie_tiers" for i in t.indicators))
    assert income.title == "Revenus de l'EPCI, Filosofi 2019 et 2021 (republication tierce)"
    assert [(i.id, i.period) for i in income.indicators] == [
        ("mediane_niveau_vie_2019_tiers", "2019"), ("mediane_niveau_vie_tiers", "2021"),
        ("taux_pauvrete_2019_tiers", "2019"), ("taux_pauvrete_tiers", "2021")]


def test_a_vintage_with_no_value_anywhere_is_no_row_beside_one_that_has_values():
    """Outside the samples, RP 2021 is read for no commune: its rows are not a column of n.d.
    beside the 2018 rows (the chapter's box and the annex say what is missing)."""
    from diagterr.dossier import Comparison, Indicator, IndicatorTable, SourceRef
    from diagterr.themes import series

    ref = SourceRef("insee_comparateur", "RP 2018", "COG 2026")
    with_value = Indicator("part_logements_vacants", "Vacants", 8.0, "%", "rate", "2018", ref,
                           (Comparison("france", "FR", "France", 8.2),))
    absent = Indicator("part_logements_vacants_2021", "Vacants", None, "%", "rate", "2021", ref,
                       (Comparison("france", "FR", "France", None, "absent"),), missing_reason="absent")
    secret = Indicator("part_residences_secondaires_2021", "Secondaires", None, "%", "rate", "2021", ref,
                       (Comparison("france", "FR", "France", 9.7),), missing_reason="secret")
    alone = Indicator("logements_2021", "Logements", None, "", "count", "2021", ref, missing_reason="absent")
    [table] = series.merge([IndicatorTable("a", (with_value, secret, alone)), IndicatorTable("b", (absent,))],
                           lambda years, _: "t")
    assert [i.id for i in table.indicators] == [
        "part_logements_vacants", "part_residences_secondaires_2021", "logements_2021"]

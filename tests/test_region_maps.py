"""The territory in its région (issue 16 §4): maps of the région's EPCI for an EPCI, of the
département's communes for a commune, on key figures of the national profile table, the territory
outlined and named, the class breaks in the legend, a zone without value hatched, never a low class."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from html import escape

import geopandas as gpd
import pandas as pd
import pytest

from diagterr.cog import load_cog
from diagterr.dossier import Note, Section, SourceRef, ZoneMap
from diagterr.formatting import MISSING
from diagterr.pipeline import default_store, gather_zones
from diagterr.render import render_figures
from diagterr.render.charts import house_style
from diagterr.render.html import render_html
from diagterr.render.maps import class_breaks, class_labels, zone_map_figure, zone_map_svg
from diagterr.resources import national_dir
from diagterr.store import Store
from diagterr.tables.geography import BOUNDARIES_COMMUNES, BOUNDARIES_EPCI
from diagterr.tables.profiles import TERRITORY_PROFILES
from diagterr.territory import resolve_territory
from diagterr.themes.figures import Figures
from diagterr.themes.region_maps import MAPPED, region_map_blocks
from dossier_example import example_dossier

CCPA = "246900625"
VILLENEUVE_DE_BERG = "07341"
PARIS = "75056"
TABLES = national_dir() / "tables"

pytestmark = pytest.mark.skipif(
    not all((TABLES / f"{t.name}.parquet").exists() for t in (TERRITORY_PROFILES, BOUNDARIES_EPCI)),
    reason="data/national lacks territory_profiles or boundaries_epci (scripts/build_national.py --only profiles)",
)


@pytest.fixture(scope="module")
def profiles() -> pd.DataFrame:
    frame = Store([national_dir()]).read(TERRITORY_PROFILES.name)
    assert frame is not None
    return frame.assign(code=frame["code"].astype(str)).set_index(["level", "code"])


def _blocks(**territory: str) -> tuple:
    return region_map_blocks(Figures(default_store(), resolve_territory(**territory)))


def _maps(blocks: tuple) -> list[ZoneMap]:
    return [b for b in blocks if isinstance(b, ZoneMap)]


def _same(a: float | None, b: float) -> bool:
    return (a is None and math.isnan(b)) or (a is not None and a == b)


def test_an_epci_is_mapped_among_every_epci_of_its_region_with_the_profile_values(profiles: pd.DataFrame):
    maps = _maps(_blocks(epci=CCPA))
    assert [m.id.removeprefix("carte_region_") for m in maps] == list(MAPPED)
    cog = load_cog()
    aura = {d.code for d in (cog.departement(c.departement) for c in cog.all_communes()) if d and d.region == "84"}
    # Every EPCI all of whose communes are in the région is on the map (derived from the COG).
    inside = {e.code for e in cog.all_epcis() if all(cog.commune(m).departement in aura for m in e.members)}
    for block in maps:
        codes = {code for code, _ in block.values}
        assert block.level == "EPCI" and block.outlined == (CCPA,)
        assert inside <= codes and len(codes) < len(inside) + 15  # and the few straddling ones whose largest part is here
        assert dict(block.labels) == {CCPA: "CC du Pays de l'Arbresle"}  # its name without « (CCPA) »
        variable = block.id.removeprefix("carte_region_")
        assert all(_same(value, profiles.loc[("EPCI", code), variable]) for code, value in block.values)
        assert block.source.source_id == "insee_comparateur" and block.source.table == TERRITORY_PROFILES.name
        assert block.breaks is not None and "quantiles" in block.breaks
    growth = dict(maps[0].values)[CCPA]
    assert growth == pytest.approx(profiles.loc[("EPCI", CCPA), "growth_pct_year"])


def test_ageing_is_said_missing_once_and_the_intro_names_the_region():
    blocks = _blocks(epci=CCPA)
    notes = [b.text for b in blocks if isinstance(b, Note)]
    assert sum("vieillissement" in text for text in notes) == 1
    assert "Auvergne-Rhône-Alpes" in notes[0] and "CC du Pays de l'Arbresle" in notes[0]


def test_a_commune_is_mapped_among_the_communes_of_its_departement(profiles: pd.DataFrame):
    maps = _maps(_blocks(commune=VILLENEUVE_DE_BERG))
    ardeche = {r.code for r in load_cog().communes_of_departement("07") if r.type == "commune-actuelle"}
    assert len(maps) == len(MAPPED)
    for block in maps:
        assert block.level == "COM" and block.outlined == (VILLENEUVE_DE_BERG,)
        assert {code for code, _ in block.values} == ardeche
        variable = block.id.removeprefix("carte_region_")
        assert all(_same(value, profiles.loc[("COM", code), variable]) for code, value in block.values)


def test_paris_alone_in_its_departement_is_mapped_among_the_communes_of_its_region():
    block = _maps(_blocks(commune=PARIS))[0]
    assert block.outlined == (PARIS,)
    assert len(block.values) > 1000  # Île-de-France, not one commune


def _toy_block(values: dict[str, float | None], outlined: str) -> ZoneMap:
    return ZoneMap("carte_region_test", "Logements vacants", "COM", tuple(values.items()), (outlined,), "rate",
                   "% des logements", SourceRef("insee_comparateur", "RP 2018", "COG 2026"),
                   labels=((outlined, "Villeneuve-de-Berg"),))


@pytest.fixture(scope="module")
def ardeche_zones() -> gpd.GeoDataFrame:
    codes = sorted(r.code for r in load_cog().communes_of_departement("07") if r.type == "commune-actuelle")[:40]
    frame = Store([national_dir()]).read_geo(BOUNDARIES_COMMUNES.name, filters=[[("code", "in", codes)]])
    assert frame is not None
    return frame.assign(level="COM")


def test_the_legend_states_the_class_breaks_and_a_zone_without_value_is_hatched_not_zero(ardeche_zones):
    codes = list(ardeche_zones["code"])
    values: dict[str, float | None] = {code: 5.0 + i for i, code in enumerate(codes)}
    values[codes[0]] = None  # would be the lowest class if it were read as 0
    block = _toy_block(values, codes[3])
    known = [v for v in values.values() if v is not None]
    expected = class_labels(min(known), class_breaks(known), "rate")
    assert expected[0].startswith("6")  # the lowest class starts at the lowest value, not at 0
    with house_style():
        fig = zone_map_figure(block, ardeche_zones)
        legend = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    assert legend == [*expected, MISSING]
    svg = zone_map_svg(block, ardeche_zones)
    assert svg is not None and svg.startswith("<svg")
    # The breaks are printed in the legend, as text a reader's software finds.
    assert all(f">{escape(label, quote=False)}</text>" in svg for label in expected)
    assert "<pattern" in svg  # the hatch of the zone without value
    assert svg == zone_map_svg(block, ardeche_zones)  # byte-reproducible
    assert zone_map_svg(block, None) is None


def test_the_pipeline_reads_only_the_zones_it_maps_and_the_html_shows_them_with_breaks_and_source():
    blocks = _blocks(commune=VILLENEUVE_DE_BERG)
    dossier = example_dossier()
    dossier = replace(dossier, sections=(*dossier.sections, Section("region_test", "Dans sa région", "", blocks)))
    zones, dossier = gather_zones(dossier, default_store())
    assert zones is not None and set(zones["level"]) == {"COM"}
    assert set(zones["code"]) == {code for code, _ in _maps(blocks)[0].values}  # the département, not France
    assert {e.table for e in dossier.sources} >= {TERRITORY_PROFILES.name, BOUNDARIES_COMMUNES.name}
    svgs, _ = render_figures(dossier, None, zones=zones)
    assert all(svgs[m.id] for m in _maps(blocks))
    html = render_html(dossier, svgs, cover_svg=None)
    assert len(re.findall(r'<figure class="block block-map block-zone-map"', html)) == len(MAPPED)
    assert "Classes : quantiles des valeurs de 335 communes" in html
    number = 1 + [e.table for e in dossier.sources].index(TERRITORY_PROFILES.name)
    assert f'RP 2018, géographie COG 2026 <a class="source-ref" href="#src-{number}">' in html  # source and annex row


def test_a_territory_whose_figures_are_unpublished_gets_no_map_of_zeros_but_a_note_saying_so():
    blocks = _blocks(commune="97611")  # Mamoudzou: the comparateur publishes no census figure for Mayotte
    assert _maps(blocks) == []
    texts = [b.text for b in blocks if isinstance(b, Note)]
    assert any("faute de valeur publiée" in text and "Mayotte" in text for text in texts)

"""Melodi's cubes publish aggregates beside their detail (TRANS 3T4 beside 3 and 4, WORK_AREA 20_30
beside 21…24T30, TSH 1, 2 and 200 beside 100, 211…): the store keeps the leaf codes only, each
breakdown must add up to its total, and a free dimension that unexpectedly carries several codes is
read at its total `_T` when the dataset's range offers one (issue 15, point 6).

ANSWERS WRITTEN BY THE TEST. No RP `/data` body has ever been recorded (APIS.md §2): the answers
below have exactly the shape of the REAL recorded bodies (`melodi__data_popref_*.json`:
`observations[]` of `{"dimensions": {"GEO": "<COG year>-<LEVEL>-<code>", "FREQ", "TIME_PERIOD", …},
"measures": {"OBS_VALUE_NIVEAU": {"value": …}}}`, `paging.first`), the dimension codes of
tables.census.BREAKDOWN_LEAVES plus the aggregates Melodi's code lists show beside them (the codes
the issue lists), and small counts that stand for no real place (x1 for the commune, x10, x100,
x1000 for its département, région and France, so that a mix-up of levels shows). The range of
DS_EC_DECES is the REAL recorded one (`melodi__range_DS_EC_DECES_truncated.json`).
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, urlsplit

import pandas as pd
import pytest
import responses

from diagterr.errors import SourceError
from diagterr.resources import samples_dir
from diagterr.sources import melodi, melodi_datasets
from diagterr.sources.fetcher import FetchContext
from diagterr.sources.melodi_census import RP_LOGEMENT, RP_NAVETTES
from diagterr.store import Store
from diagterr.territory import resolve_territory
from diagterr.themes import habitat, mobilites
from diagterr.themes.figures import Figures
from specimens import load_bytes, needs_specimens

COMMUNE = "07341"  # Privas (Ardèche, 07; Auvergne-Rhône-Alpes, 84)
SCALE = {"COM": 1, "DEP": 10, "REG": 100, "FRANCE": 1000}
PERIOD = "2022"


def answer(dataset: str, cells: list[tuple[dict[str, str], float]]):
    """A responses callback answering any `/data/{dataset}` request: every cell at the GEO asked."""

    def callback(request):
        query = dict(parse_qsl(urlsplit(request.url).query))
        level, _, code = query["GEO"].partition("-")
        observations = [
            {"dimensions": {"GEO": f"2025-{level}-{code}", "FREQ": "A", "TIME_PERIOD": PERIOD, **dimensions},
             "measures": {"OBS_VALUE_NIVEAU": {"value": value * SCALE[level]}}}
            for dimensions, value in cells
        ]
        body = {"identifier": dataset, "title": {"fr": dataset, "en": dataset}, "observations": observations,
                "paging": {"first": f"{request.url}&page=1"}}
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    return callback


def serve(mocked, dataset: str, cells) -> None:
    mocked.add_callback(responses.GET, re.compile(re.escape(f"{melodi.BASE_URL}/data/{dataset}?") + ".*"),
                        callback=answer(dataset, cells))


def entry(dataset: str) -> melodi.CatalogEntry:
    """The catalogue item the caller already read (no catalogue request here)."""
    return melodi.CatalogEntry(dataset, dataset, "2011-01-01", f"{PERIOD}-12-31", ("COM", "DEP", "REG"), None, None)


def navettes(modes: dict[str, float], places: dict[str, float], total: float) -> list:
    base = {"RP_MEASURE": "POP", "SEX": "_T"}
    cells = [({**base, "TRANS": "_T", "WORK_AREA": "_T"}, total)]
    cells += [({**base, "TRANS": code, "WORK_AREA": "_T"}, value) for code, value in modes.items()]
    cells += [({**base, "TRANS": "_T", "WORK_AREA": code}, value) for code, value in places.items()]
    return cells


@pytest.fixture
def commune():
    return resolve_territory(commune=COMMUNE)


@pytest.fixture
def store(tmp_path):
    return Store([tmp_path / "user", samples_dir()])


def _values(store: Store, table: str, prefix: str, level: str = "COM") -> dict[str, float]:
    frame = store.read(table)
    rows = frame[(frame["geo_level"] == level) & frame["variable"].str.startswith(prefix)]
    return dict(zip(rows["variable"], rows["value"], strict=True))


def test_two_wheelers_and_every_other_commune_are_not_counted_beside_their_detail(mocked, client, store, commune):
    """Fails before issue 15: 3T4 (= 3 + 4) was stored beside 3 and 4 (the mode shares made 106 %)
    and WORK_AREA 20_30 (= 21 + 22 + 23 + 24T30) was shown as « code INSEE 30 »."""
    modes = {"1": 5.0, "2": 10.0, "3": 4.0, "4": 2.0, "3T4": 6.0, "5": 60.0, "6": 19.0}
    places = {"10": 30.0, "20_30": 70.0, "21": 40.0, "22": 15.0, "23": 10.0, "24T30": 5.0}
    serve(mocked, RP_NAVETTES.dataset_id, navettes(modes, places, 100.0))

    result = melodi_datasets.refresh(client, store, commune, RP_NAVETTES, entry(RP_NAVETTES.dataset_id))

    stored = _values(store, RP_NAVETTES.table, "navetteurs_mode_")
    assert sorted(stored) == [f"navetteurs_mode_{c}" for c in "123456"]
    assert sum(stored.values()) == pytest.approx(100.0)
    assert sorted(_values(store, RP_NAVETTES.table, "navetteurs_lieu_")) == [
        "navetteurs_lieu_10", "navetteurs_lieu_21", "navetteurs_lieu_22", "navetteurs_lieu_23",
        "navetteurs_lieu_24T30"]
    assert sum(_values(store, RP_NAVETTES.table, "navetteurs_lieu_", "FR").values()) == pytest.approx(100_000.0)
    assert "3T4" in result.manifest.method and "20_30" in result.manifest.method
    assert result.fetched and result.rejected == ()
    section = mobilites.analyse(Figures(store, commune))
    shares = [i.value for b in section.blocks for i in getattr(b, "indicators", ()) if i.id.startswith("part_navetteurs_mode_")]
    assert sum(shares) == pytest.approx(100.0)
    assert "« 30 »" not in repr(section) and "code INSEE 30" not in repr(section)


def test_tenure_keeps_its_five_statuses_and_the_construction_periods_their_total(mocked, client, store, commune):
    """Fails before issue 15: TSH 1 and 2 (owners, tenants: aggregates of Melodi's code list) became
    « libellé inconnu » rows of the tenure table."""
    base = {"RP_MEASURE": "DWELLINGS", "OCS": "DW_MAIN", "TSH": "_T", "BUILD_END": "_T", "TDW": "_T"}
    tenure = {"1": 120.0, "2": 70.0, "100": 120.0, "200": 70.0, "211": 40.0, "221": 20.0, "212_222": 10.0,
              "300": 10.0}
    periods = {"Y_LT1919": 30.0, "Y1919T1945": 10.0, "Y1946T1970": 20.0, "Y1971T1990": 40.0, "Y1991T2005": 50.0,
               "Y2006TAAAA": 40.0, "Y_LT2021": 190.0}
    cells = [(base, 200.0), ({**base, "OCS": "_T"}, 250.0)]
    cells += [({**base, "TSH": code}, value) for code, value in tenure.items()]
    cells += [({**base, "BUILD_END": code}, value) for code, value in periods.items()]
    serve(mocked, RP_LOGEMENT.dataset_id, cells)

    result = melodi_datasets.refresh(client, store, commune, RP_LOGEMENT, entry(RP_LOGEMENT.dataset_id))

    assert sorted(_values(store, RP_LOGEMENT.table, "rp_statut_")) == [
        "rp_statut_100", "rp_statut_211", "rp_statut_212_222", "rp_statut_221", "rp_statut_300"]
    building = _values(store, RP_LOGEMENT.table, "rp_achevement_")
    assert "rp_achevement_Y_LT2021" in building and len(building) == 7  # six periods and the total they make
    blocks = habitat.tenure(Figures(store, commune))
    labels = [i.label for b in blocks for i in getattr(b, "indicators", ())]
    assert not [label for label in labels if "libellé inconnu" in label]
    shares = [i.value for b in blocks for i in getattr(b, "indicators", ())]
    assert sum(shares) == pytest.approx(100.0)
    assert result.rejected == ()


def test_leaves_that_do_not_add_up_to_the_total_are_a_gap_with_the_reason(mocked, client, store, commune):
    """Fails before issue 15: the modes were stored however they added up. Here a code outside the
    leaf list holds 10 % of the residents in work: the six known modes make 90 % of the total."""
    modes = {"1": 5.0, "2": 10.0, "3": 4.0, "4": 2.0, "5": 50.0, "6": 19.0, "7": 10.0}
    serve(mocked, RP_NAVETTES.dataset_id, navettes(modes, {}, 100.0))

    result = melodi_datasets.refresh(client, store, commune, RP_NAVETTES, entry(RP_NAVETTES.dataset_id))

    assert _values(store, RP_NAVETTES.table, "navetteurs_mode_") == {}
    assert _values(store, RP_NAVETTES.table, "actifs_occupes") == {"actifs_occupes": 100.0}
    [reason] = result.rejected
    assert reason.startswith("répartition « navetteurs_mode_{TRANS} » de 2022 écartée")
    assert "90,0\u00a0% du total à COM 07341" in reason
    method = result.manifest.method
    assert reason[1:] in method and "écartés des répartitions : navetteurs_mode_{TRANS} : 7" in method
    # Said as rejected, not as « codes sans réponse » (the places, not in this answer, are).
    assert "(variables non publiées) : navetteurs_lieu_{WORK_AREA}." in method
    assert "(variables non publiées) : navetteurs_mode" not in method


def test_the_rejected_breakdown_is_a_gap_of_the_online_run(mocked, client, store, commune, monkeypatch):
    modes = {"1": 5.0, "2": 10.0, "3": 4.0, "4": 2.0, "5": 50.0, "6": 19.0, "7": 10.0}
    serve(mocked, RP_NAVETTES.dataset_id, navettes(modes, {}, 100.0))
    monkeypatch.setattr(melodi_datasets, "KEPT_UP_TO_DATE", (RP_NAVETTES,))
    monkeypatch.setattr(melodi, "fetch_catalog", lambda client: [entry(RP_NAVETTES.dataset_id)])
    context = FetchContext(client, store, commune)
    assert len(melodi_datasets.fetch(context)) == 1  # the rest of the dataset is stored
    [gap] = context.gaps
    assert gap.source_id == "insee_melodi"
    assert gap.message.startswith("DS_RP_NAVETTES_PRINC : répartition « navetteurs_mode_{TRANS} » de 2022 écartée")


def test_a_breakdown_partly_answered_may_not_exceed_its_total():
    """Only some leaves published (the owners alone): they are kept while they fit in the total."""
    frame = pd.DataFrame([
        {"geo_level": "COM", "geo_code": COMMUNE, "variable": v, "period": PERIOD, "value": x, "status": None,
         "source_id": "insee_melodi"}
        for v, x in (("residences_principales", 200.0), ("rp_statut_100", 120.0))
    ])
    checked = RP_LOGEMENT.breakdowns(frame)
    assert checked.rejected == () and len(checked.frame) == 2
    too_many = frame.assign(value=[100.0, 120.0])
    assert "au plus 100" in RP_LOGEMENT.breakdowns(too_many).rejected[0]


@needs_specimens
def test_a_free_dimension_carrying_several_codes_is_read_at_its_total(mocked, client, commune):
    """Fails before issue 15 (« plusieurs observations »). DS_EC_DECES's REAL range offers `_T` for
    DTH_PLACE, a dimension the rule below leaves free; the answer holds the total and place 1."""
    mocked.get(f"{melodi.BASE_URL}/range/DS_EC_DECES", body=load_bytes("melodi__range_DS_EC_DECES_truncated.json"),
               content_type="application/json")
    base = {"EC_MEASURE": "DTH", "SEX": "_T", "AGE": "_T"}
    serve(mocked, "DS_EC_DECES", [({**base, "DTH_PLACE": "_T"}, 12.0), ({**base, "DTH_PLACE": "1"}, 7.0)])

    def deaths(o: melodi.Observation) -> str | None:
        return "deces" if o.dimension("EC_MEASURE") == "DTH" else None

    frame, manifest = melodi.observations_for_territory(client, "DS_EC_DECES", commune, {}, deaths, comparisons=False)
    assert frame[["variable", "value"]].values.tolist() == [["deces", 12.0]]
    assert "DTH_PLACE fixée(s) à leur total" in manifest.method


def test_a_free_dimension_without_a_total_stays_ambiguous(mocked, client, commune):
    """EC_MEASURE has no `_T` (REAL range above): two measures for one variable are refused, and the
    range is not even asked for."""
    serve(mocked, "DS_EC_DECES", [({"EC_MEASURE": "DTH", "SEX": "_T"}, 12.0),
                                  ({"EC_MEASURE": "DTH_CUMR", "SEX": "_T"}, 30.0)])
    with pytest.raises(SourceError, match="plusieurs observations donnent la variable « deces »"):
        melodi.observations_for_territory(client, "DS_EC_DECES", commune, {}, lambda o: "deces", comparisons=False)
    assert [c.request.url for c in mocked.calls if "/range/" in c.request.url] == []

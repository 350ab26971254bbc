"""Programmes online: France services from the BPE (Melodi), and the merged view of the
programmes (online lists + samples) that the section and the enjeux share (network blocked).

No DS_BPE body of Melodi was ever recorded. The answers below are written in the exact shape of
the REAL recorded Melodi body (`melodi__data_popref_EPCI-244400404_starCOM.json`: identifier,
title, observations of `dimensions` + `measures.OBS_VALUE_NIVEAU.value`, paging) with the DS_BPE
dimensions of APIS.md §2 and of the REAL BPE head (`FACILITY_DOM`, `FACILITY_SDOM`,
`FACILITY_TYPE`, `BPE_MEASURE=FACILITIES`, `TIME_PERIOD` 2024). The counts are those of the REAL
France services file in ../shared/data (`anct-carto-france-services`: one site at Le Mont-Dore);
the national count is the number of sites of that file (3), standing in for a national figure that
../shared does not hold. Nothing here is presented as a real BPE figure.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from diagterr.cog import load_cog
from diagterr.errors import SourceSchemaError
from diagterr.resources import samples_dir
from diagterr.sources import anct_programmes, bpe_france_services, datagouv, melodi, online
from diagterr.sources.fetcher import FetchContext
from diagterr.store import Store
from diagterr.tables.programmes import PROGRAMMES_ANCT, PROGRAMMES_FRANCE_SERVICES
from diagterr.territory import resolve_territory
from diagterr.themes import programmes
from diagterr.themes.figures import Figures
from helpers import SHARED, needs_shared
from specimens import MELODI_EPCI_STAR_COM, load_json, needs_specimens

SANCY = "246300966"
FRANCE_SERVICES = SHARED / "data" / "raw" / "anct-carto-france-services" / "france_services.trimmed.geojson"
ANCT_TABLE = SHARED / "data" / "raw" / "zero-logement-vacant" / "ngeo-anct-cog2023.trimmed.csv"


def real_sites() -> dict[str, int]:
    """Commune -> number of sites of the REAL France services file."""
    features = json.loads(FRANCE_SERVICES.read_text("utf-8"))["features"]
    counts: dict[str, int] = {}
    for feature in features:
        code = feature["properties"]["insee_com"]
        counts[code] = counts.get(code, 0) + 1
    return counts


def bpe_body(geo: str, counts: dict[str, float], facility: str = "A128") -> dict:
    """A Melodi answer in the shape of the recorded body, with DS_BPE dimensions."""
    body = load_json(MELODI_EPCI_STAR_COM)
    level = "FRANCE" if geo == "FRANCE-F" else "COM"
    body["identifier"] = "DS_BPE"
    body["title"] = {"fr": "Base permanente des équipements", "en": "Permanent database of facilities"}
    body["observations"] = [
        {"dimensions": {"GEO": f"2025-{level}-{code}", "FACILITY_DOM": facility[0], "FACILITY_SDOM": facility[:2],
                        "FACILITY_TYPE": facility, "BPE_MEASURE": "FACILITIES", "TIME_PERIOD": "2024"},
         "measures": {"OBS_VALUE_NIVEAU": {"value": value}}}
        for code, value in counts.items()
    ]
    body["paging"] = {"first": melodi.data_url("DS_BPE", bpe_france_services.FILTERS, geo=geo), "isLast": True}
    return body


def add_bpe(mocked, geo: str, body: dict) -> None:
    url = melodi.data_url("DS_BPE", bpe_france_services.FILTERS, geo=geo, extra=[("maxResult", "10000")])
    mocked.get(url, json=body)


def answer_sancy(mocked, national: float | None = None, facility: str = "A128", communes: bool = True) -> None:
    sites = real_sites()
    add_bpe(mocked, "FRANCE-F", bpe_body("FRANCE-F", {"F": float(sum(sites.values()) if national is None
                                                                 else national)}))
    if not communes:
        return
    members = load_cog().epci(SANCY).members
    add_bpe(mocked, f"EPCI-{SANCY}*COM",
            bpe_body(f"EPCI-{SANCY}*COM", {c: float(n) for c, n in sites.items() if c in members}, facility))


@needs_shared
@needs_specimens
def test_france_services_of_the_bpe_replace_the_samples_rows(mocked, client, tmp_path):
    """Mont-Dore (one site) is listed with the BPE vintage; the samples' France services rows of
    the other Sancy communes (2020 list, ANCT table) are no longer shown; the count's source is
    the BPE. Two requests: France, then the EPCI's communes."""
    answer_sancy(mocked)
    store = Store([tmp_path / "store", samples_dir()])
    territory = resolve_territory(epci=SANCY)
    step = next(s for s in online.FETCHERS if s.source_id == bpe_france_services.SOURCE_ID)
    step.fetch(FetchContext(client, store, territory))
    assert len(mocked.calls) == 2
    table = store.read(PROGRAMMES_FRANCE_SERVICES.name)
    assert set(table["commune"]) == set(territory.commune_codes)
    assert dict(zip(table["commune"], table["nombre"], strict=True))["63236"] == "1"
    assert (table.loc[table["commune"] != "63236", "nombre"] == "0").all()

    section = programmes.analyse(Figures(store, territory))
    rows = [r for b in section.blocks if getattr(b, "title", "") == "Programmes par commune" for r in b.rows]
    services = [r for r in rows if r[1].startswith("France services")]
    assert services == [("Mont-Dore", "France services", "1 implantation France services (BPE 2024)")]
    indicator = next(i for b in section.blocks if hasattr(b, "indicators") for i in b.indicators
                     if i.id == "programme_france_services")
    assert (indicator.value, indicator.note, indicator.source.source_id) == (1.0, "Mont-Dore",
                                                                            "insee_bpe_france_services")
    assert indicator.source.vintage == "BPE 2024"


@needs_shared
@needs_specimens
def test_a_second_fetch_is_served_by_the_cache(mocked, client, tmp_path):
    answer_sancy(mocked)
    store = Store([tmp_path / "store", samples_dir()])
    for _ in range(2):
        bpe_france_services.fetch_for_territory(client, store, resolve_territory(epci=SANCY))
    assert len(mocked.calls) == 2


@needs_shared
@needs_specimens
def test_no_site_in_france_means_the_facility_code_changed(mocked, client, tmp_path):
    answer_sancy(mocked, national=0.0, communes=False)
    with pytest.raises(SourceSchemaError, match="A128"):
        bpe_france_services.fetch_for_territory(client, Store([tmp_path]), resolve_territory(epci=SANCY))


@needs_shared
@needs_specimens
def test_an_answer_for_another_facility_is_a_schema_error(mocked, client, tmp_path):
    answer_sancy(mocked, facility="A129")
    with pytest.raises(SourceSchemaError, match="A129"):
        bpe_france_services.fetch_for_territory(client, Store([tmp_path]), resolve_territory(epci=SANCY))


# -- the merged view feeds the enjeux ------------------------------------------------------------


def pvd_list_of(codes: set[str]) -> bytes:
    """A PVD list in the documented shape holding the REAL rows of `codes` (ANCT table)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["insee_com", "lib_com", "id_pvd", "date_signature"])
    with ANCT_TABLE.open(encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            if record["id_pvd"] and record["insee_com"] in codes:
                writer.writerow([record["insee_com"], record["lib_com"], record["id_pvd"], ""])
    return out.getvalue().encode("utf-8")


@needs_shared
def test_the_enjeux_read_the_online_lists_not_only_the_samples(tmp_path):
    """Offline, the samples say L'Arbresle is a Petite ville de demain; with an online PVD list
    that holds no commune of the CC (a test list with the REAL row of Villeneuve-de-Berg only),
    the programmes handed to the enjeux no longer name it, as the section does not."""
    territory = resolve_territory(epci="246900625")
    offline = Figures(Store([samples_dir()]), territory)
    assert "Petites villes de demain" in programmes.programmes_in_place(offline)

    pvd = next(pl for pl in anct_programmes.LISTS if pl.key == "pvd")
    resource = datagouv.Resource("r", "liste-pvd-com2025-20260427.csv", "csv",
                                 "https://static.data.gouv.fr/resources/x/liste-pvd-com2025-20260427.csv",
                                 datetime(2026, 4, 27))
    frame = anct_programmes.parse_list(pvd, resource, pvd_list_of({"07341"}), load_cog())
    store = Store([tmp_path, samples_dir()])
    store.write_table(PROGRAMMES_ANCT.name, frame,
                      anct_programmes.manifest({"pvd": resource.file_name}, datetime.now(UTC).isoformat()))
    online = Figures(store, territory)
    names = programmes.programmes_in_place(online)
    assert "Petites villes de demain" not in names
    assert "Villages d'avenir" in names  # from the samples: not fetched online here
    view = programmes.programme_view(Figures(store, territory))
    assert view.online == {"Petites villes de demain": "liste-pvd-com2025-20260427.csv"}

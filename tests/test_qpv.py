"""QPV 2024 list through the data.gouv.fr API (network blocked).

No real QPV file and no recorded data.gouv.fr body exist (APIS.md §8.1, §9). The fixtures in
tests/fixtures/programmes/ are in the documented shape, and their values are FICTIONAL test values
(see that folder's README): `qpv_2024_list_FICTIONAL.csv` has the documented header and one row
built from APIS.md's two examples (code `QN01341I`, protected field `="13055;13070"`), named
"Quartier fictif de test (non réel)". Nothing here is a real quartier.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from responses import matchers

from diagterr.errors import SourceSchemaError
from diagterr.resources import samples_dir
from diagterr.sources import datagouv, online, qpv
from diagterr.sources.fetcher import FetchContext
from diagterr.store import Store
from diagterr.territory import resolve_territory
from diagterr.themes import programmes
from diagterr.themes.figures import Figures

FIXTURES = Path(__file__).parent / "fixtures" / "programmes"
LISTING = json.loads((FIXTURES / "datagouv_resources_qpv.json").read_text("utf-8"))
FICTIONAL_LIST = (FIXTURES / "qpv_2024_list_FICTIONAL.csv").read_bytes()
LIST_URL = next(r["url"] for r in LISTING["data"] if r["title"].endswith("2024"))


def answer(mocked, body: bytes = FICTIONAL_LIST) -> None:
    mocked.get(datagouv.resources_url(qpv.DATASET_ID), json=LISTING,
               match=[matchers.query_param_matcher({"page": "1", "page_size": "50"})])
    mocked.get(LIST_URL, body=body)


def resource() -> datagouv.Resource:
    item = next(r for r in LISTING["data"] if r["url"] == LIST_URL)
    return datagouv._resource(item, qpv.DATASET_ID)


def qpv_blocks(section) -> tuple[list, list[str]]:
    tables = [b for b in section.blocks if getattr(b, "title", "").startswith("Quartiers prioritaires")]
    notes = [b.detail or b.text for b in section.blocks if "uartier" in getattr(b, "text", "")]
    return tables, notes


def test_a_quartier_on_two_communes_is_listed_under_both():
    frame = qpv.parse_list(FICTIONAL_LIST, resource())
    assert frame[["commune", "code_qp", "communes_qp"]].values.tolist() == [
        ["13055", "QN01341I", "13055,13070"], ["13070", "QN01341I", "13055,13070"]]


@pytest.mark.parametrize(("value", "codes"), [('="13055;13070"', ["13055", "13070"]), ('="13055"', ["13055"]),
                                              ("13055", ["13055"])])
def test_the_protected_commune_field_is_read(value, codes):
    assert qpv.communes_of(value, "f.csv", 2) == codes


@pytest.mark.parametrize(("body", "message"), [
    (FICTIONAL_LIST.replace(b";", b",", 9), "en-tête inattendu"),
    (FICTIONAL_LIST.replace(b'"=""13055;13070"""', b'="13055;13070"'), "11 champs au lieu de 10"),
    (FICTIONAL_LIST.replace(b"13055;13070", b"13055;1307"), "illisibles"),
    (FICTIONAL_LIST.replace(b"QN01341I", b"1341"), "code de quartier"),
])
def test_a_list_of_another_shape_is_a_schema_error(body, message):
    with pytest.raises(SourceSchemaError, match=message):
        qpv.parse_list(body, resource())


def test_the_online_step_shows_the_quartiers_of_the_territory(mocked, client, tmp_path):
    """The pipeline's QPV step picks the 2024 list (not the 2015 one), and the section of a
    commune of the list shows its quartier; a commune outside says there is none."""
    answer(mocked)
    store = Store([tmp_path / "store", samples_dir()])
    step = next(s for s in online.FETCHERS if s.source_id == qpv.SOURCE_ID)
    step.fetch(FetchContext(client, store, resolve_territory(commune="13055")))
    assert len(mocked.calls) == 2
    (table,), _ = qpv_blocks(programmes.analyse(Figures(store, resolve_territory(commune="13055"))))
    assert table.title == "Quartiers prioritaires de la politique de la ville 2024 (1 quartier)"
    (row,) = table.rows
    assert row == ("Marseille", "Quartier fictif de test (non réel)", "QN01341I", "La Penne-sur-Huveaune")
    assert "Population des quartiers : non donnée" in table.note
    tables, notes = qpv_blocks(programmes.analyse(Figures(store, resolve_territory(commune="07341"))))
    assert tables == []
    assert any(n.startswith("Aucun quartier prioritaire de la politique de la ville 2024 dans les communes du "
                            "territoire (liste de l'ANCT, fichier liste-qp-2024-fixture.csv") for n in notes)


def test_offline_the_section_names_the_source_and_cites_no_quartier():
    section = programmes.analyse(Figures(Store([samples_dir()]), resolve_territory(epci="200066389")))
    tables, notes = qpv_blocks(section)
    assert tables == []
    (note,) = notes
    assert note.startswith("Quartiers prioritaires de la politique de la ville (liste 2024) : non disponible hors ligne.")
    assert "data.gouv.fr" in note and "Dollée" not in note and "Val Saint-Jean" not in note

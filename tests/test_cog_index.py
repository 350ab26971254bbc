"""The shipped COG index, its build script and the territory search."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import ModuleType

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from diagterr import resources
from diagterr.cog import (
    COG_VINTAGE,
    CogIndex,
    CommuneRecord,
    DepartementRecord,
    EpciRecord,
    RegionRecord,
    SearchHit,
    load_cog,
    normalize,
)
from diagterr.errors import BadInputError
from diagterr.territory import is_valid_siren, search_territories
from helpers import SHARED, load_script, needs_shared

INDEX_FILES = ("communes.parquet", "epci.parquet", "departements.parquet", "regions.parquet")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _load_build_script() -> ModuleType:
    return load_script("build_cog_index")


# -- the shipped files ----------------------------------------------------------------------------


def test_index_is_shipped_and_compact() -> None:
    directory = resources.cog_dir()
    sizes = {name: (directory / name).stat().st_size for name in (*INDEX_FILES, "manifest.json")}
    assert all(size > 0 for size in sizes.values())
    assert sum(sizes.values()) < 3_000_000


def test_manifest_describes_source_and_matches_files() -> None:
    directory = resources.cog_dir()
    manifest = json.loads((directory / "manifest.json").read_text("utf-8"))
    assert manifest["cog"] == COG_VINTAGE == "COG 2026"
    assert manifest["source"]["npm_package"] == "@etalab/decoupage-administratif"
    assert manifest["source"]["version"] == "6.0.0"
    assert len(manifest["source"]["tarball_sha256"]) == 64
    assert "Licence Ouverte" in manifest["licence"]
    for name in INDEX_FILES:
        assert manifest["files"][name]["sha256"] == _sha256(directory / name), f"{name} ≠ manifest"
    assert manifest["files"]["communes.parquet"]["rows"] == 37590
    # The date of the package's data files as the tarball records them (its members' mtime): the
    # annex gives it as the COG index's date, none is written by hand.
    assert manifest["source"]["files_date"] == "2026-03-09"


def test_the_annex_row_of_the_cog_index_comes_from_its_manifest() -> None:
    from diagterr.pipeline import cog_entry

    entry = cog_entry()
    assert entry.retrieved == load_cog().manifest["source"]["files_date"]
    assert entry.origin == "https://www.npmjs.com/package/" + load_cog().manifest["source"]["npm_package"]
    assert entry.vintage == entry.geo_vintage == COG_VINTAGE


def test_codes_are_stored_as_strings() -> None:
    directory = resources.cog_dir()
    schema = pq.read_schema(directory / "communes.parquet")
    for column in ("code", "departement", "region", "parent", "siren", "epci"):
        assert schema.field(column).type == pa.string(), column
    assert schema.field("codes_postaux").type == pa.list_(pa.string())
    assert pq.read_schema(directory / "epci.parquet").field("code").type == pa.string()
    codes = pq.read_table(directory / "communes.parquet", columns=["code"]).column("code").to_pylist()
    assert "01001" in codes and "2A004" in codes


# -- look-ups -------------------------------------------------------------------------------------


def test_counts() -> None:
    index = load_cog()
    communes = index.all_communes()
    assert sum(1 for c in communes if c.type == "commune-actuelle") == 34969
    assert sum(1 for c in communes if c.type == "arrondissement-municipal") == 45
    assert len(index.all_epcis()) == 1255
    assert index.departement("2B") is not None and index.departement("976") is not None
    assert index.region("84") == RegionRecord("84", "Auvergne-Rhône-Alpes", "metro")


def test_load_cog_is_cached() -> None:
    assert load_cog() is load_cog()


def test_commune_record() -> None:
    rec = load_cog().commune("69010")
    assert rec is not None
    assert (rec.type, rec.name, rec.departement, rec.region, rec.zone) == (
        "commune-actuelle",
        "L'Arbresle",
        "69",
        "84",
        "metro",
    )
    assert rec.postcodes == ("69210",)
    assert rec.population == 6537  # PL 2023
    assert rec.epci == "246900625"
    assert rec.siren == "216900100"


def test_arrondissement_and_its_city() -> None:
    index = load_cog()
    rec = index.commune("69381")
    assert rec is not None and rec.type == "arrondissement-municipal"
    assert rec.parent == "69123"
    epci = index.epci_of_commune("69381")
    assert epci is not None and epci.code == "200046977" and epci.type == "MET69"
    lyon = index.commune("69123")
    assert lyon is not None and lyon.type == "commune-actuelle"


def test_former_codes() -> None:
    index = load_cog()
    assert index.commune("14513") is None
    for old in ("14507", "14513", "50180", "50649"):
        current = index.current_commune_for_former_code(old)
        assert current is not None and current.code == "50592", old
    assert index.current_commune_for_former_code("50592") is None
    assert index.current_commune_for_former_code("69999") is None


def test_former_code_via_chef_lieu_only() -> None:
    """A déléguée that no anciensCodes names is still mapped, through its chefLieu."""
    current = CommuneRecord(
        "commune-actuelle", "99001", "Nouvelle", "99", "99", "metro", ("99100",), (), None, 10, "200000001", None
    )
    delegated = CommuneRecord(
        "commune-deleguee", "99002", "Ancienne", "99", "99", "metro", (), (), "99001", None, None, None
    )
    index = CogIndex([current, delegated], [], [DepartementRecord("99", "Test", "99", "metro")], [])
    found = index.current_commune_for_former_code("99002")
    assert found is not None and found.code == "99001"
    assert index.commune("99002") is None
    hits = index.search("ancienne")
    assert [(h.kind, h.code) for h in hits] == [("commune", "99001")]
    assert "Ancienne" in hits[0].detail


def test_epci_records() -> None:
    index = load_cog()
    epci = index.epci("246300966")
    assert epci is not None
    assert (epci.name, epci.type, len(epci.members)) == ("CC du Massif du Sancy", "CC", 20)
    assert "15132" in epci.members and list(epci.members) == sorted(epci.members)
    assert epci.kind_label == "Communauté de communes"
    assert index.epci_of_commune("15132") == epci
    assert index.epci_of_commune("22016") is None  # Île-de-Bréhat: no EPCI
    assert index.epci("69010") is None


def test_every_epci_siren_passes_luhn() -> None:
    assert all(is_valid_siren(e.code) for e in load_cog().all_epcis())


def test_every_current_commune_but_a_few_has_an_epci() -> None:
    index = load_cog()
    current = [c for c in index.all_communes() if c.type == "commune-actuelle"]
    without = [c for c in current if c.epci is None]
    assert len(without) == 98  # islands and overseas collectivities
    assert all(isinstance(e, EpciRecord) for e in map(index.epci_of_commune, ("69010", "50592")))


# -- search ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Saint-Lô", "saint lo"),
        ("L'ARBRESLE", "l arbresle"),
        ("  Éveux ", "eveux"),
        ("St-Lô", "saint lo"),
        ("Bœurs-en-Othe", "boeurs en othe"),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


def _keys(hits: list[SearchHit]) -> list[tuple[str, str]]:
    return [(h.kind, h.code) for h in hits]


def test_search_arbresle_finds_commune_and_epci() -> None:
    hits = load_cog().search("arbresle")
    keys = _keys(hits)
    assert keys[0] == ("commune", "69010")
    assert ("epci", "246900625") in keys
    assert hits[0].name == "L'Arbresle"
    assert hits[0].detail == "Rhône (69) · CC du Pays de l'Arbresle (CCPA) · 69210"


@pytest.mark.parametrize("text", ["saint lo", "Saint-Lô", "SAINT LÔ", "st lo", "saint-lo"])
def test_search_ignores_accents_case_and_hyphens(text: str) -> None:
    hits = load_cog().search(text)
    assert _keys(hits)[0] == ("commune", "50502")
    assert hits[0].name == "Saint-Lô"


def test_search_ranking_exact_then_prefix_then_substring() -> None:
    hits = load_cog().search("sancy", limit=50)
    names = [h.name for h in hits]
    exact = [i for i, n in enumerate(names) if normalize(n) == "sancy"]
    prefix = [i for i, n in enumerate(names) if normalize(n).startswith("sancy ")]
    inner = [i for i, n in enumerate(names) if "sancy" in normalize(n) and not normalize(n).startswith("sancy")]
    assert exact and prefix and inner
    assert max(exact) < min(prefix) < min(inner)
    assert ("epci", "246300966") in _keys(hits)


def test_search_exact_name_beats_kind() -> None:
    """An exact département name comes before communes that merely contain it."""
    assert _keys(load_cog().search("Rhône"))[0] == ("departement", "69")
    assert _keys(load_cog().search("paris"))[:2] == [("commune", "75056"), ("departement", "75")]


def test_search_words_in_any_order() -> None:
    assert ("epci", "246900625") in _keys(load_cog().search("pays arbresle"))


def test_search_by_codes() -> None:
    index = load_cog()
    assert _keys(index.search("07341"))[0] == ("commune", "07341")
    assert _keys(index.search("246900625")) == [("epci", "246900625")]
    assert _keys(index.search("2a004"))[0] == ("commune", "2A004")
    assert _keys(index.search("69")) == [("departement", "69")]
    assert set(_keys(index.search("84"))) == {("departement", "84"), ("region", "84")}
    former = index.search("14513")
    assert _keys(former) == [("commune", "50592")]
    assert "ancien code 14513" in former[0].detail


def test_search_by_postcode() -> None:
    index = load_cog()
    hits = index.search("69210", limit=50)
    expected = {c.code for c in index.all_communes() if "69210" in c.postcodes}
    assert {h.code for h in hits} >= expected
    assert ("commune", "69010") in _keys(hits)
    paris = _keys(index.search("75001"))
    assert paris[:2] == [("commune", "75056"), ("arrondissement", "75101")]


def test_search_details_are_french() -> None:
    index = load_cog()
    sancy = next(h for h in index.search("246300966"))
    assert sancy.detail == "Communauté de communes · 20 communes · Cantal (15), Puy-de-Dôme (63)"
    region = next(h for h in index.search("84") if h.kind == "region")
    assert region.detail.startswith("Région")
    arrondissement = index.search("69381")[0]
    assert arrondissement.kind == "arrondissement"
    assert "arrondissement municipal de Lyon" in arrondissement.detail


def test_search_limit_and_no_match() -> None:
    index = load_cog()
    assert len(index.search("saint", limit=7)) == 7
    assert index.search("zzqxw") == []
    assert index.search("   ") == []


def test_search_territories_wrapper() -> None:
    assert _keys(search_territories("Villeneuve-de-Berg"))[0] == ("commune", "07341")
    with pytest.raises(BadInputError, match="Recherche vide"):
        search_territories("  ")


# -- build script ---------------------------------------------------------------------------------


@pytest.mark.slow
@needs_shared
def test_build_is_deterministic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = _load_build_script()
    digests = []
    for run in ("a", "b"):
        out = tmp_path / run
        assert script.main(["--shared", str(SHARED), "--out", str(out)]) == 0
        digests.append({p.name: _sha256(p) for p in sorted(out.iterdir())})
    assert digests[0] == digests[1]
    assert set(digests[0]) == {*INDEX_FILES, "manifest.json"}
    summary = capsys.readouterr().out.strip().splitlines()[-1]
    assert "34969 communes actuelles" in summary and "1255 EPCI" in summary


@pytest.mark.slow
@needs_shared
def test_shipped_index_matches_a_fresh_build(tmp_path: Path) -> None:
    script = _load_build_script()
    assert script.main(["--shared", str(SHARED), "--out", str(tmp_path)]) == 0
    shipped = resources.cog_dir()
    for name in INDEX_FILES:
        assert pq.read_table(tmp_path / name).equals(pq.read_table(shipped / name)), name
    fresh = json.loads((tmp_path / "manifest.json").read_text("utf-8"))
    assert fresh["source"] == json.loads((shipped / "manifest.json").read_text("utf-8"))["source"]
    assert fresh["cog"] == COG_VINTAGE


def test_build_script_reports_a_missing_tarball(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = _load_build_script()
    assert script.main(["--shared", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    assert "Archive npm introuvable" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()

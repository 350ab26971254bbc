"""Indicator ids are an interface (the consultants' spreadsheets read indicateurs.json by id): ASCII
chosen by hand, unique in a dossier, one meaning across dossiers, and each listed in the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import REPO

SITES = {
    "ccpa": {"epci": "246900625"},
    "sancy": {"epci": "246300966"},
    "villeneuve-de-berg": {"commune": "07341"},
    "berg-et-coiron": {"epci": "240700815"},
    "tessy-bocage": {"commune": "50592"},
    "saint-lo-agglo": {"epci": "200066389"},
}
ID = re.compile(r"[a-z0-9_]+")


@pytest.fixture(scope="module")
def samples():
    """The six sample dossiers (offline, from the shipped store), not rendered."""
    from diagterr.pipeline import RunOptions, build_dossier, default_store
    from diagterr.territory import resolve_territory

    store = default_store()
    return {name: build_dossier(resolve_territory(**territory), store, RunOptions(Path("unused")), [], [])
            for name, territory in SITES.items()}


def test_every_id_is_ascii_and_unique_in_its_dossier(samples):
    for name, dossier in samples.items():
        ids = [indicator.id for _, indicator in dossier.indicators()]
        assert [i for i in ids if not ID.fullmatch(i)] == [], name
        assert len(ids) == len(set(ids)), f"{name}: {sorted(i for i in ids if ids.count(i) > 1)}"
        assert {i.id for i in dossier.key_figures} <= set(ids), name  # a key figure is a chapter's figure


def test_an_id_has_one_section_and_one_unit_across_the_dossiers(samples):
    meaning: dict[str, set[tuple[str, str]]] = {}
    for dossier in samples.values():
        for section, indicator in dossier.indicators():
            meaning.setdefault(indicator.id, set()).add((section, indicator.unit))
    assert {i: m for i, m in meaning.items() if len(m) > 1} == {}


def test_the_readme_lists_every_id_of_the_samples(samples):
    readme = (REPO / "README.md").read_text("utf-8")
    listed = readme.partition("<!-- indicator-ids: begin")[2].partition("<!-- indicator-ids: end -->")[0]
    documented = set(re.findall(r"^\| `([a-z0-9_]+)` \|", listed, flags=re.MULTILINE))
    ids = {indicator.id for dossier in samples.values() for _, indicator in dossier.indicators()}
    assert sorted(ids - documented) == [], "run scripts/indicator_ids.py on a snapshot of the samples"

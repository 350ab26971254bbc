"""`diagterr batch` re-run: offline, an unchanged site is decided « inchangé » before any preparation
(issue 19: it cost 2.4 s per site); a site whose data or options changed is produced again."""

from __future__ import annotations

import json
from concurrent.futures import Executor, Future
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from diagterr import batch, pipeline
from diagterr.progress import Event
from diagterr.store import Manifest, Store

SITES = "sortie: lot\nsites:\n  - nom: Villeneuve-de-Berg\n    commune: \"07341\"\n{extra}"


class InlinePool(Executor):
    """The sites produced in this process, one after the other (no spawned worker)."""

    def submit(self, fn, /, *args, **kwargs):
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


@pytest.fixture
def calls(monkeypatch):
    """prepare and produce replaced by fakes that count their calls; produce writes a tiny dossier."""
    counted = {"prepare": 0, "produce": 0}

    def prepare(territory, options, store, client, reporter=None):
        counted["prepare"] += 1
        return options

    def produce(prepared, store):
        counted["produce"] += 1
        prepared.out_dir.mkdir(parents=True, exist_ok=True)
        files = [prepared.out_dir / "dossier.pdf", prepared.out_dir / "indicateurs.json"]
        files[0].write_bytes(b"%PDF-1.7 dossier")
        files[1].write_text(json.dumps({"gaps": [{"source_id": "insee_melodi"}]}), "utf-8")
        return SimpleNamespace(files=files, gaps=[SimpleNamespace(source_id="insee_melodi")])

    monkeypatch.setattr(pipeline, "prepare", prepare)
    monkeypatch.setattr(pipeline, "produce", produce)
    monkeypatch.setattr(batch, "site_pool", lambda workers: InlinePool())
    return counted


def rerun(tmp_path: Path, focus: str | None = None, offline: bool = True) -> tuple[batch.SiteOutcome, list[Event]]:
    path = tmp_path / "sites.yaml"
    path.write_text(SITES.format(extra=f"    focus: {focus}\n" if focus else ""), "utf-8")
    events: list[Event] = []
    [outcome] = batch.run_batch(batch.load_sites(path), batch.BatchOptions(jobs=1, offline=offline), tmp_path / "lot",
                                reporter=events.append)
    return outcome, events


def test_an_unchanged_site_is_skipped_offline_without_being_prepared(tmp_path, calls, monkeypatch):
    first, _ = rerun(tmp_path)
    assert first.status is batch.SiteStatus.PARTIAL and calls == {"prepare": 1, "produce": 1}

    def no_prepare(*args, **kwargs):
        raise AssertionError("prepare() ran for an unchanged site")

    monkeypatch.setattr(pipeline, "prepare", no_prepare)
    again, events = rerun(tmp_path)
    assert again.status is batch.SiteStatus.UNCHANGED and calls["produce"] == 1
    assert [e.message for e in events if e.done] == ["inchangé depuis la dernière édition"]
    # The existing dossier is reported as it is: its files, and the source it still lacks (exit 4).
    assert {Path(f).name for f in again.files} == {"dossier.pdf", "indicateurs.json"}
    assert again.missing_sources == ["insee_melodi"]
    assert batch.exit_code([again]) == 4


def test_a_site_whose_options_or_data_changed_is_produced_again(tmp_path, calls, cache_dir):
    rerun(tmp_path)
    assert rerun(tmp_path)[0].status is batch.SiteStatus.UNCHANGED and calls == {"prepare": 1, "produce": 1}

    changed, _ = rerun(tmp_path, focus="habitat")  # another focus: another dossier
    assert changed.status is batch.SiteStatus.PARTIAL and calls == {"prepare": 2, "produce": 2}
    assert rerun(tmp_path, focus="habitat")[0].status is batch.SiteStatus.UNCHANGED

    # New data in the user's store (a fetch, an import): the dossier is made again.
    Store([cache_dir / "store"]).write_table("essai", pd.DataFrame({"code": ["07341"], "valeur": [1.0]}), Manifest(
        "essai", "test", "Essai", "INSEE", "https://example.org", "RP 2022", "COG 2025", "LO", "2026-12-01"))
    redone, _ = rerun(tmp_path, focus="habitat")
    assert redone.status is batch.SiteStatus.PARTIAL and calls == {"prepare": 3, "produce": 3}


def test_online_an_unchanged_site_is_still_prepared_first(tmp_path, calls):
    # Online, prepare() fetches into the store, whose manifests the fingerprint reads: it runs first.
    rerun(tmp_path, offline=False)
    again, _ = rerun(tmp_path, offline=False)
    assert again.status is batch.SiteStatus.UNCHANGED and calls == {"prepare": 2, "produce": 1}

"""`diagterr batch`: validate everything first, one failing site never stops the others,
resumable and idempotent, a lock per output folder, a summary for cron and a cohort synthesis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from diagterr import batch
from diagterr.errors import DiagterrError
from helpers import invoke

TWO_SITES = """\
sortie: lot
sites:
  - nom: Villeneuve-de-Berg
    commune: "07341"
  - nom: Tessy-Bocage
    commune: "50592"
"""


def summary(folder: Path) -> dict:
    return json.loads((folder / "batch.json").read_text("utf-8"))


def test_the_model_lists_the_four_ateliers_sites_and_is_valid(tmp_path):
    target = tmp_path / "sites.yaml"
    written = invoke("batch", "modele", str(target))
    assert written.exit_code == 0
    sites = batch.load_sites(target)
    assert [s.territory.code for s in sites] == ["246900625", "246300966", "07341", "240700815", "50592", "200066389"]
    # Six dossiers for four Ateliers sites, said as such; each focus is the theme of the site's Atelier.
    text = target.read_text("utf-8")
    assert "six dossiers" in text.lower() and "six dossiers" in written.output.lower()
    assert {s.territory.code: s.focus for s in sites if s.focus} == {"246900625": "mobilites", "246300966": "climat",
                                                                     "07341": "habitat", "50592": "demographie"}
    again = invoke("batch", "modele", str(target))
    assert again.exit_code == 2 and "existe déjà" in again.output


def test_a_bad_entry_is_reported_with_its_line_and_nothing_starts(tmp_path):
    path = tmp_path / "sites.yaml"
    path.write_text(
        "sites:\n"
        "  - nom: Bon site\n    commune: \"07341\"\n"
        "  - nom: Mauvais code\n    epci: \"69010\"\n"
        "  - commune: \"50592\"\n",
        "utf-8",
    )
    result = invoke("batch", str(path), "--offline")
    assert result.exit_code == 2
    assert "ligne 4" in result.output and "69010 est un code commune" in result.output
    assert "ligne 6" in result.output and "nom du site" in result.output
    assert "rien n'a été lancé" in result.output
    assert not (tmp_path / "villeneuve-de-berg-07341").exists()


def test_an_arrondissement_site_gets_the_hint_of_its_commune(tmp_path):
    path = tmp_path / "sites.yaml"
    path.write_text("sites:\n  - nom: Paris 12e\n    commune: \"75112\"\n", "utf-8")
    result = invoke("batch", str(path), "--offline")
    assert result.exit_code == 2
    assert "ligne 2" in result.output and "75056" in result.output
    assert "rien n'a été lancé" in result.output


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("batch")
    (folder / "sites.yaml").write_text(TWO_SITES, "utf-8")
    result = invoke("batch", str(folder / "sites.yaml"), "--offline", "--jobs", "2", "--date-edition", "2026-11-21")
    return folder, result


@pytest.mark.slow
def test_every_site_is_built_with_a_summary_and_a_synthesis(first_run):
    folder, result = first_run
    # Offline, each dossier lacks what only an online run reads: done, partial (exit 4), its sources listed.
    assert result.exit_code == 4, result.output
    report = summary(folder / "lot")
    assert [s["status"] for s in report["sites"]] == ["partiel", "partiel"]
    assert report["code_sortie"] == 4
    assert all("insee_melodi" in s["missing_sources"] for s in report["sites"])
    for site in report["sites"]:
        assert all(Path(f).is_file() for f in site["files"])
    text = PdfReader(folder / "lot" / "synthese.pdf").pages[0].extract_text()
    assert "Villeneuve-de-Berg" in text and "Tessy-Bocage" in text and "France" in text
    header = (folder / "lot" / "synthese.csv").read_text("utf-8-sig").splitlines()[0]
    assert header.endswith(";Villeneuve-de-Berg;Tessy-Bocage;France")


@pytest.mark.slow
def test_a_second_run_skips_unchanged_sites_and_force_rebuilds(first_run):
    folder, _ = first_run
    result = invoke("batch", str(folder / "sites.yaml"), "--offline")
    assert result.exit_code == 4  # unchanged, and still partial
    assert [s["status"] for s in summary(folder / "lot")["sites"]] == ["inchange", "inchange"]


@pytest.mark.slow
def test_an_interrupted_run_is_finished_by_the_next_one(first_run):
    folder, _ = first_run
    tessy = folder / "lot" / "tessy-bocage-50592"
    (tessy / batch.EDITION_FILE).unlink()  # as if the run had been killed before this site ended
    (tessy / ".dossier.pdf.abc123.tmp").write_bytes(b"%PDF-1.7 half written")
    result = invoke("batch", str(folder / "sites.yaml"), "--offline", "--jobs", "1")
    assert result.exit_code == 4
    assert [s["status"] for s in summary(folder / "lot")["sites"]] == ["inchange", "partiel"]
    assert not list(tessy.glob(".*.tmp"))
    assert len(PdfReader(tessy / "dossier.pdf").pages) > 10


@pytest.mark.slow
def test_what_changed_since_the_last_edition_gets_its_page(first_run):
    folder, _ = first_run
    villeneuve = folder / "lot" / "villeneuve-de-berg-07341"
    data = json.loads((villeneuve / "indicateurs.json").read_text("utf-8"))
    record = next(r for r in data["indicators"] if r["id"] == "population_legale")
    record["value"], record["vintage"] = 2999.0, "PL 2022"  # the previous edition, as it was
    (villeneuve / "indicateurs.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    result = invoke("batch", str(folder / "sites.yaml"), "--offline", "--force", "--jobs", "1")
    assert result.exit_code == 4
    text = "\n".join(p.extract_text() for p in PdfReader(villeneuve / "dossier.pdf").pages)
    assert "Ce qui a changé depuis l'édition précédente" in text
    assert "millésime PL 2022 → PL 2023" in text


@pytest.mark.slow
def test_one_failing_site_never_stops_the_others(tmp_path):
    path = tmp_path / "sites.yaml"
    path.write_text(
        "sites:\n  - nom: Miquelon\n    commune: \"97501\"\n  - nom: Villeneuve-de-Berg\n    commune: \"07341\"\n",
        "utf-8",
    )
    result = invoke("batch", str(path), "--offline", "--jobs", "1")
    assert result.exit_code == 1
    statuses = {s["name"]: s for s in summary(tmp_path)["sites"]}
    assert statuses["Miquelon"]["status"] == "echec" and "hors ligne" in statuses["Miquelon"]["error"]
    assert statuses["Villeneuve-de-Berg"]["status"] == "partiel"  # built (offline: partial)


def test_two_batches_on_one_folder_cannot_run_at_once(tmp_path):
    path = tmp_path / "sites.yaml"
    path.write_text("sites:\n  - nom: Villeneuve-de-Berg\n    commune: \"07341\"\n", "utf-8")
    with batch.batch_lock(tmp_path):
        result = invoke("batch", str(path), "--offline")
    assert result.exit_code == 2  # as a second `run` into one folder
    assert "Un autre « diagterr batch » écrit déjà" in result.output


@pytest.mark.slow
def test_a_site_focus_puts_its_theme_first(tmp_path):
    path = tmp_path / "sites.yaml"
    path.write_text("sites:\n  - nom: Tessy-Bocage\n    commune: \"50592\"\n    focus: habitat\n", "utf-8")
    assert invoke("batch", str(path), "--offline", "--jobs", "1").exit_code == 4  # offline: partial
    reader = PdfReader(tmp_path / "tessy-bocage-50592" / "dossier.pdf")
    chapters = [item.title for item in reader.outline if not isinstance(item, list)]
    assert chapters.index("Habitat") < chapters.index("Le territoire")
    bad = tmp_path / "bad.yaml"
    bad.write_text("sites:\n  - nom: Tessy-Bocage\n    commune: \"50592\"\n    focus: logement\n", "utf-8")
    result = invoke("batch", str(bad), "--offline")
    assert result.exit_code == 2 and "ligne 2" in result.output and "inconnu" in result.output


def test_the_statuses_of_batch_json_keep_their_values():
    assert [status.value for status in batch.SiteStatus] == ["fait", "partiel", "inchange", "echec"]


def test_the_model_lists_every_focus_choice_and_a_former_economy_id_still_works(tmp_path):
    from diagterr.themes import FOCUS_CHOICES

    text = batch.model_text()
    assert all(choice in text for choice in FOCUS_CHOICES)
    path = tmp_path / "sites.yaml"  # written before the economy's section was renamed
    path.write_text("sites:\n  - nom: Tessy-Bocage\n    commune: \"50592\"\n    focus: emploi_revenus\n", "utf-8")
    assert [site.focus for site in batch.load_sites(path)] == ["economie"]


@pytest.mark.slow
def test_each_site_ends_with_one_done_event_whatever_its_status(first_run):
    from diagterr.progress import Phase

    folder, _ = first_run
    path = folder / "events.yaml"  # the two sites of the first run (unchanged since), and one that fails
    path.write_text(TWO_SITES + "  - nom: Miquelon\n    commune: \"97501\"\n", "utf-8")
    events = []
    outcomes = batch.run_batch(batch.load_sites(path), batch.BatchOptions(jobs=1, offline=True), folder,
                               reporter=events.append)
    assert [o.status for o in outcomes] == [batch.SiteStatus.UNCHANGED, batch.SiteStatus.UNCHANGED,
                                            batch.SiteStatus.FAILED]
    done = [(e.phase, e.site) for e in events if e.done]
    assert done == [(Phase.SITE, "Villeneuve-de-Berg"), (Phase.SITE, "Tessy-Bocage"), (Phase.SITE, "Miquelon")]
    assert all(e.site is not None for e in events)


# -- SIGTERM, paths, size ------------------------------------------------------------------------


def _lock_held(folder: Path) -> bool:
    """True when another open file description holds the batch lock of `folder`."""
    import fcntl

    with (folder / batch.LOCK_FILE).open("a+") as other:
        try:
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(other, fcntl.LOCK_UN)
        return False


def test_sigterm_stops_the_pool_before_the_lock_is_released(tmp_path, monkeypatch):
    import signal
    from concurrent.futures import Executor

    folder = tmp_path / "lot"
    events: list[tuple[str, bool]] = []

    class PoolKilledMidway(Executor):
        """A pool whose first submitted site coincides with a SIGTERM (cron's timeout, systemd)."""

        def submit(self, fn, /, *args, **kwargs):
            events.append(("submit", _lock_held(folder)))
            signal.raise_signal(signal.SIGTERM)
            raise AssertionError("SIGTERM did not stop the batch")

        def shutdown(self, wait=True, *, cancel_futures=False):
            events.append((f"shutdown wait={wait} cancel={cancel_futures}", _lock_held(folder)))

    monkeypatch.setattr(batch, "site_pool", lambda workers: PoolKilledMidway())
    path = tmp_path / "sites.yaml"
    path.write_text("sortie: lot\nsites:\n  - nom: Villeneuve-de-Berg\n    commune: \"07341\"\n", "utf-8")
    before = signal.getsignal(signal.SIGTERM)
    result = invoke("batch", str(path), "--offline", "--jobs", "1")
    assert result.exit_code == 143
    assert "Arrêté (SIGTERM)" in result.output and "Traceback" not in result.output
    # The pool is stopped (queued sites cancelled, workers waited for) while the lock is still held.
    assert events == [("submit", True), ("shutdown wait=False cancel=True", True), ("shutdown wait=True cancel=False", True)]
    assert not _lock_held(folder)
    assert signal.getsignal(signal.SIGTERM) == before


def test_a_site_output_outside_the_batch_folder_is_refused_naming_site_and_path(tmp_path):
    path = tmp_path / "sites.yaml"
    path.write_text(
        "sortie: lot\nsites:\n  - nom: Villeneuve-de-Berg\n    commune: \"07341\"\n    sortie: ../../..\n", "utf-8")
    with pytest.raises(DiagterrError) as refused:
        batch.load_sites(path)
    message = str(refused.value)
    assert refused.value.exit_code == 2
    assert "ligne 3 : le site « Villeneuve-de-Berg » a pour sortie « ../../.. », qui mène hors du dossier du lot" in message
    assert str((tmp_path / "lot").resolve()) in message


def test_a_sites_file_over_1_mb_is_refused_without_being_read(tmp_path):
    path = tmp_path / "sites.yaml"
    path.write_bytes(b"sites:\n" + b"# " + b"x" * 1_000_000 + b"\n")
    with pytest.raises(DiagterrError) as refused:
        batch.load_sites(path)
    assert refused.value.exit_code == 2
    assert "sites.yaml : 1,0 Mo, c'est trop pour un fichier de sites (au plus 1 Mo" in str(refused.value)


def test_only_the_first_20_problems_are_listed_then_counted(tmp_path):
    path = tmp_path / "sites.yaml"
    path.write_text("sites:\n" + "".join(f"  - nom: Site {i}\n    commune: \"6901\"\n" for i in range(25)), "utf-8")
    result = invoke("batch", str(path), "--offline")
    assert result.exit_code == 2
    assert "25 problème(s), rien n'a été lancé" in result.output
    assert result.output.count("5 caractères") == 20
    assert "… et 5 autres" in result.output


def test_a_batch_folder_that_cannot_be_written_is_refused_before_any_work(tmp_path):
    (tmp_path / "fichier").write_text("pas un dossier", "utf-8")
    path = tmp_path / "sites.yaml"
    path.write_text("sortie: fichier/lot\nsites:\n  - nom: Villeneuve-de-Berg\n    commune: \"07341\"\n", "utf-8")
    result = invoke("batch", str(path), "--offline")
    assert result.exit_code == 2
    assert "Impossible d'écrire dans le dossier de sortie" in result.output and "fichier/lot" in result.output


def test_a_site_whose_folder_a_run_is_writing_fails_alone(tmp_path):
    from diagterr import edition

    path = tmp_path / "sites.yaml"
    path.write_text("sites:\n  - nom: Villeneuve-de-Berg\n    commune: \"07341\"\n    sortie: vdb\n", "utf-8")
    with edition.run_lock(tmp_path / "vdb"):
        result = invoke("batch", str(path), "--offline", "--jobs", "1")
    assert result.exit_code == 1
    site = summary(tmp_path)["sites"][0]
    assert site["status"] == "echec" and "Un autre diagterr (run, ou batch pour ce site) écrit déjà" in site["error"]

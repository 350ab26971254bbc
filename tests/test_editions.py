"""The output folder as the reader finds it: a whole edition or the previous one, one territory per
folder, one writer at a time, and exports a spreadsheet never takes for formulas."""

from __future__ import annotations

import csv
import errno
import fcntl
import io
import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from diagterr import edition
from diagterr.errors import OutputWriteError
from diagterr.render import render_dossier
from diagterr.render.exports import indicators_csv, indicators_json
from dossier_example import example_dossier
from helpers import invoke

PREVIOUS = {
    "dossier.pdf": b"%PDF-1.7 edition lue par le consultant",
    "dossier.html": b"<html>edition precedente</html>",
    "indicateurs.csv": b"section;id\r\n",
    "indicateurs.json": json.dumps({"territory": {"code": "999999999", "name": "Territoire d'essai"},
                                    "edition_date": "2026-01-15", "indicators": []}).encode(),
}


def previous_edition(folder: Path) -> dict[str, bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in PREVIOUS.items():
        (folder / name).write_bytes(data)
    return dict(PREVIOUS)


def contents(folder: Path) -> dict[str, bytes]:
    """Every file of the edition (cartes/ included), by its path in the folder."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def full_disk_pdf_writer(html: str, target: Path, **kwargs: object) -> None:
    """The PDF writer on a full disk: half a file, then ENOSPC."""
    Path(target).write_bytes(b"%PDF-1.7 la moiti")
    raise OSError(errno.ENOSPC, "No space left on device")


# -- 7. whole editions ----------------------------------------------------------------------------


def test_a_full_disk_while_writing_the_pdf_keeps_the_previous_edition_whole(tmp_path, monkeypatch):
    out = tmp_path / "dossier"
    before = previous_edition(out)
    monkeypatch.setattr("diagterr.render.pdf.write_pdf", full_disk_pdf_writer)
    with pytest.raises(OutputWriteError) as failed:
        render_dossier(replace(example_dossier(), edition_date=date(2026, 11, 21)), None, out)
    assert str(failed.value).startswith(f"Plus de place sur le disque pour écrire le dossier dans {out}")
    assert "L'édition précédente est restée intacte" in str(failed.value)
    assert failed.value.exit_code == 1
    # No new indicateurs.json beside the old PDF, no half-built edition left behind.
    assert contents(out) == before


def test_an_edition_is_published_with_indicateurs_json_last(tmp_path, monkeypatch):
    import diagterr.edition as module

    published: list[str] = []
    real_replace = module.os.replace

    def recording_replace(source, target):
        published.append(Path(target).name)
        real_replace(source, target)

    monkeypatch.setattr(module.os, "replace", recording_replace)
    with edition.staged_edition(tmp_path) as staging:
        for name in ("indicateurs.json", "dossier.pdf", "indicateurs.csv", "dossier.html"):
            (staging / name).write_text(name, "utf-8")
        assert not (tmp_path / "dossier.pdf").exists()  # nothing is visible before the whole is ready
    assert published[-1] == "indicateurs.json" and sorted(published) == sorted(PREVIOUS)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(PREVIOUS)


@pytest.mark.slow
def test_a_full_disk_during_a_run_says_so_in_french_exits_1_and_keeps_the_edition_read(tmp_path, monkeypatch):
    out = tmp_path / "vdb"
    first = invoke("run", "--commune", "07341", "--offline", "--sortie", str(out), "--date-edition", "2026-01-15")
    assert first.exit_code in (0, 4)
    before = contents(out)
    monkeypatch.setattr("diagterr.render.pdf.write_pdf", full_disk_pdf_writer)
    second = invoke("run", "--commune", "07341", "--offline", "--sortie", str(out), "--date-edition", "2026-11-21")
    assert second.exit_code == 1
    assert "Plus de place sur le disque" in second.output and "L'édition précédente est restée intacte" in second.output
    assert "signalez-la" not in second.output and "Traceback" not in second.output
    # « Ce qui a changé » of the next run compares with this json: the one of the PDF the reader has.
    assert contents(out) == before
    assert json.loads((out / "indicateurs.json").read_text("utf-8"))["edition_date"] == "2026-01-15"


def test_a_half_built_edition_left_by_a_killed_run_is_removed_by_the_next(tmp_path):
    stale = tmp_path / f"{edition.STAGING_PREFIX}abc{edition.STAGING_SUFFIX}"
    stale.mkdir()
    (stale / "dossier.pdf").write_bytes(b"%PDF half")
    edition.remove_stale_staging(tmp_path)
    assert not stale.exists()


# -- 8. one territory per folder, one run at a time -----------------------------------------------


def test_a_run_into_another_territorys_folder_is_refused_naming_it(tmp_path):
    out = tmp_path / "dossier"
    (out).mkdir()
    (out / "indicateurs.json").write_text(
        json.dumps({"territory": {"code": "07341", "name": "Villeneuve-de-Berg"}}), "utf-8")
    result = invoke("run", "--commune", "50592", "--offline", "--sortie", str(out))
    assert result.exit_code == 2
    assert f"{out} contient déjà le dossier d'un autre territoire : Villeneuve-de-Berg (07341)" in result.output
    assert "--force" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["indicateurs.json"]


def test_force_writes_into_another_territorys_folder(tmp_path):
    out = tmp_path / "dossier"
    out.mkdir()
    (out / "indicateurs.json").write_text(
        json.dumps({"territory": {"code": "07341", "name": "Villeneuve-de-Berg"}}), "utf-8")
    # Miquelon-Langlade has no offline data: exit 3 shows the run went past the folder check.
    result = invoke("run", "--commune", "97501", "--offline", "--sortie", str(out), "--force")
    assert result.exit_code == 3
    assert "autre territoire" not in result.output


def test_a_second_run_into_a_folder_being_written_is_refused_in_french(tmp_path):
    out = tmp_path / "dossier"
    with edition.run_lock(out):
        result = invoke("run", "--commune", "07341", "--offline", "--sortie", str(out))
    assert result.exit_code == 2
    assert f"Un autre diagterr (run, ou batch pour ce site) écrit déjà dans {out}" in result.output
    assert "Traceback" not in result.output
    assert not (out / edition.RUN_LOCK_FILE).exists()  # the folder is left as it was found


def test_the_run_lock_is_held_while_the_run_writes_and_gone_after(tmp_path, monkeypatch):
    out = tmp_path / "dossier"
    seen: list[bool] = []

    def run(territory, options, reporter):
        with (out / edition.RUN_LOCK_FILE).open("a+") as other:
            try:
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
                seen.append(False)
            except BlockingIOError:
                seen.append(True)
        raise OutputWriteError("panne simulée")

    monkeypatch.setattr("diagterr.pipeline.run", run)
    result = invoke("run", "--commune", "07341", "--offline", "--sortie", str(out))
    assert result.exit_code == 1 and "panne simulée" in result.output
    assert seen == [True]
    assert not out.exists()  # created by this run, left empty: removed


# -- 11. formula injection ----------------------------------------------------------------------


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=";"))


@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://x\";\"clic\")", "+33 1", "-2+3", "@SUM(A1)", "\tonglet", "\rligne"])
def test_a_territory_name_starting_like_a_formula_is_text_in_the_csv_and_numbers_stay_numbers(name):
    dossier = example_dossier(name=name)
    first = dossier.key_figures[0]
    negative = replace(first, value=-12.5)
    rows = csv_rows(indicators_csv(replace(dossier, key_figures=(negative, *dossier.key_figures[1:]))))
    assert {row[5] for row in rows[1:] if row[3] == "territoire"} == {"'" + name}
    row = next(r for r in rows if r[1] == first.id and r[3] == "territoire")
    assert row[6] == "-12,5"  # a number, not « '-12,5 »
    assert {r[5] for r in rows[1:] if r[3] == "france"} == {"France"}


def test_a_site_name_starting_like_a_formula_is_text_in_the_synthesis_csv(tmp_path, monkeypatch):
    from diagterr.render import synthesis

    monkeypatch.setattr(synthesis, "write_pdf", lambda html, target: None)
    document = json.loads(indicators_json(example_dossier()))
    _, path = synthesis.write_synthesis([("=cmd|'/c calc'!A1", document), ("Sancy", document)], tmp_path,
                                        date(2026, 11, 21))
    header = csv_rows(path.read_text("utf-8-sig"))[0]
    assert header[4:6] == ["'=cmd|'/c calc'!A1", "Sancy"]


@pytest.mark.slow
def test_forced_over_another_territory_the_dossier_compares_with_nothing(tmp_path):
    out = tmp_path / "dossier"
    out.mkdir()
    other = {"territory": {"code": "50592", "name": "Tessy-Bocage"}, "edition_date": "2026-01-15",
             "indicators": [{"id": "superficie", "label": "Superficie", "value": 51.0, "vintage": "Superficie du COG",
                             "geo_vintage": "COG 2021", "period": "COG 2021"}]}
    (out / "indicateurs.json").write_text(json.dumps(other), "utf-8")
    result = invoke("run", "--commune", "07341", "--offline", "--sortie", str(out), "--force")
    assert result.exit_code in (0, 4)
    document = json.loads((out / "indicateurs.json").read_text("utf-8"))
    assert document["territory"]["code"] == "07341"
    assert "Ce qui a changé" not in (out / "dossier.html").read_text("utf-8")

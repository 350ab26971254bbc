"""Bad files, bad paths and values out of range, as a user gives them: a French message naming the
value and what is accepted, exit code 2, never a traceback (through the console script's `main`)."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest

from helpers import invoke


def run_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """`diagterr <argv>` as the console script runs it: (exit code, stderr + stdout)."""
    from diagterr.cli import main

    monkeypatch.setattr("sys.argv", ["diagterr", *argv])
    with pytest.raises(SystemExit) as stopped:
        main()
    captured = capsys.readouterr()
    return int(stopped.value.code or 0), captured.err + captured.out


def truncated_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("base_cc_comparateur.csv", "CODGEO;LIBGEO;P21_POP\n" + "01001;A;1\n" * 2000)
    data = buffer.getvalue()
    return data[: len(data) // 2]  # a download cut in the middle


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("hasard.zip", bytes(range(256)) * 20, "archive .zip illisible ou tronquée"),
        ("tronque.zip", truncated_zip(), "archive .zip illisible ou tronquée"),
        ("vide.csv", b"", "fichier vide"),
    ],
)
def test_import_of_an_unreadable_file_is_a_bad_input(tmp_path, monkeypatch, capsys, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    code, output = run_main(monkeypatch, capsys, "import", str(path))
    assert code == 2
    assert f"« {path} » n'est pas un fichier comparateur lisible : {reason}" in output
    assert "Traceback" not in output


def test_import_of_a_plain_http_address_is_refused(monkeypatch, capsys):
    code, output = run_main(monkeypatch, capsys, "import", "http://example.org/base_cc_comparateur.zip")
    assert code == 2
    assert "seules les adresses https:// sont acceptées" in output and "Traceback" not in output


def test_an_unexpected_error_is_a_french_sentence_not_a_traceback(monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise AttributeError("module 'typer' has no attribute '_click'")

    monkeypatch.setattr("diagterr.national_import.import_national_file", broken)
    code, output = run_main(monkeypatch, capsys, "import", "fichier.zip")
    assert code == 1
    assert "Erreur inattendue (AttributeError" in output and "Traceback" not in output


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("sites:\n  - nom: Sévérac\n    commune: \"07341\"\n".encode("latin-1"),
         "sites.yaml, ligne 2 : le fichier n'est pas en UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "sites.yaml n'est pas un fichier texte"),
    ],
)
def test_a_sites_file_not_in_utf8_is_a_bad_input(tmp_path, monkeypatch, capsys, data, expected):
    path = tmp_path / "sites.yaml"
    path.write_bytes(data)
    code, output = run_main(monkeypatch, capsys, "batch", str(path), "--offline")
    assert code == 2
    assert expected in output and "Traceback" not in output


@pytest.mark.parametrize("target", ["dossier", "fichier/journal.log"])
def test_a_log_file_that_cannot_be_written_is_a_bad_input(tmp_path, monkeypatch, capsys, target):
    (tmp_path / "dossier").mkdir()
    (tmp_path / "fichier").write_text("pas un dossier", "utf-8")
    log_file = tmp_path / target
    code, output = run_main(monkeypatch, capsys, "batch", "modele", str(tmp_path / "sites.yaml"),
                            "--log-file", str(log_file))
    assert code == 2
    assert f"--log-file {log_file} : impossible d'écrire le journal" in output and "Traceback" not in output


def test_batch_model_on_a_path_that_cannot_be_written_is_a_bad_input(tmp_path, monkeypatch, capsys):
    (tmp_path / "fichier").write_text("pas un dossier", "utf-8")
    target = tmp_path / "fichier" / "sites.yaml"
    code, output = run_main(monkeypatch, capsys, "batch", "modele", str(target))
    assert code == 2
    assert f"Impossible d'écrire le modèle {target}" in output and "Traceback" not in output


def test_batch_model_on_a_read_only_filesystem_is_a_bad_input(tmp_path, monkeypatch, capsys):
    import errno

    def read_only(target, text):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr("diagterr.batch.write_text_atomic", read_only)
    target = tmp_path / "sites.yaml"
    code, output = run_main(monkeypatch, capsys, "batch", "modele", str(target))
    assert code == 2
    assert f"Impossible d'écrire le modèle {target} (Read-only file system)" in output


def test_an_unwritable_output_folder_is_refused_before_any_work(tmp_path, monkeypatch, capsys):
    (tmp_path / "fichier").write_text("pas un dossier", "utf-8")
    out = tmp_path / "fichier" / "dossier"

    def no_work(*args, **kwargs):
        raise AssertionError("the run started although its folder cannot be written")

    monkeypatch.setattr("diagterr.pipeline.run", no_work)
    code, output = run_main(monkeypatch, capsys, "run", "--commune", "07341", "--offline", "--sortie", str(out))
    assert code == 2
    assert f"Impossible d'écrire dans le dossier de sortie {out}" in output
    assert "signalez-la" not in output and "Traceback" not in output


@pytest.mark.parametrize("limit", ["0", "-3", "100000"])
def test_search_limit_out_of_range_names_the_range(limit):
    result = invoke("search", "arbresle", "--limite", limit)
    assert result.exit_code == 2
    assert f"--limite {limit} : nombre de résultats entre 1 et 1000" in result.output


@pytest.mark.parametrize("value", ["0001-01-01", "1999-12-31", "2999-01-01"])
def test_an_edition_date_out_of_range_names_the_range(value):
    result = invoke("run", "--commune", "07341", "--offline", "--date-edition", value)
    assert result.exit_code == 2
    assert f"Date d'édition « {value} » hors de la plage acceptée : du 2000-01-01 au " in result.output


def test_the_edition_date_range_ends_a_year_after_today():
    from diagterr.cli import _parse_date
    from diagterr.errors import BadInputError

    today = date(2026, 12, 7)
    assert _parse_date("2027-12-07", today) == date(2027, 12, 7)
    assert _parse_date("2000-01-01", today) == date(2000, 1, 1)
    with pytest.raises(BadInputError, match="au 2027-12-07"):
        _parse_date("2027-12-08", today)


def test_an_initiatives_template_is_written_only_under_its_formats_suffix(tmp_path):
    target = tmp_path / "initiatives.txt"
    result = invoke("initiatives", "modele", str(target))
    assert result.exit_code == 2
    assert "extension « .txt » non prise en charge ; attendu .csv, .yaml ou .yml" in result.output
    assert not target.exists()
    from diagterr.initiatives import file_kind

    assert file_kind(Path("inventaire.txt")) == "csv"  # a .txt saved by a spreadsheet is still read

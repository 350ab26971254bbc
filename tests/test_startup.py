"""The short commands answer without the heavy libraries (issue 19: `--help`, `version`, `search` and a
bad input under 0.3 s): checked by what a fresh process imports, never by timing it (speed is
measured by benchmarks/startup.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from diagterr import cog, resources
from diagterr.cog import CogIndex

HEAVY = ("pandas", "geopandas", "matplotlib", "weasyprint")

# Runs `python -m diagterr ARGS…` in this process, then writes its exit code and the heavy modules
# it imported to the file named by argv[1].
_PROBE = """
import json, runpy, sys
report, sys.argv = sys.argv[1], ["diagterr", *sys.argv[2:]]
code = 0
try:
    runpy.run_module("diagterr", run_name="__main__")
except SystemExit as stop:
    code = stop.code
roots = sorted({name.split(".")[0] for name in sys.modules})
with open(report, "w", encoding="utf-8") as out:
    json.dump({"code": code, "modules": roots}, out)
"""


def _command(tmp_path: Path, cache: Path, *args: str) -> tuple[int, set[str], str]:
    """Exit code, top-level modules imported and stderr of one fresh `diagterr ARGS…` process."""
    report = tmp_path / "report.json"
    env = {**os.environ, "DIAGTERR_CACHE_DIR": str(cache)}
    done = subprocess.run([sys.executable, "-c", _PROBE, str(report), *args], env=env, capture_output=True,
                          text=True, check=False)
    data = json.loads(report.read_text("utf-8"))
    return data["code"], set(data["modules"]), done.stdout + done.stderr


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["--help"], 0, "Commandes"),
        (["version"], 0, "diagterr 0.1.0"),
        (["run", "--epci", "999"], 2, "SIREN « 999 » invalide"),
        (["run", "--formats", "xyz", "--epci", "246900625"], 2, "xyz"),
        (["run", "--commune", "75112"], 2, "arrondissement municipal"),
        (["search", "arbresle"], 0, "L'Arbresle"),
    ],
)
def test_short_commands_import_no_heavy_library(tmp_path: Path, args: list[str], code: int, said: str) -> None:
    cache = tmp_path / "cache"
    for attempt in ("first", "next"):  # the first process saves the COG index, the next ones read it
        exit_code, modules, output = _command(tmp_path, cache, *args)
        assert exit_code == code and said in output, (attempt, output)
        assert not modules & set(HEAVY), (attempt, sorted(modules & set(HEAVY)))
    # Once the index is saved: neither pyarrow (the parquet files) nor pydantic (Typer's coercion).
    assert not modules & {"pyarrow", "pydantic"}, sorted(modules & {"pyarrow", "pydantic"})


def test_saved_index_answers_as_the_parquet_files(tmp_path: Path) -> None:
    full = CogIndex.from_dir(resources.cog_dir())
    full.write_store(tmp_path / "index.sqlite")
    saved = CogIndex.from_store(tmp_path / "index.sqlite")
    for text in ("arbresle", "saint", "saint etienne", "69210", "246900625", "2a004", "13055", "ste foy", "69"):
        for limit in (1, 20, 500):
            assert saved.search(text, limit) == full.search(text, limit), (text, limit)
    for code in ("69010", "75056", "75112", "2A004", "01015", "99999", "97411"):
        assert saved.commune(code) == full.commune(code)
        assert saved.delegated_commune(code) == full.delegated_commune(code)
        assert saved.current_commune_for_former_code(code) == full.current_commune_for_former_code(code)
        assert saved.epci_of_commune(code) == full.epci_of_commune(code)
        assert saved.communes_by_postcode(code) == full.communes_by_postcode(code)
    assert saved.epci("246900625") == full.epci("246900625") and saved.epci("123456789") is None
    assert saved.communes_of_departement("2A") == full.communes_of_departement("2A")
    assert saved.all_communes() == full.all_communes() and saved.all_epcis() == full.all_epcis()
    assert list(saved.former_codes().items()) == list(full.former_codes().items())
    assert saved.manifest == full.manifest


def test_an_unreadable_saved_index_is_read_again_from_the_parquet_files(cache_dir: Path) -> None:
    path = cog._store_path(resources.cog_dir())
    assert path is not None and path.parent.is_relative_to(cache_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not an index")
    index = cog.load_cog.__wrapped__()  # type: ignore[attr-defined]  # a fresh load, the process's kept
    epci = index.epci("246900625")
    assert epci is not None and epci.name.startswith("CC du Pays de l'Arbresle")
    assert CogIndex.from_store(path).commune("69010") == index.commune("69010")  # saved again, whole


def test_a_plain_text_reads_the_same_without_jinja() -> None:
    from diagterr import texts

    choices = "pdf (dossier.pdf), html {x} & <b>"
    assert texts.say("affiche.formats_help", choices=choices) == texts._template("affiche.formats_help").render(
        choices=choices)
    assert choices in texts.say("affiche.formats_help", choices=choices)

"""Honest status: the exit code, batch.json, indicateurs.json and the dossier say the same gaps,
and a chapter shows one plain box of what it lacks, its technical side in the annex."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest

from diagterr.dossier import Gap, Indicator, IndicatorTable, Note, Section, SourceRef
from diagterr.missing_data import edition_gaps, fold_chapter_gaps
from helpers import invoke

CCPA = "246900625"
# What a mayor must not read in the body: dataset ids, API names, hosts, command-line advice.
TECHNICAL = ("DS_", "Melodi", "api.", "--offline", "relancez")


def gap(text: str, source_id: str, detail: str) -> Note:
    return Note(text, tone="gap", source_id=source_id, detail=detail)


def test_a_chapter_shows_one_plain_gap_box_and_keeps_its_other_notes():
    limit = Note("Les médianes ne s'additionnent pas.", tone="limit")
    table = IndicatorTable("Emploi", (Indicator("x", "X", 1.0, "", "count", "2021",
                                                SourceRef("insee_comparateur", "RP 2021", "COG 2024")),))
    section = Section("mobilites", "Mobilités", "", (
        table,
        gap("les modes de transport", "insee_melodi", "DS_RP_NAVETTES_PRINC : relancez sans --offline."),
        limit,
        gap("les risques naturels", "georisques", "API Géorisques (georisques.gouv.fr)."),
        gap("les modes de transport", "insee_melodi", "DS_RP_NAVETTES_PRINC : relancez sans --offline."),
    ))
    folded, parts = fold_chapter_gaps(section)
    boxes = [b for b in folded.blocks if isinstance(b, Note) and b.tone == "gap"]
    assert len(boxes) == 1
    assert folded.blocks == (table, boxes[0], limit)  # the box where the first gap note was
    assert "les modes de transport ; les risques naturels" in boxes[0].text
    assert "en ligne" in boxes[0].text
    assert not any(word in boxes[0].text for word in TECHNICAL)
    assert [(p.source_id, p.what, p.section_title) for p in parts] == [
        ("insee_melodi", "les modes de transport", "Mobilités"), ("georisques", "les risques naturels", "Mobilités")]
    assert parts[0].detail == "DS_RP_NAVETTES_PRINC : relancez sans --offline."


def test_each_source_is_one_gap_of_the_edition_whether_it_failed_or_was_not_read():
    _, parts = fold_chapter_gaps(Section("climat", "Climat", "", (
        gap("le climat observé", "open_meteo_era5", "ERA5"), gap("les risques", "georisques", "GASPAR"))))
    fetched = [Gap("georisques", "Géorisques : délai dépassé"), Gap("api_geo", "contours absents")]
    gaps = edition_gaps(fetched, parts, title=lambda source_id: f"Titre {source_id}")
    assert [g.source_id for g in gaps] == ["georisques", "api_geo", "open_meteo_era5"]
    assert gaps[0] == Gap("georisques", "Géorisques : délai dépassé", ("climat",))
    assert gaps[2].message.startswith("Titre open_meteo_era5 : non lue") and gaps[2].chapters == ("climat",)


def test_a_source_failing_twenty_times_for_one_cause_is_one_gap_of_readable_length():
    # Before: a skipped Melodi host gave one gap of 17 copies of the same sentence in the annex.
    fetched = [Gap("insee_melodi", f"DS_{n} : api.insee.fr est ignoré pour le reste de l'exécution") for n in range(17)]
    [melodi] = edition_gaps(fetched, [], title=str)
    assert melodi.message.count("est ignoré") == 3
    assert melodi.message.endswith("et 14 autres demandes à cette source en échec pour cette édition")


# -- a whole offline dossier ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def ccpa(tmp_path_factory):
    folder = tmp_path_factory.mktemp("honest")
    out = folder / "ccpa"
    run = invoke("run", "--epci", CCPA, "--offline", "--sortie", str(out), "--date-edition", "2026-11-21")
    (folder / "sites.yaml").write_text(f'sortie: lot\nsites:\n  - nom: CCPA\n    epci: "{CCPA}"\n', "utf-8")
    batch = invoke("batch", str(folder / "sites.yaml"), "--offline", "--jobs", "1", "--date-edition", "2026-11-21")
    return run, out, batch, folder / "lot"


def _body_and_annex(html: str) -> tuple[str, str]:
    start = html.index('id="annexes"')
    return html[:start], html[start:]


def _sections(body: str) -> dict[str, str]:
    parts = re.split(r'<section class="chapter[^"]*" id="([^"]+)"', body)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _text(html: str) -> str:
    html = re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.DOTALL)
    return unescape(re.sub(r"<[^>]+>", " ", html))


@pytest.mark.slow
def test_an_offline_dossier_lacking_online_sources_exits_4_and_every_output_names_the_same_sources(ccpa):
    run, out, batch, lot = ccpa
    assert run.exit_code == 4, run.output
    gaps = [g["source_id"] for g in json.loads((out / "indicateurs.json").read_text("utf-8"))["gaps"]]
    assert len(gaps) == len(set(gaps)), "a source is stated once"
    # Offline, what only an online run reads is missing: the census detail of Melodi, the climate.
    assert {"insee_melodi", "open_meteo_era5", "georisques"} <= set(gaps)
    assert f"{len(gaps)} source(s) manquante(s)" in run.output and "code de sortie 4" in run.output
    _, annex = _body_and_annex((out / "dossier.html").read_text("utf-8"))
    listed = re.search(r'<ul class="missing-sources">(.*?)</ul>', annex, re.DOTALL)
    assert listed is not None
    assert re.findall(r'data-source="([^"]+)"', listed.group(1)) == gaps
    # Every source a chapter's box stands for has its detail in the annex, chapter by chapter.
    assert set(re.findall(r'data-source="([^"]+)"', annex)) == set(gaps)
    assert batch.exit_code == 4, batch.output
    summary = json.loads((lot / "batch.json").read_text("utf-8"))
    assert summary["code_sortie"] == 4
    [site] = summary["sites"]
    assert site["status"] == "partiel" and site["missing_sources"] == sorted(gaps)


@pytest.mark.slow
def test_each_chapter_shows_at_most_one_plain_gap_box_and_the_technical_detail_is_in_the_annex(ccpa):
    _, out, _, _ = ccpa
    body, annex = _body_and_annex((out / "dossier.html").read_text("utf-8"))
    chapters = _sections(body)
    boxes = {name: html.count('class="note note-gap"') for name, html in chapters.items()}
    assert max(boxes.values()) == 1, boxes
    assert boxes["sec-mobilites"] == 1 and boxes["sec-climat"] == 1
    text = _text(body)
    assert [word for word in TECHNICAL if word in text] == []
    assert "Une édition du dossier faite en ligne ajoutera à ce chapitre" in _text(chapters["sec-mobilites"])
    detail = _text(annex)
    assert "Données manquantes" in detail and "DS_RP_NAVETTES_PRINC" in detail
    assert "relancez sans --offline" in detail


@pytest.mark.slow
def test_an_unchanged_partial_site_stays_partial_for_cron(ccpa):
    _, _, _, lot = ccpa
    sites = lot.parent / "sites.yaml"
    again = invoke("batch", str(sites), "--offline", "--jobs", "1", "--date-edition", "2026-11-21")
    assert again.exit_code == 4, again.output
    [site] = json.loads((lot / "batch.json").read_text("utf-8"))["sites"]
    assert site["status"] == "inchange" and "insee_melodi" in site["missing_sources"]


def test_the_readme_exit_code_4_says_what_the_cli_says():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| 4 |"))
    assert "hors ligne" in row and "Données manquantes" in row and "missing_sources" in row

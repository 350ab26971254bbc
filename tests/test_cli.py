"""The command line as a user meets it: French messages, exit codes, help, never a traceback."""

from __future__ import annotations

import pytest

from helpers import invoke


@pytest.mark.parametrize("command", [[], ["run"], ["search"], ["version"]])
def test_every_command_has_french_help(command):
    result = invoke(*command, "--help")
    assert result.exit_code == 0
    assert "Utilisation :" in result.output
    assert "Afficher cette aide et quitter." in result.output
    assert any(word in result.output for word in ("territoire", "Afficher", "Trouver", "Produire"))


def test_no_territory_option_lists_the_options():
    result = invoke("run", "--offline")
    assert result.exit_code == 2
    for option in ("--commune", "--epci", "--communes"):
        assert option in result.output
    assert "Traceback" not in result.output


def test_a_commune_code_given_as_epci_names_its_epci():
    result = invoke("run", "--epci", "69010", "--offline")
    assert result.exit_code == 2
    assert "69010 est un code commune (L'Arbresle)" in result.output
    assert "246900625" in result.output


def test_a_former_code_names_the_commune_nouvelle():
    result = invoke("run", "--commune", "14513", "--offline")
    assert result.exit_code == 2
    assert "Tessy-Bocage" in result.output and "50592" in result.output


def test_a_malformed_code_says_the_expected_format():
    result = invoke("run", "--commune", "6901", "--offline")
    assert result.exit_code == 2
    assert "5 caractères" in result.output


def test_bad_edition_date_is_a_bad_input():
    result = invoke("run", "--epci", "246900625", "--date-edition", "21/11/2026")
    assert result.exit_code == 2
    assert "AAAA-MM-JJ" in result.output


def test_offline_territory_without_data_exits_3_and_writes_nothing(tmp_path):
    out = tmp_path / "miquelon"  # overseas collectivity: in no census file, not in the national base
    result = invoke("run", "--commune", "97501", "--offline", "--sortie", str(out))
    assert result.exit_code == 3
    assert "hors ligne" in result.output
    assert not out.exists() or not any(out.iterdir())


def test_search_finds_by_name_without_accents_and_by_postcode():
    result = invoke("search", "arbresle")
    assert result.exit_code == 0
    assert "246900625" in result.output and "69010" in result.output
    result = invoke("search", "50420")
    assert result.exit_code == 0
    assert "Tessy-Bocage" in result.output


def test_search_without_match_exits_1():
    result = invoke("search", "zzzzqqq")
    assert result.exit_code == 1
    assert "Aucun territoire" in result.output


def test_empty_search_is_a_bad_input_not_a_traceback():
    result = invoke("search", "")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_an_unknown_focus_theme_lists_the_choices():
    result = invoke("run", "--commune", "07341", "--offline", "--focus", "logement")
    assert result.exit_code == 2
    assert "« logement » inconnu" in result.output and "habitat (Habitat)" in result.output


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "--bogus"], "option inconnue « --bogus »"),
        (["search"], "texte manquant"),
        (["frobnicate"], "commande inconnue « frobnicate »"),
        (["batch", "sites.yaml", "--jobs", "0"], "il faut au moins 1 processus"),
    ],
)
def test_usage_errors_are_french_with_exit_code_2(monkeypatch, capsys, argv, expected):
    from diagterr.cli import main

    monkeypatch.setattr("sys.argv", ["diagterr", *argv])
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err


def test_the_focus_help_lists_every_chapter_and_the_import_help_every_format():
    from diagterr.cli import IMPORT_FORMATS
    from diagterr.national_import import FORMATS
    from diagterr.themes import FOCUS_CHOICES

    text = " ".join(invoke("run", "--help").output.split())
    *first, last = FOCUS_CHOICES  # every chapter, in the dossier's order (chapters.CHAPTERS)
    assert f"Thème mis en tête du dossier : {', '.join(first)} ou {last}." in text
    assert first[:2] == ["territoire", "comparables"] and first[-2:] == ["climat", "horizon_2050"]
    assert last == "programmes" and len(FOCUS_CHOICES) == 9
    assert set(IMPORT_FORMATS) == set(FORMATS)
    text = " ".join(invoke("import", "--help").output.split())
    assert all(f"{name} ({description})" in text for name, description in IMPORT_FORMATS.items())


def test_every_focus_choice_is_a_chapter_of_the_dossier_and_the_former_economy_id_still_works():
    from pathlib import Path

    from diagterr.pipeline import RunOptions, build_dossier, default_store
    from diagterr.territory import resolve_territory
    from diagterr.themes import FOCUS_CHOICES, check_focus

    dossier = build_dossier(resolve_territory(commune="07341"), default_store(), RunOptions(Path("unused")), [], [])
    assert {s.id: s.title for s in dossier.sections} == FOCUS_CHOICES
    assert check_focus("emploi_revenus") == "economie"


def test_diagterr_alone_prints_its_help_not_an_error(monkeypatch, capsys):
    from diagterr.cli import main

    monkeypatch.setattr("sys.argv", ["diagterr"])
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("Utilisation :") and "Commandes" in err and "Erreur" not in err

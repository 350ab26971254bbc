"""The glossary of the annex lists only the terms the dossier uses (issue 14): each entry of
templates/texts/glossaire.yaml names the words that reveal its use, looked for in the text of the
dossier's body (not the glossary itself, not the boxes that say a datum is missing)."""

from __future__ import annotations

import re
from dataclasses import replace

from diagterr.dossier import Gap, Note
from diagterr.render.html import clue_found, fold, glossary_entries, render_html
from dossier_example import example_dossier


def glossary_terms(document: str) -> list[str]:
    part = document.split('id="glossaire"', 1)[1]
    return [term.split(" (")[0] for term in re.findall(r"<dt>(.*?)</dt>", part)]


def with_note(text: str, tone: str = "info"):
    dossier = example_dossier()
    first, *others = dossier.sections
    first = replace(first, blocks=(*first.blocks, Note(text, tone)))
    return replace(dossier, sections=(first, *others))


def test_a_dossier_without_climate_explains_neither_warming_stripes_nor_cmip6():
    terms = glossary_terms(render_html(example_dossier(), {}))
    assert "Population municipale" in terms and "RP" in terms and "Logement vacant" in terms
    for absent in ("Bandes du réchauffement", "CMIP6", "ERA5", "TRACC", "Arrêté de catastrophe naturelle"):
        assert absent not in terms


def test_a_term_appears_once_the_dossier_uses_it_whatever_its_case_and_accents():
    terms = glossary_terms(render_html(with_note("ECART A LA MOYENNE (BANDES DU RECHAUFFEMENT), modeles cmip6."), {}))
    assert "Bandes du réchauffement" in terms and "CMIP6" in terms
    # The annex keeps the file's order and definitions (HTML allowed there: 1<sup>er</sup>).
    assert terms == [e.term.split(" (")[0] for e in glossary_entries() if e.term.split(" (")[0] in terms]
    assert "1<sup>er</sup> janvier" in render_html(example_dossier(), {}).split('id="glossaire"', 1)[1]


def test_a_missing_datum_naming_a_term_does_not_bring_it_into_the_glossary():
    dossier = replace(with_note("Projections climatiques (CMIP6) : non disponibles hors ligne.", "gap"),
                      gaps=(Gap("open_meteo", "Projections CMIP6 HighResMIP : service indisponible."),))
    assert "CMIP6" not in glossary_terms(render_html(dossier, {}))


def test_clues_match_whole_words_or_a_declared_prefix():
    text = fold("L'artificialisation des sols ; la cogestion du RP 2021")
    assert clue_found("artificialis*", text) and clue_found("RP", text)
    assert not clue_found("COG", text) and not clue_found("artificialis", text)


def test_every_entry_is_revealed_by_its_own_term():
    entries = glossary_entries()
    assert len(entries) == len({e.term for e in entries}) >= 20
    for entry in entries:
        assert entry.clues and any(clue_found(clue, fold(entry.term)) for clue in entry.clues), entry.term


def test_notes_on_census_figures_name_the_municipal_population_they_are_built_on():
    # Habitants par ménage is the comparateur's P18_POP (the municipal population, equal to the legal
    # population 2018) over its households; the pyramid's shares are of the census population by age
    # (DS_RP_POPULATION_PRINC), the municipal population too. Neither is INSEE's « population totale ».
    from diagterr.texts import say

    note = say("demographie.note_inhabitants_per_household")
    title = say("demographie.pyramid_title", period="2021")
    assert note.startswith("Population municipale rapportée au nombre de ménages")
    assert "population municipale" in title
    assert "totale" not in (note + title).lower()

"""Issue 14: only a signed ORT is a programme under way; one row per France services site.

The samples' ORT rows are the REAL rows of the ANCT table (../shared/data, `ort.trimmed.csv`, copied
into data/samples/tables/programmes.parquet): Tessy-Bocage's says « Non signée », « Phase d'étude »;
eight communes of Saint-Lô Agglo have one not signed, four a signed one. The samples list three
France services sites twice (the ANCT table's `id_fs` and the ANCT map of the sites of 2020, under
the same number): Villeneuve-de-Berg (07341), Tessy-Bocage (50592), Mont-Dore (63236).
"""

from __future__ import annotations

import pytest

from diagterr.dossier import CommuneMap, IndicatorTable, Table
from diagterr.pipeline import default_store
from diagterr.tables.programmes import ORT, ort_signed
from diagterr.territory import resolve_territory
from diagterr.themes import programmes
from diagterr.themes.figures import Figures


def section_of(**territory):
    fig = Figures(default_store(), resolve_territory(**territory))
    return fig, programmes.analyse(fig)


def count(section, indicator_id: str):
    return next(i for b in section.blocks if isinstance(b, IndicatorTable) for i in b.indicators
                if i.id == indicator_id)


def table(section, starts: str) -> Table | None:
    return next((b for b in section.blocks if isinstance(b, Table) and b.title.startswith(starts)), None)


@pytest.mark.parametrize(("detail", "signed_on", "signed"), [
    ("2. Commune PVD ; signée", "2023-03-22", True),  # online row
    ("2. Commune PVD ; signée", None, True),
    ("2. Commune PVD ; signée le 2023-02-09 (actualisé le 15-05-2023)", None, True),  # samples' row
    ("3. Autre ; non signée ; avancement : Phase d'étude", None, False),
    ("3. Autre ; non signée ; avancement : Non commencé (actualisé le 06-04-2023)", None, False),
    ("", None, False),
    (None, None, False),
])
def test_the_signature_of_an_ort_row_is_read_from_its_signed_cell(detail, signed_on, signed):
    assert ort_signed(detail, signed_on) is signed


def test_an_ort_in_study_is_not_counted_nor_called_engaged():
    fig, section = section_of(commune="50592")
    ort = count(section, ORT.indicator)
    assert ort.value == 0 and ort.note is None
    assert "signée" in ort.label
    assert ORT.short not in programmes.programmes_in_place(fig)
    assert programmes.programmes_in_place(fig) == ["Villages d'avenir"]
    by_commune = table(section, "Programmes par commune")
    assert by_commune is not None and not any(r[1] == ORT.label for r in by_commune.rows)
    study = table(section, "Opérations de revitalisation de territoire non signées")
    assert study is not None
    detail = "3. Autre ; non signée ; avancement : Phase d'étude (actualisé le 09-12-2022)"
    assert study.rows == (("Tessy-Bocage", detail),)


def test_only_the_signed_ort_of_saint_lo_agglo_are_counted():
    _, section = section_of(epci="200066389")
    ort = count(section, ORT.indicator)
    assert ort.value == 4
    assert ort.note == "Condé-sur-Vire, Marigny-Le-Lozon, Saint-Lô, Torigny-les-Villes"
    study = table(section, "Opérations de revitalisation de territoire non signées")
    assert study is not None and study.title.endswith("(8 communes)")
    assert {r[0] for r in study.rows} == {"Agneaux", "Canisy", "Pont-Hébert", "Saint-Amand-Villages",
                                          "Saint-Clair-sur-l'Elle", "Saint-Jean-de-Daye",
                                          "Sainte-Suzanne-sur-Vire", "Tessy-Bocage"}
    # The map counts the programmes under way: Agneaux's ORT in study is none.
    carte = next(b for b in section.blocks if isinstance(b, CommuneMap) and b.id == "carte_programmes")
    assert dict(carte.values)["50002"] == 0


def test_a_signed_ort_is_still_engaged():
    fig, section = section_of(commune="07341")
    assert count(section, ORT.indicator).value == 1
    assert ORT.short in programmes.programmes_in_place(fig)
    assert table(section, "Opérations de revitalisation de territoire non signées") is None


@pytest.mark.parametrize(("territory", "commune", "detail"), [
    ({"commune": "07341"}, "Villeneuve-de-Berg", "Berg et Coiron — 42 rue nationale (Espace labellisé 01/09/2020)"),
    ({"commune": "50592"}, "Tessy-Bocage", "Pôle des solidarités — 1 place JC Lemoine (Espace labellisé 01/09/2020)"),
    ({"epci": "246300966"}, "Mont-Dore", "Mont Dore relais Sancy — 1 rue Côte Boissy (Espace labellisé 01/2020)"),
])
def test_a_france_services_site_is_listed_once(territory, commune, detail):
    _, section = section_of(**territory)
    by_commune = table(section, "Programmes par commune")
    assert by_commune is not None
    services = [r for r in by_commune.rows if r[0] == commune and r[1].startswith("France services")]
    assert services == [(commune, "France services", detail)]


def test_outside_the_sample_sites_no_programme_row_is_no_answer_not_zero():
    """The shipped lists were read for the sample sites' communes only (manifest `communes`): the CA
    du Grand Avignon (an Action cœur de ville city) gets a gap, never « 0 commune concernée »."""
    _, section = section_of(epci="248400251")
    counts = [i for b in section.blocks if isinstance(b, IndicatorTable) for i in b.indicators]
    assert counts == []
    [box] = [b for b in section.blocks if getattr(b, "tone", None) == "gap" and b.source_id == "anct_programmes"]
    assert "sites d'exemple" in box.detail
    _, tessy = section_of(commune="50592")  # a sample site keeps its counts
    assert count(tessy, "programme_france_services").value == 1

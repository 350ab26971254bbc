"""Territory resolution from the shipped COG index, and its French error messages."""

from __future__ import annotations

import dataclasses
import json

import pytest

from diagterr.errors import BadInputError, ExitCode, UnknownTerritoryError
from diagterr.territory import Commune, Place, Territory, is_valid_siren, resolve_territory
from helpers import SHARED, needs_shared

TERRITORIES_JSON = SHARED / "data" / "territories.json"


# -- the four sample sites ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "kind", "code", "name", "kind_label", "count", "deps", "regs"),
    [
        (
            {"epci": "246900625"},
            "epci",
            "246900625",
            "CC du Pays de l'Arbresle (CCPA)",
            "Communauté de communes",
            17,
            ("69",),
            ("84",),
        ),
        (
            {"epci": "246300966"},
            "epci",
            "246300966",
            "CC du Massif du Sancy",
            "Communauté de communes",
            20,
            ("15", "63"),
            ("84",),
        ),
        ({"commune": "07341"}, "commune", "07341", "Villeneuve-de-Berg", "Commune", 1, ("07",), ("84",)),
        ({"epci": "240700815"}, "epci", "240700815", "CC Berg et Coiron", "Communauté de communes", 13, ("07",), ("84",)),
        ({"commune": "50592"}, "commune", "50592", "Tessy-Bocage", "Commune", 1, ("50",), ("28",)),
        (
            {"epci": "200066389"},
            "epci",
            "200066389",
            "CA Saint-Lô Agglo",
            "Communauté d'agglomération",
            61,
            ("50",),
            ("28",),
        ),
    ],
)
def test_sample_sites(
    options: dict[str, str],
    kind: str,
    code: str,
    name: str,
    kind_label: str,
    count: int,
    deps: tuple[str, ...],
    regs: tuple[str, ...],
) -> None:
    territory = resolve_territory(**options)
    assert (territory.kind, territory.code, territory.name, territory.kind_label) == (kind, code, name, kind_label)
    assert len(territory.communes) == count
    assert list(territory.commune_codes) == sorted(territory.commune_codes)
    assert tuple(p.code for p in territory.departements) == deps
    assert tuple(p.code for p in territory.regions) == regs
    assert all(isinstance(p, Place) and p.level == "departement" for p in territory.departements)
    assert all(p.level == "region" for p in territory.regions)
    assert territory.comparison_levels[-1] == Place("france", "FR", "France")
    assert all(c.population is not None and c.population > 0 for c in territory.communes)


def test_sancy_straddles_two_departements() -> None:
    territory = resolve_territory(epci="246300966")
    assert territory.departements == (Place("departement", "15", "Cantal"), Place("departement", "63", "Puy-de-Dôme"))
    by_dep = {d: [c.code for c in territory.communes if c.departement == d] for d in ("15", "63")}
    assert by_dep["15"] == ["15132"] and len(by_dep["63"]) == 19
    assert territory.regions == (Place("region", "84", "Auvergne-Rhône-Alpes"),)
    assert [p.code for p in territory.comparison_levels] == ["15", "63", "84", "FR"]


@needs_shared
def test_members_match_territories_json() -> None:
    data = json.loads(TERRITORIES_JSON.read_text("utf-8"))
    for site in data["territories"]:
        if site["type"] == "epci":
            territory = resolve_territory(epci=site["siren"])
        else:
            territory = resolve_territory(commune=site["code"])
        expected = sorted(c["code"] for c in site["communes"])
        assert list(territory.commune_codes) == expected, site["id"]
        assert territory.name == site["nom"], site["id"]


def test_codes_are_cleaned() -> None:
    assert resolve_territory(commune="2a004").code == "2A004"
    assert resolve_territory(commune=" 07341 ").code == "07341"
    assert resolve_territory(epci=" 246 900 625 ").code == "246900625"


def test_commune_fields_from_the_index() -> None:
    territory = resolve_territory(commune="07341")
    assert territory.communes == (
        Commune(code="07341", name="Villeneuve-de-Berg", departement="07", region="84", epci="240700815", population=3031),
    )
    assert territory.departements == (Place("departement", "07", "Ardèche"),)
    assert territory.regions == (Place("region", "84", "Auvergne-Rhône-Alpes"),)
    arbresle = resolve_territory(epci="246900625")
    first = arbresle.communes[0]
    assert (first.code, first.name, first.population, first.epci) == ("69010", "L'Arbresle", 6537, "246900625")


def test_dataclasses_are_unchanged() -> None:
    assert [f.name for f in dataclasses.fields(Place)] == ["level", "code", "name"]
    assert [f.name for f in dataclasses.fields(Commune)] == [
        "code",
        "name",
        "departement",
        "region",
        "epci",
        "population",
    ]
    assert [f.name for f in dataclasses.fields(Territory)] == [
        "kind",
        "code",
        "name",
        "kind_label",
        "communes",
        "departements",
        "regions",
    ]


# -- communes with arrondissements, other EPCI types -----------------------------------------------


@pytest.mark.parametrize(("code", "name"), [("75056", "Paris"), ("69123", "Lyon"), ("13055", "Marseille")])
def test_plm_city_is_the_whole_commune(code: str, name: str) -> None:
    territory = resolve_territory(commune=code)
    assert (territory.kind, territory.kind_label, territory.name) == ("commune", "Commune", name)
    assert territory.commune_codes == (code,)


def test_arrondissement_municipal() -> None:
    territory = resolve_territory(commune="69381")
    assert territory.kind == "commune"
    assert territory.kind_label == "Arrondissement municipal"
    assert territory.name == "Lyon 1er Arrondissement"
    (member,) = territory.communes
    assert member.epci == "200046977"  # Métropole de Lyon, through its city
    assert member.population is not None and member.population > 0
    assert territory.departements == (Place("departement", "69", "Rhône"),)


@pytest.mark.parametrize(
    ("siren", "label"),
    [
        ("200046977", "Métropole de Lyon"),
        ("200054781", "Métropole"),
        ("200066389", "Communauté d'agglomération"),
    ],
)
def test_epci_kind_labels(siren: str, label: str) -> None:
    assert resolve_territory(epci=siren).kind_label == label


def test_communaute_urbaine_label() -> None:
    from diagterr.cog import load_cog

    cu = next(e for e in load_cog().all_epcis() if e.type == "CU")
    assert resolve_territory(epci=cu.code).kind_label == "Communauté urbaine"


def test_nom_overrides_the_name() -> None:
    assert resolve_territory(epci="246900625", nom="  CCPA ").name == "CCPA"
    assert resolve_territory(commune="07341", nom="Villeneuve").name == "Villeneuve"
    assert resolve_territory(commune="07341", nom="  ").name == "Villeneuve-de-Berg"


def test_list_of_communes() -> None:
    territory = resolve_territory(communes=" 69010, 07341,69010 ,15132", nom="Périmètre d'essai")
    assert territory.kind == "communes"
    assert territory.kind_label == "Périmètre de communes"
    assert territory.name == "Périmètre d'essai"
    assert territory.code == "perimetre-d-essai"
    assert territory.commune_codes == ("07341", "15132", "69010")
    assert [p.code for p in territory.departements] == ["07", "15", "69"]
    assert [p.code for p in territory.regions] == ["84"]
    assert [c.epci for c in territory.communes] == ["240700815", "246300966", "246900625"]


def test_list_across_regions() -> None:
    territory = resolve_territory(communes="50592,69010", nom="Deux")
    assert [p.code for p in territory.regions] == ["28", "84"]


# -- errors ---------------------------------------------------------------------------------------


def _error(exc_type: type[BadInputError], **options: str) -> str:
    with pytest.raises(exc_type) as info:
        resolve_territory(**options)
    assert info.value.exit_code == ExitCode.BAD_INPUT
    if exc_type is BadInputError:  # a wrong value, not a well-formed unknown code
        assert not isinstance(info.value, UnknownTerritoryError)
    return str(info.value)


def test_no_option() -> None:
    message = _error(BadInputError)
    assert "Aucun territoire" in message
    for usage in ("--commune CODE", "--epci SIREN", '--communes C1,C2,… --nom "…"'):
        assert usage in message


def test_two_options() -> None:
    message = _error(BadInputError, commune="07341", epci="240700815")
    assert "Une seule option de territoire à la fois" in message
    assert "--commune et --epci" in message


def test_epci_given_a_commune_code() -> None:
    message = _error(BadInputError, epci="69010")
    assert "69010 est un code commune (L'Arbresle) ; son EPCI est 246900625 (CC du Pays de l'Arbresle" in message
    assert "--epci 246900625" in message and "--commune 69010" in message


def test_epci_given_a_commune_without_epci() -> None:
    message = _error(BadInputError, epci="22016")
    assert "Île-de-Bréhat" in message and "aucun EPCI" in message and "--commune 22016" in message


def test_commune_given_an_epci_siren() -> None:
    message = _error(BadInputError, commune="246900625")
    assert "SIREN" in message and "CC du Pays de l'Arbresle" in message
    assert "--epci 246900625" in message


def test_commune_given_a_former_code() -> None:
    message = _error(UnknownTerritoryError, commune="14513")
    assert message.startswith("14513 est un ancien code commune : il fait partie de Tessy-Bocage (50592)")
    assert "--commune 50592" in message


@pytest.mark.parametrize("code", ["6901", "ABCDE", "2C004", "690100", ""])
def test_malformed_commune_code(code: str) -> None:
    message = _error(BadInputError, commune=code)
    assert "5 caractères" in message and "2A/2B" in message and "07341" in message
    assert (code or "(vide)") in message


def test_malformed_commune_code_lost_leading_zero() -> None:
    assert "Vouliez-vous dire 07341 (Villeneuve-de-Berg)" in _error(BadInputError, commune="7341")


@pytest.mark.parametrize("siren", ["24690062", "24690062A", "ABCDEFGHI", "2469006250"])
def test_malformed_siren(siren: str) -> None:
    message = _error(BadInputError, epci=siren)
    assert "9 chiffres" in message and siren in message


def test_siren_failing_luhn() -> None:
    assert not is_valid_siren("246900626")
    message = _error(BadInputError, epci="246900626")
    assert "n'est pas un SIREN valide" in message and "Luhn" in message


def test_unknown_epci() -> None:
    assert is_valid_siren("123456782")
    with pytest.raises(UnknownTerritoryError) as info:
        resolve_territory(epci="123456782")
    message = str(info.value)
    assert "123456782" in message and "inconnu" in message and "diagterr search" in message


def test_epci_given_a_commune_siren() -> None:
    message = _error(BadInputError, epci="216900100")
    assert "SIREN de la commune L'Arbresle (69010)" in message and "--epci 246900625" in message


def test_unknown_commune_code_suggests_near_codes() -> None:
    message = _error(UnknownTerritoryError, commune="69999")
    assert "69999" in message and "inconnu du COG 2026" in message
    assert "Codes proches dans le département Rhône (69)" in message
    near = [part.split(" ")[0] for part in message.split(" : ", 1)[1].split(", ")[:5]]
    assert near == ["69295", "69296", "69297", "69298", "69299"]
    assert "diagterr search NOM" in message


def test_unknown_commune_in_no_departement() -> None:
    message = _error(UnknownTerritoryError, commune="99999")
    assert "99999" in message and "diagterr search NOM" in message


def test_list_with_unknown_code() -> None:
    message = _error(UnknownTerritoryError, communes="69010,99999", nom="Test")
    assert "99999" in message and "69010" not in message


def test_list_names_every_bad_code() -> None:
    message = _error(BadInputError, communes="69010,6901,14513,99999", nom="Test")
    assert "6901 (format invalide)" in message
    assert "14513 (ancien code : aujourd'hui Tessy-Bocage, 50592)" in message
    assert "99999 (inconnu du COG 2026)" in message


@pytest.mark.parametrize("nom", [None, "", "   "])
def test_list_without_nom(nom: str | None) -> None:
    options = {"communes": "69010,69021"}
    if nom is not None:
        options["nom"] = nom
    message = _error(BadInputError, **options)
    assert "--nom" in message


def test_empty_list() -> None:
    assert "vide" in _error(BadInputError, communes=" , ", nom="Test")


def test_list_with_city_and_its_arrondissement() -> None:
    message = _error(BadInputError, communes="69123,69381", nom="Lyon")
    assert "69381" in message and "arrondissements" in message

"""A rendering fixture: a small, complete `Dossier` with synthetic values. NOT data.

Every number, name and outline here is made up to exercise the render layer (every block type,
every value kind, missing values with their reasons, a source gap, comparison levels). The
territory "Territoire d'essai" and its communes "Commune A" (99001) and "Commune B" (99002) do
not exist; their outlines are two squares. The real data path is tested elsewhere.
"""

from __future__ import annotations

from datetime import date

import geopandas as gpd
from shapely.geometry import box

from diagterr.dossier import (
    Chart,
    Column,
    CommuneMap,
    Comparison,
    Dossier,
    Enjeu,
    Gap,
    Indicator,
    IndicatorTable,
    Note,
    Section,
    Series,
    SourceEntry,
    SourceRef,
    Table,
    TerritorySummary,
)

TERRITORY_NAME = "Territoire d'essai"
EDITION_DATE = date(2026, 11, 21)

RP = SourceRef("essai_rp", "RP 2021", "COG 2024")
FILO = SourceRef("essai_revenus", "Filosofi 2021", "COG 2024")
GEO = SourceRef("essai_contours", "Contours 2024", "COG 2024")

DEP = ("departement", "99", "Département d'essai")
REG = ("region", "98", "Région d'essai")
FR = ("france", "FR", "France")


def _cmp(dep: float | None, reg: float | None, fr: float | None, reason: str | None = None) -> tuple[Comparison, ...]:
    return tuple(
        Comparison(level, code, name, value, None if value is not None else reason)
        for (level, code, name), value in ((DEP, dep), (REG, reg), (FR, fr))
    )


POPULATION = Indicator(
    "population", "Population municipale", 12345, "habitants", "count", "2021", RP,
    _cmp(654321, 2345678, 67000000),
)
VARIATION = Indicator(
    "variation_population", "Variation annuelle moyenne de la population", 0.8, "%", "rate",
    "2015-2021", RP, _cmp(0.4, 0.3, 0.3),
)
DENSITY = Indicator(
    "densite", "Densité de population", 84.25, "hab./km²", "ratio", "2021", RP,
    _cmp(120.5, 95.1, 105.8),
)
AREA = Indicator("superficie", "Superficie", 146.5, "km²", "area", "2024", GEO, _cmp(5321.4, 30120.0, 543940.0))
AGEING = Indicator(
    "indice_vieillissement", "Indice de vieillissement", 96.4, "", "index", "2021", RP,
    _cmp(88.2, 91.0, 86.7), note="Personnes de 65 ans ou plus pour 100 jeunes de moins de 20 ans.",
)
MEDIAN = Indicator(
    "mediane_niveau_vie", "Médiane du niveau de vie", None, "€", "median", "2021", FILO,
    _cmp(23450, 22980, 23160),
    missing_reason="Non publiée pour un regroupement de communes : une médiane ne s'additionne pas.",
    note="Les médianes ne sont publiées que pour les territoires officiels.",
)
POVERTY = Indicator(
    "taux_pauvrete", "Taux de pauvreté", 9.7, "%", "rate", "2021", FILO,
    _cmp(12.4, None, 14.5, reason="Valeur soumise au secret statistique."),
)
UNEMPLOYMENT = Indicator(
    "taux_chomage_rp", "Taux de chômage (au sens du recensement)", 7.35, "%", "rate", "2021", RP,
    _cmp(10.2, 10.8, 12.1),
)
HOUSING = Indicator("logements", "Logements", 6789, "logements", "count", "2021", RP, _cmp(321000, 1234000, 37800000))
SECONDARY = Indicator(
    "part_residences_secondaires", "Part des résidences secondaires", 11.2, "%", "rate", "2021", RP,
    _cmp(6.1, 8.9, 9.8),
)
VACANT = Indicator("part_logements_vacants", "Part des logements vacants", 8.04, "%", "rate", "2021", RP, _cmp(7.9, 8.3, 8.2))
PERSONS = Indicator(
    "personnes_par_menage", "Nombre moyen de personnes par ménage", 2.31, "personnes", "ratio", "2021",
    RP, _cmp(2.18, 2.12, 2.16), decimals=2,
)

COMMUNES = (("99001", "Commune A"), ("99002", "Commune B"))


def example_dossier(name: str = TERRITORY_NAME) -> Dossier:
    """The fixture dossier; `name` lets a test put awkward text (markup) in the territory name."""
    territory = TerritorySummary(
        code="999999999", name=name, kind_label="Communauté de communes",
        communes=COMMUNES, departements=(("99", "Département d'essai"),),
        regions=(("98", "Région d'essai"),),
    )
    territoire = Section(
        "territoire", "Le territoire",
        "Deux communes fictives réunies pour vérifier la mise en page : périmètre, superficie et densité.",
        (
            CommuneMap("carte_communes", "Les communes du territoire", (), None, "", GEO),
            IndicatorTable("Chiffres du périmètre", (AREA, DENSITY)),
            Table(
                "Les communes",
                (Column("Commune"), Column("Code"), Column("Population", "count"),
                 Column("Superficie", "area"), Column("Densité (hab./km²)", "ratio")),
                (("Commune A", "99001", 8123, 80.2, 101.3), ("Commune B", "99002", 4222, 66.3, None)),
                source=RP, note="La densité de la Commune B est volontairement absente (test).",
            ),
        ),
    )
    demographie = Section(
        "demographie", "Démographie",
        "L'évolution de la population depuis 1968, ses moteurs et la structure par âge.",
        (
            IndicatorTable("Population", (POPULATION, VARIATION, AGEING, PERSONS)),
            Chart(
                "population_historique", "Population depuis 1968 (base 100 en 1968)", "line",
                (
                    Series(TERRITORY_NAME, ("1968", "1975", "1982", "1990", "1999", "2010", "2015", "2021"),
                           (100.0, 104.2, 109.8, None, 118.1, 126.4, 129.0, 133.5)),
                    Series("Département d'essai", ("1968", "1975", "1982", "1990", "1999", "2010", "2015", "2021"),
                           (100.0, 103.0, 105.5, 108.0, 110.2, 116.3, 118.0, 120.1)),
                    Series("France", ("1968", "1975", "1982", "1990", "1999", "2010", "2015", "2021"),
                           (100.0, 105.4, 109.1, 113.7, 117.3, 125.9, 128.4, 130.9)),
                ),
                "index", "base 100", RP,
            ),
            Chart(
                "structure_ages", "Structure par âge de la population", "stacked_bar",
                tuple(
                    Series(label, ("Territoire d'essai", "Département d'essai", "France"), values)
                    for label, values in (
                        ("Moins de 20 ans", (23.1, 24.0, 23.6)),
                        ("20 à 39 ans", (20.4, 23.9, 23.3)),
                        ("40 à 64 ans", (33.9, 31.6, 32.0)),
                        ("65 ans ou plus", (22.6, 20.5, 21.1)),
                    )
                ),
                "rate", "%", RP,
            ),
            CommuneMap(
                "carte_densite", "Densité de population par commune", (("99001", 101.3), ("99002", None)),
                "ratio", "hab./km²", RP,
                note="Commune B : valeur absente dans ce jeu d'essai.",
            ),
        ),
    )
    revenus = Section(
        "revenus", "Revenus et pauvreté",
        "Niveau de vie et pauvreté des ménages, d'après le dispositif Filosofi.",
        (
            IndicatorTable("Revenus", (MEDIAN, POVERTY, UNEMPLOYMENT)),
            Note("Une médiane ne peut pas être recalculée pour un regroupement de communes : "
                 "seules les valeurs publiées sont reprises.", "limit"),
            Chart(
                "pauvrete_niveaux", "Taux de pauvreté par niveau", "hbar",
                (Series("Taux de pauvreté", ("Territoire d'essai", "Département d'essai", "Région d'essai", "France"),
                        (9.7, 12.4, None, 14.5)),),
                "rate", "%", FILO,
            ),
        ),
    )
    habitat = Section(
        "habitat", "Habitat",
        "Le parc de logements : résidences principales, secondaires et vacantes.",
        (
            IndicatorTable("Parc de logements", (HOUSING, SECONDARY, VACANT)),
            Chart(
                "logements_periode", "Résidences principales selon la période d'achèvement", "bar",
                (
                    Series("Territoire d'essai", ("Avant 1946", "1946-1990", "1991-2005", "2006-2018"), (21.5, 44.2, 19.0, 15.3)),
                    Series("France", ("Avant 1946", "1946-1990", "1991-2005", "2006-2018"), (19.2, 48.1, 17.6, 15.1)),
                ),
                "rate", "%", RP,
            ),
            CommuneMap(
                "carte_vacance", "Part des logements vacants par commune", (("99001", 7.2), ("99002", 9.4)),
                "rate", "%", RP,
            ),
            Note("Les prix immobiliers (DVF) n'ont pas pu être chargés pour cette édition.", "gap"),
            Note("Les logements vacants comprennent les logements en attente de location ou de vente.", "info"),
        ),
    )
    sources = (
        SourceEntry("essai_rp", "Recensement de la population (jeu d'essai)", "Producteur d'essai",
                    "RP 2021", "COG 2024", "https://example.invalid/essai/recensement", "2026-11-20",
                    "Licence Ouverte / Etalab 2.0", "Valeurs synthétiques pour les tests de mise en page."),
        SourceEntry("essai_revenus", "Revenus localisés (jeu d'essai)", "Producteur d'essai",
                    "Filosofi 2021", "COG 2024", "https://example.invalid/essai/revenus", "2026-11-20",
                    "Licence Ouverte / Etalab 2.0"),
        SourceEntry("essai_contours", "Contours des communes (jeu d'essai)", "Producteur d'essai",
                    "Contours 2024", "COG 2024", "tests/dossier_example.py", "2026-11-20",
                    "Licence Ouverte / Etalab 2.0", "Deux carrés tracés pour le test."),
    )
    return Dossier(
        territory=territory,
        edition_date=EDITION_DATE,
        situation_date="RP 2021",
        key_figures=(POPULATION, VARIATION, DENSITY, MEDIAN, POVERTY, UNEMPLOYMENT, SECONDARY, AGEING),
        enjeux=(
            Enjeu("atout", "Une population qui croît plus vite que celle du département (+0,8 % par an).", "variation_population"),
            Enjeu("atout", "Un taux de pauvreté inférieur aux niveaux de comparaison.", "taux_pauvrete"),
            Enjeu("fragilite", "Un vieillissement plus marqué qu'en moyenne nationale.", "indice_vieillissement"),
            Enjeu("fragilite", "Une part de résidences secondaires élevée, qui pèse sur l'accès au logement.", "part_residences_secondaires"),
            Enjeu("question", "Comment accueillir de jeunes ménages dans un parc ancien ?", None),
            Enjeu("question", "Quelle place donner aux résidences secondaires dans la stratégie d'habitat ?", "part_residences_secondaires"),
        ),
        sections=(territoire, demographie, revenus, habitat),
        sources=sources,
        gaps=(Gap("essai_dvf", "Prix immobiliers (DVF) : service indisponible lors de l'édition (jeu d'essai)."),),
        methods=(
            ("Les effectifs sont additionnés sur les communes du territoire ; les taux sont recalculés "
             "à partir des numérateurs et dénominateurs additionnés, jamais moyennés."),
            "Ce dossier est un jeu d'essai : ses valeurs sont fictives.",
        ),
    )


def example_boundaries() -> gpd.GeoDataFrame:
    """Two adjacent squares (about 4 × 5 km each) standing in for commune outlines (EPSG:4326)."""
    return gpd.GeoDataFrame(
        {"code": ["99001", "99002"], "name": ["Commune A", "Commune B"]},
        geometry=[box(4.60, 45.80, 4.65, 45.84), box(4.65, 45.80, 4.70, 45.84)],
        crs="EPSG:4326",
    )


def example_context() -> gpd.GeoDataFrame:
    """A square "département" around the two communes, for the grey context layer."""
    return gpd.GeoDataFrame(
        {"code": ["99"], "name": ["Département d'essai"]},
        geometry=[box(4.45, 45.70, 4.85, 45.95)],
        crs="EPSG:4326",
    )

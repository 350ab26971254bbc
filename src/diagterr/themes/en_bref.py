"""En bref: the key figures of page 2 and the *enjeux* that open the first workshop.

Every enjeu is a sentence tied to the indicator it comes from; the rules compare the territory
with its département and France, and say nothing where a figure is missing.
"""

from __future__ import annotations

from collections.abc import Callable

from diagterr.dossier import Enjeu, Indicator, Section
from diagterr.formatting import nombre, pourcent, signe

# Key figures, in the order shown on page 2 (those absent for a territory are skipped).
KEY_FIGURES = (
    "population_legale",
    "variation_population_annuelle",
    "variation_solde_naturel",
    "densite",
    "part_pop_65_plus",
    "part_residences_secondaires",
    "part_logements_vacants",
    "part_proprietaires",
    "taux_chomage_15_64",
    "variation_emplois_annuelle",
    "emplois_pour_100_actifs",
    "mediane_niveau_vie",
    "mediane_niveau_vie_publie",  # online: the EPCI's own value (Melodi)
    "mediane_niveau_vie_tiers",  # samples: the EPCI's value republished by a third party
    "ecart_temperature_recente_reference",  # online only: observed warming (ERA5)
    "conso_naf_annuelle_reference",  # online only: land take per year, 2011-2020 (Cerema)
    "evolution_effectifs_salaries_prives_5ans",
)


def _by_id(sections: tuple[Section, ...]) -> dict[str, Indicator]:
    found: dict[str, Indicator] = {}
    for section in sections:
        for block in section.blocks:
            for indicator in getattr(block, "indicators", ()):
                found.setdefault(indicator.id, indicator)
    return found


# Page 2 holds this many key figures.
KEY_FIGURE_SLOTS = 12

# The theme of each key figure: page 2 shows the first available figure of every theme before a
# second figure of any theme, so that an online run (more figures than slots) still shows the
# climate, land take and private jobs instead of cutting whatever comes last.
KEY_FIGURE_THEMES = {
    "population_legale": "demographie",
    "variation_population_annuelle": "demographie",
    "variation_solde_naturel": "demographie",
    "densite": "territoire",
    "part_pop_65_plus": "demographie",
    "part_residences_secondaires": "habitat",
    "part_logements_vacants": "habitat",
    "part_proprietaires": "habitat",
    "taux_chomage_15_64": "emploi",
    "variation_emplois_annuelle": "emploi",
    "emplois_pour_100_actifs": "emploi",
    "mediane_niveau_vie": "revenus",
    "mediane_niveau_vie_publie": "revenus",
    "mediane_niveau_vie_tiers": "revenus",
    "ecart_temperature_recente_reference": "climat",
    "conso_naf_annuelle_reference": "sols",
    "evolution_effectifs_salaries_prives_5ans": "economie",
}


def key_figures(sections: tuple[Section, ...]) -> tuple[Indicator, ...]:
    """At most KEY_FIGURE_SLOTS figures, every theme first, shown in the order of KEY_FIGURES."""
    indicators = _by_id(sections)
    available = [i for i in KEY_FIGURES if i in indicators and indicators[i].value is not None]
    chosen: list[str] = []
    seen_themes: set[str] = set()
    for figure in available:  # first pass: the first figure of each theme
        theme = KEY_FIGURE_THEMES.get(figure, figure)
        if theme not in seen_themes:
            seen_themes.add(theme)
            chosen.append(figure)
    for figure in available:  # then the others, in the order of KEY_FIGURES
        if figure not in chosen:
            chosen.append(figure)
    kept = set(chosen[:KEY_FIGURE_SLOTS])
    return tuple(indicators[i] for i in available if i in kept)


def _reference(indicator: Indicator, level: str) -> tuple[str, float] | None:
    for comparison in indicator.comparisons:
        if comparison.level == level and comparison.value is not None:
            return comparison.name, comparison.value
    return None


def enjeux(sections: tuple[Section, ...], programmes: list[str]) -> tuple[Enjeu, ...]:
    """Strengths, fragilities and questions, each from one figure and its comparison."""
    ind = _by_id(sections)
    out: list[Enjeu] = []

    def rule(indicator_id: str, make: Callable[[Indicator], Enjeu | None]) -> None:
        indicator = ind.get(indicator_id)
        if indicator is not None and indicator.value is not None:
            enjeu = make(indicator)
            if enjeu is not None:
                out.append(enjeu)

    def growth(i: Indicator) -> Enjeu | None:
        dep = _reference(i, "departement")
        versus = f" (département : {signe(dep[1], 2)} % par an)" if dep else ""
        if i.value > 0 and (dep is None or i.value >= dep[1]):
            return Enjeu("atout", f"Population en croissance de {signe(i.value, 2)} % par an sur {i.period}{versus}.", i.id)
        if i.value < 0:
            return Enjeu("fragilite", f"Population en baisse de {signe(i.value, 2)} % par an sur {i.period}{versus}.", i.id)
        return Enjeu("question", f"Croissance de {signe(i.value, 2)} % par an sur {i.period}, moins rapide que le "
                     f"département{versus} : quel rythme d'accueil le territoire veut-il ?", i.id)

    def natural(i: Indicator) -> Enjeu | None:
        if i.value < 0:
            return Enjeu("fragilite", f"Plus de décès que de naissances ({signe(i.value, 2)} % par an sur {i.period}) : "
                         "la population ne se maintient que par les arrivées.", i.id)
        return None

    def migration(i: Indicator) -> Enjeu | None:
        if i.value > 0.3:
            return Enjeu("atout", f"Territoire attractif : les arrivées l'emportent sur les départs "
                         f"({signe(i.value, 2)} % par an sur {i.period}).", i.id)
        if i.value < 0:
            return Enjeu("fragilite", f"Plus de départs que d'arrivées ({signe(i.value, 2)} % par an sur {i.period}).", i.id)
        return None

    def secondary(i: Indicator) -> Enjeu | None:
        if i.value >= 20:
            return Enjeu("question", f"{pourcent(i.value)} de résidences secondaires en {i.period} : quelle place pour le "
                         "logement des habitants à l'année et des saisonniers ?", i.id)
        return None

    def vacancy(i: Indicator) -> Enjeu | None:
        fr = _reference(i, "france")
        if fr and i.value >= fr[1] + 1:
            return Enjeu("fragilite", f"Vacance élevée : {pourcent(i.value)} des logements en {i.period} "
                         f"({fr[0]} : {pourcent(fr[1])}). Quel potentiel de remise sur le marché ?", i.id)
        if fr and i.value <= fr[1] - 1.5:
            return Enjeu("question", f"Vacance faible ({pourcent(i.value)} contre {pourcent(fr[1])} en {fr[0]}) : "
                         "signe d'un marché du logement tendu ?", i.id)
        return None

    def unemployment(i: Indicator) -> Enjeu | None:
        fr = _reference(i, "france")
        if fr is None:
            return None
        if i.value <= fr[1] - 2:
            return Enjeu("atout", f"Chômage bas : {pourcent(i.value)} des actifs de 15-64 ans en {i.period} "
                         f"({fr[0]} : {pourcent(fr[1])}).", i.id)
        if i.value >= fr[1] + 1:
            return Enjeu("fragilite", f"Chômage au-dessus de la moyenne : {pourcent(i.value)} en {i.period} "
                         f"({fr[0]} : {pourcent(fr[1])}).", i.id)
        return None

    def jobs(i: Indicator) -> Enjeu | None:
        if i.value > 0.3:
            return Enjeu("atout", f"L'emploi progresse : {signe(i.value, 2)} % par an sur {i.period}.", i.id)
        if i.value < 0:
            return Enjeu("fragilite", f"L'emploi recule : {signe(i.value, 2)} % par an sur {i.period}.", i.id)
        return None

    def job_ratio(i: Indicator) -> Enjeu | None:
        if i.value < 70:
            return Enjeu("question", f"{nombre(i.value)} emplois sur place pour 100 actifs résidents en {i.period} : "
                         "un territoire résidentiel. Quelles mobilités domicile-travail, quelle économie locale ?", i.id)
        if i.value > 110:
            return Enjeu("atout", f"Pôle d'emploi : {nombre(i.value)} emplois pour 100 actifs résidents en {i.period}.", i.id)
        return None

    def private_jobs(i: Indicator) -> Enjeu | None:
        fr = _reference(i, "france")
        versus = f" ({fr[0]} : {signe(fr[1], 1)} %)" if fr else ""
        if i.value < 0:
            return Enjeu("fragilite", f"L'emploi salarié privé recule : {signe(i.value, 1)} % entre {i.period.replace('-', ' et ')}"
                         f"{versus}. Quels secteurs perdent des emplois ?", i.id)
        if fr is None:
            return None
        if i.value >= fr[1] + 2:
            return Enjeu("atout", f"L'emploi salarié privé progresse plus vite qu'en France : {signe(i.value, 1)} % sur "
                         f"{i.period}{versus}.", i.id)
        if i.value <= fr[1] - 2:
            return Enjeu("question", f"L'emploi salarié privé progresse moins vite qu'en France : {signe(i.value, 1)} % sur "
                         f"{i.period}{versus}. Qu'est-ce qui freine les créations d'emploi ?", i.id)
        return None

    rule("variation_population_annuelle", growth)
    rule("variation_solde_naturel", natural)
    rule("variation_solde_migratoire", migration)
    rule("part_residences_secondaires", secondary)
    rule("part_logements_vacants", vacancy)
    rule("taux_chomage_15_64", unemployment)
    rule("variation_emplois_annuelle", jobs)
    rule("emplois_pour_100_actifs", job_ratio)
    rule("evolution_effectifs_salaries_prives_5ans", private_jobs)

    def warming(i: Indicator) -> Enjeu | None:
        if i.value >= 0.5:
            return Enjeu("question", f"Réchauffement observé : {signe(i.value, 1)} °C entre {i.period.replace(' / ', ' et ')} "
                         "aux points du territoire (réanalyse ERA5). Quelles adaptations pour l'eau, l'agriculture, "
                         "le tourisme et la santé ?", i.id)
        return None

    def land_take(i: Indicator) -> Enjeu | None:
        first, _, last = i.period.partition("-")
        if not (first.isdigit() and last.isdigit()):
            return None
        pace = (int(last) - int(first) + 1) * 10  # % of the ten-year benchmark at an even pace
        if i.value > pace:
            return Enjeu("fragilite", f"{pourcent(i.value)} du repère de réduction de moitié de la consommation "
                         f"d'espaces (2021-2030) déjà consommés sur {i.period}, plus que le rythme régulier "
                         f"({pourcent(pace, 0)}) : quelle sobriété foncière ?", i.id)
        return None

    rule("ecart_temperature_recente_reference", warming)
    rule("conso_naf_part_repere", land_take)
    if programmes:
        out.append(
            Enjeu("question", "Programmes déjà engagés (" + ", ".join(programmes) + ") : comment l'atelier "
                  "s'articule-t-il avec leurs projets et leurs équipes ?", None)
        )
    return tuple(out)

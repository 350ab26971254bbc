"""En bref: the key figures of page 2 and the *enjeux* that open the first workshop.

Every enjeu is a sentence tied to the indicator it comes from; the rules (a table in
themes/enjeux.py) compare the territory with its département and France, and say nothing where a
figure is missing.
"""

from __future__ import annotations

from diagterr.dossier import Enjeu, EnjeuKind, Indicator, Section
from diagterr.texts import say
from diagterr.themes.enjeux import evaluate

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


def enjeux(sections: tuple[Section, ...], programmes: list[str]) -> tuple[Enjeu, ...]:
    """Strengths, fragilities and questions, each from one figure and its comparison (the rules of
    themes/enjeux.py), then the programmes already engaged."""
    found = evaluate(_by_id(sections))
    if programmes:
        found.append(Enjeu(EnjeuKind.QUESTION, say("en_bref.programmes_engages", programmes=programmes), None))
    return tuple(found)

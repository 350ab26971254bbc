"""En bref: the key figures of page 2 and the *enjeux* that open the first workshop.

Every enjeu is a sentence tied to the indicator it comes from; the rules (a table in
themes/enjeux.py) compare the territory with its département and France, and say nothing where a
figure is missing.
"""

from __future__ import annotations

import re

from diagterr.chapters import FOCUS_CHOICES
from diagterr.cog import normalize
from diagterr.dossier import AtelierReading, Enjeu, EnjeuKind, Indicator, MissingPart, Section
from diagterr.initiatives import Inventory, chapter_of
from diagterr.texts import say
from diagterr.themes.contrasts import Contrasts
from diagterr.themes.enjeux import evaluate

# Key figures, in the order shown on page 2 (those absent for a territory are skipped). Each is a
# figure, not one vintage of it: page 2 shows its most recent value among the chapters' indicators
# of the same meaning (see `vintages_of`), e.g. the unemployment rate of the census 2021 rather
# than 2018, or the EPCI's median income published for it rather than none.
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
    "mediane_niveau_vie",  # also its EPCI value published by INSEE online (_publie) or a third party (_tiers)
    "ecart_temperature_recente_reference",  # online only: observed warming (ERA5)
    "conso_naf_annuelle_reference",  # online only: land take per year, 2011-2020 (Cerema)
    "evolution_effectifs_salaries_prives_5ans",
)

# The ids of other vintages or publishers of a figure: `<figure>_<year>` (a census the chapter
# shows beside the comparateur's), then `_publie` (the producer's value for the EPCI) or `_tiers`
# (a third party's republication), e.g. part_logements_vacants_2022_tiers.
_VINTAGE_SUFFIX = r"(?:_(?P<year>\d{4}))?(?P<publisher>_publie|_tiers)?"
_YEAR = re.compile(r"\d{4}")
# Between two values of the same period: the first publisher of this list (the producer first).
_PUBLISHER_ORDER = ("", "_publie", "_tiers")


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
    "ecart_temperature_recente_reference": "climat",
    "conso_naf_annuelle_reference": "sols",
    "evolution_effectifs_salaries_prives_5ans": "economie",
}


def vintages_of(figure: str, indicators: dict[str, Indicator]) -> list[Indicator]:
    """The indicators that give `figure` (its own id and its `_<year>`, `_publie`, `_tiers`
    variants), with a value."""
    pattern = re.compile(re.escape(figure) + _VINTAGE_SUFFIX)
    return [i for key, i in indicators.items() if pattern.fullmatch(key) and i.value is not None]


def _recency(indicator: Indicator, figure: str) -> tuple[int, int]:
    """Sort key: the last year of the period, then the producer before a republication."""
    years = _YEAR.findall(indicator.period)
    match = re.compile(re.escape(figure) + _VINTAGE_SUFFIX).fullmatch(indicator.id)
    publisher = (match.group("publisher") or "") if match else ""
    return (int(years[-1]) if years else 0, -_PUBLISHER_ORDER.index(publisher))


def latest(figure: str, indicators: dict[str, Indicator]) -> Indicator | None:
    """The most recent value of `figure` among the indicators (None when none has a value)."""
    found = vintages_of(figure, indicators)
    return max(found, key=lambda i: _recency(i, figure)) if found else None


def key_figures(sections: tuple[Section, ...]) -> tuple[Indicator, ...]:
    """At most KEY_FIGURE_SLOTS figures, every theme first, shown in the order of KEY_FIGURES,
    each at its most recent value."""
    chapters = _by_id(sections)
    indicators = {figure: value for figure in KEY_FIGURES if (value := latest(figure, chapters)) is not None}
    available = [i for i in KEY_FIGURES if i in indicators]
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


def enjeux(sections: tuple[Section, ...], programmes: list[str] | None = None) -> tuple[Enjeu, ...]:
    """Strengths, fragilities and questions, each from its figures and their comparisons (the rules
    of themes/enjeux.py), in the order of the rules.

    `programmes` (the names of the programmes in place) is kept for the callers: the programme
    rules read the chapter's `programme_*` counts, made from the same merged view of the lists."""
    del programmes
    return tuple(evaluate(_by_id(sections)))



# -- page 4 beside the rules: the Atelier's theme, the internal contrasts, the inventory ------------

# Initiatives named at most in one sentence of page 4 (the chapter lists them all).
NAMED_INITIATIVES = 3


def atelier_reading(sections: tuple[Section, ...], found: tuple[Enjeu, ...], missing: tuple[MissingPart, ...],
                    focus: str | None, contrasts: Contrasts, inventory: Inventory | None,
                    communes: tuple[tuple[str, str], ...]) -> AtelierReading:
    """What page 4 reads beside the rules' enjeux `found`: the focus theme (its enjeux lead the
    page; what the edition lacks of it, and the questions those figures would have answered), the
    internal contrasts, and the inventory by theme (only when the consultant gave one)."""
    lacking: str | None = None
    questions: tuple[Enjeu, ...] = ()
    if focus is not None:
        parts = [part for part in missing if part.section_id == focus]
        if parts:
            lacking = say("atelier.focus_lacking", parts=[p.what for p in parts],
                          online=any(p.remedy == "online" for p in parts))
            questions = tuple(Enjeu(EnjeuKind.QUESTION, line.strip(), None, theme=focus, rule=f"focus_{focus}")
                              for line in say(f"atelier.questions_{focus}").splitlines() if line.strip())
    initiatives, without = _inventory_by_theme(sections, found, contrasts, inventory, communes)
    return AtelierReading(
        focus=focus,
        focus_title=FOCUS_CHOICES.get(focus, "") if focus else "",
        focus_lacking=lacking,
        focus_questions=questions,
        contrasts=contrasts.enjeux,
        contrast_chart=contrasts.chart,
        initiatives=initiatives,
        without_initiative=without,
    )


def _inventory_by_theme(sections: tuple[Section, ...], found: tuple[Enjeu, ...], contrasts: Contrasts,
                        inventory: Inventory | None, communes: tuple[tuple[str, str], ...]
                        ) -> tuple[tuple[tuple[str, str], ...], str | None]:
    """(section id, sentence) for every chapter with an enjeu or an initiative, in the order of
    the chapters, the themes the chapters do not hold, and the communes no initiative names."""
    if inventory is None or not inventory.initiatives:
        return (), None
    items = inventory.initiatives
    by_chapter: dict[str, list[str]] = {}
    others: dict[str, tuple[str, int]] = {}
    for item in items:
        chapter = chapter_of(item.theme) if item.theme else None
        if chapter is None:
            key = normalize(item.theme)
            label, count = others.get(key, (item.theme or say("programmes.no_theme"), 0))
            others[key] = (label, count + 1)
        else:
            by_chapter.setdefault(chapter, []).append(item.nom)
    with_enjeux = {e.theme for e in (*found, *contrasts.enjeux) if e.theme}
    lines: list[tuple[str, str]] = []
    bare: list[str] = []  # the chapters with enjeux and no initiative: one question
    for section in sections:
        title = FOCUS_CHOICES.get(section.id, section.title)
        named = by_chapter.get(section.id, [])
        if named:
            lines.append((section.id, say("atelier.initiatives_theme", title=title, count=len(named),
                                          names=named[:NAMED_INITIATIVES],
                                          more=max(0, len(named) - NAMED_INITIATIVES))))
        elif section.id in with_enjeux and section.id != "programmes":
            bare.append(title)
    if bare:
        lines.append(("", say("atelier.initiatives_none", titles=bare)))
    if others:
        lines.append(("", say("atelier.initiatives_other", themes=list(others.values()))))
    named_communes = {code for item in items for code in item.communes}
    whole = sum(1 for item in items if not item.communes)
    without = sorted((name for code, name in communes if code not in named_communes), key=normalize)
    if len(communes) < 2:
        return tuple(lines), None
    sentence = (say("atelier.initiatives_communes_without", communes=without, total=len(communes), whole=whole)
                if without else say("atelier.initiatives_every_commune"))
    return tuple(lines), sentence

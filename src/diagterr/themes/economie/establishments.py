"""Establishments: their number and sectors (INSEE SIDE read from Melodi, else the comparateur's
REE-Sirene; order in tables.ANSWERS), their creations per year (SIDE) and the largest employers
(Recherche d'entreprises, when a fetch has put their list in the store).
"""

from __future__ import annotations

import pandas as pd

from diagterr.aggregate import ratio
from diagterr.dossier import Chart, Column, Indicator, IndicatorTable, Series, Table
from diagterr.formatting import MISSING
from diagterr.tables.census import COMPARATEUR
from diagterr.tables.economy import (
    A10_LABELS,
    GRANDS_ETABLISSEMENTS,
    HEADCOUNT_BANDS,
    NAF_SECTIONS,
    SIDE_CREATIONS,
    SIDE_ETABLISSEMENTS,
    territory_key,
)
from diagterr.texts import say
from diagterr.themes.economie.answers import View, first_answer
from diagterr.themes.economie.melodi_figures import answered_nothing, codes, count, latest, territory_has_values
from diagterr.themes.economie.salaried_jobs import evolution_pct
from diagterr.themes.figures import Figures, Getter, Reading, place_label

# The comparateur's establishments by sector (REE-Sirene), in the order of the chart.
COMPARATEUR_SECTORS = (
    ("etab_agriculture", "Agriculture"),
    ("etab_industrie", "Industrie"),
    ("etab_construction", "Construction"),
    ("etab_commerce_transports_services", "Commerce, transports, services divers"),
    ("etab_admin_enseignement_sante", "Administration, enseignement, santé, action sociale"),
)
LARGEST = 10  # establishments listed


def by_sector(fig: Figures) -> list:
    """Establishments and their sectors: SIDE (Melodi), else the comparateur."""
    return first_answer(fig, "etablissements_par_secteur",
                        {SIDE_ETABLISSEMENTS.name: side_stocks, COMPARATEUR.name: comparateur_establishments})


# -- the comparateur (REE-Sirene) ----------------------------------------------------------------------


def establishment_indicators(fig: Figures, year: str) -> list[Indicator]:
    return [
        fig.count_indicator("etablissements", "Établissements actifs au 31 décembre", COMPARATEUR, "etablissements",
                            year, "établissements"),
        fig.rate_indicator(
            "part_etab_10_salaries", "Part des établissements de 10 salariés ou plus", COMPARATEUR,
            "etab_10_salaries_plus", "etablissements", year,
        ),
    ]


def sector_chart(fig: Figures, year: str) -> Chart:
    labels = tuple(label for _, label in COMPARATEUR_SECTORS)
    own_total = fig.territory_total(COMPARATEUR, "etablissements", year).value
    series = [
        Series(fig.territory.name, labels, tuple(
            ratio(fig.territory_total(COMPARATEUR, v, year).value, own_total, 100) for v, _ in COMPARATEUR_SECTORS
        ))
    ]
    coverage = []  # (level, its communes) where a few lack a value

    def shares(get: Getter) -> tuple[float | None, ...]:
        whole = get("etablissements", year).value
        return tuple(ratio(get(v, year).value, whole, 100) for v, _ in COMPARATEUR_SECTORS)

    for place in fig.comparison_places:
        values, perimeter = fig.at_place(shares, COMPARATEUR, place)
        name = place_label(place, perimeter)
        if perimeter.coverage() and any(v is not None for v in values):
            coverage.append((name, perimeter.coverage()))
        series.append(Series(name, labels, values))
    return Chart(
        id="etablissements_secteurs",
        title=f"Établissements actifs par secteur au 31 décembre {year} (% du total)",
        chart="hbar",
        series=tuple(series),
        value_kind="rate",
        unit="%",
        source=fig.source(COMPARATEUR, "etablissements", year),
        note=say("economie_etablissements.comparateur_sectors_note", coverage=coverage),
    )


def comparateur_establishments(fig: Figures) -> View:
    year = fig.latest_period(COMPARATEUR, "etablissements")
    if not year:
        return View()
    return View([IndicatorTable(f"Établissements (Sirene, fin {year})", tuple(establishment_indicators(fig, year))),
                 sector_chart(fig, year)], answered=True)


# -- SIDE (Melodi) --------------------------------------------------------------------------------------


def side_stocks(fig: Figures) -> View:
    """Establishments (SIDE) by A10 sector, latest year, against the comparison levels; answers
    when the data has sectors."""
    frame = fig.table(SIDE_ETABLISSEMENTS)
    if frame is None:
        return View()
    year = latest(frame, "etablissements")
    if year is None or not territory_has_values(frame, fig):
        return View([answered_nothing(fig, SIDE_ETABLISSEMENTS, "DS_SIDE_STOCKS_ET_COM",
                                      "Établissements par secteur (SIDE)", say("lacunes.economie_establishments"))])
    years = sorted(set(frame.loc[frame["variable"] == "etablissements", "period"]))
    indicators = [count(fig, SIDE_ETABLISSEMENTS, "etablissements_side", "Établissements au 31 décembre",
                        "etablissements", year, "établissements")]
    if len(years) > 1:
        first = years[0]

        def change(get: Getter) -> Reading:
            a, b = get("etablissements", first), get("etablissements", year)
            if a.value is None or b.value is None:
                return Reading(None, a.missing_reason or b.missing_reason)
            return Reading(evolution_pct(a.value, b.value))

        indicators.append(fig.derived_indicator("evolution_etablissements_side", f"Évolution du nombre d'établissements "
                                                f"{first}-{year}", SIDE_ETABLISSEMENTS, f"{first}-{year}", "%", "rate",
                                                change, vintage_of="etablissements"))
    sectors = [c for c in A10_LABELS if f"etablissements_{c}" in set(frame["variable"])]
    sectors += [c for c in codes(frame, "etablissements_") if c not in A10_LABELS]
    blocks: list = [IndicatorTable(f"Établissements (INSEE SIDE, fin {year})", tuple(indicators))]
    if not sectors:
        return View(blocks)

    def part(sector: str, get: Getter) -> float | None:
        number, whole = get(f"etablissements_{sector}", year), get("etablissements", year)
        return ratio(number.value, whole.value, 100.0)

    labels = tuple(A10_LABELS.get(s, s) for s in sectors)
    series = [Series(fig.territory.name, labels,
                     tuple(part(s, lambda v, p: fig.territory_total(SIDE_ETABLISSEMENTS, v, p)) for s in sectors))]
    for place in fig.comparison_places:
        series.append(Series(place.name, labels, tuple(
            part(s, lambda v, p, place=place: fig.place_value(SIDE_ETABLISSEMENTS, v, p, place)) for s in sectors)))
    blocks.append(Chart(
        id="etablissements_secteurs_side",
        title=f"Établissements par secteur (NAF A10, hors agriculture), fin {year} (% du total)",
        chart="hbar", series=tuple(series), value_kind="rate", unit="%", source=fig.source(SIDE_ETABLISSEMENTS),
        note=say("economie_etablissements.side_sectors_note"),
    ))
    return View(blocks, answered=True)


def creations(fig: Figures) -> list:
    """Establishment creations per year (SIDE): chart of the territory, latest year and creation rate compared."""
    frame = fig.table(SIDE_CREATIONS)
    if frame is None:
        return []
    year = latest(frame, "creations_etablissements")
    if year is None or not territory_has_values(frame, fig):
        return [answered_nothing(fig, SIDE_CREATIONS, "DS_SIDE_CREA_ETAB_COM", "Créations d'établissements (SIDE)",
                                 say("lacunes.economie_creations"))]
    years = sorted(p for p in set(frame.loc[frame["variable"] == "creations_etablissements", "period"]) if p.isdigit())
    own = {y: fig.territory_total(SIDE_CREATIONS, "creations_etablissements", y) for y in years}
    indicators = [count(fig, SIDE_CREATIONS, "creations_etablissements", "Créations d'établissements dans l'année",
                        "creations_etablissements", year, "créations")]
    stocks = fig.table(SIDE_ETABLISSEMENTS)
    before = str(int(year) - 1)
    if stocks is not None and ((stocks["variable"] == "etablissements") & (stocks["period"] == before)).any():
        def rate(get: Getter) -> Reading:
            created = get("creations_etablissements", year)
            stock = get("etablissements", before, SIDE_ETABLISSEMENTS)
            if created.value is None or stock.value is None:
                return Reading(None, created.missing_reason or stock.missing_reason)
            return Reading(ratio(created.value, stock.value, 100.0))

        indicators.append(fig.derived_indicator(
            "taux_creation_etablissements", f"Taux de création d'établissements {year} (créations ÷ établissements fin "
            f"{before})", SIDE_CREATIONS, year, "%", "rate", rate, vintage_of="creations_etablissements"))
    missing = [y for y, r in own.items() if r.value is None]
    reason = next((own[y].missing_reason for y in missing if own[y].missing_reason), say("figures.unpublished"))
    return [
        IndicatorTable(f"Créations d'établissements (INSEE SIDE, {year})", tuple(indicators)),
        Chart(
            id="creations_etablissements",
            title=f"Créations d'établissements par an, {years[0]}-{years[-1]}",
            chart="bar", series=(Series(fig.territory.name, tuple(years), tuple(own[y].value for y in years)),),
            value_kind="count", unit="créations", source=fig.source(SIDE_CREATIONS),
            note=say("economie_etablissements.creations_note", missing=missing, reason=reason),
        ),
    ]


# -- the largest employers (Recherche d'entreprises) ------------------------------------------------------


def largest_employers(fig: Figures) -> list:
    """The largest establishments, when a fetch has put them in the store (else nothing: the gap note says it)."""
    frame = fig.table(GRANDS_ETABLISSEMENTS)
    if frame is None or frame.empty:
        return []
    if "territoire" in frame.columns:  # one list per territory: a commune's top ten is not its EPCI's
        frame = frame[frame["territoire"] == territory_key(fig.territory)]
        if frame.empty:
            return []
    rank = {code: i for i, code in enumerate(HEADCOUNT_BANDS)}
    names = {c.code: c.name for c in fig.territory.communes}
    frame = frame.assign(_rank=frame["tranche_effectif"].map(lambda b: rank.get(b, 0)))
    frame = frame.sort_values(["_rank", "nom", "siret"], ascending=[False, True, True]).head(LARGEST)
    rows = []
    for r in frame.itertuples():
        same = pd.isna(r.enseigne) or not r.enseigne or r.enseigne.casefold() == r.nom.casefold()
        name = r.nom if same else f"{r.nom} ({r.enseigne})"
        activity = r.activite_principale if not pd.isna(r.activite_principale) else MISSING
        if not pd.isna(r.section) and r.section in NAF_SECTIONS:
            activity = f"{activity} — {NAF_SECTIONS[r.section]}"
        year = None if pd.isna(r.annee_tranche) else str(r.annee_tranche)
        rows.append((name, activity, r.tranche_libelle, year, names.get(r.commune, r.commune)))
    manifest = fig.store.manifest(GRANDS_ETABLISSEMENTS.name)
    days = sorted(set(frame["date_liste"].dropna())) if "date_liste" in frame.columns else []
    day = days[-1] if days else (manifest.retrieved_at if manifest else None)
    return [Table(
        title="Les plus grands établissements employeurs",
        columns=(Column("Établissement"), Column("Activité (NAF)"), Column("Tranche d'effectif salarié"),
                 Column("Année de la tranche"), Column("Commune")),
        rows=tuple(rows),
        source=fig.source(GRANDS_ETABLISSEMENTS),
        note=say("economie_etablissements.largest_note", day=day),
    )]

"""Habitat: the housing stock, main / secondary / vacant dwellings, owners."""

from __future__ import annotations

from diagterr.aggregate import ratio
from diagterr.dossier import Chart, Column, CommuneMap, IndicatorTable, Note, Section, Series, Table
from diagterr.themes.demographie import COMPARATEUR, RP2021_IRIS, census_periods
from diagterr.themes.figures import Figures

_OCCUPANCY = (
    ("residences_principales", "Résidences principales"),
    ("residences_secondaires", "Résidences secondaires et logements occasionnels"),
    ("logements_vacants", "Logements vacants"),
)


def stock_indicators(fig: Figures, table: str, year: str, with_owners: bool) -> list:
    suffix = "" if table == COMPARATEUR else f"_{year}"
    out = [fig.count_indicator(f"logements{suffix}", "Logements", table, "logements", year, "logements", compare=table == COMPARATEUR)]
    for variable, label in _OCCUPANCY:
        out.append(
            fig.rate_indicator(
                f"part_{variable}{suffix}", f"Part des {label.lower()}", table, variable, "logements", year,
                compare=table == COMPARATEUR,
            )
        )
    if with_owners:
        out.append(
            fig.rate_indicator(
                "part_proprietaires", "Part des résidences principales occupées par leur propriétaire",
                table, "rp_proprietaires", "residences_principales", year,
            )
        )
    if table == RP2021_IRIS:
        out.append(
            fig.rate_indicator("part_maisons_2021", "Part des maisons", table, "maisons", "logements", year, compare=False)
        )
    return out


def occupancy_chart(fig: Figures, year: str) -> Chart:
    """Shares of main, secondary and vacant dwellings: territory against each comparison level."""
    labels = [fig.territory.name] + [p.name for p in fig.comparison_places]
    series = []
    for variable, label in _OCCUPANCY:
        values = []
        own_num = fig.territory_total(COMPARATEUR, variable, year).value
        own_den = fig.territory_total(COMPARATEUR, "logements", year).value
        values.append(ratio(own_num, own_den, 100))
        for place in fig.comparison_places:
            num = fig.place_value(COMPARATEUR, variable, year, place).value
            den = fig.place_value(COMPARATEUR, "logements", year, place).value
            values.append(ratio(num, den, 100))
        series.append(Series(label, tuple(labels), tuple(values)))
    return Chart(
        id="occupation_logements",
        title=f"Occupation des logements en {year} (% du parc)",
        chart="stacked_bar",
        series=tuple(series),
        value_kind="rate",
        unit="%",
        source=fig.source(COMPARATEUR, "logements", year),
    )


def commune_table(fig: Figures, year: str) -> Table:
    names = {c.code: c.name for c in fig.territory.communes}
    stock = fig.commune_values(COMPARATEUR, "logements", year)
    secondary = fig.commune_values(COMPARATEUR, "residences_secondaires", year)
    vacant = fig.commune_values(COMPARATEUR, "logements_vacants", year)
    rows = []
    for code in fig.territory.commune_codes:
        total = stock[code].value
        rows.append(
            (names[code], stock[code].value, ratio(secondary[code].value, total, 100), ratio(vacant[code].value, total, 100))
        )
    rows.sort(key=lambda r: -(r[1] or 0))
    return Table(
        title=f"Logements par commune en {year}",
        columns=(Column("Commune"), Column("Logements", "count"), Column("Résidences secondaires", "rate"),
                 Column("Logements vacants", "rate")),
        rows=tuple(rows),
        source=fig.source(COMPARATEUR, "logements", year),
    )


def secondary_map(fig: Figures, year: str) -> CommuneMap:
    stock = fig.commune_values(COMPARATEUR, "logements", year)
    secondary = fig.commune_values(COMPARATEUR, "residences_secondaires", year)
    return CommuneMap(
        id="carte_residences_secondaires",
        title=f"Part des résidences secondaires en {year} (%)",
        values=tuple((c, ratio(secondary[c].value, stock[c].value, 100)) for c in fig.territory.commune_codes),
        value_kind="rate",
        unit="%",
        source=fig.source(COMPARATEUR, "logements", year),
    )


def analyse(fig: Figures) -> Section:
    blocks: list = []
    periods = census_periods(fig)
    if periods:
        year = periods[1]
        blocks.append(IndicatorTable(f"Parc de logements (recensement {year})", tuple(stock_indicators(fig, COMPARATEUR, year, True))))
        blocks.append(occupancy_chart(fig, year))
    if fig.has(RP2021_IRIS):
        blocks.append(IndicatorTable("Parc de logements (recensement 2021)", tuple(stock_indicators(fig, RP2021_IRIS, "2021", False))))
        blocks.append(
            Note(
                "Recensement 2021 : les valeurs des départements, régions et de la France ne figurent pas dans les "
                "données hors ligne ; la comparaison se lit sur le recensement précédent ci-dessus.",
                tone="limit",
            )
        )
    if periods and len(fig.territory.communes) > 1:
        blocks.append(commune_table(fig, periods[1]))
        blocks.append(secondary_map(fig, periods[1]))
    if not blocks:
        blocks.append(Note("Aucune donnée sur le logement disponible pour ce territoire.", tone="gap"))
    return Section(
        id="habitat",
        title="Habitat",
        intro="Le parc de logements et son occupation : résidences principales, secondaires, logements vacants, "
        "propriétaires occupants.",
        blocks=tuple(blocks),
    )

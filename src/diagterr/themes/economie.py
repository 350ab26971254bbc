"""The economy of the territory, at place of work: private salaried jobs since 2014 (URSSAF),
establishments by sector, the largest employers, tourism capacity.

What the offline data cannot say is said, with the source that would fill it: jobs by sector per
commune, presential and productive spheres, creations, hotel and campsite beds.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from diagterr.aggregate import ratio
from diagterr.dossier import (
    Chart,
    Column,
    CommuneMap,
    Indicator,
    IndicatorTable,
    Note,
    Series,
    Table,
)
from diagterr.themes.demographie import COMPARATEUR, census_periods
from diagterr.themes.figures import Figures, Reading

URSSAF = "urssaf_effectifs"
JOBS = "effectifs_salaries_prives"
LARGEST = "grands_etablissements"
ZONINGS = "zonages"
TREND_YEARS = 5  # "over the last 5 years"

SECTORS = (
    ("etab_agriculture", "Agriculture"),
    ("etab_industrie", "Industrie"),
    ("etab_construction", "Construction"),
    ("etab_commerce_transports_services", "Commerce, transports, services divers"),
    ("etab_admin_enseignement_sante", "Administration, enseignement, santé, action sociale"),
)


def establishment_indicators(fig: Figures, year: str) -> list[Indicator]:
    out = [fig.count_indicator("etablissements", "Établissements actifs au 31 décembre", COMPARATEUR, "etablissements", year, "établissements")]
    out.append(
        fig.rate_indicator(
            "part_etab_10_salaries", "Part des établissements de 10 salariés ou plus", COMPARATEUR,
            "etab_10_salaries_plus", "etablissements", year,
        )
    )
    return out


def sector_chart(fig: Figures, year: str) -> Chart:
    labels = tuple(label for _, label in SECTORS)
    series = []
    own_total = fig.territory_total(COMPARATEUR, "etablissements", year).value
    series.append(
        Series(fig.territory.name, labels, tuple(
            ratio(fig.territory_total(COMPARATEUR, v, year).value, own_total, 100) for v, _ in SECTORS
        ))
    )
    for place in fig.comparison_places:
        place_total = fig.place_value(COMPARATEUR, "etablissements", year, place).value
        series.append(
            Series(place.name, labels, tuple(
                ratio(fig.place_value(COMPARATEUR, v, year, place).value, place_total, 100) for v, _ in SECTORS
            ))
        )
    return Chart(
        id="etablissements_secteurs",
        title=f"Établissements actifs par secteur au 31 décembre {year} (% du total)",
        chart="hbar",
        series=tuple(series),
        value_kind="rate",
        unit="%",
        source=fig.source(COMPARATEUR, "etablissements", year),
        note="Champ : activités marchandes hors agriculture et activités non marchandes (REE-Sirene). "
        "France : non calculée, car des communes n'ont pas de valeur (dont Mayotte) ; une somme incomplète "
        "n'est pas un total.",
    )


# -- private salaried jobs (URSSAF) --------------------------------------------------------------


def _evolution_pct(start: float | None, end: float | None) -> float | None:
    """Change in percent between two counts ((end / start − 1) × 100)."""
    if start is None or end is None or start <= 0:
        return None
    return (end / start - 1.0) * 100.0


def urssaf_years(fig: Figures) -> list[str]:
    """The years of the salaried-jobs series (read from the data, e.g. 2014-2024): those of the
    territory's communes, and of France too where the store has France (a fetch from open.urssaf.fr
    goes back to 2006, the France series of the samples to 2014: the curves share one base year)."""
    frame = fig.table(URSSAF)
    if frame is None:
        return []
    jobs = frame[frame["variable"] == JOBS]
    own = set(jobs.loc[jobs["geo_level"] == "COM", "period"])
    france = set(jobs.loc[jobs["geo_level"] == "FR", "period"])
    return sorted(own & france if france and own & france else own or set(jobs["period"]))


def _covered(fig: Figures) -> list[str]:
    """The territory's communes that have at least one row of the series."""
    frame = fig.table(URSSAF)
    if frame is None:
        return []
    rows = frame[(frame["geo_level"] == "COM") & (frame["variable"] == JOBS)]
    return sorted(set(rows["geo_code"]) & set(fig.territory.commune_codes))


def _of(name: str) -> str:
    """French "de" before a name, elided before a vowel: "d'Issoire", "de Lyon"."""
    return f"d'{name}" if name[:1].upper() in "AEIOUYÉÈÊÎÔ" else f"de {name}"


def _fetched(fig: Figures) -> bool:
    """True when some of the territory's commune rows come from open.urssaf.fr (an online fetch)."""
    frame = fig.table(URSSAF)
    if frame is None or "source_id" not in frame.columns:
        return False
    rows = frame[(frame["geo_level"] == "COM") & frame["geo_code"].isin(fig.territory.commune_codes)]
    return bool((rows["source_id"] == "urssaf_open_data").any())


def employment_zones(fig: Figures) -> list[tuple[str, str, int]]:
    """(code, name, number of the territory's communes) of each zone d'emploi 2020, largest share first."""
    frame = fig.table(ZONINGS)
    if frame is None:
        return []
    rows = frame[(frame["zonage"] == "ZE2020") & frame["commune"].isin(fig.territory.commune_codes)]
    counts = rows.groupby(["code", "libelle"]).size().reset_index(name="n")
    counts = counts.sort_values(["n", "code"], ascending=[False, True])
    return [(str(r.code), str(r.libelle), int(r.n)) for r in counts.itertuples()]


def _extra_rows(fig: Figures, level: str, codes: list[str]) -> dict[str, dict[str, float | None]]:
    """code → {year: value} of the series at a level that Figures does not read (EPCI, ZE)."""
    if not codes:
        return {}
    frame = fig.store.read(URSSAF, filters=[[("geo_level", "=", level), ("geo_code", "in", codes)]])
    out: dict[str, dict[str, float | None]] = {}
    if frame is None:
        return out
    for row in frame[frame["variable"] == JOBS].itertuples():
        out.setdefault(str(row.geo_code), {})[str(row.period)] = None if pd.isna(row.value) else float(row.value)
    return out


def _territory_series(fig: Figures, years: list[str]) -> dict[str, Reading]:
    return {year: fig.territory_total(URSSAF, JOBS, year) for year in years}


def _france_series(fig: Figures, years: list[str]) -> dict[str, float | None]:
    france = next(p for p in fig.comparison_places if p.level == "france")
    return {year: fig.place_value(URSSAF, JOBS, year, france).value for year in years}


def _index(values: dict[str, float | None], years: list[str]) -> tuple[float | None, ...]:
    """Base 100 in the first year, recomputed from the counts; a missing base gives no index."""
    base = values.get(years[0])
    return tuple(ratio(values.get(year), base, 100.0) if base else None for year in years)


def epci_check(fig: Figures, years: list[str], own: dict[str, Reading]) -> str | None:
    """French sentence on the source's own EPCI row against the sum of the communes.

    The EPCI row is preferred only if it equals the sum: then it adds nothing the communes do not
    say. Where they differ, the sum over the communes of the current COG is kept.
    """
    if fig.territory.kind != "epci":
        return None
    row = _extra_rows(fig, "EPCI", [fig.territory.code]).get(fig.territory.code)
    if not row:
        return None
    complete = [y for y in years if own[y].value is not None and row.get(y) is not None]
    differ = [y for y in complete if abs(own[y].value - row[y]) > 0.5]  # type: ignore[operator]
    incomplete = [y for y in years if own[y].value is None and row.get(y) is not None]
    parts = []
    if complete and not differ:
        years_text = "la seule année" if len(complete) == 1 else f"les {len(complete)} années"
        parts.append(
            f"La ligne « EPCI » de la source est égale à la somme de ses communes pour {years_text} où toutes y "
            "figurent : elle est retenue telle quelle, c'est la même valeur."
        )
    if differ:
        parts.append(
            "La ligne « EPCI » de la source diffère de la somme des communes en " + ", ".join(differ)
            + " : la somme des communes du COG en vigueur est retenue."
        )
    if incomplete:
        partial = {
            y: sum(r.value for r in fig.commune_values(URSSAF, JOBS, y).values() if r.value is not None)
            for y in incomplete
        }
        same = all(abs(partial[y] - row[y]) <= 0.5 for y in incomplete)  # type: ignore[operator]
        which = "la seule année" if len(incomplete) == 1 else f"les {len(incomplete)} années"
        parts.append(
            f"Pour {which} où des communes manquent, la source publie pourtant une valeur « EPCI » : "
            + ("c'est la somme des seules communes présentes (vérifié), pas un total ; " if same else
               "elle ne peut pas être vérifiée contre les communes ; ")
            + "elle n'est pas affichée."
        )
    return " ".join(parts) or None


def _explain_missing_levels(fig: Figures, indicator: Indicator) -> Indicator:
    """Département and région comparisons missing because the source has no such rows: say so."""
    frame = fig.table(URSSAF)
    levels = set(frame["geo_level"]) if frame is not None else set()
    wording = {"departement": ("DEP", "départementale"), "region": ("REG", "régionale")}
    comparisons = []
    for c in indicator.comparisons:
        if c.level in wording and wording[c.level][0] not in levels:
            c = replace(c, value=None, missing_reason=(
                f"pas de ligne {wording[c.level][1]} dans la source hors ligne (communes, EPCI, zones d'emploi "
                "et France seulement) : comparer avec la zone d'emploi"
            ))
        comparisons.append(c)
    return replace(indicator, comparisons=tuple(comparisons))


def salaried_job_indicators(fig: Figures, years: list[str]) -> list[Indicator]:
    first, last = years[0], years[-1]
    recent = str(int(last) - TREND_YEARS)

    def change(start: str):
        def compute(get) -> Reading:
            a, b = get(JOBS, start), get(JOBS, last)
            if a.value is None or b.value is None:
                return Reading(None, a.missing_reason or b.missing_reason)
            return Reading(_evolution_pct(a.value, b.value))

        return compute

    out = [
        fig.count_indicator(
            JOBS, "Emploi salarié privé, fin d'année", URSSAF, JOBS, last, "salariés",
        ),
        fig.derived_indicator(
            "evolution_effectifs_salaries_prives_2014", f"Évolution de l'emploi salarié privé {first}-{last}",
            URSSAF, f"{first}-{last}", "%", "rate", change(first), vintage_of=JOBS,
        ),
    ]
    if recent in years:
        out.append(
            fig.derived_indicator(
                "evolution_effectifs_salaries_prives_5ans",
                f"Évolution de l'emploi salarié privé sur {TREND_YEARS} ans ({recent}-{last})",
                URSSAF, f"{recent}-{last}", "%", "rate", change(recent), vintage_of=JOBS,
            )
        )
    return [_explain_missing_levels(fig, i) for i in out]


def constant_field(fig: Figures, years: list[str]) -> tuple[list[str], dict[str, float | None]]:
    """The communes present in the series every year, and their summed counts per year.

    A sum over a fixed set of communes ("à champ constant") measures how jobs evolved in those
    communes; it is never the territory's total and is labelled so.
    """
    readings = {y: fig.commune_values(URSSAF, JOBS, y) for y in years}
    codes = [c for c in fig.territory.commune_codes if all(readings[y][c].value is not None for y in years)]
    return codes, {y: float(sum(readings[y][c].value for c in codes)) if codes else None for y in years}  # type: ignore[misc]


def salaried_jobs_chart(
    fig: Figures, years: list[str], own: dict[str, Reading], zones: list[tuple[str, str, int]],
    zone_rows: dict[str, dict[str, float | None]],
) -> Chart:
    first = years[0]
    own_index = _index({y: r.value for y, r in own.items()}, years)
    name = fig.territory.name
    label = name
    note = (
        f"Indices recalculés par diagterr à partir des effectifs (base 100 = effectif de fin {first}) ; le "
        "territoire est la somme de ses communes ; ZE : zone d'emploi 2020 de l'INSEE."
    )
    if any(v is None for v in own_index):
        missing = [y for y, v in zip(years, own_index, strict=True) if v is None]
        reason = next((own[y].missing_reason for y in ([first] + missing) if own[y].missing_reason), None)
        codes, sums = constant_field(fig, years)
        total = len(fig.territory.communes)
        if 0 < len(codes) < total:
            label = f"{name} ({len(codes)} communes sur {total})"
            own_index = _index(sums, years)
            names = {c.code: c.name for c in fig.territory.communes}
            left = sorted(names[c] for c in fig.territory.commune_codes if c not in codes)
            note += (
                f" Total du territoire incomplet ({reason or 'non publié'}) : la courbe porte sur les {len(codes)} "
                f"communes présentes dans la source de {first} à {years[-1]} (champ constant) ; ce n'est pas le "
                f"total du territoire. Communes écartées : {', '.join(left)}."
            )
        else:
            label = f"{name} : n.d."
            note += f" {name} : pas de courbe ({reason or 'non publié'})."
    series = [Series(label, tuple(years), own_index)]
    for code, zone, _ in zones:
        if code in zone_rows:
            series.append(Series(f"ZE {zone}", tuple(years), _index(zone_rows[code], years)))
    series.append(Series("France", tuple(years), _index(_france_series(fig, years), years)))
    return Chart(
        id="effectifs_salaries_indice",
        title=f"Emploi salarié privé depuis {first} (indice base 100 en {first})",
        chart="line",
        series=tuple(series),
        value_kind="index",
        unit=f"base 100 en {first}",
        source=fig.source(URSSAF),
        note=note,
    )


def zones_table(
    fig: Figures, years: list[str], zones: list[tuple[str, str, int]], zone_rows: dict[str, dict[str, float | None]]
) -> Table:
    first, last = years[0], years[-1]
    recent = str(int(last) - TREND_YEARS)
    total = len(fig.territory.communes)
    rows = []
    for code, name, n in zones:
        values = zone_rows.get(code, {})
        rows.append((
            f"Zone d'emploi {_of(name)} ({code})", f"{n} sur {total}", values.get(first), values.get(last),
            _evolution_pct(values.get(first), values.get(last)), _evolution_pct(values.get(recent), values.get(last)),
        ))
    france = _france_series(fig, years)
    rows.append((
        "France", "", france.get(first), france.get(last), _evolution_pct(france.get(first), france.get(last)),
        _evolution_pct(france.get(recent), france.get(last)),
    ))
    return Table(
        title="Emploi salarié privé des zones d'emploi du territoire",
        columns=(
            Column("Zone"), Column("Communes du territoire"), Column(f"Salariés {first}", "count"),
            Column(f"Salariés {last}", "count"), Column(f"Évolution {first}-{last}", "rate"),
            Column(f"Évolution {recent}-{last}", "rate"),
        ),
        rows=tuple(rows),
        source=fig.source(URSSAF),
        note="Zones d'emploi 2020 de l'INSEE ; une commune appartient à une seule zone. La zone dépasse le territoire : "
        "c'est le bassin d'emploi dans lequel il s'inscrit, à défaut de valeur départementale dans la source.",
    )


def commune_jobs_table(fig: Figures, years: list[str]) -> Table:
    first, last = years[0], years[-1]
    recent = str(int(last) - TREND_YEARS)
    names = {c.code: c.name for c in fig.territory.communes}
    shown = [y for y in (first, recent, last) if y in years]
    values = {y: fig.commune_values(URSSAF, JOBS, y) for y in shown}

    def change(code: str) -> float | None:
        a, b = values[first][code].value, values[last][code].value
        return None if a is None or b is None else b - a

    rows = [(names[c], *(values[y][c].value for y in shown), change(c)) for c in fig.territory.commune_codes]
    rows.sort(key=lambda r: (r[len(shown)] is None, -(r[len(shown)] or 0), r[0]))
    absent = [names[c] for c in fig.territory.commune_codes if all(values[y][c].value is None for y in shown)]
    gaps = sum(1 for r in rows if any(v is None for v in r[1 : 1 + len(shown)]))
    note = None
    if gaps:
        note = (
            "n.d. : la commune n'a pas de ligne cette année-là dans la source — aucun établissement employeur, ou "
            f"valeur non diffusée : la source ne le précise pas ({gaps} commune(s) sur {len(rows)})."
        )
        if absent:
            note += f" Absentes de la source : {', '.join(sorted(absent))}."
    return Table(
        title="Salariés du secteur privé par commune",
        columns=(Column("Commune"), *(Column(f"Fin {y}", "count") for y in shown),
                 Column(f"Variation {first}-{last} (salariés)", "count")),
        rows=tuple(rows),
        source=fig.source(URSSAF),
        note=note,
    )


def commune_jobs_map(fig: Figures, year: str) -> CommuneMap:
    values = fig.commune_values(URSSAF, JOBS, year)
    return CommuneMap(
        id="carte_effectifs_salaries",
        title=f"Salariés du secteur privé par commune, fin {year}",
        values=tuple((c, values[c].value) for c in fig.territory.commune_codes),
        value_kind="count",
        unit="salariés",
        source=fig.source(URSSAF),
    )


def salaried_jobs(fig: Figures) -> list:
    """The URSSAF block: indicators, index curve against the zones d'emploi and France, communes."""
    years = urssaf_years(fig)
    if not years or not _covered(fig):
        return [Note(
            "Emploi salarié privé depuis 2014 (URSSAF) : aucune commune du territoire dans les données disponibles "
            "hors ligne (exemples, imports, cache). Source en ligne : open.urssaf.fr, jeu « établissements et "
            "effectifs salariés au niveau commune × APE ».",
            tone="gap",
        )]
    first, last = years[0], years[-1]
    own = _territory_series(fig, years)
    zones = employment_zones(fig)
    zone_rows = _extra_rows(fig, "ZE", [code for code, _, _ in zones])
    blocks: list = [
        IndicatorTable(f"Emploi salarié privé (URSSAF, {first}-{last})", tuple(salaried_job_indicators(fig, years))),
        salaried_jobs_chart(fig, years, own, zones, zone_rows),
    ]
    if zones:
        blocks.append(zones_table(fig, years, zones, zone_rows))
    sources = {m.source_id for m in fig.store.manifests(URSSAF)}
    third_party = "urssaf_ptod" in sources
    method = [
        "Effectifs salariés du secteur privé en fin d'année (URSSAF ; régime général, établissements employeurs). "
        "Le territoire est la somme de ses communes ; une année où une commune manque n'a pas de total : une somme "
        "partielle n'est jamais présentée comme un total.",
    ]
    if third_party:
        method.append(
            "Chiffres repris d'une republication tierce (dépôt ptod-observatoire-territorial), pas d'un fichier de "
            "l'URSSAF ; seuls les effectifs absolus en sont tirés, indices et évolutions sont recalculés ici."
        )
    if "urssaf_open_data" in sources and _fetched(fig):
        method.append(
            "Les communes du territoire sont lues en ligne sur open.urssaf.fr (somme des lignes commune × APE)"
            + (" ; zones d'emploi et France restent celles de la republication tierce." if third_party else ".")
        )
    check = epci_check(fig, years, own)
    if check:
        method.append(check)
    method.append(
        "La source n'a ni ligne départementale ni ligne régionale : la comparaison se fait avec la ou les zones "
        "d'emploi du territoire et la France."
    )
    blocks.append(Note(" ".join(method), tone="limit"))
    if len(fig.territory.communes) > 1:
        blocks.append(commune_jobs_table(fig, years))
        blocks.append(commune_jobs_map(fig, last))
    return blocks


# -- jobs by sector of the zones d'emploi, specialisation, spheres (Flores, third party) -------------

SECTORS_ZE = "secteurs_ze"
SPHERES = "spheres_ptod"
PRESENTIAL = "part_emploi_presentiel_pct"
OVER, UNDER = 1.2, 0.8  # specialisation index thresholds of "sur-" and "sous-représenté"
MIN_SHARE = 1.0  # % of the zone's jobs: smaller sectors are in the table, not in the reading


def _zone_shares(frame: pd.DataFrame, zone: str, year: str) -> dict[str, float] | None:
    """Sector → share of the zone's jobs in % (count / sum of the sector counts); None where a
    sector count is missing (a partial sum is not a total)."""
    rows = frame[(frame["zone"] == zone) & (frame["annee"] == year)]
    if rows.empty or rows["effectif"].isna().any():
        return None
    total = float(rows["effectif"].sum())
    return {str(r.secteur): float(r.effectif) / total * 100.0 for r in rows.itertuples()} if total > 0 else None


def sector_blocks(fig: Figures) -> tuple[list, set[str]]:
    """Jobs by sector (A21) of the territory's zones d'emploi against France, the specialisation
    index and the presential share; and the topics of GAPS they cover."""
    zones = employment_zones(fig)
    frame = fig.store.read(SECTORS_ZE)
    out: list = []
    shown: set[str] = set()
    if frame is not None:
        frame = frame[frame["zone"].isin([code for code, _, _ in zones])]  # no zone known: nothing
    if frame is not None and not frame.empty:
        out.extend(_sector_chart_and_index(fig, frame, zones))
        shown.add("sectors")
    spheres = _spheres(fig)
    if spheres:
        out.extend(spheres)
        shown.add("spheres")
    return out, shown


def _sector_chart_and_index(fig: Figures, frame: pd.DataFrame, zones: list[tuple[str, str, int]]) -> list:
    year = max(frame.loc[frame["effectif"].notna(), "annee"])
    latest = frame[frame["annee"] == year].sort_values(["zone", "ordre"])
    first_zone = latest[latest["zone"] == latest["zone"].iloc[0]]
    sectors = [(str(r.secteur), str(r.libelle)) for r in first_zone.itertuples()]
    france = {str(r.secteur): float(r.part_france_pct) for r in first_zone.itertuples() if not pd.isna(r.part_france_pct)}
    labels = tuple(label for _, label in sectors)
    names = {code: name for code, name, _ in zones}
    total = len(fig.territory.communes)
    series, rows_by_zone = [], {}
    for code, name, _ in zones:
        shares = _zone_shares(latest, code, year)
        if shares is None:
            continue
        rows_by_zone[code] = shares
        series.append(Series(f"ZE {name}", labels, tuple(shares.get(s) for s, _ in sectors)))
    if not series:
        return [Note(f"Emploi salarié par secteur des zones d'emploi (Flores {year}) : effectifs incomplets, parts non "
                     "calculées (une somme partielle n'est pas un total).", tone="gap")]
    series.append(Series("France", labels, tuple(france.get(s) for s, _ in sectors)))
    source = fig.source(SECTORS_ZE)
    zone_words = ", ".join(f"{names[c]} ({c}, {n} commune(s) sur {total})" for c, _, n in zones if c in rows_by_zone)
    chart = Chart(
        id="emplois_secteurs_ze",
        title=f"Emploi salarié par secteur (NAF A21) des zones d'emploi du territoire, fin {year} (% du total)",
        chart="hbar",
        series=tuple(series),
        value_kind="rate",
        unit="%",
        source=source,
        note=f"Zones d'emploi, pas le territoire : {zone_words}. Parts recalculées à partir des effectifs de la zone ; "
        "France : part publiée dans le fichier (ses effectifs n'y sont pas).",
    )
    columns = [Column("Secteur (A21)")]
    for code in rows_by_zone:
        columns += [Column(f"Emplois ZE {names[code]}", "count"), Column(f"Part ZE {names[code]}", "rate"),
                    Column(f"Indice ZE {names[code]}", "ratio", 2)]
    columns.append(Column("Part France", "rate"))
    counts = {(str(r.zone), str(r.secteur)): float(r.effectif) for r in latest.itertuples() if not pd.isna(r.effectif)}
    rows = []
    for sector, label in sectors:
        row: list = [label]
        for code, shares in rows_by_zone.items():
            share = shares.get(sector)
            row += [counts.get((code, sector)), share, ratio(share, france.get(sector))]
        row.append(france.get(sector))
        rows.append(tuple(row))
    index_table = Table(
        title=f"Spécialisation des zones d'emploi par secteur, fin {year} (indice de spécificité, France = 1)",
        columns=tuple(columns),
        rows=tuple(rows),
        source=source,
        note=f"Indice = part du secteur dans les emplois salariés de la zone ÷ part du secteur en France ; au-dessus de "
        f"{str(OVER).replace('.', ',')} le secteur est sur-représenté, au-dessous de {str(UNDER).replace('.', ',')} "
        "sous-représenté. La lecture ci-dessous ne retient que les secteurs pesant au moins 1 % des emplois de la zone.",
    )
    readings = []
    for code, shares in rows_by_zone.items():
        index = {s: ratio(shares.get(s), france.get(s)) for s, _ in sectors}
        label_of = dict(sectors)
        weighty = {k: v for k, v in index.items() if v is not None and shares[k] >= MIN_SHARE}
        over = sorted((k for k, v in weighty.items() if v >= OVER), key=lambda k: -weighty[k])
        under = sorted((k for k, v in weighty.items() if v <= UNDER), key=lambda k: weighty[k])

        def words(keys: list[str], index: dict = weighty, label_of: dict = label_of) -> str:
            return ", ".join(f"{label_of[k]} ({f'{index[k]:.2f}'.replace('.', ',')})" for k in keys) or "aucun"

        readings.append(f"Zone d'emploi {_of(names[code])} : secteurs sur-représentés {words(over)} ; "
                        f"sous-représentés {words(under)}.")
    method = Note(
        "Emploi salarié par secteur : INSEE Flores (emploi salarié public et privé au 31 décembre, nomenclature A21), "
        "chiffres repris d'une republication tierce (dépôt ptod-observatoire-territorial), publiés par zone d'emploi "
        "seulement : ce sont les chiffres de la ou des zones d'emploi du territoire, pas ceux du territoire ni de ses "
        "communes, que le dossier n'estime pas. Parts de la zone recalculées par diagterr à partir des effectifs "
        "(effectif du secteur ÷ somme des effectifs des secteurs publiés) ; la France n'a pas d'effectifs dans le "
        "fichier : l'indice de spécificité est calculé avec la part de la France telle que le fichier la publie "
        "(arrondie à 0,01 point), l'indice de l'auteur n'est pas repris. " + " ".join(readings),
        tone="limit",
    )
    return [chart, index_table, method]


def _spheres(fig: Figures) -> list:
    """Presential and productive shares of jobs (Flores 2023), published per EPCI and France."""
    frame = fig.store.read(SPHERES, filters=[[("variable", "=", PRESENTIAL)]])
    if frame is None or frame.empty:
        return []
    values = {(str(r.geo_level), str(r.geo_code)): (None if pd.isna(r.value) else float(r.value)) for r in frame.itertuples()}
    france = values.get(("FR", "FR"))
    own = values.get(("EPCI", fig.territory.code)) if fig.territory.kind == "epci" else None
    if own is None:
        return [Note(
            "Économie présentielle et productive : la part publiée dans les données hors ligne ne l'est que par EPCI "
            f"(INSEE Flores 2023, republication tierce) ; rien pour {fig.territory.name}. Source en ligne : INSEE, jeu "
            "DS_FLORES_ECONOMIC_SPHERE (API Melodi).",
            tone="gap",
        )]
    manifest = fig.store.manifest(SPHERES)
    year = manifest.vintage.split()[-1] if manifest else ""

    def productive(value: float | None) -> float | None:
        return None if value is None else 100.0 - value

    return [
        Table(
            title=f"Économie présentielle et productive : part des emplois salariés, {year}",
            columns=(Column("Territoire"), Column("Sphère présentielle", "rate"), Column("Sphère productive", "rate")),
            rows=((fig.territory.name, own, productive(own)), ("France", france, productive(france))),
            source=fig.source(SPHERES),
            note="Sphère présentielle : activités tournées vers les besoins des personnes présentes (habitants et "
            "touristes) ; productive : biens et services surtout consommés hors de la zone. Part présentielle publiée "
            "par un tiers (dépôt ptod-observatoire-territorial, d'après INSEE Flores) ; la productive est son "
            "complément à 100. Pas de valeur départementale ni régionale dans ce fichier.",
        )
    ]


# -- establishments, sectors, employers -------------------------------------------------------------


# What the offline data cannot give, with the source that will (said once, in one note).
GAPS = (
    ("sectors", "emplois par secteur et spécialisation du territoire contre la France (indice de spécificité) : "
     "INSEE Flores, jeux DS_FLORES_A38 et DS_FLORES_A88 (API Melodi), ou URSSAF commune × APE (open.urssaf.fr)"),
    ("largest", "les dix plus grands établissements employeurs (nom, activité, tranche d'effectif, commune) : API "
     "Recherche d'entreprises (recherche-entreprises.api.gouv.fr, base Sirene)"),
    ("spheres", "économie présentielle et productive : INSEE Flores, jeu DS_FLORES_ECONOMIC_SPHERE (API Melodi)"),
    ("creations", "créations d'établissements par an : INSEE SIDE, jeu DS_SIDE_CREA_ETAB_COM (API Melodi)"),
)


def gaps_note(shown: set[str]) -> Note:
    """One note for every economy topic the offline data cannot give (those in `shown` are left out)."""
    items = [text for key, text in GAPS if key not in shown]
    sectors = ("" if "sectors" in shown else " Les données hors ligne ne donnent les effectifs par secteur ni par commune "
               "ni par EPCI (seulement par zone d'emploi) : le dossier ne les estime pas.")
    return Note("Non disponible hors ligne, avec la source qui le fournira — " + " ; ".join(items) + "." + sectors,
                tone="gap")


def largest_employers(fig: Figures) -> list:
    """The largest establishments, when a fetch has put them in the store; else what would give them."""
    frame = fig.table(LARGEST)
    if frame is None or frame.empty:
        return []
    from diagterr.sources.recherche_entreprises import BANDS, SECTIONS, territory_key

    if "territoire" in frame.columns:  # one list per territory: a commune's top ten is not its EPCI's
        frame = frame[frame["territoire"] == territory_key(fig.territory)]
        if frame.empty:
            return []
    rank = {code: i for i, code in enumerate(BANDS)}
    names = {c.code: c.name for c in fig.territory.communes}
    frame = frame.assign(_rank=frame["tranche_effectif"].map(lambda b: rank.get(b, 0)))
    frame = frame.sort_values(["_rank", "nom", "siret"], ascending=[False, True, True]).head(10)
    rows = []
    for r in frame.itertuples():
        same = pd.isna(r.enseigne) or not r.enseigne or r.enseigne.casefold() == r.nom.casefold()
        name = r.nom if same else f"{r.nom} ({r.enseigne})"
        activity = r.activite_principale if not pd.isna(r.activite_principale) else "n.d."
        if not pd.isna(r.section) and r.section in SECTIONS:
            activity = f"{activity} — {SECTIONS[r.section]}"
        year = None if pd.isna(r.annee_tranche) else str(r.annee_tranche)
        rows.append((name, activity, r.tranche_libelle, year, names.get(r.commune, r.commune)))
    manifest = fig.store.manifest(LARGEST)
    days = sorted(set(frame["date_liste"].dropna())) if "date_liste" in frame.columns else []
    day = days[-1] if days else (manifest.retrieved_at if manifest else None)
    dated = f" ; liste établie le {day}" if day else ""
    return [Table(
        title="Les plus grands établissements employeurs",
        columns=(Column("Établissement"), Column("Activité (NAF)"), Column("Tranche d'effectif salarié"),
                 Column("Année de la tranche"), Column("Commune")),
        rows=tuple(rows),
        source=fig.source(LARGEST),
        note="Établissements ouverts classés par tranche d'effectif salarié (Sirene) : une tranche est un "
        f"intervalle, pas un effectif ; n.d. : année non publiée{dated}.",
    )]


def tourism(fig: Figures) -> list:
    """Tourism capacity approached by the census's secondary homes (hotel and campsite beds: not offline)."""
    periods = census_periods(fig)
    if periods is None:
        return [Note("Capacité d'accueil touristique : INSEE, jeu DS_TOUR_CAP (API Melodi) et résidences "
                     "secondaires du recensement — non disponible hors ligne pour ce territoire.", tone="gap")]
    year = periods[1]
    fetched = _melodi_frame(fig, TOURISM) is not None  # asked online: its own blocks follow
    indicators = (
        fig.count_indicator(
            "residences_secondaires", "Résidences secondaires et logements occasionnels", COMPARATEUR,
            "residences_secondaires", year, "logements",
        ),
        fig.rate_indicator(
            "residences_secondaires_pour_100_habitants", "Résidences secondaires pour 100 habitants", COMPARATEUR,
            "residences_secondaires", "pop", year, unit="pour 100 habitants", kind="ratio", decimals=1,
        ),
    )
    return [
        IndicatorTable(f"Capacité d'accueil touristique : les résidences secondaires (recensement {year})", indicators),
        Note(
            "Le recensement compte les résidences secondaires, pas les lits touristiques. "
            + ("Hôtels, campings et autres hébergements collectifs : INSEE, jeu DS_TOUR_CAP, ci-dessous." if fetched else
               "Lits des hôtels, campings et autres hébergements collectifs : INSEE, jeu DS_TOUR_CAP de l'API Melodi — "
               "non disponible hors ligne."),
            tone="limit",
        ),
    ]


def blocks(fig: Figures) -> list:
    """The economy at place of work, in the order of the section. The INSEE datasets read from Melodi
    (online) come first where the store has them for the territory; the offline views otherwise."""
    out: list = []
    out.extend(salaried_jobs(fig))
    flores, shown = flores_sector_blocks(fig)
    out.extend(flores)
    spheres = flores_sphere_blocks(fig)
    out.extend(spheres)
    if any(not isinstance(b, Note) for b in spheres):
        shown.add("spheres")
    if "sectors" not in shown:
        offline, offline_shown = sector_blocks(fig)
        if "spheres" in shown:  # Flores spheres from INSEE itself: not the third-party share
            offline = [b for b in offline if not (isinstance(b, Table) and "présentielle" in b.title)]
            offline_shown.discard("spheres")
        out.extend(offline)
        shown |= offline_shown
    side = side_stock_blocks(fig)
    out.extend(side)
    etab_year = fig.latest_period(COMPARATEUR, "etablissements")
    if etab_year and not any(isinstance(b, Chart) for b in side):
        out.append(IndicatorTable(f"Établissements (Sirene, fin {etab_year})", tuple(establishment_indicators(fig, etab_year))))
        out.append(sector_chart(fig, etab_year))
    creations = side_creation_blocks(fig)
    out.extend(creations)
    if any(isinstance(b, Chart) for b in creations):
        shown.add("creations")
    employers = largest_employers(fig)
    out.extend(employers)
    if employers:
        shown.add("largest")
    # A Melodi dataset asked online says itself what it did not give: not "non disponible hors ligne".
    asked = {key for key, table in (("sectors", FLORES_A38), ("spheres", FLORES_SPHERES), ("creations", SIDE_CREATIONS))
             if _melodi_frame(fig, table) is not None}
    if any(key not in shown | asked for key, _ in GAPS):
        out.append(gaps_note(shown | asked))
    out.extend(tourism(fig))
    out.extend(tourism_capacity_blocks(fig))
    return out


# -- INSEE economy datasets read from Melodi (Flores, SIDE, tourism capacity) -------------------------
#
# Online runs put them in the store (sources.melodi_economy); offline, these tables are absent and the
# section keeps the views above (zones d'emploi, comparateur). Counts are summed over the communes; where
# Flores hides a commune (secret) the sum is not a total, and the EPCI's own published count is shown
# instead, said so; a share is always computed from one basis (communes or EPCI), never mixed.

FLORES_A38 = "flores_secteurs"
FLORES_SIZES = "flores_tailles"
FLORES_SPHERES = "flores_spheres"
SIDE_STOCKS = "side_etablissements"
SIDE_CREATIONS = "side_creations"
TOURISM = "tourisme_capacite"
SMALL_BAND_MAX = 9  # "moins de 10 salariés"
TOP_SECTORS = 12  # bars of the sector chart (the table lists every sector)

_EPCI_NOTE = ("valeur publiée par l'INSEE pour l'EPCI lui-même : la somme des communes est incomplète "
              "(secret statistique ou commune non publiée)")


def _melodi_frame(fig: Figures, name: str) -> pd.DataFrame | None:
    """The table's rows for the territory (None: never asked; empty: Melodi answered without any)."""
    return fig.table(name)


def _answered_nothing(fig: Figures, name: str, dataset: str, what: str) -> Note:
    manifest = fig.store.manifest(name)
    day = f" le {manifest.retrieved_at}" if manifest else ""
    return Note(f"{what} : l'API Melodi de l'INSEE (jeu {dataset}) n'a renvoyé aucune valeur pour les communes "
                f"du territoire (interrogée{day}) ; la donnée est marquée manquante.", tone="gap")


def _epci_value(fig: Figures, name: str, variable: str, period: str) -> Reading:
    """The EPCI's own published value of a variable (the territory must be an EPCI)."""
    frame = fig.table(name)
    if frame is None or fig.territory.kind != "epci":
        return Reading(None, "pas de valeur publiée pour l'EPCI")
    rows = frame[(frame["geo_level"] == "EPCI") & (frame["geo_code"] == fig.territory.code)
                 & (frame["variable"] == variable) & (frame["period"] == period)]
    if rows.empty:
        return Reading(None, "valeur de l'EPCI absente de la réponse")
    value = rows["value"].iloc[0]
    if pd.isna(value):
        return Reading(None, "secret statistique" if rows["status"].iloc[0] == "secret" else "non publié")
    return Reading(float(value))


def _own(fig: Figures, name: str, compute) -> tuple[Reading, bool]:
    """compute(get) over the summed communes; if that is missing, over the EPCI's published values.
    Returns the reading and whether it is the EPCI's."""
    reading = compute(lambda v, p: fig.territory_total(name, v, p))
    if reading.value is not None or fig.territory.kind != "epci":
        return reading, False
    published = compute(lambda v, p: _epci_value(fig, name, v, p))
    return (published, True) if published.value is not None else (reading, False)


def _with_epci(fig: Figures, name: str, indicator: Indicator, compute) -> Indicator:
    if indicator.value is not None:
        return indicator
    reading, from_epci = _own(fig, name, compute)
    if not from_epci:
        return indicator
    note = "; ".join(filter(None, [indicator.note, _EPCI_NOTE[0].upper() + _EPCI_NOTE[1:]]))
    return replace(indicator, value=reading.value, missing_reason=None, note=note)


def _count(fig: Figures, name: str, id: str, label: str, variable: str, period: str, unit: str) -> Indicator:
    indicator = fig.count_indicator(id, label, name, variable, period, unit)
    return _with_epci(fig, name, indicator, lambda get: get(variable, period))


def _share(fig: Figures, name: str, id: str, label: str, parts: list[str], whole: str, period: str) -> Indicator:
    """Sum of `parts` over `whole`, in %, each level from its own counts; no value where a part is missing."""

    def compute(get) -> Reading:
        den = get(whole, period)
        nums = [get(v, period) for v in parts]
        missing = next((r for r in [den, *nums] if r.value is None), None)
        if missing is not None:
            return Reading(None, missing.missing_reason or "non publié")
        return Reading(ratio(sum(r.value for r in nums), den.value, 100.0))  # type: ignore[misc]

    indicator = fig.derived_indicator(id, label, name, period, "%", "rate", compute, vintage_of=whole)
    return _with_epci(fig, name, indicator, compute)


def _codes(frame: pd.DataFrame, prefix: str) -> list[str]:
    """The codes a wildcard variable took in the data (`emplois_QB` → QB), sorted."""
    names = frame.loc[frame["variable"].str.startswith(prefix), "variable"].unique()
    return sorted({n[len(prefix):] for n in names if n[len(prefix):] and n[len(prefix):] != "salaries"})


def _latest(frame: pd.DataFrame, variable: str) -> str | None:
    """The latest year of `variable`, with a value or a secret one (a secret year is still the vintage)."""
    rows = frame[(frame["variable"] == variable) & frame["period"].str.fullmatch(r"\d{4}")]
    return max(rows["period"]) if not rows.empty else None


def _territory_has_values(frame: pd.DataFrame, fig: Figures) -> bool:
    """True when the answer has rows (values or secret ones) for the territory's communes or the EPCI."""
    own = frame[((frame["geo_level"] == "COM") & frame["geo_code"].isin(fig.territory.commune_codes))
                | ((frame["geo_level"] == "EPCI") & (frame["geo_code"] == fig.territory.code))]
    return not own.empty


def flores_sector_blocks(fig: Figures) -> tuple[list, set[str]]:
    """Salaried jobs by A38 sector (Flores) of the territory against its comparison levels, the
    specialisation index against France; the topics of GAPS covered. Nothing when never asked."""
    from diagterr.sources.melodi_economy import A38_LABELS

    frame = _melodi_frame(fig, FLORES_A38)
    if frame is None:
        return [], set()
    year = _latest(frame, "emplois_salaries")
    if year is None or not _territory_has_values(frame, fig):
        return [_answered_nothing(fig, FLORES_A38, "DS_FLORES_A38", "Emploi salarié par secteur (Flores)")], set()
    sectors = _codes(frame, "emplois_")
    order = {code: i for i, code in enumerate(A38_LABELS)}
    sectors.sort(key=lambda c: (order.get(c, len(order)), c))
    labels = {c: A38_LABELS.get(c, c) for c in sectors}
    france = next(p for p in fig.comparison_places if p.level == "france")

    def share_of(sector: str):
        def compute(get) -> Reading:
            part, whole = get(f"emplois_{sector}", year), get("emplois_salaries", year)
            if part.value is None or whole.value is None:
                return Reading(None, part.missing_reason or whole.missing_reason)
            return Reading(ratio(part.value, whole.value, 100.0))
        return compute

    own_counts = {s: _own(fig, FLORES_A38, lambda get, s=s: get(f"emplois_{s}", year)) for s in sectors}
    own_shares = {s: _own(fig, FLORES_A38, share_of(s)) for s in sectors}
    france_shares = {s: share_of(s)(lambda v, p: fig.place_value(FLORES_A38, v, p, france)).value for s in sectors}
    used_epci = any(e for _, e in own_counts.values()) or any(e for _, e in own_shares.values())
    ranked = sorted((s for s in sectors if own_shares[s][0].value is not None),
                    key=lambda s: -(own_shares[s][0].value or 0.0))[:TOP_SECTORS]
    ranked = [s for s in sectors if s in ranked]  # nomenclature order
    source = fig.source(FLORES_A38)
    blocks: list = [IndicatorTable(f"Emploi salarié au lieu de travail (INSEE Flores, fin {year})", tuple(filter(None, [
        _count(fig, FLORES_A38, "emplois_salaries_flores", "Emplois salariés (public et privé)", "emplois_salaries",
               year, "emplois"),
        _count(fig, FLORES_A38, "etablissements_employeurs_flores", "Établissements employeurs", "etablissements_employeurs",
               year, "établissements"),
        _small_establishments(fig),
    ])))]
    if ranked:
        series = [Series(fig.territory.name, tuple(labels[s] for s in ranked), tuple(own_shares[s][0].value for s in ranked))]
        for place in fig.comparison_places:
            series.append(Series(place.name, tuple(labels[s] for s in ranked), tuple(
                share_of(s)(lambda v, p, place=place: fig.place_value(FLORES_A38, v, p, place)).value for s in ranked)))
        blocks.append(Chart(
            id="emplois_secteurs_flores",
            title=f"Emploi salarié par secteur (NAF A38), fin {year} : les {len(ranked)} premiers secteurs du territoire "
                  "(% des emplois)",
            chart="hbar", series=tuple(series), value_kind="rate", unit="%", source=source,
            note="Parts recalculées par diagterr : emplois du secteur ÷ emplois de tous les secteurs, chaque niveau à "
                 "partir de ses propres effectifs" + (" ; territoire : valeurs publiées pour l'EPCI (secret statistique "
                                                      "dans des communes)." if used_epci else "."),
        ))
    rows = []
    for s in sectors:
        count, from_epci = own_counts[s]
        share = own_shares[s][0].value
        index = ratio(share, france_shares[s])
        if count.value is None and share is None and france_shares[s] is None:
            continue
        rows.append((labels[s] + (" *" if from_epci else ""), count.value, share, france_shares[s], index))
    if not rows:
        blocks.append(Note(f"Emploi salarié par secteur (Flores {year}) : aucun secteur publié pour le territoire dans la "
                           "réponse de Melodi (DS_FLORES_A38) ; la donnée est marquée manquante.", tone="gap"))
        return blocks, set()  # the zones d'emploi view stays
    blocks.append(Table(
        title=f"Emploi salarié par secteur et spécialisation du territoire, fin {year} (indice de spécificité, France = 1)",
        columns=(Column("Secteur (A38)"), Column("Emplois", "count"), Column("Part du territoire", "rate"),
                 Column("Part en France", "rate"), Column("Indice", "ratio", 2)),
        rows=tuple(rows),
        source=source,
        note="Indice = part du secteur dans le territoire ÷ part du secteur en France, parts recalculées à partir des "
             "effectifs ; n.d. : secret statistique ou valeur non publiée (jamais zéro)."
             + (" * : " + _EPCI_NOTE + "." if any(e for _, e in own_counts.values()) else ""),
    ))
    index = {s: ratio(own_shares[s][0].value, france_shares[s]) for s in sectors}
    weighty = {s: v for s, v in index.items() if v is not None and (own_shares[s][0].value or 0.0) >= MIN_SHARE}
    over = sorted((s for s, v in weighty.items() if v >= OVER), key=lambda s: -weighty[s])
    under = sorted((s for s, v in weighty.items() if v <= UNDER), key=lambda s: weighty[s])

    def words(keys: list[str]) -> str:
        return ", ".join(f"{labels[k]} ({f'{weighty[k]:.2f}'.replace('.', ',')})" for k in keys) or "aucun"

    blocks.append(Note(
        "Emploi salarié par secteur : INSEE Flores (établissements employeurs, hors défense et particuliers employeurs ; "
        "postes de la dernière semaine de décembre), lu dans l'API Melodi (jeu DS_FLORES_A38). Secteurs sur-représentés "
        f"(indice ≥ {str(OVER).replace('.', ',')}, au moins 1 % des emplois) : {words(over)} ; sous-représentés (indice ≤ "
        f"{str(UNDER).replace('.', ',')}) : {words(under)}.",
        tone="limit",
    ))
    return blocks, {"sectors"}


def _bands(frame: pd.DataFrame) -> list[tuple[str, int, float]]:
    """Size bands of the data (`E1T4` → (code, 1, 4)), without the bands that contain another one."""
    out = []
    for code in _codes(frame, "etablissements_employeurs_"):
        if code == "E0":
            out.append((code, 0, 0.0))
        elif code.startswith("E_GE") and code[4:].isdigit():
            out.append((code, int(code[4:]), float("inf")))
        elif code.startswith("E") and "T" in code[1:] and all(p.isdigit() for p in code[1:].split("T")):
            low, high = code[1:].split("T")
            out.append((code, int(low), float(high)))
    return [b for b in out if not any(o is not b and b[1] <= o[1] and o[2] <= b[2] for o in out)]


def _small_establishments(fig: Figures) -> Indicator | None:
    """Share of employer establishments with fewer than 10 employees (Flores, by size band)."""
    frame = _melodi_frame(fig, FLORES_SIZES)
    if frame is None:
        return None
    year = _latest(frame, "etablissements_employeurs")
    small = [code for code, _, high in _bands(frame) if high <= SMALL_BAND_MAX]
    label = "Part des établissements employeurs de moins de 10 salariés"
    if year is None or not small:
        manifest = fig.store.manifest(FLORES_SIZES)
        return Indicator(id="part_etab_moins_10_salaries", label=label, value=None, unit="%", kind="rate",
                         period=year or "", source=fig.source(FLORES_SIZES),
                         missing_reason="tranches d'effectif absentes de la réponse de Melodi (DS_FLORES_A5)"
                         + (f", interrogée le {manifest.retrieved_at}" if manifest else ""))
    return _share(fig, FLORES_SIZES, "part_etab_moins_10_salaries", label,
                  [f"etablissements_employeurs_{c}" for c in small], "etablissements_employeurs", year)


def flores_sphere_blocks(fig: Figures) -> list:
    """Presential and productive economy from Flores counts (territory, département, région, France)."""
    from diagterr.sources.melodi_economy import SPHERE_LABELS

    frame = _melodi_frame(fig, FLORES_SPHERES)
    if frame is None:
        return []
    year = _latest(frame, "emplois_salaries")
    if year is None or not _territory_has_values(frame, fig):
        return [_answered_nothing(fig, FLORES_SPHERES, "DS_FLORES_ECONOMIC_SPHERE", "Économie présentielle et productive")]
    spheres = [s for s in SPHERE_LABELS if f"emplois_sphere_{s}" in set(frame["variable"])]
    other = [s for s in _codes(frame, "emplois_sphere_") if s not in SPHERE_LABELS]
    indicators = [
        _share(fig, FLORES_SPHERES, f"part_emplois_{s.lower()}", f"Part des emplois salariés : {SPHERE_LABELS[s].lower()}",
               [f"emplois_sphere_{s}"], "emplois_salaries", year)
        for s in spheres
    ]
    if not indicators:
        return [Note("Économie présentielle et productive : la réponse de Melodi (DS_FLORES_ECONOMIC_SPHERE) ne porte "
                     "pas les sphères attendues (PRESENTIAL, PRODUCTIVE)"
                     + (f" mais : {', '.join(other)}" if other else "") + " ; la donnée est marquée manquante.", tone="gap")]
    return [
        IndicatorTable(f"Économie présentielle et productive (INSEE Flores, fin {year})", tuple(indicators)),
        Note("Sphère présentielle : activités tournées vers les besoins des personnes présentes (habitants et touristes) ; "
             "productive : biens et services surtout consommés hors de la zone. Parts recalculées à partir des effectifs "
             "salariés publiés par l'INSEE (jeu DS_FLORES_ECONOMIC_SPHERE de l'API Melodi).", tone="info"),
    ]


def side_stock_blocks(fig: Figures) -> list:
    """Establishments (SIDE) by A10 sector, latest year, against the comparison levels."""
    from diagterr.sources.melodi_economy import A10_LABELS

    frame = _melodi_frame(fig, SIDE_STOCKS)
    if frame is None:
        return []
    year = _latest(frame, "etablissements")
    if year is None or not _territory_has_values(frame, fig):
        return [_answered_nothing(fig, SIDE_STOCKS, "DS_SIDE_STOCKS_ET_COM", "Établissements par secteur (SIDE)")]
    years = sorted(set(frame.loc[frame["variable"] == "etablissements", "period"]))
    indicators = [_count(fig, SIDE_STOCKS, "etablissements_side", "Établissements au 31 décembre", "etablissements",
                         year, "établissements")]
    if len(years) > 1:
        first = years[0]

        def change(get) -> Reading:
            a, b = get("etablissements", first), get("etablissements", year)
            if a.value is None or b.value is None:
                return Reading(None, a.missing_reason or b.missing_reason)
            return Reading(_evolution_pct(a.value, b.value))

        indicators.append(fig.derived_indicator("evolution_etablissements_side", f"Évolution du nombre d'établissements "
                                                f"{first}-{year}", SIDE_STOCKS, f"{first}-{year}", "%", "rate", change,
                                                vintage_of="etablissements"))
    sectors = [c for c in A10_LABELS if f"etablissements_{c}" in set(frame["variable"])]
    sectors += [c for c in _codes(frame, "etablissements_") if c not in A10_LABELS]
    blocks: list = [IndicatorTable(f"Établissements (INSEE SIDE, fin {year})", tuple(indicators))]
    if sectors:
        def share(sector: str, get) -> float | None:
            part, whole = get(f"etablissements_{sector}", year), get("etablissements", year)
            return ratio(part.value, whole.value, 100.0)

        labels = tuple(A10_LABELS.get(s, s) for s in sectors)
        series = [Series(fig.territory.name, labels,
                         tuple(share(s, lambda v, p: fig.territory_total(SIDE_STOCKS, v, p)) for s in sectors))]
        for place in fig.comparison_places:
            series.append(Series(place.name, labels, tuple(
                share(s, lambda v, p, place=place: fig.place_value(SIDE_STOCKS, v, p, place)) for s in sectors)))
        blocks.append(Chart(
            id="etablissements_secteurs_side",
            title=f"Établissements par secteur (NAF A10, hors agriculture), fin {year} (% du total)",
            chart="hbar", series=tuple(series), value_kind="rate", unit="%", source=fig.source(SIDE_STOCKS),
            note="INSEE SIDE (système d'information sur la démographie d'entreprises), jeu DS_SIDE_STOCKS_ET_COM de l'API "
                 "Melodi : tous les établissements actifs, employeurs ou non, hors agriculture. Parts recalculées à partir "
                 "des nombres d'établissements de chaque niveau ; n.d. : secret ou commune absente.",
        ))
    return blocks


def side_creation_blocks(fig: Figures) -> list:
    """Establishment creations per year (SIDE): chart of the territory, latest year and creation rate compared."""
    frame = _melodi_frame(fig, SIDE_CREATIONS)
    if frame is None:
        return []
    year = _latest(frame, "creations_etablissements")
    if year is None or not _territory_has_values(frame, fig):
        return [_answered_nothing(fig, SIDE_CREATIONS, "DS_SIDE_CREA_ETAB_COM", "Créations d'établissements (SIDE)")]
    years = sorted(p for p in set(frame.loc[frame["variable"] == "creations_etablissements", "period"]) if p.isdigit())
    own = {y: fig.territory_total(SIDE_CREATIONS, "creations_etablissements", y) for y in years}
    indicators = [_count(fig, SIDE_CREATIONS, "creations_etablissements", "Créations d'établissements dans l'année",
                         "creations_etablissements", year, "créations")]
    stocks = _melodi_frame(fig, SIDE_STOCKS)
    before = str(int(year) - 1)
    if stocks is not None and ((stocks["variable"] == "etablissements") & (stocks["period"] == before)).any():
        def rate(get) -> Reading:
            created = get("creations_etablissements", year)
            stock = get("etablissements", before, SIDE_STOCKS)
            if created.value is None or stock.value is None:
                return Reading(None, created.missing_reason or stock.missing_reason)
            return Reading(ratio(created.value, stock.value, 100.0))

        indicators.append(fig.derived_indicator(
            "taux_creation_etablissements", f"Taux de création d'établissements {year} (créations ÷ établissements fin "
            f"{before})", SIDE_CREATIONS, year, "%", "rate", rate, vintage_of="creations_etablissements"))
    missing = [y for y, r in own.items() if r.value is None]
    note = ("INSEE SIDE, jeu DS_SIDE_CREA_ETAB_COM de l'API Melodi : établissements créés dans l'année, hors agriculture, "
            "toutes formes juridiques ; le territoire est la somme de ses communes.")
    if missing:
        reason = next((own[y].missing_reason for y in missing if own[y].missing_reason), "non publié")
        note += f" Années sans total ({reason}) : {', '.join(missing)}."
    return [
        IndicatorTable(f"Créations d'établissements (INSEE SIDE, {year})", tuple(indicators)),
        Chart(
            id="creations_etablissements",
            title=f"Créations d'établissements par an, {years[0]}-{years[-1]}",
            chart="bar", series=(Series(fig.territory.name, tuple(years), tuple(own[y].value for y in years)),),
            value_kind="count", unit="créations", source=fig.source(SIDE_CREATIONS), note=note,
        ),
    ]


def tourism_capacity_blocks(fig: Figures) -> list:
    """Hotels, campsites and other collective accommodation (DS_TOUR_CAP), each in its own unit:
    rooms, pitches and beds are never added up."""
    from diagterr.sources.melodi_economy import TOURISM_CAPACITY, tourism_variable

    frame = _melodi_frame(fig, TOURISM)
    if frame is None:
        return []
    variables = set(frame["variable"])
    years = [p for p in frame.loc[frame["value"].notna(), "period"] if p.isdigit()]
    if not years:
        return [_answered_nothing(fig, TOURISM, "DS_TOUR_CAP", "Capacité des hébergements touristiques")]
    year = max(years)
    indicators = []
    absent = []
    for measure, activity, label, unit in TOURISM_CAPACITY:
        variable = tourism_variable(measure, activity)
        if variable not in variables:
            absent.append(label)
            continue
        indicators.append(fig.count_indicator(variable, label, TOURISM, variable, year, unit))
    blocks: list = []
    if indicators:
        blocks.append(IndicatorTable(f"Capacité des hébergements touristiques au 1er janvier {year} (INSEE)",
                                     tuple(indicators)))
    text = ("Hébergements collectifs de tourisme recensés par l'INSEE (jeu DS_TOUR_CAP de l'API Melodi) : chambres "
            "d'hôtel, emplacements de camping et lits des autres hébergements sont trois unités différentes, jamais "
            "additionnées ; une capacité n'est pas une fréquentation. Une commune absente de la réponse n'a pas de valeur : "
            "la somme du territoire n'est alors pas un total.")
    if absent:
        text += " Absents de la réponse (codes non publiés ou renommés) : " + ", ".join(absent) + "."
    blocks.append(Note(text, tone="limit"))
    return blocks

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
    return Note(
        "Non disponible hors ligne, avec la source qui le fournira — " + " ; ".join(items) + ". Les données hors "
        "ligne ne donnent les effectifs par secteur ni par commune ni par EPCI (seulement par zone d'emploi) : le "
        "dossier ne les estime pas.",
        tone="gap",
    )


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
            "Les résidences secondaires du recensement sont ici l'approche de la capacité d'accueil touristique : le "
            "recensement ne compte pas les lits. Lits des hôtels, campings et autres hébergements collectifs : INSEE, "
            "jeu DS_TOUR_CAP de l'API Melodi — non disponible hors ligne.",
            tone="limit",
        ),
    ]


def blocks(fig: Figures) -> list:
    """The economy at place of work, in the order of the section."""
    out: list = []
    out.extend(salaried_jobs(fig))
    etab_year = fig.latest_period(COMPARATEUR, "etablissements")
    if etab_year:
        out.append(IndicatorTable(f"Établissements (Sirene, fin {etab_year})", tuple(establishment_indicators(fig, etab_year))))
        out.append(sector_chart(fig, etab_year))
    sectors, shown = sector_blocks(fig)
    out.extend(sectors)
    employers = largest_employers(fig)
    out.extend(employers)
    if employers:
        shown.add("largest")
    out.append(gaps_note(shown))
    out.extend(tourism(fig))
    return out

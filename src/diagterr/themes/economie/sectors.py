"""Jobs by sector and the specialisation index, and the presential and productive economy.

Each is answered by the first table of its order in tables.ANSWERS: INSEE Flores read from
Melodi for the territory itself (A38 sectors, spheres; the EPCI's own count where a commune's is
secret), else the samples' third-party Flores files: A21 sectors of the territory's zones
d'emploi (not the territory's, and said so), the presential share published per EPCI.
"""

from __future__ import annotations

import pandas as pd

from diagterr.aggregate import ratio
from diagterr.dossier import Chart, Column, Indicator, IndicatorTable, Note, Series, Table
from diagterr.tables.economy import (
    A38_LABELS,
    FLORES_SECTEURS,
    FLORES_SPHERES,
    FLORES_TAILLES,
    PRESENTIAL_SHARE,
    RP_BROAD_SECTORS,
    SECTEURS_ZE,
    SPHERE_LABELS,
    SPHERES_PTOD,
    rp_sector_variable,
)
from diagterr.texts import say
from diagterr.themes.economie.answers import View, first_answer
from diagterr.themes.economie.melodi_figures import (
    answered_nothing,
    codes,
    count,
    latest,
    own,
    share,
    territory_has_values,
)
from diagterr.themes.economie.salaried_jobs import Zone, employment_zones, of_name
from diagterr.themes.figures import Figures, Getter, Reading

OVER, UNDER = 1.2, 0.8  # specialisation index thresholds of "sur-" and "sous-représenté"
MIN_SHARE = 1.0  # % of the jobs: smaller sectors are in the table, not in the reading
SMALL_BAND_MAX = 9  # "moins de 10 salariés"
TOP_SECTORS = 12  # bars of the sector chart (the table lists every sector)
PRESENTIAL = PRESENTIAL_SHARE  # spheres_ptod
ZONE_CHART = "emplois_secteurs_ze"  # the chart that opens the zones d'emploi's profile


def by_sector(fig: Figures) -> list:
    """Jobs by sector: Flores A38 of the territory, else Flores A21 of its zones d'emploi."""
    return first_answer(fig, "emplois_par_secteur",
                        {FLORES_SECTEURS.name: flores_sectors, SECTEURS_ZE.name: zone_sectors})


def spheres(fig: Figures) -> list:
    """Presential and productive economy: Flores of the territory, else the EPCI's published share."""
    return first_answer(fig, "spheres_economiques",
                        {FLORES_SPHERES.name: flores_spheres, SPHERES_PTOD.name: published_spheres})


def _index_words(items: list[tuple[str, float]]) -> str:
    """"Ind. manufacturière (2,48), Construction (1,31)", or "aucun"."""
    return ", ".join(say("economie_secteurs.index_item", label=label, index=index) for label, index in items) \
        or say("economie_secteurs.index_none")


# -- Flores A38 of the territory (Melodi) ------------------------------------------------------------


def flores_sectors(fig: Figures) -> View:
    """Salaried jobs by A38 sector (Flores) of the territory against its comparison levels, the
    specialisation index against France. Answers when a sector has a figure. Nothing when never asked."""
    frame = fig.table(FLORES_SECTEURS)
    if frame is None:
        return View()
    year = latest(frame, "emplois_salaries")
    if year is None or not territory_has_values(frame, fig):
        return View([answered_nothing(fig, FLORES_SECTEURS, "DS_FLORES_A38", "Emploi salarié par secteur (Flores)",
                                      say("lacunes.economie_sectors"))])
    sectors = codes(frame, "emplois_")
    order = {code: i for i, code in enumerate(A38_LABELS)}
    sectors.sort(key=lambda c: (order.get(c, len(order)), c))
    labels = {c: A38_LABELS.get(c, c) for c in sectors}
    france = next(p for p in fig.comparison_places if p.level == "france")

    def share_of(sector: str):
        def compute(get: Getter) -> Reading:
            part, whole = get(f"emplois_{sector}", year), get("emplois_salaries", year)
            if part.value is None or whole.value is None:
                return Reading(None, part.missing_reason or whole.missing_reason)
            return Reading(ratio(part.value, whole.value, 100.0))
        return compute

    def jobs_of(sector: str):
        return lambda get: get(f"emplois_{sector}", year)

    own_counts = {s: own(fig, FLORES_SECTEURS, jobs_of(s)) for s in sectors}
    own_shares = {s: own(fig, FLORES_SECTEURS, share_of(s)) for s in sectors}
    france_shares = {s: share_of(s)(lambda v, p: fig.place_value(FLORES_SECTEURS, v, p, france)).value for s in sectors}
    used_epci = any(e for _, e in own_counts.values()) or any(e for _, e in own_shares.values())
    ranked = sorted((s for s in sectors if own_shares[s][0].value is not None),
                    key=lambda s: -(own_shares[s][0].value or 0.0))[:TOP_SECTORS]
    ranked = [s for s in sectors if s in ranked]  # nomenclature order
    source = fig.source(FLORES_SECTEURS)
    blocks: list = [IndicatorTable(f"Emploi salarié au lieu de travail (INSEE Flores, fin {year})", tuple(filter(None, [
        count(fig, FLORES_SECTEURS, "emplois_salaries_flores", "Emplois salariés (public et privé)", "emplois_salaries",
              year, "emplois"),
        count(fig, FLORES_SECTEURS, "etablissements_employeurs_flores", "Établissements employeurs",
              "etablissements_employeurs", year, "établissements"),
        _small_establishments(fig),
    ])))]
    if ranked:
        series = [Series(fig.territory.name, tuple(labels[s] for s in ranked),
                         tuple(own_shares[s][0].value for s in ranked))]
        for place in fig.comparison_places:
            series.append(Series(place.name, tuple(labels[s] for s in ranked), tuple(
                share_of(s)(lambda v, p, place=place: fig.place_value(FLORES_SECTEURS, v, p, place)).value
                for s in ranked)))
        blocks.append(Chart(
            id="emplois_secteurs_flores",
            title=f"Emploi salarié par secteur (NAF A38), fin {year} : les {len(ranked)} premiers secteurs du territoire "
                  "(% des emplois)",
            chart="hbar", series=tuple(series), value_kind="rate", unit="%", source=source,
            note=say("economie_secteurs.a38_chart_note", epci=used_epci),
        ))
    rows = []
    for s in sectors:
        number, from_epci = own_counts[s]
        part = own_shares[s][0].value
        specificity = ratio(part, france_shares[s])
        if number.value is None and part is None and france_shares[s] is None:
            continue
        rows.append((labels[s] + (" *" if from_epci else ""), number.value, part, france_shares[s], specificity))
    if not rows:
        blocks.append(Note(say("lacunes.economie_sectors"), tone="gap", source_id=FLORES_SECTEURS.source_id,
                           detail=say("economie_secteurs.a38_none", year=year), remedy="unpublished"))
        return View(blocks)  # the zones d'emploi view follows
    blocks.append(Table(
        title=f"Emploi salarié par secteur et spécialisation du territoire, fin {year} (indice de spécificité, "
              "France = 1)",
        columns=(Column("Secteur (A38)"), Column("Emplois", "count"), Column("Part du territoire", "rate"),
                 Column("Part en France", "rate"), Column("Indice", "ratio", 2)),
        rows=tuple(rows),
        source=source,
        note=say("economie_secteurs.a38_table_note", epci=any(e for _, e in own_counts.values()),
                 epci_value=say("economie.epci_value")),
    ))
    index = {s: ratio(own_shares[s][0].value, france_shares[s]) for s in sectors}
    weighty = {s: v for s, v in index.items() if v is not None and (own_shares[s][0].value or 0.0) >= MIN_SHARE}
    over = sorted((s for s, v in weighty.items() if v >= OVER), key=lambda s: -weighty[s])
    under = sorted((s for s, v in weighty.items() if v <= UNDER), key=lambda s: weighty[s])
    blocks.append(Note(
        say("economie_secteurs.a38_method", over_threshold=OVER, under_threshold=UNDER,
            over=_index_words([(labels[k], weighty[k]) for k in over]),
            under=_index_words([(labels[k], weighty[k]) for k in under])),
        tone="limit",
    ))
    return View(blocks, answered=True)


def _bands(frame: pd.DataFrame) -> list[tuple[str, int, float]]:
    """Size bands of the data (`E1T4` → (code, 1, 4)), without the bands that contain another one."""
    out = []
    for code in codes(frame, "etablissements_employeurs_"):
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
    frame = fig.table(FLORES_TAILLES)
    if frame is None:
        return None
    year = latest(frame, "etablissements_employeurs")
    small = [code for code, _, high in _bands(frame) if high <= SMALL_BAND_MAX]
    label = "Part des établissements employeurs de moins de 10 salariés"
    if year is None or not small:
        manifest = fig.store.manifest(FLORES_TAILLES.name)
        return Indicator(id="part_etab_moins_10_salaries", label=label, value=None, unit="%", kind="rate",
                         period=year or "", source=fig.source(FLORES_TAILLES),
                         missing_reason=say("economie_secteurs.sizes_absent",
                                            day=manifest.retrieved_at if manifest else None))
    return share(fig, FLORES_TAILLES, "part_etab_moins_10_salaries", label,
                 [f"etablissements_employeurs_{c}" for c in small], "etablissements_employeurs", year)


# -- Flores spheres of the territory (Melodi) --------------------------------------------------------

SPHERE_IDS = {"PRESENTIAL": "part_emplois_presential", "PRODUCTIVE": "part_emplois_productive"}


def flores_spheres(fig: Figures) -> View:
    """Presential and productive economy from Flores counts (territory, département, région, France)."""
    frame = fig.table(FLORES_SPHERES)
    if frame is None:
        return View()
    year = latest(frame, "emplois_salaries")
    if year is None or not territory_has_values(frame, fig):
        return View([answered_nothing(fig, FLORES_SPHERES, "DS_FLORES_ECONOMIC_SPHERE",
                                      "Économie présentielle et productive", say("lacunes.economie_spheres"))])
    found = [s for s in SPHERE_LABELS if f"emplois_sphere_{s}" in set(frame["variable"])]
    other = [s for s in codes(frame, "emplois_sphere_") if s not in SPHERE_LABELS]
    indicators = [
        share(fig, FLORES_SPHERES, SPHERE_IDS[s], f"Part des emplois salariés : {SPHERE_LABELS[s].lower()}",
              [f"emplois_sphere_{s}"], "emplois_salaries", year)
        for s in found
    ]
    if not indicators:
        return View([Note(say("lacunes.economie_spheres"), tone="gap", source_id=FLORES_SPHERES.source_id,
                          detail=say("economie_secteurs.spheres_unexpected", other=other), remedy="unpublished")])
    return View([
        IndicatorTable(f"Économie présentielle et productive (INSEE Flores, fin {year})", tuple(indicators)),
        Note(say("economie_secteurs.spheres_note"), tone="info"),
    ], answered=True)


# -- Flores A21 of the zones d'emploi, the EPCI's presential share (samples, third party) -------------


def _zone_shares(frame: pd.DataFrame, zone: str, year: str) -> dict[str, float] | None:
    """Sector → share of the zone's jobs in % (count / sum of the sector counts); None where a
    sector count is missing (a partial sum is not a total)."""
    rows = frame[(frame["zone"] == zone) & (frame["annee"] == year)]
    if rows.empty or rows["effectif"].isna().any():
        return None
    total = float(rows["effectif"].sum())
    return {str(r.secteur): float(r.effectif) / total * 100.0 for r in rows.itertuples()} if total > 0 else None


def zone_sectors(fig: Figures) -> View:
    """Jobs by sector (A21) of the territory's zones d'emploi against France, and the specialisation index."""
    zones = employment_zones(fig)
    frame = fig.table(SECTEURS_ZE)  # through Figures: its source goes to the annex
    if frame is None:
        return View()
    frame = frame[frame["zone"].isin([code for code, _, _ in zones])]  # no zone known: nothing
    if frame.empty:
        return View()
    own = own_broad_sectors(fig)
    return View([*([own] if own else []), *_zone_chart_and_index(fig, frame, zones)], answered=True)


def own_and_zone_blocks(blocks: list) -> tuple[list, list]:
    """The sector blocks split into the territory's own figures and the profile of its zones
    d'emploi (which starts with the zone chart); all own when the answer is the territory's."""
    start = next((i for i, b in enumerate(blocks) if getattr(b, "id", None) == ZONE_CHART), len(blocks))
    return blocks[:start], blocks[start:]


def own_broad_sectors(fig: Figures) -> Table | None:
    """The EPCI's own jobs at place of work by broad sector (census 2022, third-party shares): the
    territory's figures, shown before the profile of its zones d'emploi. None for a commune."""
    if fig.territory.kind != "epci":
        return None
    frame = fig.table(SPHERES_PTOD)  # the territory's EPCI row (Figures' filters)
    if frame is None or frame.empty:
        return None
    frame = frame[(frame["geo_level"] == "EPCI") & (frame["geo_code"] == fig.territory.code)]
    values = {str(r.variable): (str(r.period), None if pd.isna(r.value) else float(r.value))
              for r in frame.itertuples()}
    found = [code for code in RP_BROAD_SECTORS if rp_sector_variable(code) in values]
    if not found or all(values[rp_sector_variable(c)][1] is None for c in found):
        return None
    year = values[rp_sector_variable(found[0])][0]
    return Table(
        title=say("economie_secteurs.own_sectors_title", name=fig.territory.name, year=year),
        columns=(Column("Grand secteur"), Column("Part des emplois", "rate")),
        rows=tuple((RP_BROAD_SECTORS[c], values[rp_sector_variable(c)][1]) for c in found),
        source=fig.source(SPHERES_PTOD, rp_sector_variable(found[0]), year),
        note=say("economie_secteurs.own_sectors_note", year=year),
    )


def zones_phrase(names: list[str]) -> str:
    """"des zones d'emploi d'Issoire et de Clermont-Ferrand", "de la zone d'emploi de Lyon"."""
    return say("economie_secteurs.zones_phrase", names=[of_name(n) for n in names])


def _zone_chart_and_index(fig: Figures, frame: pd.DataFrame, zones: list[Zone]) -> list:
    year = max(frame.loc[frame["effectif"].notna(), "annee"])
    latest_rows = frame[frame["annee"] == year].sort_values(["zone", "ordre"])
    first_zone = latest_rows[latest_rows["zone"] == latest_rows["zone"].iloc[0]]
    sectors = [(str(r.secteur), str(r.libelle)) for r in first_zone.itertuples()]
    france = {str(r.secteur): float(r.part_france_pct) for r in first_zone.itertuples()
              if not pd.isna(r.part_france_pct)}
    labels = tuple(label for _, label in sectors)
    names = {code: name for code, name, _ in zones}
    series, rows_by_zone = [], {}
    for code, name, _ in zones:
        shares = _zone_shares(latest_rows, code, year)
        if shares is None:
            continue
        rows_by_zone[code] = shares
        series.append(Series(f"ZE {name}", labels, tuple(shares.get(s) for s, _ in sectors)))
    if not series:
        return [Note(say("lacunes.economie_zones_sectors"), tone="gap", source_id=SECTEURS_ZE.source_id,
                     detail=say("economie_secteurs.zones_incomplete", year=year), remedy="unpublished")]
    series.append(Series("France", labels, tuple(france.get(s) for s, _ in sectors)))
    profile = zones_phrase([names[c] for c in rows_by_zone])
    source = fig.source(SECTEURS_ZE)
    chart = Chart(
        id=ZONE_CHART,
        title=say("economie_secteurs.zones_chart_title", zones=profile, year=year),
        chart="hbar",
        series=tuple(series),
        value_kind="rate",
        unit="%",
        source=source,
        note=say("economie_secteurs.zones_chart_note", total=len(fig.territory.communes),
                 zones=[(names[c], c, n) for c, _, n in zones if c in rows_by_zone]),
    )
    columns = [Column("Secteur (A21)")]
    for code in rows_by_zone:
        columns += [Column(f"Emplois ZE {names[code]}", "count"), Column(f"Part ZE {names[code]}", "rate"),
                    Column(f"Indice ZE {names[code]}", "ratio", 2)]
    columns.append(Column("Part France", "rate"))
    counts = {(str(r.zone), str(r.secteur)): float(r.effectif) for r in latest_rows.itertuples()
              if not pd.isna(r.effectif)}
    rows = []
    for sector, label in sectors:
        row: list = [label]
        for code, shares in rows_by_zone.items():
            part = shares.get(sector)
            row += [counts.get((code, sector)), part, ratio(part, france.get(sector))]
        row.append(france.get(sector))
        rows.append(tuple(row))
    index_table = Table(
        title=say("economie_secteurs.zones_index_title", zones=profile, year=year),
        columns=tuple(columns),
        rows=tuple(rows),
        source=source,
        note=say("economie_secteurs.zones_index_note", over_threshold=OVER, under_threshold=UNDER),
    )
    readings = []
    label_of = dict(sectors)
    for code, shares in rows_by_zone.items():
        index = {s: ratio(shares.get(s), france.get(s)) for s, _ in sectors}
        weighty = {k: v for k, v in index.items() if v is not None and shares[k] >= MIN_SHARE}
        over = sorted((k for k, v in weighty.items() if v >= OVER), key=lambda k: -weighty[k])
        under = sorted((k for k, v in weighty.items() if v <= UNDER), key=lambda k: weighty[k])
        readings.append(say("economie_secteurs.zones_reading", zone=of_name(names[code]),
                            over=_index_words([(label_of[k], weighty[k]) for k in over]),
                            under=_index_words([(label_of[k], weighty[k]) for k in under])))
    method = Note(say("economie_secteurs.zones_method", readings=readings), tone="limit")
    return [chart, index_table, method]


def published_spheres(fig: Figures) -> View:
    """Presential and productive shares of jobs (Flores 2023), published per EPCI (no France row)."""
    frame = fig.table(SPHERES_PTOD)  # the territory's EPCI row, if any (Figures' filters)
    if frame is None:
        return View()
    frame = frame[frame["variable"] == PRESENTIAL]
    # The EPCI's row only: the file's "France" row is not France (build_sectors_ptod drops it) and no
    # other file of the samples gives France's presential share: no comparison rather than a wrong one.
    own = frame[(frame["geo_level"] == "EPCI") & (frame["geo_code"] == fig.territory.code)]
    presential = None
    if fig.territory.kind == "epci" and not own.empty and not pd.isna(own["value"].iloc[0]):
        presential = float(own["value"].iloc[0])
    if presential is None:
        return View([Note(say("lacunes.economie_spheres"), tone="gap", source_id=FLORES_SPHERES.source_id,
                          detail=say("economie_secteurs.published_spheres_gap", name=fig.territory.name))])
    year = str(own["period"].iloc[0])
    return View([
        Table(
            title=f"Économie présentielle et productive : part des emplois salariés, {year}",
            columns=(Column("Territoire"), Column("Sphère présentielle", "rate"), Column("Sphère productive", "rate")),
            rows=((fig.territory.name, presential, 100.0 - presential),),
            source=fig.source(SPHERES_PTOD, PRESENTIAL, year),
            note=say("economie_secteurs.published_spheres_note"),
        )
    ], answered=True)

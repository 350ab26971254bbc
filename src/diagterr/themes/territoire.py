"""Le territoire: its communes, area, density, study zonings, perimeter lineage, map."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from diagterr.cog import COG_VINTAGE, CogIndex, load_cog, normalize
from diagterr.dossier import (
    Column,
    CommuneMap,
    IndicatorTable,
    Note,
    Section,
    SourceRef,
    Table,
)
from diagterr.harmonise import RULE
from diagterr.tables.census import COMPARATEUR, POPULATIONS_LEGALES
from diagterr.tables.geography import (
    AAV_CATEGORY,
    AAV_CATEGORY_LABELS,
    AAV_SIZE,
    AAV_SIZE_LABELS,
    BOUNDARIES_COMMUNES,
    COMMUNES_LINEAGE,
    DENSITE_COMMUNES,
    DENSITY_GROUPS,
    DENSITY_LABELS,
    DENSITY_LEVELS,
    FRR,
    FRR_CLASSES,
    FRR_NOT_CLASSED,
    UU_SIZE,
    UU_SIZE_LABELS,
    ZONAGES,
    ZONINGS_NAMED_AFTER_COMMUNES,
)
from diagterr.texts import say
from diagterr.themes.demographie import latest_legal_year
from diagterr.themes.figures import Figures, Reading

COG_SOURCE = SourceRef("cog_decoupage", COG_VINTAGE, COG_VINTAGE)


def key_indicators(fig: Figures) -> list:
    year = latest_legal_year(fig)
    out = []
    if fig.has(COMPARATEUR):
        area = fig.count_indicator(
            "superficie", "Superficie", COMPARATEUR, "superficie_km2", "geographie", "km²", kind="area",
        )
        out.append(replace(area, period=fig.source(COMPARATEUR).geo_vintage))
    if year and fig.has(COMPARATEUR):

        def density(get) -> Reading:
            population, area = get("pmun", year, POPULATIONS_LEGALES), get("superficie_km2", "geographie", COMPARATEUR)
            if population.value is None or area.value is None or area.value == 0:
                return Reading(None, population.missing_reason or area.missing_reason)
            return Reading(population.value / area.value, note=area.note)

        indicator = fig.derived_indicator(
            "densite", "Densité de population", POPULATIONS_LEGALES, year, "hab./km²", "ratio", density, decimals=0,
            vintage_of="pmun", note=say("territoire.note_density"),
        )
        out.append(indicator)
    return out


def communes_table(fig: Figures) -> Table:
    year = latest_legal_year(fig)
    population = fig.commune_values(POPULATIONS_LEGALES, "pmun", year) if year else {}
    area = fig.commune_values(COMPARATEUR, "superficie_km2", "geographie") if fig.has(COMPARATEUR) else {}
    rows = []
    for commune in sorted(fig.territory.communes, key=lambda c: c.name):
        pop = population[commune.code].value if population else None
        surface = area[commune.code].value if area else None
        rows.append(
            (commune.name, commune.code, pop, surface, pop / surface if pop is not None and surface else None)
        )
    return Table(
        title=say("territoire.communes_title", count=len(rows)),
        columns=(
            Column("Commune"), Column("Code"), Column(f"Population {year or ''}".strip(), "count"),
            Column("Superficie (km²)", "area"), Column("Densité (hab./km²)", "ratio", decimals=0),
        ),
        rows=tuple(rows),
        source=fig.source(POPULATIONS_LEGALES, "pmun", year) if year else None,
        note=say("territoire.note_area") if area else None,
    )


def renamed_commune(cog: CogIndex, code: str, name: str) -> str | None:
    """None when a commune of today's COG bears `name` (the commune of `code`, or of the commune
    nouvelle it merged into for a former code; else any commune of the code's département), else
    today's name of the commune of `code` ("" when the COG does not know the code). A zone named
    after two communes (« La Bourboule-Mont-Dore ») that holds today's name is not renamed."""
    commune = cog.commune(code) or cog.current_commune_for_former_code(code)
    if commune is not None:
        return None if f" {normalize(commune.name)} " in f" {normalize(name)} " else commune.name
    departement = code[:3] if code.startswith("97") else code[:2]
    return None if any(normalize(c.name) == normalize(name) for c in cog.communes_of_departement(departement)) else ""


def zonings_table(fig: Figures) -> Table | None:
    frame = fig.table(ZONAGES)
    if frame is None:
        return None
    frame = frame[frame["commune"].isin(fig.territory.commune_codes)]
    if frame.empty:
        return None
    cog = load_cog()
    rows = []
    renamed: list[dict[str, object]] = []
    for zoning, label in ZONAGES.labels.items():
        zones = frame[frame["zonage"] == zoning]
        for (code, name), group in zones.groupby(["code", "libelle"], sort=True):
            year = ZONINGS_NAMED_AFTER_COMMUNES.get(zoning)
            today = renamed_commune(cog, code, name) if name and year else None
            if today is not None:
                renamed.append({"name": name, "today": today, "year": year})
                name = say("territoire.zoning_former_name", name=name, year=year)
            rows.append((label, f"{name} ({code})" if name else code, float(len(group))))
    positions = aav_positions(frame)
    for position, group in sorted(_group_by(positions).items()):
        rows.append((say("territoire.zoning_aav_category"), position, float(len(group))))
    for zoning, labels, key in ((AAV_SIZE, AAV_SIZE_LABELS, "territoire.zoning_aav_size"),
                                (UU_SIZE, UU_SIZE_LABELS, "territoire.zoning_uu_size")):
        for code, group in frame[frame["zonage"] == zoning].groupby("code", sort=True):
            rows.append((say(key), labels.get(str(code), str(code)), float(len(group))))
    if not rows:
        return None
    return Table(
        title=say("territoire.zonings_title"),
        columns=(Column("Zonage"), Column("Zone"), Column("Communes du territoire", "count")),
        rows=tuple(rows),
        source=fig.source(ZONAGES),
        note=say("territoire.zonings_note", renamed=renamed, cog=COG_VINTAGE,
                 without=sorted(set(fig.territory.commune_codes) - set(positions))),
    )


def _group_by(mapping: dict[str, str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in mapping.items():
        out.setdefault(value, []).append(key)
    return out


def aav_positions(frame: pd.DataFrame) -> dict[str, str]:
    """Commune -> its place in the AAV 2020 zoning, in words: « couronne de l'aire d'attraction
    de Lyon », « commune-centre de l'aire d'attraction de Saint-Lô », « hors attraction des villes »
    (its CATEAAV2020 category with the name of its AAV)."""
    categories = dict(frame.loc[frame["zonage"] == AAV_CATEGORY, ["commune", "code"]].itertuples(index=False))
    aavs = {str(r.commune): (str(r.code), str(r.libelle))
            for r in frame[frame["zonage"] == "AAV2020"].itertuples()}
    out = {}
    for commune, category in categories.items():
        code, name = aavs.get(str(commune), ("", ""))
        out[str(commune)] = say("territoire.aav_position", category=str(category), name=name, code=code,
                                label=AAV_CATEGORY_LABELS.get(str(category), str(category)))
    return out


def density_table(fig: Figures) -> Table | None:
    """The share of the territory's population living in each level of INSEE's density grid
    (sum over its communes of p_k × population ÷ their population), the communes of each level,
    and INSEE's 3-level aggregation; None where the store has no commune of the territory."""
    frame = fig.table(DENSITE_COMMUNES)
    if frame is None or frame.empty:
        return None
    frame = frame.dropna(subset=["pmun21"])
    population = float(frame["pmun21"].sum())
    if population <= 0:
        return None
    shares = {k: float((frame[f"p{k}"] * frame["pmun21"]).sum()) / population for k in DENSITY_LEVELS}
    communes = {k: float((frame["dens"] == k).sum()) for k in DENSITY_LEVELS}
    rows: list[tuple[str | float | None, ...]] = [
        (say("territoire.density_level", level=k, label=DENSITY_LABELS[k]), shares[k], communes[k])
        for k in DENSITY_LEVELS]
    rows += [(say("territoire.density_group", group=group, levels=levels), sum(shares[k] for k in levels),
              sum(communes[k] for k in levels)) for group, levels in DENSITY_GROUPS.items()]
    return Table(
        title=say("territoire.density_title"),
        columns=(Column("Niveau de densité"), Column("Part de la population", "rate"),
                 Column("Communes de ce niveau", "count")),
        rows=tuple(rows),
        source=fig.source(DENSITE_COMMUNES),
        note=say("territoire.density_note", population=population, communes=len(frame),
                 without=sorted(set(fig.territory.commune_codes) - set(frame["commune"]))),
    )


def frr_table(fig: Figures) -> Table | None:
    """The territory's communes in each class of the France Ruralités Revitalisation zoning."""
    frame = fig.table(ZONAGES)
    if frame is None:
        return None
    classes = frame[(frame["zonage"] == FRR) & frame["commune"].isin(fig.territory.commune_codes)]
    if classes.empty:
        return None
    counts = classes["code"].value_counts()
    known = [*FRR_CLASSES, FRR_NOT_CLASSED]
    order = [c for c in known if c in counts.index] + sorted(c for c in counts.index if c not in known)
    rows: list[tuple[str | float | None, ...]] = [(str(c), float(counts[c])) for c in order]
    classed = float(sum(counts[c] for c in counts.index if c != FRR_NOT_CLASSED))
    return Table(
        title=say("territoire.frr_title"),
        columns=(Column("Classement"), Column("Communes du territoire", "count")),
        rows=(*rows, (say("territoire.frr_total"), classed)),
        source=fig.source(ZONAGES),
        note=say("territoire.frr_note", without=sorted(set(fig.territory.commune_codes) - set(classes["commune"]))),
    )


def typologies_table(fig: Figures) -> Table | None:
    """One row per commune: its density level, its place in the AAV 2020, its bassin de vie 2022,
    its FRR class (None where the national base has no value for it, said in the note)."""
    density = fig.table(DENSITE_COMMUNES)
    zonings = fig.table(ZONAGES)
    if (density is None or density.empty) and (zonings is None or zonings.empty):
        return None
    levels = ({} if density is None else
              {str(r.commune): int(r.dens) for r in density.dropna(subset=["dens"]).itertuples()})
    frame = zonings if zonings is not None else pd.DataFrame(columns=list(ZONAGES.columns))
    positions = aav_positions(frame)

    def zone(zoning: str) -> dict[str, str]:
        rows = frame[frame["zonage"] == zoning]
        return {str(r.commune): (f"{r.libelle} ({r.code})" if r.libelle else str(r.code)) for r in rows.itertuples()}

    bassins, classes = zone("BV2022"), {str(r.commune): str(r.code) for r in frame[frame["zonage"] == FRR].itertuples()}
    rows = []
    for commune in sorted(fig.territory.communes, key=lambda c: (normalize(c.name), c.code)):
        level = levels.get(commune.code)
        rows.append((commune.name, commune.code,
                     say("territoire.density_level", level=level, label=DENSITY_LABELS[level]) if level else None,
                     positions.get(commune.code), bassins.get(commune.code), classes.get(commune.code)))
    return Table(
        title=say("territoire.typologies_title", count=len(rows)),
        columns=(Column("Commune"), Column("Code"), Column("Niveau de densité (2024)"),
                 Column("Aire d'attraction des villes 2020"), Column("Bassin de vie 2022"),
                 Column("France Ruralités Revitalisation (2025)")),
        rows=tuple(rows),
        source=fig.source(ZONAGES) if zonings is not None else fig.source(DENSITE_COMMUNES),
        note=say("territoire.typologies_note", missing=any(None in row for row in rows)),
    )


@dataclass
class _FormerCommune:
    """One former commune of a commune nouvelle: its codes, name, and when it stopped being a commune."""

    name: str | None
    nature: str
    codes: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)  # annee_fin of its codes
    before: list[int] = field(default_factory=list)  # annee_fin_avant of its codes


def former_communes(fig: Figures) -> dict[str, list[_FormerCommune]]:
    """Today's communes of the perimeter -> their former communes, one per former commune (its codes
    together: the codes of one former commune share its name in the lineage table), named first.

    From the store's lineage table (INSEE's table de passage online, the shared data in the
    samples); a former code the COG knows and the table does not, and a commune déléguée whose code
    its commune nouvelle kept, are added from the COG, without a year.
    """
    cog = load_cog()
    frame = fig.table(COMMUNES_LINEAGE)
    perimeter = set(fig.territory.commune_codes)
    rows: dict[tuple[str, str], tuple[str | None, int | None, int | None, str]] = {}
    if frame is not None:
        for record in frame.to_dict("records"):
            name = record.get("ancien_nom")
            rows[(str(record["commune"]), str(record["ancien_code"]))] = (
                None if _missing(name) else str(name), _year(record.get("annee_fin")),
                _year(record.get("annee_fin_avant")), str(record["nature"]))
    for old, current in sorted(cog.former_codes().items()):
        if current in perimeter and (current, old) not in rows:
            delegated = cog.delegated_commune(old)
            rows[(current, old)] = (delegated.name if delegated else None, None, None, _FROM_COG)
    for code in sorted(perimeter):
        kept = cog.delegated_commune(code)
        if kept is not None and kept.parent == code and (code, code) not in rows:
            rows[(code, code)] = (kept.name, None, None, _FROM_COG)
    out: dict[str, dict[str, _FormerCommune]] = {}
    for (code, old), (name, year, before, nature) in sorted(rows.items()):
        key = normalize(name) if name else f"#{old}"
        group = out.setdefault(code, {}).setdefault(key, _FormerCommune(name, nature))
        group.codes.append(old)
        group.years += [year] if year is not None else []
        group.before += [before] if before is not None else []
    return {code: sorted(groups.values(), key=lambda g: (g.name is None, normalize(g.name or ""), g.codes))
            for code, groups in out.items()}


_FROM_COG = "cog"


def _missing(value: object) -> bool:
    return value is None or bool(pd.isna(value))


def _year(value: object) -> int | None:
    return None if _missing(value) else int(value)  # type: ignore[call-overload]


def lineage_blocks(fig: Figures) -> list[Table | Note]:
    """The communes nouvelles of the perimeter, one line per former commune with all its codes and
    the year it stopped being a commune, then the rule used to harmonise their figures (once)."""
    groups = former_communes(fig)
    if not groups:
        return [Note(say("territoire.lineage_none", cog=COG_VINTAGE, rule=RULE))]
    frame = fig.table(COMMUNES_LINEAGE)
    names = {c.code: c.name for c in fig.territory.communes}
    table_rows = []
    for code in sorted(groups, key=lambda c: (normalize(names.get(c) or c), c)):
        for group in groups[code]:
            if group.years:
                ended = str(max(group.years))
            elif group.before:
                ended = say("territoire.lineage_before", year=min(group.before))
            else:
                ended = None
            if group.name is None:
                label = say("territoire.lineage_unnamed")
            elif group.nature == "scission":
                label = say("territoire.lineage_split_name", name=group.name)
            else:
                label = group.name
            table_rows.append((names.get(code, code), code, label, ", ".join(group.codes), ended))
    former = [g for gs in groups.values() for g in gs]
    note = say(
        "territoire.lineage_note",
        from_cog=sum(len(g.codes) for g in former if g.nature == _FROM_COG), table=frame is not None, cog=COG_VINTAGE,
        kept=any(code in g.codes for code, gs in groups.items() for g in gs),
        before=min((y for g in former if not g.years for y in g.before), default=None),
        unnamed=any(g.name is None for g in former),
        undated=any(not g.years and not g.before for g in former),
    )
    table = Table(
        title=say("territoire.lineage_title", count=len(groups)),
        columns=(Column("Commune actuelle"), Column("Code"), Column("Ancienne commune"),
                 Column("Code(s) de l'ancienne commune"), Column("Fin de l'ancienne commune")),
        rows=tuple(table_rows),
        source=fig.source(COMMUNES_LINEAGE) if frame is not None else COG_SOURCE,
        note=note,
    )
    return [table, Note(say("territoire.lineage_rule", rule=RULE))]


def analyse(fig: Figures) -> Section:
    blocks: list = []
    blocks.append(
        CommuneMap(
            id="carte_communes",
            title=say("territoire.map_title", cog=COG_VINTAGE),
            values=(),
            value_kind=None,
            unit="",
            source=fig.source(BOUNDARIES_COMMUNES) if fig.has(BOUNDARIES_COMMUNES) else COG_SOURCE,
            labels=True,
        )
    )
    indicators = key_indicators(fig)
    if indicators:
        blocks.append(IndicatorTable("Superficie et densité", tuple(indicators)))
    blocks.extend(lineage_blocks(fig))
    blocks.append(communes_table(fig))
    density = density_table(fig)
    if density is not None:
        blocks.append(density)
    else:
        blocks.append(Note(say("lacunes.territoire_density"), tone="gap", source_id=DENSITE_COMMUNES.source_id,
                           detail=say("territoire.density_unavailable"), remedy="unpublished"))
    zonings = zonings_table(fig)
    if zonings:
        blocks.append(zonings)
    else:
        blocks.append(Note(say("lacunes.territoire_zonings"), tone="gap", source_id=ZONAGES.source_id,
                           detail=say("territoire.zonings_unavailable"), remedy="unpublished"))
    frr = frr_table(fig)
    if frr is not None:
        blocks.append(frr)
    typologies = typologies_table(fig)
    if typologies is not None:
        blocks.append(typologies)
    return Section(
        id="territoire",
        title="Le territoire",
        intro=say("territoire.intro", name=fig.territory.name, kind=fig.territory.kind_label,
                  communes=len(fig.territory.communes), departements=fig.territory.departements,
                  regions=fig.territory.regions),
        blocks=tuple(blocks),
    )

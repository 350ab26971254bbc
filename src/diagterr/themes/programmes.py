"""Initiatives et programmes en cours: what is already under way in the territory.

In order: the ANCT programmes the communes belong to (PVD, ACV, Villages d'avenir, France
services, CRTE…) and the ORT, with the date of the lists (table and map); the QPV and the
brownfields (Cartofriches) where the store has them, else a note saying they are not available
offline; then the consultant's own inventory (`--initiatives`, see diagterr.initiatives) grouped
by the Atelier's categories of resources, with a count per category and per theme; last, the
communes with no known programme nor initiative, as a question for the workshop.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from diagterr.cog import COG_VINTAGE, load_cog, normalize
from diagterr.dossier import Column, CommuneMap, Indicator, IndicatorTable, Note, Section, SourceRef, Table
from diagterr.initiatives import CATEGORIES, SOURCE_ID, STATUSES, UNCATEGORISED, Initiative, Inventory, chapter_of
from diagterr.store import Manifest
from diagterr.tables.programmes import (
    CARTOFRICHES,
    CARTOFRICHES_COVERAGE,
    FRANCE_SERVICES,
    HEADLINE,
    IN_PLACE,
    ORT,
    PROGRAMMES,
    PROGRAMMES_ANCT,
    PROGRAMMES_FRANCE_SERVICES,
    QPV_2024,
    lists_in,
    ort_signed,
)
from diagterr.texts import say
from diagterr.themes.figures import Figures

SECTION_ID = "programmes"
TITLE = "Initiatives et programmes en cours"
# The CRTE's rows, whatever the list calls them: "Contrat pour la réussite de la transition écologique (CRTE)".
CRTE_PREFIX = "Contrat pour la réussite"
ZWSP = "\u200b"
_UNBREAKABLE = re.compile(r"[^\s/\-]{41,}")


def analyse(fig: Figures, initiatives: Inventory | None = None) -> Section:
    """The section; `initiatives` is the validated inventory of `--initiatives`, None when not given."""
    blocks: list = []
    limits = say("programmes.limits", inventory=initiatives is not None and bool(initiatives.initiatives))
    # The limit first, under the intro: read before the lists, and never alone on a last page.
    blocks.append(Note(limits, tone="limit"))
    with_programme = _programmes(fig, blocks)
    _qpv(fig, blocks)
    _brownfields(fig, blocks)
    _inventory(fig, initiatives, blocks)
    _communes_without(fig, with_programme, initiatives, blocks)
    return Section(SECTION_ID, TITLE, say("programmes.intro"), tuple(blocks))


def programmes_in_place(fig: Figures) -> list[str]:
    """The programmes the enjeux name as already engaged in the territory (online lists + samples,
    as the section reads them), in the order of `IN_PLACE`; an ORT not signed is not engaged."""
    frame = programme_view(fig).frame
    if frame is None:
        return []
    return [p.short for p in IN_PLACE if frame["programme"].str.startswith(p.short).any()]


# -- ANCT programmes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeView:
    """The programmes of a territory's communes: the lists read online where there are some (the
    ANCT lists on data.gouv.fr, France services from the BPE), the samples' table for the others.

    `frame`: commune, programme, identifiant, detail, date_signature, liste, mise_en_ligne, source
    (the key of `manifests`), only the territory's communes and the programmes under way (an ORT
    whose convention is not signed is in `in_study`, not here); None when no source has any row.
    `in_study`: the ORT rows not signed (study phase, not started), same columns.
    `online`: programme label -> what was read online (file name, BPE vintage)."""

    frame: pd.DataFrame | None
    manifests: dict[str, Manifest] = field(default_factory=dict)
    online: dict[str, str] = field(default_factory=dict)
    in_study: pd.DataFrame | None = None

    def source_of(self, programme: str) -> SourceRef | None:
        """The source of a programme's rows: the online list that replaced the samples', else the samples."""
        key = next((k for label, k in self._online_sources().items() if programme.startswith(label)), PROGRAMMES.name)
        manifest = self.manifests.get(key) or self.manifests.get(PROGRAMMES.name)
        return None if manifest is None else SourceRef(manifest.source_id, manifest.vintage, manifest.geo_vintage)

    def _online_sources(self) -> dict[str, str]:
        return {label: (PROGRAMMES_FRANCE_SERVICES.name if label == FRANCE_SERVICES.label else PROGRAMMES_ANCT.name)
                for label in self.online}


def programme_view(fig: Figures) -> ProgrammeView:
    """The merged view of the programmes (online lists + samples), for this section and the enjeux."""
    manifests: dict[str, Manifest] = {}
    online: dict[str, str] = {}
    parts: list[pd.DataFrame] = []
    anct_manifest = fig.store.manifest(PROGRAMMES_ANCT.name)
    fetched = lists_in(anct_manifest)
    if anct_manifest is not None and fetched:
        frame = fig.table(PROGRAMMES_ANCT)
        manifests[PROGRAMMES_ANCT.name] = anct_manifest
        online |= fetched
        if frame is not None:
            parts.append(frame.assign(source=PROGRAMMES_ANCT.name))
    services = fig.table(PROGRAMMES_FRANCE_SERVICES)
    manifest = fig.store.manifest(PROGRAMMES_FRANCE_SERVICES.name)
    if services is not None and not services.empty and manifest is not None:
        manifests[PROGRAMMES_FRANCE_SERVICES.name] = manifest
        online[FRANCE_SERVICES.label] = manifest.vintage
        parts.append(services[services["nombre"] != "0"].assign(source=PROGRAMMES_FRANCE_SERVICES.name))
    sample = fig.table(PROGRAMMES)
    sample_manifest = fig.store.manifest(PROGRAMMES.name)
    if sample is not None and sample_manifest is not None:
        manifests[PROGRAMMES.name] = sample_manifest
        replaced = sample["programme"].map(lambda label: any(label.startswith(p) for p in online))
        parts.append(sample[~replaced].assign(source=PROGRAMMES.name))
    if not parts:
        return ProgrammeView(None, manifests, online)
    columns = [c for c in PROGRAMMES_ANCT.columns if c != "fichier"] + ["source"]
    frame = pd.concat([part.reindex(columns=columns) for part in parts], ignore_index=True).astype("string")
    frame = _one_row_per_france_services_site(frame[frame["commune"].isin(fig.territory.commune_codes)])
    frame = frame.sort_values(["commune", "programme", "identifiant"]).reset_index(drop=True)
    ort = frame["programme"].str.startswith(ORT.label)
    signed = pd.Series([ort_signed(d, s) for d, s in zip(frame["detail"], frame["date_signature"], strict=True)],
                       index=frame.index, dtype=bool)
    study = ort & ~signed
    return ProgrammeView(frame[~study].reset_index(drop=True), manifests, online,
                         in_study=frame[study].reset_index(drop=True))


def _samples_cover(manifest: Manifest | None, codes: tuple[str, ...]) -> bool:
    """Whether the samples' lists were read for every commune of `codes` (manifest param `communes`;
    a table without it, e.g. an older store, is taken as covering them, as before)."""
    if manifest is None:
        return False
    scope = manifest.params.get("communes")
    return scope is None or set(codes) <= set(scope.split())


def _one_row_per_france_services_site(frame: pd.DataFrame) -> pd.DataFrame:
    """A France services site listed by two lists of one source (the samples: the ANCT table's
    `id_fs` and the ANCT map of the sites labelled in 2020, both under the site's number) is one
    site: one row « France services », with the detail (name, address) of the row that has one."""
    services = frame["programme"].str.startswith(FRANCE_SERVICES.label) & frame["identifiant"].fillna("").ne("")
    if not services.any():
        return frame
    sites = frame[services].assign(_empty=frame.loc[services, "detail"].fillna("").eq(""))
    sites = sites.sort_values(["_empty", "programme"]).drop_duplicates(["commune", "identifiant", "source"])
    sites = sites.drop(columns="_empty").assign(programme=FRANCE_SERVICES.label)
    return pd.concat([frame[~services], sites], ignore_index=True)


def _programmes(fig: Figures, blocks: list) -> set[str] | None:
    """Blocks of the programme lists; the communes with a programme (CRTE aside), None if no list."""
    view = programme_view(fig)
    frame, fetched = view.frame, view.online
    main = view.manifests.get(PROGRAMMES_ANCT.name) or view.manifests.get(PROGRAMMES.name)
    if frame is None or main is None:
        blocks.append(Note(say("lacunes.programmes_list"), tone="gap", source_id=PROGRAMMES.source_id,
                           detail=say("programmes.programmes_unavailable", reason=fig.unavailable(PROGRAMMES))))
        return None
    if not fetched and not _samples_cover(view.manifests.get(PROGRAMMES.name), fig.territory.commune_codes):
        # The shipped lists were read for the sample sites' communes only: elsewhere, no row is no answer.
        blocks.append(Note(say("lacunes.programmes_list"), tone="gap", source_id=PROGRAMMES.source_id,
                           detail=say("programmes.programmes_outside_samples")))
        return None
    source = SourceRef(main.source_id, main.vintage, main.geo_vintage)
    codes = set(fig.territory.commune_codes)
    study = view.in_study if view.in_study is not None else frame.iloc[0:0]
    # The national lists fetched cover every commune; the samples' table, the communes it has.
    covered = codes if (set(fetched) - {FRANCE_SERVICES.label}) else (set(frame["commune"]) | set(study["commune"])) & codes
    names = _names(fig)
    indicators = []
    for programme in HEADLINE:
        communes = sorted(set(frame.loc[frame["programme"].str.startswith(programme.label), "commune"]),
                          key=lambda c: normalize(names[c]))
        ref = view.source_of(programme.label) or source
        manifest = next((m for m in view.manifests.values()
                         if (m.source_id, m.vintage) == (ref.source_id, ref.vintage)), main)
        indicators.append(
            Indicator(
                id=programme.indicator,
                label=say("programmes.indicator_label", programme=programme.label, signed=programme is ORT),
                value=float(len(communes)),
                unit="communes",
                kind="count",
                period=manifest.retrieved_at[:4],
                source=ref,
                note=", ".join(names[c] for c in communes) or None,
            )
        )
    blocks.append(IndicatorTable(say("programmes.indicators_title"), tuple(indicators)))
    rows: list[tuple[str, str, str]] = []
    for record in frame.to_dict("records"):
        if record["programme"].startswith(CRTE_PREFIX):
            continue  # every commune has a CRTE: listed once below rather than per commune
        rows.append((names[record["commune"]], record["programme"], _programme_detail(record)))
    if rows:
        rows.sort(key=lambda r: (normalize(r[0]), r[1], r[2]))
        blocks.append(
            Table(
                title=say("programmes.by_commune_title"),
                columns=(Column("Commune"), Column("Programme"), Column("Détail")),
                rows=tuple(rows),
                source=source,
            )
        )
    if not study.empty:
        blocks.append(_ort_in_study(study, names, source))
    if fetched:
        blocks.append(Note(say("programmes.online_lists", lists=fetched)))
    _crte_note(frame, blocks, online=any(label.startswith(CRTE_PREFIX) for label in fetched))
    counts = frame[~frame["programme"].str.startswith(CRTE_PREFIX)].groupby("commune").size()
    if len(fig.territory.communes) > 1:
        blocks.append(
            CommuneMap(
                id="carte_programmes",
                title=say("programmes.map_title"),
                values=tuple((c, float(counts.get(c, 0)) if c in covered else None) for c in fig.territory.commune_codes),
                value_kind="count",
                unit="programmes",
                source=source,
            )
        )
    return {c for c in codes if counts.get(c, 0) > 0}


def _ort_in_study(study: pd.DataFrame, names: dict[str, str], source: SourceRef) -> Table:
    """The ORT not signed (study phase, not started): listed apart, counted nowhere as engaged."""
    rows = sorted(((names[r["commune"]], _programme_detail(r)) for r in study.to_dict("records")),
                  key=lambda r: (normalize(r[0]), r[1]))
    return Table(
        title=say("programmes.ort_in_study_title", count=study["commune"].nunique()),
        columns=(Column("Commune"), Column("Détail")),
        rows=tuple(rows),
        source=source,
        note=say("programmes.ort_in_study_note"),
    )


def _crte_note(frame: pd.DataFrame, blocks: list, *, online: bool) -> None:
    """The CRTE of the perimeter, once each: name or identifier, signatory, date, communes covered."""
    crte = frame[frame["programme"].str.startswith(CRTE_PREFIX)]
    if crte.empty:
        return
    contracts = []
    keys = ["identifiant", "detail", "date_signature"]
    for (identifier, detail, signed), group in crte.fillna("").groupby(keys, sort=True):
        contracts.append(say("programmes.crte_contract", identifier=identifier, detail=detail, signed=signed,
                             communes=group["commune"].nunique() if online else None))
    blocks.append(Note(say("programmes.crte_note", contracts=contracts, online=online)))


def _programme_detail(record: dict) -> str:
    """"Label ; signée le 12 mars 2021", or the identifier when the list gives nothing else."""
    parts = [_text(record.get("detail"))]
    signed = _text(record.get("date_signature"))
    if signed:
        parts.append(say("programmes.detail_signed", day=signed))
    if _text(record.get("liste")) == ORT.key and _text(record.get("mise_en_ligne")):
        parts.append(say("programmes.detail_updated", day=record["mise_en_ligne"]))
    if not any(parts) and _text(record.get("identifiant")):
        parts.append(say("programmes.detail_identifier", identifier=record["identifiant"]))
    return " ; ".join(p for p in parts if p)


# -- QPV and brownfields -------------------------------------------------------------------------


def _qpv(fig: Figures, blocks: list) -> None:
    """The quartiers of the national list 2024 in the territory's communes (fetched online)."""
    manifest = fig.store.manifest(QPV_2024.name)
    if manifest is None:
        # The samples hold no QPV list: quartiers known only from press or web pages are not an
        # official list, and are not printed.
        blocks.append(Note(say("lacunes.programmes_qpv"), tone="gap", source_id=QPV_2024.source_id,
                           detail=say("programmes.qpv_offline")))
        return
    frame = fig.table(QPV_2024)
    names = _names(fig)
    if frame is None or frame.empty:
        blocks.append(Note(say("programmes.qpv_none", file=manifest.params.get("fichier", ""),
                               retrieved=manifest.retrieved_at)))
        return
    rows: list[tuple[str, str, str, str]] = []
    for record in frame.to_dict("records"):
        others = [c for c in record["communes_qp"].split(",") if c != record["commune"]]
        rows.append((names[record["commune"]], _text(record["lib_qp"]), _text(record["code_qp"]),
                     ", ".join(names.get(c) or _commune_name(c) for c in others)))
    rows.sort(key=lambda r: (normalize(r[0]), normalize(r[1])))
    blocks.append(Table(
        title=say("programmes.qpv_title", count=len(set(frame["code_qp"]))),
        columns=(Column("Commune"), Column("Quartier"), Column("Code"), Column("Autres communes du quartier")),
        rows=tuple(rows),
        source=SourceRef(manifest.source_id, manifest.vintage, manifest.geo_vintage),
        note=say("programmes.qpv_note"),
    ))


def _brownfields(fig: Figures, blocks: list) -> None:
    """Sites of the communes Cartofriches was asked about, with the date of the request; the
    communes asked with no site; the communes never asked (offline, or a failed fetch)."""
    # Read from the store, not through `fig.table`: the ledger of requests is not a source of the
    # annex of its own (the sites' table is).
    coverage = fig.store.read(CARTOFRICHES_COVERAGE.name,
                              filters=[[("commune", "in", list(fig.territory.commune_codes))]])
    if coverage is None or coverage.empty:
        blocks.append(Note(say("lacunes.programmes_brownfields"), tone="gap", source_id=CARTOFRICHES_COVERAGE.source_id,
                           detail=say("programmes.brownfields_offline")))
        return
    names = _names(fig)
    asked = set(coverage["commune"])
    dates = sorted(set(coverage["releve"]))
    when = say("programmes.brownfields_when", first=dates[0], last=dates[-1])
    frame = fig.table(CARTOFRICHES)
    frame = frame[frame["commune"].isin(asked)] if frame is not None else frame
    manifest = fig.store.manifest(CARTOFRICHES.name)
    source = SourceRef(manifest.source_id, manifest.vintage, manifest.geo_vintage) if manifest is not None else None
    if frame is not None and not frame.empty:
        sites: list[tuple[str, str, str, str, float | None]] = [
            (names[r["commune"]], _text(r["site_nom"]), _text(r["site_statut"]), _text(r["site_type"]),
             None if pd.isna(r["surface_m2"]) else float(r["surface_m2"]))
            for r in frame.to_dict("records")
        ]
        sites.sort(key=lambda r: (normalize(r[0]), normalize(r[1])))
        blocks.append(Table(
            title=say("programmes.brownfields_title", count=len(sites), when=when),
            columns=(Column("Commune"), Column("Site"), Column("Statut"), Column("Type"),
                     Column("Surface de l'unité foncière (m²)", "count")),
            rows=tuple(sites),
            source=source,
            note=say("programmes.brownfields_note"),
        ))
    without = sorted((names[c] for c in asked if int(coverage.loc[coverage["commune"] == c, "sites"].iloc[0]) == 0),
                     key=normalize)
    if without:
        blocks.append(Note(say("programmes.brownfields_none", when=when, communes=without)))
    never = sorted((names[c] for c in fig.territory.commune_codes if c not in asked), key=normalize)
    if never:
        blocks.append(Note(say("lacunes.programmes_brownfields_communes", communes=never), tone="gap",
                           source_id=CARTOFRICHES_COVERAGE.source_id,
                           detail=say("programmes.brownfields_never_asked", communes=never)))


# -- the consultant's inventory ------------------------------------------------------------------


def inventory_method(inventory: Inventory | None) -> str | None:
    """The annex's paragraph on how the consultant joins an inventory (none given): the command
    line is for the consultant, not for the chapter a mayor reads."""
    return say("programmes.inventory_howto") if inventory is None else None


def _inventory(fig: Figures, inventory: Inventory | None, blocks: list) -> None:
    if inventory is None:
        blocks.append(Note(say("programmes.inventory_none")))
        return
    items = inventory.initiatives
    if not items:
        blocks.append(Note(say("programmes.inventory_empty", file=inventory.file_name)))
        return
    manifest = inventory.manifest()
    source = SourceRef(SOURCE_ID, manifest.vintage, COG_VINTAGE)
    names = _names(fig)
    by_category: dict[str | None, list[Initiative]] = {key: [] for key in CATEGORIES}
    for item in items:
        by_category.setdefault(item.categorie, []).append(item)

    summary: list[tuple[str | float | None, ...]] = [(CATEGORIES[key], float(len(by_category[key])), *_status_counts(by_category[key]))
               for key in CATEGORIES]
    if by_category.get(None):
        summary.append((UNCATEGORISED, float(len(by_category[None])), *_status_counts(by_category[None])))
    summary.append((say("programmes.total"), float(len(items)), *_status_counts(list(items))))
    blocks.append(Table(
        title=say("programmes.categories_title", count=len(items)),
        columns=(Column("Catégorie de ressources"), Column("Initiatives", "count"),
                 *(Column(status.capitalize(), "count") for status in STATUSES)),
        rows=tuple(summary),
        source=source,
        note=say("programmes.categories_note"),
    ))

    themes: dict[str, tuple[str, int]] = {}
    for item in items:
        key = normalize(item.theme) if item.theme else ""
        label, count = themes.get(key, (item.theme or say("programmes.no_theme"), 0))
        themes[key] = (label, count + 1)
    ordered = sorted(themes.items(), key=lambda kv: (kv[0] == "", -kv[1][1], kv[0]))
    blocks.append(Table(
        title=say("programmes.themes_title"),
        columns=(Column("Thème"), Column("Initiatives", "count")),
        rows=tuple((label, float(count)) for _, (label, count) in ordered),
        source=source,
    ))

    for category, group in by_category.items():
        if not group:
            continue
        label = CATEGORIES[category] if category is not None else UNCATEGORISED
        blocks.append(Table(
            title=say("programmes.category_title", label=label, count=len(group)),
            columns=(Column("Initiative"), Column("Commune(s)"), Column("Thème, statut"), Column("Description"),
                     Column("Porteur, contact, lien")),
            rows=tuple(_initiative_row(item, names) for item in group),
            source=source,
        ))

    counts = Counter(code for item in items for code in item.communes)
    if len(fig.territory.communes) > 1 and counts:
        whole = sum(1 for item in items if not item.communes)
        blocks.append(CommuneMap(
            id="carte_initiatives",
            title=say("programmes.initiatives_map_title"),
            values=tuple((c, float(counts.get(c, 0))) for c in fig.territory.commune_codes),
            value_kind="count",
            unit="initiatives",
            source=source,
            note=say("programmes.initiatives_map_note", whole=whole) if whole else None,
        ))


def _status_counts(items: list[Initiative]) -> tuple[float, ...]:
    return tuple(float(sum(1 for i in items if i.statut == status)) for status in STATUSES)


def _initiative_row(item: Initiative, names: dict[str, str]) -> tuple[str, ...]:
    """Initiative | Commune(s) | Thème, statut | Description | Porteur, contact, lien: five columns fit A4."""
    communes = ", ".join(names[c] for c in item.communes) if item.communes else say("programmes.whole_territory")
    status = item.statut or say("programmes.status_unknown")
    if item.date_debut is not None:
        status = say("programmes.status_started", status=status, day=item.date_debut)
    theme_status = f"{item.theme} ; {status}" if item.theme else status
    who = " — ".join(part for part in (item.porteur, item.contact, item.lien) if part)
    return tuple(_breakable(text) for text in (item.nom, communes, theme_status, item.description, who))


def _breakable(text: str) -> str:
    """`text` with a zero-width space every 30 characters of a run longer than 40 that has no
    place to break (a long URL segment): a table column of an A4 page cannot hold it, and the
    table would run off the page. Shorter runs, and the text of the file, are left as they are."""
    return _UNBREAKABLE.sub(lambda m: ZWSP.join(m[0][i:i + 30] for i in range(0, len(m[0]), 30)), text)


# -- communes with nothing known -----------------------------------------------------------------


def _communes_without(fig: Figures, with_programme: set[str] | None, inventory: Inventory | None,
                      blocks: list) -> None:
    names = _names(fig)
    known = set(with_programme or ())
    items = inventory.initiatives if inventory is not None else ()
    for item in items:
        known.update(item.communes)
    without = sorted((names[c] for c in fig.territory.commune_codes if c not in known), key=normalize)
    has_inventory = inventory is not None  # given, even if still empty
    if with_programme is None and not has_inventory:
        return  # nothing is known: the notes above say why
    if not without:
        if len(fig.territory.communes) > 1:
            blocks.append(Note(say("programmes.every_commune_known", inventory=has_inventory)))
        return
    whole = sum(1 for item in items if not item.communes)
    blocks.append(Note(say("programmes.communes_without", communes=without, programmes=with_programme is not None,
                           inventory=has_inventory, whole=whole)))


def _text(value: object) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def _commune_name(code: str) -> str:
    commune = load_cog().commune(code)
    return commune.name if commune is not None else code


def _names(fig: Figures) -> dict[str, str]:
    return {c.code: c.name for c in fig.territory.communes}


# -- the inventory in the other chapters ---------------------------------------------------------


def chapter_initiatives(fig: Figures, inventory: Inventory | None) -> dict[str, tuple[Table, Note]]:
    """The consultant's initiatives of each chapter (by their theme, initiatives.chapter_of): a
    table (initiative, communes, carrier, status) and the note saying where the whole list is;
    brownfields go to the land-take chapter, the carriers (the actors) with their initiatives."""
    if inventory is None or not inventory.initiatives:
        return {}
    names = _names(fig)
    source = SourceRef(SOURCE_ID, inventory.manifest().vintage, COG_VINTAGE)
    by_chapter: dict[str, list[Initiative]] = {}
    for item in inventory.initiatives:
        chapter = chapter_of(item.theme) if item.theme else None
        if chapter is not None and chapter != SECTION_ID:
            by_chapter.setdefault(chapter, []).append(item)
    out: dict[str, tuple[Table, Note]] = {}
    for chapter, items in by_chapter.items():
        rows = tuple(tuple(_breakable(text) for text in (
            item.nom,
            ", ".join(names[c] for c in item.communes) if item.communes else say("programmes.whole_territory"),
            item.porteur or "—",
            f"{item.theme} ; {item.statut or say('programmes.status_unknown')}",
        )) for item in items)
        out[chapter] = (
            Table(title=say("atelier.chapter_initiatives_title", count=len(items)),
                  columns=(Column("Initiative"), Column("Commune(s)"), Column("Porteur"), Column("Thème, statut")),
                  rows=rows, source=source),
            Note(say("atelier.chapter_initiatives_note", file=inventory.file_name)),
        )
    return out

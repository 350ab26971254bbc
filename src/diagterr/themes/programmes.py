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
from diagterr.initiatives import CATEGORIES, SOURCE_ID, STATUSES, UNCATEGORISED, Initiative, Inventory
from diagterr.formatting import date_longue
from diagterr.sources import anct_programmes, bpe_france_services, cartofriches, qpv
from diagterr.store import Manifest
from diagterr.themes.figures import Figures

PROGRAMMES = "programmes"
SECTION_ID = "programmes"
TITLE = "Initiatives et programmes en cours"
INTRO = (
    "Ce qui est déjà engagé sur le territoire : les programmes nationaux de l'Agence nationale de la cohésion des "
    "territoires dont les communes sont lauréates ou signataires, puis les initiatives locales recensées pour "
    "l'atelier. Le point de départ du recensement des ressources et des acteurs."
)
CRTE = "Contrat pour la réussite"
WHOLE_TERRITORY = "Tout le territoire"
NO_THEME = "Thème non renseigné"
ZWSP = "\u200b"
_UNBREAKABLE = re.compile(r"[^\s/\-]{41,}")

# Programmes counted in the summary, in the order shown.
_HEADLINE = (
    "Petites villes de demain",
    "Action cœur de ville",
    "Villages d'avenir",
    "Territoires d'industrie",
    "France services",
    "Opération de revitalisation de territoire (ORT)",
)


def analyse(fig: Figures, initiatives: Inventory | None = None) -> Section:
    """The section; `initiatives` is the validated inventory of `--initiatives`, None when not given."""
    blocks: list = []
    limits = ("Listes de programmes à la date de leur publication (voir l'annexe) : un programme signé depuis n'y "
              "figure pas.")
    if initiatives is not None and initiatives.initiatives:
        limits += (" L'inventaire des initiatives est déclaratif : diagterr en vérifie les codes de communes, les dates "
                   "et les adresses, pas le contenu ; les contacts sont imprimés tels que saisis.")
    # The limit first, under the intro: read before the lists, and never alone on a last page.
    blocks.append(Note(limits, tone="limit"))
    with_programme = _programmes(fig, blocks)
    _qpv(fig, blocks)
    _brownfields(fig, blocks)
    _inventory(fig, initiatives, blocks)
    _communes_without(fig, with_programme, initiatives, blocks)
    return Section(SECTION_ID, TITLE, INTRO, tuple(blocks))


# -- ANCT programmes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeView:
    """The programmes of a territory's communes: the lists read online where there are some (the
    ANCT lists on data.gouv.fr, France services from the BPE), the samples' table for the others.

    `frame`: commune, programme, identifiant, detail, date_signature, liste, mise_en_ligne, source
    (the key of `manifests`), only the territory's communes; None when no source has any row.
    `online`: programme label -> what was read online (file name, BPE vintage)."""

    frame: pd.DataFrame | None
    manifests: dict[str, Manifest] = field(default_factory=dict)
    online: dict[str, str] = field(default_factory=dict)

    def source_of(self, programme: str) -> SourceRef | None:
        """The source of a programme's rows: the online list that replaced the samples', else the samples."""
        key = next((k for label, k in self._online_sources().items() if programme.startswith(label)), PROGRAMMES)
        manifest = self.manifests.get(key) or self.manifests.get(PROGRAMMES)
        return None if manifest is None else SourceRef(manifest.source_id, manifest.vintage, manifest.geo_vintage)

    def _online_sources(self) -> dict[str, str]:
        return {label: (bpe_france_services.TABLE if label == bpe_france_services.PROGRAMME else anct_programmes.TABLE)
                for label in self.online}


def programme_view(fig: Figures) -> ProgrammeView:
    """The merged view of the programmes (online lists + samples), for this section and the enjeux."""
    manifests: dict[str, Manifest] = {}
    online: dict[str, str] = {}
    parts: list[pd.DataFrame] = []
    anct_manifest = fig.store.manifest(anct_programmes.TABLE)
    fetched = anct_programmes.lists_in(anct_manifest)
    if fetched:
        frame = fig.table(anct_programmes.TABLE)
        manifests[anct_programmes.TABLE] = anct_manifest
        online |= fetched
        if frame is not None:
            parts.append(frame.assign(source=anct_programmes.TABLE))
    services = fig.table(bpe_france_services.TABLE)
    if services is not None and not services.empty:
        manifest = fig.store.manifest(bpe_france_services.TABLE)
        manifests[bpe_france_services.TABLE] = manifest
        online[bpe_france_services.PROGRAMME] = manifest.vintage
        parts.append(services[services["nombre"] != "0"].assign(source=bpe_france_services.TABLE))
    sample = fig.table(PROGRAMMES)
    if sample is not None:
        manifests[PROGRAMMES] = fig.store.manifest(PROGRAMMES)
        replaced = sample["programme"].map(lambda label: any(label.startswith(p) for p in online))
        parts.append(sample[~replaced].assign(source=PROGRAMMES))
    if not parts:
        return ProgrammeView(None, manifests, online)
    columns = ["commune", "programme", "identifiant", "detail", "date_signature", "liste", "mise_en_ligne", "source"]
    frame = pd.concat([part.reindex(columns=columns) for part in parts], ignore_index=True).astype("string")
    frame = frame[frame["commune"].isin(fig.territory.commune_codes)]
    return ProgrammeView(frame.sort_values(["commune", "programme", "identifiant"]).reset_index(drop=True),
                         manifests, online)


def _programmes(fig: Figures, blocks: list) -> set[str] | None:
    """Blocks of the programme lists; the communes with a programme (CRTE aside), None if no list."""
    view = programme_view(fig)
    frame, fetched = view.frame, view.online
    main = view.manifests.get(anct_programmes.TABLE) or view.manifests.get(PROGRAMMES)
    if frame is None or main is None:
        blocks.append(Note("Liste des programmes de l'ANCT non disponible pour ce territoire : "
                           + fig.unavailable(PROGRAMMES), tone="gap"))
        return None
    source = SourceRef(main.source_id, main.vintage, main.geo_vintage)
    codes = set(fig.territory.commune_codes)
    # The national lists fetched cover every commune; the samples' table, the communes it has.
    covered = codes if (set(fetched) - {bpe_france_services.PROGRAMME}) else set(frame["commune"]) & codes
    names = _names(fig)
    indicators = []
    for programme in _HEADLINE:
        communes = sorted(set(frame.loc[frame["programme"].str.startswith(programme), "commune"]),
                          key=lambda c: normalize(names[c]))
        ref = view.source_of(programme) or source
        manifest = next((m for m in view.manifests.values()
                         if (m.source_id, m.vintage) == (ref.source_id, ref.vintage)), main)
        indicators.append(
            Indicator(
                id="programme_" + "".join(ch for ch in programme.lower() if ch.isalnum())[:30],
                label=f"Communes concernées : {programme}",
                value=float(len(communes)),
                unit="communes",
                kind="count",
                period=manifest.retrieved_at[:4],
                source=ref,
                note=", ".join(names[c] for c in communes) or None,
            )
        )
    blocks.append(IndicatorTable("Programmes nationaux dans le périmètre", tuple(indicators)))
    rows = []
    for record in frame.to_dict("records"):
        if record["programme"].startswith(CRTE):
            continue  # every commune has a CRTE: listed once below rather than per commune
        rows.append((names[record["commune"]], record["programme"], _programme_detail(record)))
    if rows:
        blocks.append(
            Table(
                title="Programmes par commune",
                columns=(Column("Commune"), Column("Programme"), Column("Détail")),
                rows=tuple(sorted(rows, key=lambda r: (normalize(r[0]), r[1], r[2]))),
                source=source,
            )
        )
    if fetched:
        blocks.append(Note(
            "Listes nationales les plus récentes lues en ligne : "
            + " ; ".join(f"{label} ({name})" for label, name in fetched.items())
            + ". Les autres programmes viennent des listes fournies avec diagterr (voir l'annexe)."
        ))
    _crte_note(frame, names, blocks, online=any(label.startswith(CRTE) for label in fetched))
    counts = frame[~frame["programme"].str.startswith(CRTE)].groupby("commune").size()
    if len(fig.territory.communes) > 1:
        blocks.append(
            CommuneMap(
                id="carte_programmes",
                title="Nombre de programmes nationaux par commune (hors CRTE)",
                values=tuple((c, float(counts.get(c, 0)) if c in covered else None) for c in fig.territory.commune_codes),
                value_kind="count",
                unit="programmes",
                source=source,
            )
        )
    return {c for c in codes if counts.get(c, 0) > 0}


def _crte_note(frame: pd.DataFrame, names: dict[str, str], blocks: list, *, online: bool) -> None:
    """The CRTE of the perimeter, once each: name or identifier, signatory, date, communes covered."""
    crte = frame[frame["programme"].str.startswith(CRTE)]
    if crte.empty:
        return
    contracts = []
    keys = ["identifiant", "detail", "date_signature"]
    for key, group in crte.fillna("").groupby(keys, sort=True):
        identifier, detail, signed = key
        text = detail or identifier
        if detail and identifier:
            text += f" ({identifier})"
        if signed:
            text += f", signé le {date_longue(signed)}"
        if online:
            text += f" : {_count(group['commune'].nunique(), 'commune')} du périmètre"
        contracts.append(text)
    rule = (" Un CRTE signé par une intercommunalité couvre toutes ses communes membres ; une commune signataire, "
            "elle seule." if online else "")
    blocks.append(Note("Contrat(s) pour la réussite de la transition écologique du périmètre : "
                       + " ; ".join(contracts) + "." + rule))


def _programme_detail(record: dict) -> str:
    """"Label ; signée le 12 mars 2021", or the identifier when the list gives nothing else."""
    parts = [_text(record.get("detail"))]
    signed = _text(record.get("date_signature"))
    if signed:
        parts.append(f"signature le {date_longue(signed)}")
    if _text(record.get("liste")) == "ort" and _text(record.get("mise_en_ligne")):
        parts.append(f"fiche actualisée le {date_longue(record['mise_en_ligne'])}")
    if not any(parts) and _text(record.get("identifiant")):
        parts.append(f"identifiant {record['identifiant']}")
    return " ; ".join(p for p in parts if p)


# -- QPV and brownfields -------------------------------------------------------------------------


def _qpv(fig: Figures, blocks: list) -> None:
    """The quartiers of the national list 2024 in the territory's communes (fetched online)."""
    manifest = fig.store.manifest(qpv.TABLE)
    if manifest is None:
        # The samples hold no QPV list: quartiers known only from press or web pages are not an
        # official list, and are not printed.
        blocks.append(Note(
            "Quartiers prioritaires de la politique de la ville (liste 2024) : non disponible hors ligne. La liste "
            "officielle de l'ANCT (data.gouv.fr, « Quartiers prioritaires de la politique de la ville ») n'est ni "
            "dans les exemples fournis avec diagterr ni en cache : relancez sans --offline pour la télécharger. "
            "Aucun quartier n'est cité ici.",
            tone="gap",
        ))
        return
    frame = fig.table(qpv.TABLE)
    names = _names(fig)
    listed = f"liste de l'ANCT, fichier {manifest.params.get('fichier', '')}, {date_longue(manifest.retrieved_at)}"
    if frame is None or frame.empty:
        blocks.append(Note(f"Aucun quartier prioritaire de la politique de la ville 2024 dans les communes du "
                           f"territoire ({listed})."))
        return
    rows = []
    for record in frame.to_dict("records"):
        others = [c for c in record["communes_qp"].split(",") if c != record["commune"]]
        rows.append((names[record["commune"]], _text(record["lib_qp"]), _text(record["code_qp"]),
                     ", ".join(names.get(c) or _commune_name(c) for c in others)))
    blocks.append(Table(
        title=f"Quartiers prioritaires de la politique de la ville 2024 ({_count(len(set(frame['code_qp'])), 'quartier')})",
        columns=(Column("Commune"), Column("Quartier"), Column("Code"), Column("Autres communes du quartier")),
        rows=tuple(sorted(rows, key=lambda r: (normalize(r[0]), normalize(r[1])))),
        source=SourceRef(manifest.source_id, manifest.vintage, manifest.geo_vintage),
        note="Population des quartiers : non donnée par la liste de l'ANCT (elle est publiée par l'INSEE, "
        "non reprise ici).",
    ))


def _brownfields(fig: Figures, blocks: list) -> None:
    """Sites of the communes Cartofriches was asked about, with the date of the request; the
    communes asked with no site; the communes never asked (offline, or a failed fetch)."""
    # Read from the store, not through `fig.table`: the ledger of requests is not a source of the
    # annex of its own (the sites' table is).
    coverage = fig.store.read(cartofriches.COVERAGE, filters=[[("commune", "in", list(fig.territory.commune_codes))]])
    if coverage is None or coverage.empty:
        blocks.append(Note(
            "Friches (Cartofriches, Cerema) : non disponible hors ligne. Aucune liste de friches n'est dans les "
            "exemples fournis ni en cache pour ce territoire : relancez sans --offline pour interroger l'API "
            "Données foncières du Cerema (une requête par commune).",
            tone="gap",
        ))
        return
    names = _names(fig)
    asked = set(coverage["commune"])
    dates = sorted(set(coverage["releve"]))
    when = (f"relevé du {date_longue(dates[0])}" if len(dates) == 1
            else f"relevés du {date_longue(dates[0])} au {date_longue(dates[-1])}")
    frame = fig.table(cartofriches.TABLE)
    frame = frame[frame["commune"].isin(asked)] if frame is not None else frame
    manifest = fig.store.manifest(cartofriches.TABLE)
    source = SourceRef(manifest.source_id, manifest.vintage, manifest.geo_vintage)
    if frame is not None and not frame.empty:
        rows = tuple(
            (names[r["commune"]], _text(r["site_nom"]), _text(r["site_statut"]), _text(r["site_type"]),
             None if pd.isna(r["surface_m2"]) else float(r["surface_m2"]))
            for r in frame.to_dict("records")
        )
        blocks.append(Table(
            title=f"Friches recensées par Cartofriches ({_count(len(rows), 'site')}, {when})",
            columns=(Column("Commune"), Column("Site"), Column("Statut"), Column("Type"),
                     Column("Surface de l'unité foncière (m²)", "count")),
            rows=tuple(sorted(rows, key=lambda r: (normalize(r[0]), normalize(r[1])))),
            source=source,
            note="« Friche potentielle » : site repéré dans une base (Basias, Basol…) sans vérification sur le "
            "terrain. Surface : celle de l'unité foncière, qui peut être partagée par plusieurs sites.",
        ))
    without = sorted((names[c] for c in asked if int(coverage.loc[coverage["commune"] == c, "sites"].iloc[0]) == 0),
                     key=normalize)
    if without:
        blocks.append(Note(
            f"Cartofriches ({when}) : aucune friche recensée à "
            f"{', '.join(without)}. Un site absent de l'inventaire n'est pas pour autant exclu : la question peut "
            "être posée en atelier."
        ))
    never = sorted((names[c] for c in fig.territory.commune_codes if c not in asked), key=normalize)
    if never:
        blocks.append(Note(
            f"Friches (Cartofriches) : {_count(len(never), 'commune')} non interrogée(s) : {', '.join(never)} "
            "(donnée absente du cache).",
            tone="gap",
        ))


# -- the consultant's inventory ------------------------------------------------------------------


def _inventory(fig: Figures, inventory: Inventory | None, blocks: list) -> None:
    if inventory is None:
        blocks.append(Note(
            "Inventaire des initiatives locales : aucun fichier fourni. Pour recenser les initiatives déjà en place "
            "(associations, tiers-lieux, projets agricoles, culturels, numériques…), créez le modèle avec "
            "« diagterr initiatives modele initiatives.csv », complétez-le (une initiative par ligne), puis relancez "
            "avec « --initiatives initiatives.csv »."
        ))
        return
    items = inventory.initiatives
    if not items:
        blocks.append(Note(
            f"Inventaire des initiatives locales : le fichier « {inventory.file_name} » ne contient encore aucune "
            "initiative (la ligne d'exemple du modèle est ignorée)."
        ))
        return
    manifest = inventory.manifest()
    source = SourceRef(SOURCE_ID, manifest.vintage, COG_VINTAGE)
    names = _names(fig)
    by_category: dict[str | None, list[Initiative]] = {key: [] for key in CATEGORIES}
    for item in items:
        by_category.setdefault(item.categorie, []).append(item)

    summary = [(CATEGORIES[key], float(len(by_category[key])), *_status_counts(by_category[key]))
               for key in CATEGORIES]
    if by_category.get(None):
        summary.append((UNCATEGORISED, float(len(by_category[None])), *_status_counts(by_category[None])))
    summary.append(("Total", float(len(items)), *_status_counts(list(items))))
    blocks.append(Table(
        title=f"Initiatives recensées par catégorie de ressources ({len(items)})",
        columns=(Column("Catégorie de ressources"), Column("Initiatives", "count"),
                 *(Column(status.capitalize(), "count") for status in STATUSES)),
        rows=tuple(summary),
        source=source,
        note="Catégories de ressources de l'Atelier des territoires ; une catégorie sans initiative est une question "
        "pour l'atelier.",
    ))

    themes: dict[str, tuple[str, int]] = {}
    for item in items:
        key = normalize(item.theme) if item.theme else ""
        label, count = themes.get(key, (item.theme or NO_THEME, 0))
        themes[key] = (label, count + 1)
    ordered = sorted(themes.items(), key=lambda kv: (kv[0] == "", -kv[1][1], kv[0]))
    blocks.append(Table(
        title="Initiatives recensées par thème",
        columns=(Column("Thème"), Column("Initiatives", "count")),
        rows=tuple((label, float(count)) for _, (label, count) in ordered),
        source=source,
    ))

    for key, group in by_category.items():
        if not group:
            continue
        label = CATEGORIES[key] if key is not None else UNCATEGORISED
        blocks.append(Table(
            title=f"{label} : {_count(len(group), 'initiative')}",
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
            title="Nombre d'initiatives recensées par commune",
            values=tuple((c, float(counts.get(c, 0))) for c in fig.territory.commune_codes),
            value_kind="count",
            unit="initiatives",
            source=source,
            note=(f"Hors {_count(whole, 'initiative')} portant sur tout le territoire." if whole else None),
        ))


def _status_counts(items: list[Initiative]) -> tuple[float, ...]:
    return tuple(float(sum(1 for i in items if i.statut == status)) for status in STATUSES)


def _initiative_row(item: Initiative, names: dict[str, str]) -> tuple[str, ...]:
    """Initiative | Commune(s) | Thème, statut | Description | Porteur, contact, lien: five columns fit A4."""
    communes = ", ".join(names[c] for c in item.communes) if item.communes else WHOLE_TERRITORY
    status = item.statut or "statut non précisé"
    if item.date_debut is not None:
        status += f", début le {date_longue(item.date_debut)}"
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
            blocks.append(Note("Chaque commune du territoire a au moins un programme national"
                               + (" ou une initiative recensée." if has_inventory else " connu.")))
        return
    if with_programme is None:
        what = "sans initiative recensée (liste des programmes nationaux indisponible)"
    elif has_inventory:
        what = "sans programme national ni initiative recensée"
    else:
        what = "sans programme national connu (CRTE mis à part), et aucun inventaire d'initiatives fourni"
    whole = sum(1 for item in items if not item.communes)
    whole_text = (f" Sans compter les {whole} initiatives portant sur tout le territoire." if whole > 1 else
                  " Sans compter l'initiative portant sur tout le territoire." if whole else "")
    blocks.append(Note(
        f"{_count(len(without), 'commune')} {what} : {', '.join(without)}.{whole_text} "
        "Question pour l'atelier : quelles initiatives y sont déjà portées, et par qui ?"
    ))


def _count(n: int, noun: str) -> str:
    """"1 commune", "12 communes"."""
    return f"{n} {noun}{'s' if n > 1 else ''}"


def _text(value: object) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def _commune_name(code: str) -> str:
    commune = load_cog().commune(code)
    return commune.name if commune is not None else code


def _names(fig: Figures) -> dict[str, str]:
    return {c.code: c.name for c in fig.territory.communes}

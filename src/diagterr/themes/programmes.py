"""Programmes en cours: the ANCT programmes the communes belong to (PVD, ACV, Villages d'avenir,
France services, CRTE…), the ORT, with the date of the list."""

from __future__ import annotations

from diagterr.dossier import Column, CommuneMap, Indicator, IndicatorTable, Note, Section, SourceRef, Table
from diagterr.themes.figures import Figures

PROGRAMMES = "programmes"

# Programmes counted in the summary, in the order shown.
_HEADLINE = (
    "Petites villes de demain",
    "Action cœur de ville",
    "Villages d'avenir",
    "Territoires d'industrie",
    "France services",
    "Opération de revitalisation de territoire (ORT)",
)


def analyse(fig: Figures) -> Section:
    frame = fig.table(PROGRAMMES)
    intro = ("Les programmes nationaux de l'Agence nationale de la cohésion des territoires dont les communes "
             "sont lauréates ou signataires : le point de départ du recensement des initiatives déjà en place.")
    if frame is None:
        return Section(
            "programmes", "Programmes en cours", intro,
            (Note("Liste des programmes de l'ANCT non disponible pour ce territoire : " + fig.unavailable(PROGRAMMES),
                  tone="gap"),),
        )
    manifest = fig.store.manifest(PROGRAMMES)
    source = SourceRef(manifest.source_id, manifest.vintage, manifest.geo_vintage)
    codes = set(fig.territory.commune_codes)
    covered = set(frame["commune"]) & codes
    frame = frame[frame["commune"].isin(codes)]
    names = {c.code: c.name for c in fig.territory.communes}
    blocks: list = []
    indicators = []
    for programme in _HEADLINE:
        communes = sorted(set(frame.loc[frame["programme"].str.startswith(programme), "commune"]))
        indicators.append(
            Indicator(
                id="programme_" + "".join(ch for ch in programme.lower() if ch.isalnum())[:30],
                label=f"Communes concernées : {programme}",
                value=float(len(communes)),
                unit="communes",
                kind="count",
                period=manifest.retrieved_at[:4],
                source=source,
                note=", ".join(names[c] for c in communes) or None,
            )
        )
    blocks.append(IndicatorTable("Programmes nationaux dans le périmètre", tuple(indicators)))
    rows = []
    for record in frame.sort_values(["commune", "programme"]).to_dict("records"):
        if record["programme"].startswith("Contrat pour la réussite"):
            continue  # every commune has a CRTE: listed once below rather than per commune
        detail = record["detail"] or (f"identifiant {record['identifiant']}" if record["identifiant"] else "")
        rows.append((names[record["commune"]], record["programme"], detail))
    if rows:
        blocks.append(
            Table(
                title="Programmes par commune",
                columns=(Column("Commune"), Column("Programme"), Column("Détail")),
                rows=tuple(sorted(rows)),
                source=source,
            )
        )
    crte = sorted(set(frame.loc[frame["programme"].str.startswith("Contrat pour la réussite"), "identifiant"]))
    if crte:
        blocks.append(Note(f"Contrat(s) pour la réussite de la transition écologique du périmètre : {', '.join(crte)}."))
    counts = frame[~frame["programme"].str.startswith("Contrat pour la réussite")].groupby("commune").size()
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
        without = sorted(names[c] for c in codes if counts.get(c, 0) == 0)
        if without:
            blocks.append(
                Note(
                    f"{len(without)} commune(s) sans programme national connu : {', '.join(without)}. "
                    "Question pour l'atelier : quelles initiatives locales y sont déjà portées ?",
                )
            )
    blocks.append(
        Note(
            "Listes à la date de leur publication (voir l'annexe) : un programme signé depuis n'y figure pas. "
            "Les quartiers prioritaires, les friches et l'inventaire des initiatives locales viendront compléter "
            "cette section.",
            tone="limit",
        )
    )
    return Section("programmes", "Programmes en cours", intro, tuple(blocks))

"""Climat, risques et sols: the TRACC frame, the observed climate (ERA5), natural risks and CatNat
decrees (Géorisques), land take (ZAN).

Reads only the store: `tracc` (built from the arrêté's text, shipped with the samples),
`climat_era5` and `georisques` (written by online fetches, absent from the samples). Whatever
the store lacks is said where the figure would be, with the source that would fill it.

The territory's climate is the plain mean of its points (one per ERA5 cell, see
sources/open_meteo.py): a year is shown only when every point has it. Day counts are means of
the points' counts. A trend is the least-squares slope over every year shown, per decade.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from diagterr.dossier import (
    Block,
    Chart,
    Column,
    CommuneMap,
    Indicator,
    IndicatorTable,
    Note,
    Section,
    Series,
    SourceRef,
    Table,
)
from diagterr.formatting import date_longue, nombre
from diagterr.sources import cerema_conso, georisques, open_meteo, tracc
from diagterr.sources import open_meteo_projections as projections
from diagterr.themes.figures import Figures

SECTION_ID = "climat"
TITLE = "Climat, risques et sols"
REFERENCE = (1976, 2005)
RECENT_YEARS = 10
MIN_TREND_YEARS = 30
CATNAT_BIN_YEARS = 5
# Paragraph of Article 1 of the TRACC arrêté per overseas département; every other one is "I".
TRACC_PARAGRAPH = {"971": "II", "972": "II", "973": "III", "974": "IV", "976": "V"}
COUNTS = ("jours_tx_30", "jours_gel", "nuits_tropicales")

OFFLINE = "non disponible hors ligne (ni dans les exemples livrés, ni en cache)"


@dataclass(frozen=True)
class Climate:
    """The yearly series of the territory (mean of its points) and the points themselves."""

    years: tuple[int, ...]
    series: dict[str, tuple[float | None, ...]]  # variable → one value per year (None: missing)
    points: pd.DataFrame  # one row per point: commune, communes, latitude, longitude, altitude, retrieved_at
    source: SourceRef


def analyse(fig: Figures) -> Section:
    blocks: list[Block] = []
    levels = tracc_levels(fig)
    blocks += tracc_blocks(fig, levels)
    climate = observed_climate(fig)
    blocks += climate_blocks(climate, levels, {c.code: c.name for c in fig.territory.communes})
    blocks += projection_blocks(fig, levels)
    blocks += risk_blocks(fig)
    blocks += land_take_blocks(fig)
    return Section(
        id=SECTION_ID,
        title=TITLE,
        intro="Le cadre national d'adaptation (trajectoire de réchauffement de référence), le climat observé sur le "
        "territoire, les risques naturels connus par commune et la consommation d'espaces naturels, agricoles et "
        "forestiers.",
        blocks=tuple(blocks),
    )


# -- TRACC ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TraccLevels:
    perimetre: str  # as the arrêté writes it: "la France métropolitaine"
    levels: dict[str, float]  # horizon → °C
    world: dict[str, float]
    source: SourceRef


def tracc_levels(fig: Figures) -> list[TraccLevels]:
    """The arrêté's levels for the territory's perimeter(s) (overseas départements have their own)."""
    frame = fig.table(tracc.TABLE)
    if frame is None or frame.empty:
        return []
    world = frame[frame["perimetre"] == tracc.WORLD]
    world_levels = dict(zip(world["horizon"], world["rechauffement_c"].astype(float), strict=True))
    paragraphs = sorted({TRACC_PARAGRAPH.get(p.code, tracc.METROPOLE) for p in fig.territory.departements})
    found = []
    for paragraph in paragraphs:
        rows = frame[frame["paragraphe"] == paragraph]
        if rows.empty:
            continue
        found.append(
            TraccLevels(
                perimetre=str(rows["perimetre"].iloc[0]),
                levels=dict(zip(rows["horizon"], rows["rechauffement_c"].astype(float), strict=True)),
                world=world_levels,
                source=fig.source(tracc.TABLE),
            )
        )
    return found


def tracc_blocks(fig: Figures, found: list[TraccLevels]) -> list[Block]:
    if not found:
        return [Note(f"Trajectoire de réchauffement de référence (TRACC) : {fig.absent_reason(tracc.TABLE)}.", tone="gap")]
    blocks: list[Block] = []
    for item in found:
        horizons = sorted(item.levels)
        blocks.append(
            Table(
                title=f"Trajectoire de réchauffement de référence (TRACC) pour {item.perimetre}",
                columns=(
                    Column("Horizon"),
                    Column("Réchauffement de référence (°C)", "ratio", 1),
                    Column("Réchauffement mondial correspondant (°C)", "ratio", 1),
                ),
                rows=tuple((h, item.levels[h], item.world.get(h)) for h in horizons),
                source=item.source,
                note="Par rapport à l'ère préindustrielle ; valeurs lues par le programme dans le texte officiel "
                "de l'article 1.",
            )
        )
    first = found[0]
    steps = ", ".join(f"+{_degrees(first.levels[h])} °C en {h}" for h in sorted(first.levels))
    blocks.append(
        Note(
            "L'arrêté du 23 janvier 2026 fixe la trajectoire de réchauffement de référence pour l'adaptation au "
            f"changement climatique (article R. 229-1 du code de l'environnement) : pour {first.perimetre}, {steps}, "
            "par rapport à l'ère préindustrielle. C'est le cadre de référence dans lequel l'atelier peut situer les "
            "choix d'adaptation du territoire."
        )
    )
    return blocks


# -- observed climate ----------------------------------------------------------------------------


def observed_climate(fig: Figures) -> Climate | None:
    """The territory's ERA5 series, or None when the store has none for exactly its communes."""
    frame = fig.table(open_meteo.TABLE)
    if frame is None:
        return None
    rows = frame[frame["territoire"] == open_meteo.territory_key(fig.territory)]
    if rows.empty:
        return None
    points = rows.drop_duplicates(["point_latitude", "point_longitude"])
    covered = {c for group in points["communes"] for c in str(group).split(",")}
    if covered != set(fig.territory.commune_codes):
        return None  # points of another perimeter under the same name: not this territory's
    years = sorted(int(p) for p in rows["period"].unique())
    point_of = rows["point_latitude"].astype(str) + "," + rows["point_longitude"].astype(str)
    series: dict[str, tuple[float | None, ...]] = {}
    for variable in open_meteo.YEARLY:
        chosen = rows["variable"] == variable
        by_year: dict[str, dict[str, float]] = {}
        for period, point, value in zip(rows.loc[chosen, "period"], point_of[chosen], rows.loc[chosen, "value"],
                                        strict=True):
            if not pd.isna(value):
                by_year.setdefault(str(period), {})[point] = float(value)
        # A year is the territory's only when every point has it: never a mean of some points.
        series[variable] = tuple(
            float(np.mean(list(by_year[str(y)].values()))) if len(by_year.get(str(y), {})) == len(points) else None
            for y in years
        )
    first, last = _span(years, series["temperature_moyenne"])
    source = SourceRef(
        open_meteo.SOURCE_ID,
        f"ERA5 {first}-{last}" if first else "ERA5",
        f"grille ERA5 0,25°, {len(points)} point(s)",
    )
    table = points[["commune", "communes", "latitude", "longitude", "altitude", "retrieved_at"]].reset_index(drop=True)
    return Climate(tuple(years), series, table, source)


def mean_over(years: Sequence[int], values: Sequence[float | None], first: int, last: int) -> float | None:
    """Mean of the years first..last, None unless every one of them has a value."""
    chosen = [v for y, v in zip(years, values, strict=True) if first <= y <= last]
    if len(chosen) != last - first + 1 or any(v is None for v in chosen):
        return None
    return float(np.mean(chosen))


def trend_per_decade(years: Sequence[int], values: Sequence[float | None]) -> float | None:
    """Least-squares slope of the years with a value, per decade; None under MIN_TREND_YEARS years."""
    pairs = [(y, v) for y, v in zip(years, values, strict=True) if v is not None]
    if len(pairs) < MIN_TREND_YEARS:
        return None
    x = np.array([p[0] for p in pairs], dtype=float)
    y = np.array([p[1] for p in pairs], dtype=float)
    slope = np.polyfit(x, y, 1)[0]
    return float(slope * 10)


def climate_blocks(climate: Climate | None, found: list[TraccLevels], names: dict[str, str] | None = None) -> list[Block]:
    if climate is None:
        return [
            Note(
                "Climat observé (température moyenne annuelle et sa tendance, écarts à la moyenne 1976-2005, "
                "précipitations, jours très chauds, jours de gel, nuits tropicales depuis 1950) : "
                f"{OFFLINE}. Source qui le fournit : réanalyse ERA5 du service Copernicus pour le changement "
                "climatique (C3S / ECMWF), séries quotidiennes de l'API historique d'Open-Meteo "
                "(archive-api.open-meteo.com), lues lors d'une exécution en ligne aux points représentatifs du "
                "territoire.",
                tone="gap",
            )
        ]
    years = climate.years
    temperature = climate.series["temperature_moyenne"]
    first, last = _span(years, temperature)
    if first is None or last is None:
        return [
            Note(
                "Climat observé : la série ERA5 du territoire n'a aucune année complète (un jour au moins manque "
                "chaque année à un point) ; rien n'est calculé sur des années incomplètes.",
                tone="gap",
            )
        ]
    recent = (last - RECENT_YEARS + 1, last)
    ref_label = f"{REFERENCE[0]}-{REFERENCE[1]}"
    recent_label = f"{recent[0]}-{recent[1]}"
    source = climate.source

    def mean_indicator(id_: str, label: str, variable: str, span: tuple[int, int], unit: str,
                       decimals: int) -> Indicator:
        value = mean_over(years, climate.series[variable], *span)
        period = f"{span[0]}-{span[1]}"
        return Indicator(id_, label, value, unit, "ratio", period, source,
                         missing_reason=None if value is not None else "années incomplètes dans la série ERA5",
                         decimals=decimals)

    reference_t = mean_over(years, temperature, *REFERENCE)
    recent_t = mean_over(years, temperature, *recent)
    gap = recent_t - reference_t if recent_t is not None and reference_t is not None else None
    trend = trend_per_decade(years, temperature)
    indicators = [
        mean_indicator("temperature_moyenne_reference", "Température moyenne annuelle, période de référence",
                       "temperature_moyenne", REFERENCE, "°C", 1),
        mean_indicator("temperature_moyenne_recente", f"Température moyenne annuelle, {RECENT_YEARS} dernières années",
                       "temperature_moyenne", recent, "°C", 1),
        Indicator("ecart_temperature_recente_reference",
                  f"Écart de température {recent_label} / {ref_label}", gap, "°C", "ratio",
                  f"{recent_label} / {ref_label}", source,
                  missing_reason=None if gap is not None else "années incomplètes dans la série ERA5", decimals=1),
        Indicator("tendance_temperature_decennie", "Tendance de la température moyenne annuelle", trend,
                  "°C par décennie", "ratio", f"{first}-{last}", source,
                  missing_reason=None if trend is not None else f"moins de {MIN_TREND_YEARS} années complètes",
                  note="Pente des moindres carrés sur toutes les années complètes de la série.", decimals=2),
    ]
    for variable in ("precipitations", *COUNTS):
        label, unit = open_meteo.YEARLY[variable]
        unit = "mm par an" if unit == "mm" else "jours par an"
        decimals = 0 if variable == "precipitations" else 1
        indicators.append(mean_indicator(f"{variable}_reference", f"{label}, période de référence", variable,
                                         REFERENCE, unit, decimals))
        indicators.append(mean_indicator(f"{variable}_recent", f"{label}, {RECENT_YEARS} dernières années", variable,
                                         recent, unit, decimals))
    blocks: list[Block] = [
        IndicatorTable("Climat observé aux points du territoire (réanalyse ERA5)", tuple(indicators))
    ]
    if reference_t is not None:
        blocks.append(stripes_chart(climate, reference_t))
    blocks.append(temperature_chart(climate, reference_t, trend))
    blocks.append(decade_chart(climate))
    blocks.append(points_table(climate, names))
    blocks.append(
        Note(
            "ERA5 est une réanalyse : un modèle météorologique contraint par les observations, sur une grille de "
            "0,25° (environ 25 km), ramenée par Open-Meteo à l'altitude de chaque point. Ce ne sont pas les relevés "
            "d'une station : les valeurs d'un fond de vallée ou d'un sommet peuvent s'en écarter. Les séries "
            "homogénéisées des stations de Météo-France et les indicateurs de Climadiag et de DRIAS en sont "
            "l'autre source. Une année dont un jour manque à un point n'est pas montrée.",
            tone="limit",
        )
    )
    if found:
        blocks.append(
            Note(
                "Les niveaux de la TRACC se lisent par rapport à l'ère préindustrielle ; la série ERA5 commence en "
                f"{first} : l'écart observé ici ({recent_label} par rapport à {ref_label}) ne mesure pas le "
                "réchauffement depuis l'ère préindustrielle et ne se compare pas directement à ces niveaux.",
                tone="limit",
            )
        )
    return blocks


def stripes_chart(climate: Climate, reference: float) -> Chart:
    """Warming stripes: each year's deviation from the 1976-2005 mean, one stripe per year."""
    values = climate.series["temperature_moyenne"]
    return Chart(
        id="climat_rayures",
        title=f"Écart de la température moyenne annuelle à la moyenne {REFERENCE[0]}-{REFERENCE[1]}, année par "
        "année (« bandes du réchauffement »)",
        chart="stripes",
        series=(
            Series(
                f"Écart à la moyenne {REFERENCE[0]}-{REFERENCE[1]}",
                tuple(str(y) for y in climate.years),
                tuple(None if v is None else v - reference for v in values),
            ),
        ),
        value_kind="ratio",
        unit="°C",
        source=climate.source,
        note="Une bande par année : bleue quand l'année est plus froide que la moyenne de référence, rouge quand "
        "elle est plus chaude, d'autant plus foncée que l'écart est grand (échelle à droite, symétrique autour de "
        "zéro). Une année incomplète à un point est hachurée.",
    )


def temperature_chart(climate: Climate, reference: float | None, trend: float | None) -> Chart:
    years = tuple(str(y) for y in climate.years)
    values = climate.series["temperature_moyenne"]
    series = [Series("Température moyenne annuelle", years, values)]
    if reference is not None:
        series.append(Series(f"Moyenne {REFERENCE[0]}-{REFERENCE[1]}", years, tuple(reference for _ in years)))
    if trend is not None:
        pairs = [(y, v) for y, v in zip(climate.years, values, strict=True) if v is not None]
        x = np.array([p[0] for p in pairs], dtype=float)
        slope, intercept = np.polyfit(x, np.array([p[1] for p in pairs], dtype=float), 1)
        series.append(
            Series(f"Tendance linéaire ({'+' if trend >= 0 else ''}{nombre(trend, 2)} °C par décennie)", years,
                   tuple(float(slope * y + intercept) for y in climate.years))
        )
    return Chart(
        id="climat_temperature_annuelle",
        title="Température moyenne annuelle aux points du territoire (°C)",
        chart="line",
        series=tuple(series),
        value_kind="ratio",
        unit="°C",
        source=climate.source,
    )


def decade_chart(climate: Climate) -> Chart:
    """Mean yearly count of hot days, frost days and tropical nights per decade."""
    first, last = climate.years[0], climate.years[-1]
    starts = range(first - first % 10, last + 1, 10)
    labels, bins = [], []
    for start in starts:
        lo, hi = max(start, first), min(start + 9, last)
        labels.append(f"{lo}-{hi}")
        bins.append((lo, hi))
    series = []
    for variable in COUNTS:
        values = climate.series[variable]
        series.append(
            Series(open_meteo.YEARLY[variable][0], tuple(labels),
                   tuple(mean_over(climate.years, values, lo, hi) for lo, hi in bins))
        )
    return Chart(
        id="climat_jours_par_decennie",
        title="Jours très chauds, jours de gel et nuits tropicales : moyenne annuelle par décennie",
        chart="bar",
        series=tuple(series),
        value_kind="ratio",
        unit="jours par an",
        source=climate.source,
        note="Décennie incomplète aux extrémités de la série : moyenne des années disponibles, bornes indiquées.",
    )


def points_table(climate: Climate, names: dict[str, str] | None = None) -> Table:
    names = names or {}
    rows = [
        (names.get(str(r.commune), str(r.commune)), float(len(str(r.communes).split(","))), float(r.latitude), float(r.longitude),
         None if pd.isna(r.altitude) else float(r.altitude))
        for r in climate.points.itertuples()
    ]
    retrieved = [date_longue(d) for d in sorted({str(r)[:10] for r in climate.points["retrieved_at"]})]
    return Table(
        title="Points de calcul (un par maille ERA5 couvrant des communes du territoire)",
        columns=(Column("Commune la plus peuplée du groupe"), Column("Communes représentées", "count"),
                 Column("Latitude", "ratio", 2), Column("Longitude", "ratio", 2), Column("Altitude (m)", "count")),
        rows=tuple(rows),
        source=climate.source,
        note="Maille ERA5 de 0,25° retenue par Open-Meteo pour chaque point ; altitude indiquée par Open-Meteo. "
        f"Séries lues le {', '.join(retrieved)}.",
    )


def projection_note(found: list[TraccLevels]) -> Note:
    horizon = ""
    if found and "2050" in found[0].levels:
        horizon = f" (par exemple le nombre de jours très chauds dans une France à +{_degrees(found[0].levels['2050'])} °C)"
    return Note(
        f"Projections climatiques pour le territoire{horizon} : {OFFLINE}. Source qui les fournit : simulations "
        "CMIP6 HighResMIP de l'API climat d'Open-Meteo (climate-api.open-meteo.com), lues lors d'une exécution en "
        "ligne, présentées comme la fourchette des modèles avec leur incertitude, jamais comme un chiffre certain ; "
        "autre source : les indicateurs DRIAS et Climadiag de Météo-France.",
        tone="gap",
    )


def projection_blocks(fig: Figures, found: list[TraccLevels]) -> list[Block]:
    """The CMIP6 models at the territory's main point: each model, then their range, never one number."""
    frame = fig.table(projections.TABLE)
    if frame is not None:
        frame = frame[frame["territoire"] == open_meteo.territory_key(fig.territory)]
    if frame is None or frame.empty:
        return [projection_note(found)]
    ref, hor = projections.window_label(projections.REFERENCE), projections.window_label(projections.HORIZON)
    source = fig.source(projections.TABLE)

    def value(model: str, variable: str, period: str) -> float | None:
        rows = frame[(frame["model"] == model) & (frame["variable"] == variable) & (frame["period"] == period)]
        return None if rows.empty or pd.isna(rows["value"].iloc[0]) else float(rows["value"].iloc[0])

    models = [m for m in projections.MODELS if m in set(frame["model"])]
    rows, warming, hot_ref, hot_hor = [], {}, {}, {}
    for model in models:
        t_ref, t_hor = value(model, "temperature_moyenne", ref), value(model, "temperature_moyenne", hor)
        d_ref, d_hor = value(model, "jours_tx_30", ref), value(model, "jours_tx_30", hor)
        change = t_hor - t_ref if t_ref is not None and t_hor is not None else None
        if change is not None:
            warming[model] = change
        if d_ref is not None and d_hor is not None:
            hot_ref[model], hot_hor[model] = d_ref, d_hor
        rows.append((model.replace("_", "-"), t_ref, t_hor, change, d_ref, d_hor))
    point = frame.iloc[0]
    names = {c.code: c.name for c in fig.territory.communes}
    where = f"au point de {names.get(str(point['commune']), str(point['commune']))}"
    blocks: list[Block] = [
        Table(
            title=f"Projections climatiques {where} : chaque modèle CMIP6, {ref} et {hor}",
            columns=(Column("Modèle"), Column(f"Température moyenne {ref} (°C)", "ratio", 1),
                     Column(f"Température moyenne {hor} (°C)", "ratio", 1), Column("Écart (°C)", "ratio", 1),
                     Column(f"Jours très chauds par an, {ref}", "ratio", 1),
                     Column(f"Jours très chauds par an, {hor}", "ratio", 1)),
            rows=tuple(rows),
            source=source,
            note="Une ligne par modèle ; une case vide : le modèle ne fournit pas la variable, ou une année de la "
            "période est incomplète. Jour très chaud : maximale ≥ 30 °C.",
        )
    ]
    warm, hot = projections.model_range(warming), projections.model_range(hot_hor)
    if warm is None:
        blocks.append(Note("Projections climatiques : moins de deux modèles ont une valeur sur les deux périodes ; "
                           "aucune fourchette n'est donnée.", tone="gap"))
        return blocks
    if hot_hor:
        blocks.append(
            Chart(
                id="climat_projections_jours_chauds",
                title=f"Jours très chauds par an selon chaque modèle CMIP6, {ref} et {hor} ({where})",
                chart="hbar",
                series=(Series(hor, tuple(m.replace("_", "-") for m in hot_hor), tuple(hot_hor.values())),
                        Series(ref, tuple(m.replace("_", "-") for m in hot_ref), tuple(hot_ref.values()))),
                value_kind="ratio",
                unit="jours par an",
                source=source,
                note="Chaque modèle est une simulation possible ; l'écart entre eux mesure une partie de "
                "l'incertitude.",
            )
        )
    n = len(warming)
    text = (
        f"Selon les {n} modèles qui la fournissent, la température moyenne de {hor} serait de "
        f"{_signed(warm[0])} à {_signed(warm[1])} °C par rapport à celle de {ref} dans les mêmes modèles"
    )
    if hot is not None:
        text += (f" ; le nombre de jours très chauds, de {nombre(hot[0], 1)} à {nombre(hot[1], 1)} par an en {hor} "
                 f"(de {nombre(min(hot_ref.values()), 1)} à {nombre(max(hot_ref.values()), 1)} en {ref})")
    tracc_text = ""
    if found and "2050" in found[0].levels:
        tracc_text = (f" La TRACC retient pour {found[0].perimetre} +{_degrees(found[0].levels['2050'])} °C en 2050 "
                      "par rapport à l'ère préindustrielle : ces écarts partent de 1976-2005, déjà plus chaud, et ne "
                      "s'y comparent pas directement.")
    blocks.append(Note(text + ". C'est une fourchette, pas une prévision : aucun de ces chiffres n'est plus probable "
                       "qu'un autre." + tracc_text))
    blocks.append(
        Note(
            "Les simulations HighResMIP de CMIP6 suivent après 2014 un scénario d'émissions élevées (SSP5-8.5) ; "
            f"{len(projections.MODELS)} modèles seulement, une simulation chacun, lus en un seul point du territoire "
            "(celui qui représente le plus d'habitants), réduits d'échelle et corrigés de leurs biais par rapport à "
            "ERA5 par Open-Meteo. Les indicateurs DRIAS et Climadiag de Météo-France, calculés sur un ensemble plus "
            "large de simulations régionales et pour plusieurs niveaux de réchauffement, font référence pour "
            "l'adaptation.",
            tone="limit",
        )
    )
    return blocks


# -- natural risks -------------------------------------------------------------------------------


def risk_blocks(fig: Figures) -> list[Block]:
    frame = fig.table(georisques.TABLE)
    codes = fig.territory.commune_codes
    read = set() if frame is None else set(frame.loc[frame["jeu"] == "commune", "commune"]) & set(codes)
    if not read:
        return [
            Note(
                "Risques naturels (risques recensés par commune, historique des arrêtés de catastrophe naturelle, "
                f"zonage sismique, potentiel radon) : {OFFLINE}. Source qui les fournit : base GASPAR et API "
                "Géorisques v1 du ministère de la Transition écologique (georisques.gouv.fr), lues commune par "
                "commune lors d'une exécution en ligne.",
                tone="gap",
            )
        ]
    frame = frame[frame["commune"].isin(read)]
    source = fig.source(georisques.TABLE)
    names = {c.code: c.name for c in fig.territory.communes}
    catnat = frame[frame["jeu"] == "catnat"]
    counts = catnat.groupby("commune").size()
    per_commune = {c: float(counts.get(c, 0)) if c in read else None for c in codes}
    total = float(counts.sum()) if len(read) == len(codes) else None
    blocks: list[Block] = [
        IndicatorTable(
            "Risques naturels et catastrophes naturelles (Géorisques)",
            (
                Indicator("catnat_reconnaissances", "Reconnaissances de l'état de catastrophe naturelle (commune × "
                          "arrêté)", total, "reconnaissances", "count", _catnat_period(catnat), source,
                          missing_reason=None if total is not None else
                          f"{len(codes) - len(read)} commune(s) non lue(s) dans Géorisques"),
                Indicator("communes_lues_georisques", "Communes lues dans Géorisques", float(len(read)), "communes",
                          "count", source.vintage, source),
            ),
        )
    ]
    rows = []
    for code in sorted(read, key=lambda c: _sort_key(names.get(c, c))):
        own = frame[frame["commune"] == code]
        risks = sorted(set(own.loc[own["jeu"] == "risque", "libelle"]))
        zone = own.loc[own["jeu"] == "sismicite", "libelle"]
        radon = own.loc[own["jeu"] == "radon", "code"]
        rows.append(
            (names.get(code, code), ", ".join(risks) or "aucun recensé",
             str(zone.iloc[0]) if len(zone) else None, str(radon.iloc[0]) if len(radon) else None,
             per_commune[code])
        )
    blocks.append(
        Table(
            title="Risques naturels recensés par commune",
            columns=(Column("Commune"), Column("Risques recensés (GASPAR)"), Column("Zone de sismicité"),
                     Column("Potentiel radon (classe 1 à 3)"), Column("Arrêtés CatNat", "count")),
            rows=tuple(rows),
            source=source,
        )
    )
    if not catnat.empty:
        blocks.append(catnat_chart(catnat, source))
    if len(codes) > 1:
        blocks.append(
            CommuneMap(
                id="carte_catnat",
                title="Reconnaissances de l'état de catastrophe naturelle par commune",
                values=tuple(per_commune.items()),
                value_kind="count",
                unit="reconnaissances",
                source=source,
            )
        )
    if len(read) < len(codes):
        missing = sorted(set(codes) - read)
        blocks.append(
            Note(
                f"{len(missing)} commune(s) du territoire n'ont pas été lues dans Géorisques ("
                + ", ".join(names.get(c, c) for c in missing[:8]) + ("…" if len(missing) > 8 else "")
                + ") : leurs valeurs manquent, elles ne valent pas zéro.",
                tone="gap",
            )
        )
    return blocks


def catnat_chart(catnat: pd.DataFrame, source: SourceRef) -> Chart:
    """Recognitions by period of {CATNAT_BIN_YEARS} years of the event's start, one part per hazard."""
    years = catnat["date_debut"].str[:4].astype(int)
    start = int(years.min()) - int(years.min()) % CATNAT_BIN_YEARS
    end = int(years.max())
    bins = [(y, y + CATNAT_BIN_YEARS - 1) for y in range(start, end + 1, CATNAT_BIN_YEARS)]
    labels = tuple(f"{lo}-{hi}" for lo, hi in bins)
    series = []
    for hazard in sorted(set(catnat["libelle"])):
        hazard_years = years[catnat["libelle"] == hazard]
        series.append(
            Series(hazard, labels, tuple(float(((hazard_years >= lo) & (hazard_years <= hi)).sum()) for lo, hi in bins))
        )
    return Chart(
        id="catnat_par_periode",
        title=f"Reconnaissances de l'état de catastrophe naturelle, par période de {CATNAT_BIN_YEARS} ans "
        "(début de l'événement) et par aléa",
        chart="stacked_bar",
        series=tuple(series),
        value_kind="count",
        unit="reconnaissances",
        source=source,
        note="Une reconnaissance = une commune visée par un arrêté ; aléas tels que libellés au Journal officiel.",
    )


# -- land take -----------------------------------------------------------------------------------


LAND_REFERENCE = (2011, 2020)
LAND_TARGET = (2021, 2030)
M2_PER_HA = 10_000.0
CENSUS_WORDS = {"menages": "ménages", "emplois": "emplois"}
MIN_GAIN_SHARE = 0.01  # a gain under 1 % of the households (jobs) gives no ratio


def zan_note(benchmark_shown: bool = True) -> Note:
    benchmark = (
        f" La moitié de la consommation {LAND_REFERENCE[0]}-{LAND_REFERENCE[1]} montrée ici est un repère, non "
        f"l'objectif qui s'impose au territoire ; les années civiles {LAND_REFERENCE[0]}-{LAND_REFERENCE[1]} et "
        f"{LAND_TARGET[0]}-{LAND_TARGET[1]} des données du Cerema approchent les deux périodes de dix ans de la loi "
        "(jusqu'au 22 août 2021, puis jusqu'au 22 août 2031)."
    ) if benchmark_shown else ""
    return Note(
        "Zéro artificialisation nette (ZAN) : l'article 191 de la loi n° 2021-1104 du 22 août 2021 dite « Climat et "
        "résilience » fixe l'objectif national d'absence de toute artificialisation nette des sols en 2050 et dispose "
        "que, dans les dix années suivant la promulgation de la loi, la consommation totale d'espace observée à "
        "l'échelle nationale soit inférieure à la moitié de celle observée sur les dix années précédentes. Ces "
        "objectifs s'appliquent « de manière différenciée et territorialisée » : la part de chaque territoire est "
        "fixée par le schéma régional (SRADDET), puis le SCoT et le PLU(i)." + benchmark
    )


def land_take_blocks(fig: Figures | None = None) -> list[Block]:
    frame = None if fig is None else fig.table(cerema_conso.TABLE)
    codes = () if fig is None else fig.territory.commune_codes
    read = set() if frame is None else set(frame.loc[frame["geo_level"] == "COM", "geo_code"]) & set(codes)
    if fig is None or frame is None or not read:
        return [
            Note(
                "Consommation d'espaces naturels, agricoles et forestiers (hectares par an depuis 2009, par "
                "destination : habitat, activité, mixte ; rapportée aux ménages et aux emplois supplémentaires) : "
                f"{OFFLINE}. Source qui la fournit : indicateurs de consommation d'espaces par commune de l'API "
                "Données foncières du Cerema (apidf-preprod.cerema.fr, issus des fichiers fonciers), lus lors d'une "
                "exécution en ligne ; autre source : le fichier national de la consommation d'espaces du Cerema "
                "publié sur data.gouv.fr.",
                tone="gap",
            ),
            zan_note(benchmark_shown=False),
        ]
    source = fig.source(cerema_conso.TABLE)
    rows = frame[frame["geo_level"] == "COM"]
    years = sorted(int(p) for p in rows["period"].unique())

    def hectares(variable: str, year: int) -> float | None:
        reading = fig.territory_total(cerema_conso.TABLE, variable, str(year))
        return None if reading.value is None else reading.value / M2_PER_HA

    per_year = {v: {y: hectares(v, y) for y in years} for v in cerema_conso.DESTINATIONS}
    totals = {y: _sum_or_none([per_year[v][y] for v in cerema_conso.DESTINATIONS]) for y in years}

    def span_total(first: int, last: int, variables: Sequence[str] = tuple(cerema_conso.DESTINATIONS)) -> float | None:
        if not all(y in totals for y in range(first, last + 1)):
            return None
        return _sum_or_none([per_year[v][y] for v in variables for y in range(first, last + 1)])

    ref_label = f"{LAND_REFERENCE[0]}-{LAND_REFERENCE[1]}"
    reference = span_total(*LAND_REFERENCE)
    half = reference / 2 if reference is not None else None
    since = [y for y in years if y >= LAND_TARGET[0]]
    used = span_total(since[0], since[-1]) if since else None
    used_label = f"{since[0]}-{since[-1]}" if since else f"{LAND_TARGET[0]}-…"
    share = used / half * 100 if used is not None and half else None
    incomplete = "somme incomplète : une commune ou une année manque dans les données du Cerema"
    indicators = [
        Indicator("conso_naf_reference", f"Consommation d'espaces NAF, {ref_label}", reference, "ha", "ratio",
                  ref_label, source, missing_reason=None if reference is not None else incomplete, decimals=1),
        Indicator("conso_naf_annuelle_reference", f"Consommation d'espaces NAF par an, moyenne {ref_label}",
                  None if reference is None else reference / 10, "ha par an", "ratio", ref_label, source,
                  missing_reason=None if reference is not None else incomplete, decimals=1),
        Indicator("conso_naf_repere_zan", f"Moitié de la consommation {ref_label} (repère de réduction de moitié, "
                  f"{LAND_TARGET[0]}-{LAND_TARGET[1]})", half, "ha", "ratio",
                  f"{LAND_TARGET[0]}-{LAND_TARGET[1]}", source,
                  missing_reason=None if half is not None else incomplete,
                  note="Repère arithmétique, non l'objectif fixé au territoire par le SRADDET, le SCoT ou le PLU(i).",
                  decimals=1),
        Indicator("conso_naf_depuis_2021", f"Consommation d'espaces NAF depuis {LAND_TARGET[0]}", used, "ha", "ratio",
                  used_label, source,
                  missing_reason=None if used is not None else (
                      incomplete if since else f"aucune année après {LAND_TARGET[0] - 1} dans les données"),
                  decimals=1),
        Indicator("conso_naf_part_repere", "Part du repère de réduction de moitié déjà consommée", share, "%", "rate",
                  used_label, source,
                  missing_reason=None if share is not None else "consommation ou repère non calculable"),
        *per_new_unit_indicators(fig, per_year, source),
    ]
    blocks: list[Block] = [IndicatorTable("Consommation d'espaces naturels, agricoles et forestiers (Cerema)",
                                          tuple(indicators))]
    blocks.append(
        Chart(
            id="conso_naf_par_annee",
            title="Consommation d'espaces naturels, agricoles et forestiers par année et par destination (ha)",
            chart="stacked_bar",
            series=tuple(Series(label, tuple(str(y) for y in years), tuple(per_year[v][y] for y in years))
                         for v, label in cerema_conso.DESTINATIONS.items()),
            value_kind="ratio",
            unit="ha",
            source=source,
            note=(f"Repère : la moitié de la moyenne annuelle {ref_label}, soit {nombre(half / 10, 1)} ha par an sur "
                  f"{LAND_TARGET[0]}-{LAND_TARGET[1]}. " if half is not None else "")
            + "Une année N : surfaces consommées entre le 1er janvier N et le 1er janvier N+1. Une année à laquelle "
            "manque une commune n'a pas de barre.",
        )
    )
    if len(read) < len(codes):
        names = {c.code: c.name for c in fig.territory.communes}
        missing = sorted(set(codes) - read)
        blocks.append(Note(f"{len(missing)} commune(s) sans données du Cerema ("
                           + ", ".join(names.get(c, c) for c in missing[:8]) + ("…" if len(missing) > 8 else "")
                           + ") : les totaux du territoire ne sont pas calculés.", tone="gap"))
    blocks.append(
        Note(
            "Consommation d'espaces naturels, agricoles et forestiers : surfaces passées d'un usage naturel, agricole "
            "ou forestier à un usage urbanisé, repérées par le Cerema dans les fichiers fonciers (cadastre). Les "
            "indicateurs de l'API les répartissent en habitat, activité, mixte et destination inconnue ; les routes "
            "et voies ferrées, distinguées dans le fichier national du Cerema, n'en font pas partie.",
            tone="limit",
        )
    )
    blocks.append(zan_note())
    return blocks


def per_new_unit_indicators(fig: Figures, per_year: dict[str, dict[int, float | None]],
                            source: SourceRef) -> list[Indicator]:
    """m² consumed for housing per additional household, for activity per additional job, between
    two censuses of the store (consumption of the years Y1 … Y2-1 against the change Y1 → Y2)."""
    found = []
    for id_, label, census_variable, land_variable in (
        ("conso_hab_par_menage_supplementaire", "Espace consommé pour l'habitat par ménage supplémentaire",
         "menages", "conso_hab"),
        ("conso_act_par_emploi_supplementaire", "Espace consommé pour l'activité par emploi supplémentaire",
         "emplois", "conso_act"),
    ):
        censuses = _census_counts(fig, census_variable)
        if len(censuses) < 2:
            found.append(Indicator(id_, label, None, "m²", "ratio", "—", source,
                                   missing_reason=f"moins de deux recensements des {CENSUS_WORDS[census_variable]} dans les données "
                                   "disponibles"))
            continue
        (y1, n1), (y2, n2) = censuses[0], censuses[-1]
        land = [per_year[land_variable].get(y) for y in range(y1, y2)]
        period = f"{y1}-{y2}"
        if any(v is None for v in land) or not land:
            found.append(Indicator(id_, label, None, "m²", "ratio", period, source,
                                   missing_reason=f"consommation {y1}-{y2 - 1} incomplète dans les données du Cerema"))
            continue
        gained = n2 - n1
        m2 = sum(land) * M2_PER_HA
        if gained < MIN_GAIN_SHARE * n1:
            # A census count is an estimate: a change of a few units says nothing, and m² per unit
            # of it would be a huge number made of noise.
            found.append(Indicator(id_, label, None, "m²", "ratio", period, source,
                                   missing_reason=f"{CENSUS_WORDS[census_variable].capitalize()} presque stables ou en baisse ({_signed(gained)} "
                                   f"entre {y1} et {y2}, moins de {nombre(MIN_GAIN_SHARE * 100)} %) pour "
                                   f"{nombre(m2 / M2_PER_HA, 1)} ha consommés : rapport sans objet"))
            continue
        found.append(Indicator(id_, label, m2 / gained, "m²", "ratio", period, source,
                               note=f"{nombre(m2 / M2_PER_HA, 1)} ha consommés de {y1} à {y2 - 1} pour "
                               f"{nombre(gained)} {CENSUS_WORDS[census_variable]} de plus entre les recensements {y1} et {y2} "
                               "(INSEE).", decimals=0))
    return found


def _census_counts(fig: Figures, variable: str) -> list[tuple[int, float]]:
    """(year, territory total) of a census count in the store, earliest to latest, one per year."""
    counts: dict[int, float] = {}
    for table in ("insee_comparateur", "rp2021_compilation"):
        frame = fig.table(table)
        if frame is None:
            continue
        periods = sorted({p for p in frame.loc[frame["variable"] == variable, "period"] if str(p).isdigit()})
        for period in periods:
            reading = fig.territory_total(table, variable, period)
            if reading.value is not None and int(period) >= cerema_conso.FIRST_YEAR:
                counts.setdefault(int(period), reading.value)
    return sorted(counts.items())


def _sum_or_none(values: Sequence[float | None]) -> float | None:
    return None if any(v is None for v in values) else float(sum(values))


# -- internals -----------------------------------------------------------------------------------


def _sort_key(name: str) -> str:
    """Names in dictionary order: "Égliseneuve" among the E, not after the Z."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()


def _degrees(value: float) -> str:
    """A level as the arrêté writes it: "2", "2,7"."""
    return nombre(value, 0 if float(value).is_integer() else 1)


def _signed(value: float) -> str:
    return f"{'+' if value >= 0 else ''}{nombre(value, 1)}"


def _span(years: Sequence[int], values: Sequence[float | None]) -> tuple[int | None, int | None]:
    """First and last year with a value."""
    present = [y for y, v in zip(years, values, strict=True) if v is not None]
    return (present[0], present[-1]) if present else (None, None)


def _catnat_period(catnat: pd.DataFrame) -> str:
    if catnat.empty:
        return "—"
    years = catnat["date_debut"].str[:4]
    return f"{years.min()}-{years.max()}"


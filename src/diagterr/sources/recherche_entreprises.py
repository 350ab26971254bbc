"""API Recherche d'entreprises (recherche-entreprises.api.gouv.fr): the largest establishments of
a commune, a list of communes or an EPCI, ranked by their headcount band (tranche d'effectif).

Facts from the official OpenAPI and controllers of annuaire-entreprises-data-gouv-fr/search-api
(APIS.md §7) and a REAL-ish 2023 body (tests/specimens.py). Pitfalls handled here:
- no key; at most 7 requests per second per IP (and 30 per ASN), then HTTP 429 with a
  `Retry-After` that HttpClient honours. The limit is `RATE_LIMITS` below, to be merged into
  `http.RATE_LIMITS` (the client builds its limiters from that mapping);
- the API cannot sort by headcount (`sort_by_size` sorts by number of establishments) and
  `tranche_effectif_salarie` filters the *legal unit's* band. An establishment never employs
  more than its unit, so asking for the units of band ≥ B that have an establishment in the
  area finds every establishment of band ≥ B there; they are then ranked by their own band;
- `code_commune` and `epci` filter establishments: each result lists its establishments of the
  area in `matching_etablissements` (at most `limite_matching_etablissements` = 100). A body
  without that list (trimmed, like the specimen) falls back on the siège when it lies in the area;
- `per_page` ≤ 25 and `page * per_page` ≤ 10 000: pages are read up to that cap, then a French
  error says the filter is too wide;
- closed establishments (`etat_administratif` "F") are left out; coordinates (strings) are not read;
- Paris, Lyon and Marseille are searched by arrondissement codes (75101…), never 75056.
A band is a range, not a headcount: the dossier shows "50 à 99 salariés" with the band's year.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, NamedTuple

import pandas as pd

from diagterr.errors import BadInputError, SourceError, SourceSchemaError
from diagterr.sources.fetcher import FetchContext, Fetcher
from diagterr.sources.http import HttpClient, url_with_params
from diagterr.sources.registry import source_info
from diagterr.store import Manifest, Store
from diagterr.tables.economy import GRANDS_ETABLISSEMENTS, HEADCOUNT_BANDS, territory_key
from diagterr.territory import Territory

logger = logging.getLogger(__name__)

SOURCE_ID = "recherche_entreprises"
BASE_URL = "https://recherche-entreprises.api.gouv.fr"
SEARCH_URL = f"{BASE_URL}/search"
# recherche-entreprises: "au maximum 7 requêtes par seconde par adresse IP" (OpenAPI description).
RATE_LIMITS: dict[str, tuple[int, float]] = {BASE_URL: (7, 1.0)}
PER_PAGE = 25  # "limité à 25"
RESULTS_CAP = 10_000  # page * per_page ≤ 10 000
MATCHING_LIMIT = 100  # limite_matching_etablissements: 1..100
DEFAULT_MIN_BAND = "11"  # 10 salariés ou plus
TOP = 10

_RANK = {code: rank for rank, code in enumerate(HEADCOUNT_BANDS)}  # smallest band first

_COMMUNE_CODE = re.compile(r"^([013-9]\d|2[AB1-9])\d{3}$")  # the API's own pattern
_SIREN = re.compile(r"^\d{9}$")
_PLM = {"75056": "75101 à 75120", "69123": "69381 à 69389", "13055": "13201 à 13216"}  # whole cities
_RESULT_FIELDS = ("siren", "nom_complet")
_ESTABLISHMENT_FIELDS = ("siret", "commune", "activite_principale", "tranche_effectif_salarie", "etat_administratif")


@dataclass(frozen=True, slots=True)
class Establishment:
    """An open establishment of the area, with its own headcount band."""

    siret: str
    siren: str
    nom: str  # the unit's nom_complet
    enseigne: str | None  # first sign or trade name of the establishment, when given
    commune: str  # INSEE code
    libelle_commune: str | None
    activite_principale: str | None  # NAF code of the establishment, e.g. "84.11Z"
    section: str | None  # NAF section of the unit (the establishment's is not published)
    tranche_effectif: str | None  # band code, "NN" when unknown
    annee_tranche: str | None  # year the band refers to, when given
    est_siege: bool
    date_mise_a_jour: str | None  # of the unit's record, "2023-05-06"

    @property
    def tranche_libelle(self) -> str:
        return HEADCOUNT_BANDS.get(self.tranche_effectif or "NN", f"tranche {self.tranche_effectif}")

    @property
    def rank(self) -> int:
        return _RANK.get(self.tranche_effectif or "NN", 0)


class EstablishmentsTable(NamedTuple):
    frame: pd.DataFrame  # GRANDS_ETABLISSEMENTS.columns
    manifest: Manifest


def bands_from(min_band: str) -> list[str]:
    """The band codes at or above `min_band` ("11" → 11, 12, 21 … 53); NN is never asked."""
    if min_band not in HEADCOUNT_BANDS or min_band == "NN":
        raise BadInputError(
            f"Tranche d'effectif inconnue « {min_band} » (valeurs : {', '.join(c for c in HEADCOUNT_BANDS if c != 'NN')})."
        )
    return [code for code in HEADCOUNT_BANDS if code != "NN" and _RANK[code] >= _RANK[min_band]]


def search_params(
    *,
    communes: Sequence[str] = (),
    epci: str | None = None,
    min_band: str = DEFAULT_MIN_BAND,
    page: int = 1,
) -> dict[str, str]:
    """Query of one `/search` page: open units of band ≥ `min_band` with an establishment in the area."""
    if bool(communes) == bool(epci):
        raise ValueError("give either communes or epci")
    params: dict[str, str] = {}
    if epci:
        if not isinstance(epci, str) or not _SIREN.match(epci):
            raise BadInputError(f"Code EPCI invalide : « {epci} » (SIREN à 9 chiffres attendu).")
        params["epci"] = epci
    else:
        params["code_commune"] = ",".join(_commune_code(c) for c in communes)
    params.update(
        {
            "tranche_effectif_salarie": ",".join(bands_from(min_band)),
            "etat_administratif": "A",
            "limite_matching_etablissements": str(MATCHING_LIMIT),
            "per_page": str(PER_PAGE),
            "page": str(page),
        }
    )
    return params


def parse_establishments(
    body: Any, url: str, *, communes: Sequence[str] = (), epci: str | None = None
) -> list[Establishment]:
    """The open establishments of a `/search` body that lie in the area (communes or EPCI)."""
    results = _results(body, url)
    wanted = set(communes)
    found: list[Establishment] = []
    for result in results:
        _require(result, _RESULT_FIELDS, url, "un résultat")
        matching = result.get("matching_etablissements")
        if matching is None:  # a trimmed body: only the siège is known
            siege = result.get("siege")
            if not isinstance(siege, Mapping):
                raise SourceSchemaError(
                    f"Recherche d'entreprises : le résultat {result['siren']} de {url} n'a ni "
                    "« matching_etablissements » ni « siege »."
                )
            candidates = [siege]
        elif isinstance(matching, list):
            candidates = matching
        else:
            raise SourceSchemaError(
                f"Recherche d'entreprises : « matching_etablissements » de {url} n'est pas une liste."
            )
        for item in candidates:
            if not isinstance(item, Mapping):
                raise SourceSchemaError(f"Recherche d'entreprises : un établissement de {url} n'est pas un objet.")
            _require(item, _ESTABLISHMENT_FIELDS, url, f"un établissement de {result['siren']}")
            in_area = item["commune"] in wanted if wanted else item.get("epci") in (epci, None)
            if item["etat_administratif"] != "A" or not in_area:
                continue
            found.append(_establishment(result, item))
    return found


def fetch_establishments(
    client: HttpClient,
    *,
    communes: Sequence[str] = (),
    epci: str | None = None,
    min_band: str = DEFAULT_MIN_BAND,
) -> tuple[list[Establishment], list[str]]:
    """Every open establishment of band ≥ `min_band` in the area (all pages), and the URLs asked."""
    found: dict[str, Establishment] = {}
    urls: list[str] = []
    page = 1
    while True:
        if page * PER_PAGE > RESULTS_CAP:
            raise SourceError(
                f"Recherche d'entreprises : plus de {RESULTS_CAP} entreprises pour {urls[0]} ; "
                "demandez une tranche d'effectif plus élevée ou une zone plus petite."
            )
        params = search_params(communes=communes, epci=epci, min_band=min_band, page=page)
        url = url_with_params(SEARCH_URL, params)
        urls.append(url)
        body = client.get_json(SEARCH_URL, params, source_id=SOURCE_ID)
        for item in parse_establishments(body, url, communes=communes, epci=epci):
            found.setdefault(item.siret, item)
        total_pages = body.get("total_pages")
        if isinstance(total_pages, bool) or not isinstance(total_pages, int):
            raise SourceSchemaError(
                f"Recherche d'entreprises : la réponse de {url} n'a pas de champ « total_pages » entier."
            )
        if page >= total_pages or not body["results"]:
            break
        page += 1
    logger.info("recherche-entreprises: %d establishments in %d requests", len(found), len(urls))
    return list(found.values()), urls


def largest(
    establishments: Sequence[Establishment], n: int = TOP, min_band: str = DEFAULT_MIN_BAND
) -> list[Establishment]:
    """The `n` establishments of the highest bands (≥ `min_band`), then by name and SIRET."""
    floor = _RANK[min_band]
    kept = [e for e in establishments if e.rank >= floor]
    return sorted(kept, key=lambda e: (-e.rank, e.nom, e.siret))[:n]


def establishments_frame(
    establishments: Sequence[Establishment], territoire: str | None = None, date_liste: str | None = None
) -> pd.DataFrame:
    """The store table (GRANDS_ETABLISSEMENTS.columns; codes as strings). `territoire`: the key of the territory whose
    list this is (a commune's top ten is not an EPCI's); `date_liste`: the day it was asked."""
    rows = []
    for item in establishments:
        row = asdict(item)
        row["tranche_libelle"] = item.tranche_libelle
        row["source_id"] = SOURCE_ID
        row["territoire"] = territoire
        row["date_liste"] = date_liste
        rows.append(row)
    return _typed(pd.DataFrame(rows, columns=list(GRANDS_ETABLISSEMENTS.columns)))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    text = [c for c in GRANDS_ETABLISSEMENTS.columns if c != "est_siege"]
    frame = frame.loc[:, list(GRANDS_ETABLISSEMENTS.columns)].copy()
    frame[text] = frame[text].astype("string")
    frame["est_siege"] = frame["est_siege"].astype("bool")
    return frame


def fetch_largest_establishments(
    client: HttpClient,
    territory: Territory,
    *,
    n: int = TOP,
    min_band: str = DEFAULT_MIN_BAND,
    retrieved_at: str | None = None,
) -> EstablishmentsTable:
    """The `n` largest open establishments of a territory (EPCI filter for an EPCI), with the manifest."""
    if territory.kind == "epci":
        found, urls = fetch_establishments(client, epci=territory.code, min_band=min_band)
        found = [e for e in found if e.commune in territory.commune_codes]
    else:
        found, urls = fetch_establishments(client, communes=territory.commune_codes, min_band=min_band)
    top = largest(found, n, min_band)
    info = source_info(SOURCE_ID)
    retrieved_at = retrieved_at or date.today().isoformat()
    manifest = Manifest(
        table=GRANDS_ETABLISSEMENTS.name,
        source_id=SOURCE_ID,
        title=f"Les {n} plus grands établissements employeurs (tranche d'effectif salarié)",
        producer=info.producer,
        origin=" ; ".join(urls),
        vintage="Sirene, tranches d'effectif de l'année indiquée par établissement",
        geo_vintage="COG de la base Sirene (en cours)",
        licence=info.licence,
        retrieved_at=retrieved_at,
        params={"territoire": territory.code, "tranche_min": min_band, "n": str(n)},
        method=(
            f"Unités légales actives de tranche {HEADCOUNT_BANDS[min_band]} ou plus ayant un établissement dans le territoire "
            f"({len(urls)} requête(s)) ; établissements ouverts classés par leur propre tranche d'effectif "
            f"({len(found)} trouvés), puis par nom. Une tranche est un intervalle, pas un effectif."
        ),
    )
    return EstablishmentsTable(establishments_frame(top, territory_key(territory), retrieved_at), manifest)


def store_largest_establishments(client: HttpClient, store: Store, territory: Territory) -> Manifest:
    """Fetch the territory's largest establishments and replace its list in `grands_etablissements`
    (first root); the lists of other territories stay. The manifest describes the table (the
    rule, the endpoint), not one territory: each row carries its territory and the day it was asked.
    """
    table = fetch_largest_establishments(client, territory)
    key = territory_key(territory)
    fresh = table.frame
    existing = Store([store.roots[0]]).read(GRANDS_ETABLISSEMENTS.name)
    if existing is not None and "territoire" in existing.columns:
        kept = existing[existing["territoire"] != key]
        if not kept.empty:
            fresh = _typed(pd.concat([kept, fresh], ignore_index=True))
    manifest = Manifest(
        table=GRANDS_ETABLISSEMENTS.name,
        source_id=SOURCE_ID,
        title=table.manifest.title,
        producer=table.manifest.producer,
        origin=f"{SEARCH_URL} (filtre epci ou code_commune du territoire, tranche_effectif_salarie, "
        "etat_administratif=A)",
        vintage=table.manifest.vintage,
        geo_vintage=table.manifest.geo_vintage,
        licence=table.manifest.licence,
        retrieved_at=table.manifest.retrieved_at,
        params={"tranche_min": table.manifest.params["tranche_min"], "n": table.manifest.params["n"]},
        method=(
            f"Unités légales actives de tranche {HEADCOUNT_BANDS[DEFAULT_MIN_BAND]} ou plus ayant un établissement dans le "
            "territoire ; établissements ouverts classés par leur propre tranche d'effectif, puis par nom ; la "
            "liste de chaque territoire porte sa date. Une tranche est un intervalle, pas un effectif."
        ),
    )
    return store.write_table(GRANDS_ETABLISSEMENTS.name, fresh.reset_index(drop=True), manifest)


def _fetch(context: FetchContext) -> list[Manifest]:
    return [store_largest_establishments(context.client, context.store, context.territory)]


FETCHER = Fetcher(SOURCE_ID, "Plus grands établissements (Recherche d'entreprises)",
                  "Plus grands établissements employeurs indisponibles", _fetch)


# -- internals ---------------------------------------------------------------------------------


def _results(body: Any, url: str) -> list[Any]:
    if not isinstance(body, Mapping):
        raise SourceSchemaError(f"Recherche d'entreprises : {url} devait renvoyer un objet JSON.")
    missing = [name for name in ("results", "total_pages") if name not in body]
    if missing:
        raise SourceSchemaError(
            f"Recherche d'entreprises : la réponse de {url} n'a pas de champ "
            + ", ".join(f"« {m} »" for m in missing) + " (schéma inattendu)."
        )
    if not isinstance(body["results"], list):
        raise SourceSchemaError(f"Recherche d'entreprises : « results » de {url} n'est pas une liste.")
    return body["results"]


def _require(item: Mapping[str, Any], fields: Sequence[str], url: str, what: str) -> None:
    missing = [name for name in fields if name not in item]
    if missing:
        raise SourceSchemaError(
            f"Recherche d'entreprises : {what} de {url} n'a pas de champ "
            + ", ".join(f"« {m} »" for m in missing) + " (schéma inattendu)."
        )


def _establishment(result: Mapping[str, Any], item: Mapping[str, Any]) -> Establishment:
    signs = item.get("liste_enseignes")
    sign = signs[0] if isinstance(signs, list) and signs else item.get("nom_commercial")
    band = item.get("tranche_effectif_salarie")
    updated = result.get("date_mise_a_jour")
    return Establishment(
        siret=str(item["siret"]),
        siren=str(result["siren"]),
        nom=str(result["nom_complet"]),
        enseigne=str(sign) if sign else None,
        commune=str(item["commune"]),
        libelle_commune=item.get("libelle_commune"),
        activite_principale=item.get("activite_principale"),
        section=result.get("section_activite_principale"),
        tranche_effectif=str(band) if band else "NN",
        annee_tranche=str(band_year) if (band_year := item.get("annee_tranche_effectif_salarie")) else None,
        est_siege=bool(item.get("est_siege", False)),
        date_mise_a_jour=str(updated)[:10] if updated else None,
    )


def _commune_code(code: str) -> str:
    if code in _PLM:
        raise BadInputError(
            f"Recherche d'entreprises : la commune {code} se cherche par ses arrondissements ({_PLM[code]}) ; "
            "le code de la ville entière ne trouve rien."
        )
    if not isinstance(code, str) or not _COMMUNE_CODE.match(code):
        raise BadInputError(
            f"Code commune invalide pour la recherche d'entreprises : « {code} » (code INSEE à 5 caractères ; "
            "Paris, Lyon et Marseille par arrondissement, par exemple 75101)."
        )
    return code

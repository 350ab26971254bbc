"""data.gouv.fr API: the latest resource of a dataset whose producer uploads dated files.

From the udata source (APIS.md §9, `opendatateam/udata` api_fields.py / apiv2.py); no recorded
body exists, so the parser is strict: a page or a resource of another shape raises
SourceSchemaError naming what differs.

- `GET https://www.data.gouv.fr/api/2/datasets/{id}/resources/?page=N&page_size=50` returns
  `{data: [Resource], next_page, page, page_size, previous_page, total}`; `next_page` is an
  absolute URL or null;
- a Resource has (among others) `id, title, format, url, latest, last_modified, type`.

ANCT uploads each new list as a new resource with a dated file name (`liste-pvd-com2025-20260427.csv`):
the latest is found by listing the resources, keeping the wanted format whose title or file name
matches a pattern, and taking the most recent `last_modified`. No published rate limit: a polite
one in `http.RATE_LIMITS`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

from diagterr.errors import SourceError, SourceSchemaError
from diagterr.sources.http import HttpClient

API_V2 = "https://www.data.gouv.fr/api/2"
PAGE_SIZE = 50
MAX_PAGES = 20  # 1 000 resources: far beyond any ANCT dataset; a loop of `next_page` ends here
LISTING_EXPIRE = timedelta(days=1)  # a new list appears as a new resource: look once a day
PAGE_KEYS = ("data", "next_page", "page", "page_size", "total")
RESOURCE_KEYS = ("id", "title", "format", "url", "last_modified")
_DATASET_ID = re.compile(r"^[0-9a-f]{24}$")


@dataclass(frozen=True, slots=True)
class Resource:
    """One file of a dataset, as the data.gouv.fr API describes it."""

    id: str
    title: str
    format: str
    url: str
    last_modified: datetime

    @property
    def file_name(self) -> str:
        """The last segment of `url` ("liste-pvd-com2025-20260427.csv")."""
        return unquote(urlsplit(self.url).path.rsplit("/", 1)[-1])


def resources_url(dataset_id: str) -> str:
    if not _DATASET_ID.match(dataset_id):
        raise ValueError(f"not a data.gouv.fr dataset id: {dataset_id!r}")
    return f"{API_V2}/datasets/{dataset_id}/resources/"


def list_resources(client: HttpClient, dataset_id: str, *, source_id: str) -> list[Resource]:
    """Every resource of the dataset, following `next_page` (cached a day)."""
    url: str | None = resources_url(dataset_id)
    params: dict[str, str] | None = {"page": "1", "page_size": str(PAGE_SIZE)}
    resources: list[Resource] = []
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        if url is None:
            return resources
        if url in seen:
            raise SourceSchemaError(f"data.gouv.fr : la page suivante de {url} renvoie à une page déjà lue.")
        seen.add(url)
        body = client.get_json(url, params, source_id=source_id, expire_after=LISTING_EXPIRE)
        where = url
        if not isinstance(body, Mapping) or any(key not in body for key in PAGE_KEYS) \
                or not isinstance(body["data"], list):
            raise SourceSchemaError(
                f"data.gouv.fr : {where} devait renvoyer une page {{{', '.join(PAGE_KEYS)}}}, reçu {_shape(body)}."
            )
        resources += [_resource(item, dataset_id) for item in body["data"]]
        url, params = _next_page(body["next_page"], where), None
    raise SourceSchemaError(f"data.gouv.fr : plus de {MAX_PAGES} pages de ressources pour le jeu {dataset_id}.")


def latest_resource(client: HttpClient, dataset_id: str, name: re.Pattern[str], *, source_id: str,
                    file_format: str = "csv") -> Resource:
    """The most recently modified resource of `file_format` whose title or file name matches `name`.

    None matching is a SourceError naming the dataset and the pattern: the producer renamed its
    files, and the dossier must not pick another one.
    """
    candidates = [
        r for r in list_resources(client, dataset_id, source_id=source_id)
        if r.format.strip().lower() == file_format.lower() and (name.search(r.title) or name.search(r.file_name))
    ]
    if not candidates:
        raise SourceError(
            f"data.gouv.fr : aucune ressource {file_format.upper()} du jeu {dataset_id} ne correspond à "
            f"« {name.pattern} » : le producteur a renommé ses fichiers."
        )
    return max(candidates, key=lambda r: (r.last_modified, r.file_name))


def download(client: HttpClient, resource: Resource, *, source_id: str) -> bytes:
    """The file of `resource` (cached: a new list is a new resource, with a new URL)."""
    return client.get_bytes(resource.url, source_id=source_id)


# -- internals ---------------------------------------------------------------------------------


def _resource(item: Any, dataset_id: str) -> Resource:
    if not isinstance(item, Mapping):
        raise SourceSchemaError(f"data.gouv.fr : une ressource du jeu {dataset_id} n'est pas un objet JSON.")
    missing = [key for key in RESOURCE_KEYS if key not in item]
    if missing:
        raise SourceSchemaError(
            f"data.gouv.fr : une ressource du jeu {dataset_id} n'a pas le(s) champ(s) {', '.join(missing)} : "
            "le schéma de l'API a changé."
        )
    texts = {key: item[key] for key in ("id", "title", "url")}
    if any(not isinstance(value, str) or not value for value in texts.values()):
        raise SourceSchemaError(f"data.gouv.fr : ressource {item.get('id')!r} du jeu {dataset_id} sans id, titre ou "
                                "adresse.")
    url = urlsplit(item["url"])
    if url.scheme != "https" or not url.netloc:
        raise SourceSchemaError(f"data.gouv.fr : adresse inattendue pour la ressource {item['id']} : {item['url']!r}.")
    try:
        modified = datetime.fromisoformat(item["last_modified"])
    except (TypeError, ValueError):
        raise SourceSchemaError(
            f"data.gouv.fr : date « last_modified » illisible pour la ressource {item['id']} : "
            f"{item['last_modified']!r}."
        ) from None
    return Resource(item["id"], item["title"], item["format"] or "", item["url"], modified.replace(tzinfo=None))


def _next_page(following: Any, where: str) -> str | None:
    if following is None:
        return None
    parts = urlsplit(following) if isinstance(following, str) else None
    if parts is None or parts.netloc != urlsplit(API_V2).netloc:
        raise SourceSchemaError(f"data.gouv.fr : lien « next_page » inattendu dans {where} : {following!r}.")
    return following


def _shape(body: Any) -> str:
    if isinstance(body, Mapping):
        return "un objet de clés " + ", ".join(sorted(map(str, body)))
    return type(body).__name__

"""The Cerema "API Données foncières" (apidf-preprod.cerema.fr): its Django REST Framework pages.

Every list endpoint (Cartofriches, conso_espace indicators…) answers `{count, next, previous,
results}` (or `features` for the geo endpoints) and links the next page by an absolute URL that
carries the query (APIS.md §8.2). This module follows those links, on the API's host only, and
refuses any other page shape or a loop of links; each source module reads the items.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from diagterr.errors import SourceSchemaError
from diagterr.sources.http import HttpClient, url_with_params

BASE_URL = "https://apidf-preprod.cerema.fr"  # `apidf.cerema.fr` does not resolve (APIS.md §8.2)
PAGE_KEYS = frozenset({"count", "next", "previous"})


def pages(
    client: HttpClient,
    url: str,
    params: Mapping[str, str] | None,
    *,
    source_id: str,
    label: str,
    key: str = "results",
    max_pages: int,
) -> Iterator[tuple[Mapping[str, Any], str]]:
    """Each page's body and its full URL, following `next` until it is null.

    `label` names the source in French messages ("Cartofriches"); `key` is the list of items
    (`results`, or `features` for the geo endpoints).
    """
    next_url: str | None = url
    query: Mapping[str, str] | None = params
    seen: set[str] = set()
    for _ in range(max_pages):
        if next_url is None:
            return
        where = url_with_params(next_url, query)
        if where in seen:
            raise SourceSchemaError(f"{label} : la page suivante de {where} renvoie à une page déjà lue.")
        seen.add(where)
        body = client.get_json(next_url, query, source_id=source_id)
        if not isinstance(body, Mapping) or not isinstance(body.get(key), list) or not set(body) >= PAGE_KEYS:
            raise SourceSchemaError(
                f"{label} : {where} devait renvoyer une page {{count, next, previous, {key}}}, reçu {shape(body)}."
            )
        yield body, where
        next_url, query = _next_url(body["next"], where, label), None  # `next` carries the query
    raise SourceSchemaError(f"{label} : plus de {max_pages} pages pour {url_with_params(url, params)} : réponse anormale.")


def shape(body: Any) -> str:
    """A short French description of an unexpected answer, for error messages."""
    if isinstance(body, Mapping):
        return "un objet de clés " + ", ".join(sorted(map(str, body))[:8])
    return type(body).__name__


def _next_url(following: Any, where: str, label: str) -> str | None:
    """The `next` link of a page, on the API's host only (https: a proxy may write it http://)."""
    if following is None:
        return None
    parts = urlsplit(following) if isinstance(following, str) else None
    if parts is None or parts.scheme not in ("http", "https") or parts.netloc != urlsplit(BASE_URL).netloc:
        raise SourceSchemaError(f"{label} : lien « next » inattendu dans {where} : {following!r}.")
    return urlunsplit(parts._replace(scheme="https"))

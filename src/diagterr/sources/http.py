"""The one HTTP client of diagterr: retries, cache and rate limit, built in one place.

Layers, outermost first:
- our retry loop (`HttpClient._get`): 429/5xx and connection errors, exponential backoff or the
  server's `Retry-After`, through an injected `sleep` so tests do not wait. A caller can narrow
  the retried statuses (`retry_statuses`, e.g. Melodi's 500 retried once). Once a host has not
  answered a fetch's attempts (connection error), the client asks it nothing more: later
  requests to that host fail at once, without attempts nor waits (a machine without network);
- a `requests_cache.CachedSession` (SQLite in the user cache dir). Only 200s are cached, so an
  error is never replayed. `offline` answers from the cache only, `refresh` always downloads;
- `_NetworkAdapter`, mounted on the session: the cache returns hits before any adapter runs, so
  only requests that really leave the machine wait for the provider's rate limit, or meet the
  unreachable host's refusal (cached answers of that host are still served)."""

from __future__ import annotations

import email.utils
import importlib.metadata
import json
import logging
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests_cache import AnyResponse, CachedSession
from requests_cache.backends import BaseCache
from requests_cache.policy import ExpirationTime

from diagterr import __version__, settings
from diagterr.errors import (
    BadInputError,
    NotFoundAtSourceError,
    OfflineUnavailableError,
    SourceError,
    SourceSchemaError,
)
from diagterr.sources.ratelimit import RateLimiter
from diagterr.sources.registry import SOURCES

logger = logging.getLogger(__name__)

# Providers' published limits, per URL prefix: (calls, period in seconds).
RATE_LIMITS: dict[str, tuple[int, float]] = {
    "https://geo.api.gouv.fr": (50, 1.0),  # API Géo: "50 appels / seconde / IP" (api.gouv.fr)
    "https://api.insee.fr/melodi": (30, 60.0),  # Melodi: 30 requests/minute, then HTTP 429
    # Open-Meteo free tier (non-commercial): 600/min, 5000/h, 10 000/day, 300 000/month (APIS.md §5);
    # Open-Meteo may weigh a long request as several calls (its climate API doc shows it). Only the
    # per-minute limit is enforced here; the customer host (paid key) gets the same, conservative one.
    "https://archive-api.open-meteo.com": (600, 60.0),
    "https://customer-archive-api.open-meteo.com": (600, 60.0),
    # Climate API (CMIP6), same provider and limits; its long requests weigh many calls each.
    "https://climate-api.open-meteo.com": (600, 60.0),
    "https://customer-climate-api.open-meteo.com": (600, 60.0),
    # Géorisques API v1: 1000 requests/min per IP (api.gouv.fr listing, APIS.md §4).
    "https://www.georisques.gouv.fr": (1000, 60.0),
    # recherche-entreprises: 7 requests/second (api.gouv.fr listing, APIS.md §7).
    "https://recherche-entreprises.api.gouv.fr": (7, 1.0),
    # Cerema "API Données foncières" (Cartofriches) publishes no limit: a self-imposed, polite one.
    "https://apidf-preprod.cerema.fr": (5, 1.0),
    # data.gouv.fr API and its file host publish no limit (udata source, APIS.md §9): a polite one.
    "https://www.data.gouv.fr": (10, 1.0),
    "https://static.data.gouv.fr": (10, 1.0),
}

DEFAULT_TIMEOUT: tuple[float, float] = (10.0, 60.0)  # (connect, read) seconds
DEFAULT_EXPIRE_AFTER: ExpirationTime = timedelta(days=30)
MAX_ATTEMPTS = 5
MAX_WAIT_S = 120.0  # cap of the backoff; a longer Retry-After ends the fetch instead
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# What `retry_statuses` may ask: statuses of RETRY_STATUSES, each with at most this many retries
# (a plain collection of statuses gives each of them this many).
MAX_RETRIES = MAX_ATTEMPTS - 1
# Melodi answers 401 to a Sirene subscription key (pynsee drops it for the same reason).
FORBIDDEN_HEADERS = ("X-INSEE-Api-Key-Integration",)

_RETRY_EXCEPTIONS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)

RetryStatuses = Mapping[int, int] | Collection[int]


class _HostUnreachable(requests.ConnectionError):
    """Raised by `_NetworkAdapter` instead of sending to a host that did not answer earlier."""

    def __init__(self, origin: str, failure: str):
        super().__init__(f"{origin} unreachable earlier in this client ({failure})")
        self.origin = origin
        self.failure = failure


@dataclass
class SourceStats:
    """What one source cost in a run; `--verbose` prints it.

    network: fetches answered by the network (a fetch that needed retries counts once);
    cache_hits: fetches answered by the cache; retries: extra attempts after a failure.
    """

    network: int = 0
    cache_hits: int = 0
    retries: int = 0


class _NetworkAdapter(HTTPAdapter):
    """Transport of requests that really go out: drops forbidden headers, refuses a host that
    did not answer earlier (`unreachable`: origin → failure, shared with the client), waits for
    the rate limit."""

    def __init__(self, limiter: RateLimiter | None = None, unreachable: Mapping[str, str] | None = None):
        super().__init__(max_retries=0)  # retries are HttpClient's loop, with its injected sleep
        self._limiter = limiter
        self._unreachable = unreachable if unreachable is not None else {}

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        for name in FORBIDDEN_HEADERS:
            request.headers.pop(name, None)
        origin = _origin(request.url or "")
        if origin in self._unreachable:
            raise _HostUnreachable(origin, self._unreachable[origin])
        if self._limiter is not None:
            self._limiter.acquire()
        return super().send(request, *args, **kwargs)


class HttpClient:
    """GET JSON or bytes from a source, through the cache, the rate limits and the retries."""

    def __init__(
        self,
        cache_path: Path | None = None,
        *,
        offline: bool = False,
        refresh: bool = False,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] | None = None,
        rate_limits: Mapping[str, tuple[int, float]] | None = None,
        backend: str | BaseCache | None = None,
    ):
        if offline and refresh:
            raise BadInputError(
                "--offline et --refresh sont incompatibles : choisissez l'une des deux options."
            )
        cache_path = cache_path or settings.cache_dir() / "http_cache.sqlite"
        self.offline = offline
        self.refresh = refresh
        self.stats: dict[str, SourceStats] = {}
        # Set when a host name did not resolve: this machine has no network at all (the pipeline
        # then carries on as with --offline rather than report every online source as a gap).
        self.network_down = False
        # Origins ("https://api.insee.fr") whose fetch ended on connection errors → that failure.
        self._unreachable: dict[str, str] = {}
        self._clock = clock
        # Looked up at call time, so a test session can forbid real waiting (tests/conftest.py).
        sleep = sleep if sleep is not None else (lambda seconds: default_sleep(seconds))
        self._sleep = sleep
        self.session = CachedSession(
            str(cache_path),
            backend=backend or "sqlite",
            allowable_codes=(200,),
            allowable_methods=("GET", "HEAD"),
            # Online, an expired entry is downloaded again and an error is an error. Offline,
            # an expired entry is better than nothing: its manifest keeps the retrieval date.
            stale_if_error=offline,
        )
        self.session.headers["User-Agent"] = _user_agent()
        self.session.mount("http://", _NetworkAdapter(unreachable=self._unreachable))
        self.session.mount("https://", _NetworkAdapter(unreachable=self._unreachable))
        limits = RATE_LIMITS if rate_limits is None else rate_limits
        state_path = cache_path.parent / "ratelimit.sqlite"
        for prefix, (calls, period_s) in limits.items():
            limiter = RateLimiter(prefix, calls, period_s, state_path, clock=clock, sleep=sleep)
            self.session.mount(prefix, _NetworkAdapter(limiter, self._unreachable))

    @classmethod
    def from_settings(cls, offline: bool = False, refresh: bool = False) -> HttpClient:
        """The client of a CLI run: cache and rate-limit state in the user cache dir."""
        return cls(offline=offline, refresh=refresh)

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- public ----------------------------------------------------------------------------

    def get_json(
        self,
        url: str,
        params: Mapping[str, str] | None = None,
        *,
        source_id: str,
        expire_after: ExpirationTime = DEFAULT_EXPIRE_AFTER,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        headers: Mapping[str, str] | None = None,
        retry_statuses: RetryStatuses | None = None,
    ) -> Any:
        """The decoded JSON body of a GET. A body that does not decode is downloaded once more.

        `headers`: extra request headers (an INSEE key header is refused: ValueError).
        `retry_statuses`: the statuses retried, narrower than the default: a collection of
        statuses of RETRY_STATUSES, or status → most retries (≤ MAX_RETRIES), e.g.
        `{429: 4, 500: 1, 502: 4, 503: 4, 504: 4}`. Any other error status ends the fetch at once.
        """
        extra_headers, budget = _extra_headers(headers), _retry_budget(retry_statuses)

        def get(force_refresh: bool = False) -> requests.Response:
            return self._get(url, params, source_id=source_id, expire_after=expire_after, timeout=timeout,
                             headers=extra_headers, budget=budget, force_refresh=force_refresh)

        response = get()
        try:
            return _decode_json(response)
        except ValueError:
            logger.warning("%s: invalid JSON from %s, downloading it again", source_id, response.url)
            self._forget(response)
        response = get(force_refresh=True)
        try:
            return _decode_json(response)
        except ValueError as exc:
            self._forget(response)
            raise SourceSchemaError(
                f"{_label(source_id)} : la réponse de {response.url} n'est pas un JSON valide "
                "(réponse tronquée ?), même après un second téléchargement. Réessayez plus tard."
            ) from exc

    def get_bytes(
        self,
        url: str,
        params: Mapping[str, str] | None = None,
        *,
        source_id: str,
        expire_after: ExpirationTime = DEFAULT_EXPIRE_AFTER,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        headers: Mapping[str, str] | None = None,
        retry_statuses: RetryStatuses | None = None,
    ) -> bytes:
        """The raw body of a GET (files, archives); `headers` and `retry_statuses` as in get_json."""
        return self._get(
            url,
            params,
            source_id=source_id,
            expire_after=expire_after,
            timeout=timeout,
            headers=_extra_headers(headers),
            budget=_retry_budget(retry_statuses),
        ).content

    # -- internals -------------------------------------------------------------------------

    def _get(
        self,
        url: str,
        params: Mapping[str, str] | None,
        *,
        source_id: str,
        expire_after: ExpirationTime,
        timeout: tuple[float, float],
        headers: Mapping[str, str] | None,
        budget: Mapping[int, int],
        force_refresh: bool = False,
    ) -> requests.Response:
        """A 200 response from the cache or the network, else the French error that fits.

        `budget`: retryable status → most retries. Connection errors get MAX_RETRIES; when
        they end the fetch, the host is marked unreachable for the rest of this client's life.
        """
        full_url = url_with_params(url, params)
        stats = self.stats.setdefault(source_id, SourceStats())
        failure = ""  # of the last attempt, for the log and the final message
        failed_status: int | None = None
        connection_lost = False  # the last attempt met a connection error (no answer at all)
        failures: dict[int, int] = {}  # status → times it answered
        attempts = 0
        for attempt in range(1, MAX_ATTEMPTS + 1):
            attempts = attempt
            try:
                response = self.session.get(
                    url,
                    params=params,
                    headers=headers,
                    timeout=timeout,
                    expire_after=expire_after,
                    only_if_cached=self.offline,
                    force_refresh=(self.refresh or force_refresh) and not self.offline,
                )
            except _HostUnreachable as exc:
                raise SourceError(
                    f"{_label(source_id)} : source injoignable ({full_url}) : {exc.origin} n'a pas "
                    f"répondu à une requête précédente ({exc.failure}), rien n'est plus tenté. "
                    "Vérifiez la connexion, ou relancez avec --offline si les données sont "
                    "déjà en cache."
                ) from None
            except _RETRY_EXCEPTIONS as exc:
                failure, failed_status = type(exc).__name__, None
                connection_lost = isinstance(exc, requests.ConnectionError)
                if _no_network(exc):  # the name does not resolve: no network here, waiting won't help
                    failure = "nom d'hôte introuvable (pas de réseau ?)"
                    self.network_down = True
                    break
                wait_s = _backoff(attempt)
            else:
                if _served(response, stats, source_id, full_url):
                    return response
                status = response.status_code
                _raise_for_final_status(response, source_id, full_url, budget)
                failure, failed_status, connection_lost = f"HTTP {status}", status, False
                failures[status] = failures.get(status, 0) + 1
                if failures[status] > budget[status]:
                    break
                wait_s = _wait_after_status(response, attempt, self._clock, source_id, full_url)
            if attempt == MAX_ATTEMPTS:
                break
            stats.retries += 1
            logger.warning(
                "%s: %s for %s, attempt %d/%d in %.1f s",
                source_id, failure, full_url, attempt + 1, MAX_ATTEMPTS, wait_s,
            )
            self._sleep(wait_s)
        if failed_status is not None:
            raise SourceError(
                f"{_label(source_id)} : {full_url} a répondu HTTP {failed_status} après "
                f"{_attempts(attempts)}. Réessayez plus tard.",
                status=failed_status,
            )
        if connection_lost:  # the host did not answer: the rest of the run will not wait for it
            self._unreachable[_origin(full_url)] = f"{failure} après {_attempts(attempts)}"
        raise SourceError(
            f"{_label(source_id)} : source injoignable ({full_url}) après {_attempts(attempts)} "
            f"({failure}). Vérifiez la connexion, ou relancez avec --offline si les données sont "
            "déjà en cache."
        )

    def _forget(self, response: requests.Response) -> None:
        """Remove a response from the cache (a bad body must not be served again)."""
        key = getattr(response, "cache_key", None)
        if key:
            self.session.cache.delete(key)


def url_with_params(url: str, params: Mapping[str, str] | None = None) -> str:
    """The URL a GET of `url` with `params` requests (for messages and manifests)."""
    return requests.Request("GET", url, params=params).prepare().url or url


def _decode_json(response: requests.Response) -> Any:
    """The body as JSON, read as UTF-8 whatever the Content-Type says (RFC 8259).

    Raises ValueError (JSONDecodeError, UnicodeDecodeError) for a body that is not JSON.
    """
    return json.loads(response.content)


def _origin(url: str) -> str:
    """`https://api.insee.fr` for any URL of that host (the unit of the unreachable-host check)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _extra_headers(headers: Mapping[str, str] | None) -> dict[str, str] | None:
    """A caller's extra headers; an INSEE key header is a bug of the caller, never sent."""
    if headers is None:
        return None
    forbidden = {name.lower() for name in FORBIDDEN_HEADERS}
    for name in headers:
        if name.lower() in forbidden:
            raise ValueError(f"header {name!r} may not be sent (Melodi answers 401 to it)")
    return dict(headers)


def _retry_budget(retry_statuses: RetryStatuses | None) -> dict[int, int]:
    """Retryable status → most retries; `retry_statuses` may only narrow the default."""
    if retry_statuses is None:
        return dict.fromkeys(RETRY_STATUSES, MAX_RETRIES)
    if isinstance(retry_statuses, Mapping):
        items = list(retry_statuses.items())
    else:
        items = [(status, MAX_RETRIES) for status in retry_statuses]
    budget: dict[int, int] = {}
    for status, retries in items:
        if status not in RETRY_STATUSES or not isinstance(retries, int) or not 0 <= retries <= MAX_RETRIES:
            raise ValueError(
                f"retry_statuses may only narrow {sorted(RETRY_STATUSES)} to at most {MAX_RETRIES} "
                f"retries each, got {status!r}: {retries!r}"
            )
        if retries:
            budget[status] = retries
    return budget


def _raise_for_final_status(
    response: requests.Response, source_id: str, full_url: str, retryable: Collection[int]
) -> None:
    """Raise for an error status that is not retried; return for a retryable one."""
    status = response.status_code
    if status in retryable:
        return
    if status == 404:
        raise NotFoundAtSourceError(
            f"{_label(source_id)} : {full_url} est introuvable (HTTP 404) : "
            "le code demandé n'existe pas à la source.",
            status=status,
        )
    excerpt = response.text[:200].strip()
    raise SourceError(
        f"{_label(source_id)} : {full_url} a répondu HTTP {status}"
        + (f" ({excerpt})." if excerpt else "."),
        status=status,
    )


def default_sleep(seconds: float) -> None:
    """The real wait between attempts and for the rate limit (replaced in tests)."""
    time.sleep(seconds)


def _attempts(count: int) -> str:
    return f"{count} tentative" if count == 1 else f"{count} tentatives"


def _no_network(exc: Exception) -> bool:
    """True when the host name could not be resolved (DNS down or no network at all)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, urllib3.exceptions.NameResolutionError):
            return True
        nested = getattr(current, "reason", None)
        if nested is None and current.args and isinstance(current.args[0], BaseException):
            nested = current.args[0]
        current = nested if isinstance(nested, BaseException) else current.__cause__
    return False


def _served(response: AnyResponse, stats: SourceStats, source_id: str, full_url: str) -> bool:
    """Whether `response` is the answer (a 200, from the cache or the network: counted in
    `stats`); a miss of the offline cache is OfflineUnavailableError."""
    if response.from_cache:
        if response.status_code != 200:  # only-if-cached answers 504 on a miss
            raise OfflineUnavailableError(
                f"{_label(source_id)} : {full_url} n'est pas dans le cache : "
                "relancez sans --offline pour le télécharger."
            )
        stats.cache_hits += 1
        return True
    if response.status_code == 200:
        stats.network += 1
        return True
    return False


def _wait_after_status(
    response: requests.Response, attempt: int, clock: Callable[[], float], source_id: str, full_url: str
) -> float:
    """Seconds before the next attempt after a retryable error status: its Retry-After, else the
    backoff; a Retry-After beyond MAX_WAIT_S ends the fetch (SourceError)."""
    wait_s = _retry_after(response, clock)
    if wait_s is None:
        return _backoff(attempt)
    if wait_s > MAX_WAIT_S:
        status = response.status_code
        raise SourceError(
            f"{_label(source_id)} : {full_url} demande d'attendre {wait_s:.0f} s avant "
            f"de réessayer (HTTP {status}). Relancez plus tard.",
            status=status,
        )
    return wait_s


def _backoff(attempt: int) -> float:
    """1, 2, 4… seconds after the 1st, 2nd, 3rd… failed attempt, capped."""
    return min(2.0 ** (attempt - 1), MAX_WAIT_S)


def _retry_after(response: requests.Response, clock: Callable[[], float]) -> float | None:
    """Seconds asked by a `Retry-After` header (delay or HTTP date), or None when absent/unreadable."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        logger.debug("unreadable Retry-After %r", value)
        return None
    return max(when.timestamp() - clock(), 0.0)


def _label(source_id: str) -> str:
    """The source as the user knows it (its registry title)."""
    info = SOURCES.get(source_id)
    return info.title if info else source_id


def _user_agent() -> str:
    """`diagterr/<version>`, plus the project's home page when the package metadata has one."""
    try:
        urls = importlib.metadata.metadata("diagterr").get_all("Project-URL") or []
    except importlib.metadata.PackageNotFoundError:
        urls = []
    homepage = next((u.split(",", 1)[1].strip() for u in urls if "," in u), None)
    return f"diagterr/{__version__}" + (f" (+{homepage})" if homepage else "")

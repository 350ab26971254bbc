"""The one HTTP client of diagterr: deadlines, retries, cache and rate limit, built in one place.

Layers, outermost first:
- our retry loop (`HttpClient._get`): 429/5xx and connection errors, exponential backoff or the
  server's `Retry-After`, through an injected `sleep` so tests do not wait. A caller can narrow
  the retried statuses (`retry_statuses`, e.g. Melodi's 500 retried once). Per host, a circuit
  breaker: a timeout, or a fetch ended on connection errors, or BREAKER_FAILURES failed attempts
  in a row, and the host is skipped for the rest of the client's life (its cached answers are
  still served); once a host has used up a fetch's retries on 5xx/429, its later fetches get
  one attempt each. The whole online phase has a deadline (`online_deadline_s`): past it nothing
  more goes out, and its retry waits share RETRY_WAIT_BUDGET_S;
- a `requests_cache.CachedSession` (SQLite in the user cache dir; a damaged file is set aside and
  a fresh cache started). Only 200s are cached, and only an answer that was read whole, under the
  source's size cap, and that the caller accepted (`accept`, the HTML check of `get_bytes`, the
  JSON decoding of `get_json`, `transaction`): an error is never replayed. Redirects are followed
  only to https on the same host, or to the hosts of REDIRECT_HOSTS. `offline` answers from the
  cache only, `refresh` always downloads;
- `_NetworkAdapter`, mounted on the session: the cache returns hits before any adapter runs, so
  only requests that really leave the machine wait for the provider's rate limit, meet the open
  breaker, are sent to a test server (`DIAGTERR_HOST_OVERRIDES`, see settings) and are read under
  the request's deadline: connect and the whole body, streamed, cut at the deadline or the size
  cap."""

from __future__ import annotations

import contextlib
import email.utils
import importlib.metadata
import json
import logging
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, ParamSpec, Self, TypeVar
from urllib.parse import urljoin, urlsplit

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
from diagterr.sources.ratelimit import RateLimiter, is_corrupt, set_aside
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

# (connect, read) socket timeouts in seconds: read is the longest silence allowed (first byte
# included). A timeout opens the host's breaker at once: a black-holed host costs one timeout.
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 30.0)
# Total deadline of one request, connect and the whole body (a server that drips is cut here).
DEFAULT_DEADLINE_S = 120.0
DEADLINES_S: dict[str, float] = {
    "insee_comparateur": 1800.0,  # `diagterr import` of the national file (hundreds of MB)
}
DEFAULT_EXPIRE_AFTER: ExpirationTime = timedelta(days=30)
MAX_ATTEMPTS = 5
MAX_WAIT_S = 120.0  # cap of the backoff; a longer Retry-After ends the fetch instead
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# What `retry_statuses` may ask: statuses of RETRY_STATUSES, each with at most this many retries
# (a plain collection of statuses gives each of them this many).
MAX_RETRIES = MAX_ATTEMPTS - 1
# Most seconds an online phase spends waiting between retries, all hosts together: with every
# host answering 503, the dossier is not held for 15 s of backoff per host.
RETRY_WAIT_BUDGET_S = 60.0
# Failed attempts in a row (retryable statuses, connection errors) after which a host is skipped.
BREAKER_FAILURES = MAX_ATTEMPTS + 3
# Once this many hosts have not answered in time, the network itself is suspect (a proxy that
# accepts and never answers, a captive portal): a host not yet heard of then gets SUSPECT_READ_S
# of silence instead of DEFAULT_TIMEOUT's 30 s. Nine silent hosts cost 2 × 30 + 7 × 5 s, not 9 × 30.
SUSPECT_AFTER_HOSTS = 2
SUSPECT_READ_S = 5.0
# Melodi answers 401 to a Sirene subscription key (pynsee drops it for the same reason).
FORBIDDEN_HEADERS = ("X-INSEE-Api-Key-Integration",)
# Largest body accepted, per source (bytes): a larger one is refused and never cached.
DEFAULT_MAX_BYTES = 20 * 2**20
MAX_BYTES: dict[str, int] = {
    "insee_comparateur": 400 * 2**20,  # `diagterr import` of the national comparateur file
}
# Hosts a source's redirects may lead to, beyond https on the same host.
REDIRECT_HOSTS: dict[str, frozenset[str]] = {
    # data.gouv.fr's stable `datasets/r/<id>` links redirect to its file hosts (APIS.md §9).
    "www.data.gouv.fr": frozenset({"static.data.gouv.fr", "object.files.data.gouv.fr"}),
}
_CHUNK_BYTES = 64 * 1024

_RETRY_EXCEPTIONS = (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)

RetryStatuses = Mapping[int, int] | Collection[int]
_P = ParamSpec("_P")
_T = TypeVar("_T")
Accept = Callable[[Any], object]


class _HostUnreachable(requests.ConnectionError):
    """Raised by `_NetworkAdapter` instead of sending to a host whose breaker is open."""

    def __init__(self, origin: str, failure: str):
        super().__init__(f"{origin} skipped for the rest of this client ({failure})")
        self.origin = origin
        self.failure = failure


class _PhaseOver(requests.ConnectionError):
    """Raised by `_NetworkAdapter` once the online phase's deadline has passed."""


class _DeadlineExceeded(requests.Timeout):
    """The request's total deadline (or the phase's) passed before the whole body was read."""


class _TooLarge(requests.RequestException):
    """The body is larger than the source's cap."""

    def __init__(self, limit: int):
        super().__init__(f"body over {limit} bytes")
        self.limit = limit


class _RedirectRefused(requests.RequestException):
    """A redirect to another host or to plain http."""

    def __init__(self, target: str):
        super().__init__(f"redirect to {target} refused")
        self.target = target


@dataclass
class SourceStats:
    """What one source cost in a run; `--verbose` prints it.

    network: fetches answered by the network (a fetch that needed retries counts once);
    cache_hits: fetches answered by the cache; retries: extra attempts after a failure.
    """

    network: int = 0
    cache_hits: int = 0
    retries: int = 0


@dataclass
class _HostHealth:
    """A host's failed attempts in a row, and whether it used up a fetch's retries on statuses."""

    failures: int = 0
    exhausted: bool = False


@dataclass
class _Limits:
    """The current request's bounds, read by the adapter (the client sends one request at a time)."""

    deadline_s: float = DEFAULT_DEADLINE_S
    max_bytes: int = DEFAULT_MAX_BYTES


class _Session(CachedSession):
    """The cached session, whose redirects follow the client's policy (`allowed_hosts`)."""

    allowed_hosts: frozenset[str] = frozenset()

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        target = super().get_redirect_target(resp)
        if target is None:
            return None
        absolute = urljoin(resp.url, target)
        parts, here = urlsplit(absolute), urlsplit(resp.url)
        host = (parts.hostname or "").lower()
        if parts.scheme != "https" or (host != (here.hostname or "").lower() and host not in self.allowed_hosts):
            raise _RedirectRefused(absolute)
        return target


class _NetworkAdapter(HTTPAdapter):
    """Transport of requests that really go out: drops forbidden headers, refuses a host whose
    breaker is open or any host past the online deadline, waits for the rate limit, sends to the
    override of the host if any, and reads the whole body under the request's deadline and cap."""

    def __init__(self, client: HttpClient, limiter: RateLimiter | None = None):
        super().__init__(max_retries=0)  # retries are HttpClient's loop, with its injected sleep
        self._client = client
        self._limiter = limiter

    def send(self, request: requests.PreparedRequest, stream: bool = False,  # always streamed
             timeout: Any = None, verify: Any = True, cert: Any = None,
             proxies: Any = None) -> requests.Response:
        client = self._client
        for name in FORBIDDEN_HEADERS:
            request.headers.pop(name, None)
        url = request.url or ""
        origin = _origin(url)
        if origin in client._unreachable:
            raise _HostUnreachable(origin, client._unreachable[origin])
        if client.online_time_left() == 0.0:
            raise _PhaseOver(origin)
        if self._limiter is not None:
            self._limiter.acquire()
        limits = client._limits
        deadline = client._monotonic() + limits.deadline_s
        if client._phase_end is not None:
            deadline = min(deadline, client._phase_end)
        if len(client._timed_out) >= SUSPECT_AFTER_HOSTS and origin not in client._timed_out:
            connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
            timeout = (connect, min(read or client._suspect_read_s, client._suspect_read_s))
        request.url = client._sent_url(url)
        try:
            response = self._bounded(request, timeout, deadline, limits.max_bytes, verify, cert, proxies)
        finally:
            request.url = url
        response.url = url
        return response

    def _bounded(self, request: requests.PreparedRequest, timeout: Any, deadline: float, max_bytes: int,
                 verify: Any, cert: Any, proxies: Any) -> requests.Response:
        """The response with its whole body read, in a worker thread cut at `deadline`."""
        monotonic = self._client._monotonic
        remaining = deadline - monotonic()
        if remaining <= 0:
            raise _DeadlineExceeded("deadline passed before sending")
        connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        socket_timeout = (min(connect or remaining, remaining), min(read or remaining, remaining))
        outcome: dict[str, Any] = {}
        cancelled = threading.Event()

        def work() -> None:
            try:
                response = HTTPAdapter.send(self, request, stream=True, timeout=socket_timeout,
                                            verify=verify, cert=cert, proxies=proxies)
                outcome["response"] = response
                outcome["body"] = _read_body(response, max_bytes, deadline, monotonic, cancelled)
            except BaseException as exc:  # noqa: BLE001 (handed to the caller's thread, raised there)
                outcome["error"] = exc

        worker = threading.Thread(target=work, name="diagterr-http", daemon=True)
        worker.start()
        worker.join(remaining)
        if worker.is_alive():  # the server is silent or drips: give it up
            cancelled.set()
            if (late := outcome.get("response")) is not None:
                _abort(late)
            raise _DeadlineExceeded(f"no whole answer within {remaining:.1f} s")
        if "error" in outcome:
            raise outcome["error"]
        response: requests.Response = outcome["response"]
        response._content = outcome["body"]
        response._content_consumed = True  # type: ignore[attr-defined]
        return response


def _abort(response: requests.Response) -> None:
    """Shut down the socket a worker thread is reading `response` from, so that its read ends now
    (closing the response would wait for the read: the buffer's lock is held)."""
    connection = getattr(response.raw, "connection", None)
    sock = getattr(connection, "sock", None)
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _read_body(response: requests.Response, max_bytes: int, deadline: float,
               monotonic: Callable[[], float], cancelled: threading.Event) -> bytes:
    """The whole body, refused past `max_bytes` (announced or read) or past `deadline`."""
    declared = response.headers.get("Content-Length", "").strip()
    if declared.isdigit() and int(declared) > max_bytes:
        response.close()
        raise _TooLarge(max_bytes)
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(_CHUNK_BYTES):
        size += len(chunk)
        if size > max_bytes:
            response.close()
            raise _TooLarge(max_bytes)
        chunks.append(chunk)
        if cancelled.is_set() or monotonic() > deadline:
            response.close()
            raise _DeadlineExceeded("deadline passed while reading the body")
    return b"".join(chunks)


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
        monotonic: Callable[[], float] = time.monotonic,
        online_deadline_s: float | None = None,
        request_deadline_s: float = DEFAULT_DEADLINE_S,
        host_overrides: Mapping[str, str] | None = None,
        suspect_read_s: float = SUSPECT_READ_S,
    ):
        """`clock`: wall clock (Retry-After dates, rate limits); `monotonic`: the clock of the
        deadlines; `online_deadline_s`: the online phase's budget, started now (None: none);
        `request_deadline_s`: one request's, connect and whole body;
        `host_overrides`: origin ("https://api.insee.fr", or "*" for every host) → the origin
        really asked (a test server), default `settings.host_overrides()`;
        `suspect_read_s`: the silence allowed once SUSPECT_AFTER_HOSTS hosts did not answer in time."""
        if offline and refresh:
            raise BadInputError(
                "--offline et --refresh sont incompatibles : choisissez l'une des deux options."
            )
        self._cache_path = cache_path or settings.cache_dir() / "http_cache.sqlite"
        self._backend = backend
        self.offline = offline
        self.refresh = refresh
        self.stats: dict[str, SourceStats] = {}
        # Set when a host name did not resolve: this machine has no network at all (the pipeline
        # then carries on as with --offline rather than report every online source as a gap).
        self.network_down = False
        # Origins ("https://api.insee.fr") whose breaker is open → the failure that opened it.
        self._unreachable: dict[str, str] = {}
        self._health: dict[str, _HostHealth] = {}
        # Origins that did not answer in time (timeouts, deadlines): past SUSPECT_AFTER_HOSTS of them,
        # other hosts get `suspect_read_s` of silence.
        self._timed_out: set[str] = set()
        self._suspect_read_s = suspect_read_s
        self._limits = _Limits()
        self._transactions: list[set[str]] = []
        self._clock = clock
        self._monotonic = monotonic
        self.online_deadline_s = online_deadline_s
        self._request_deadline_s = request_deadline_s
        self._phase_end = None if online_deadline_s is None else monotonic() + online_deadline_s
        self._waited_s = 0.0  # retry waits of the online phase
        overrides = settings.host_overrides() if host_overrides is None else host_overrides
        self._overrides = {key if key == "*" else _origin(key): value.rstrip("/") for key, value in overrides.items()}
        # Looked up at call time, so a test session can forbid real waiting (tests/conftest.py).
        sleep = sleep if sleep is not None else (lambda seconds: default_sleep(seconds))
        self._sleep = sleep
        limits = RATE_LIMITS if rate_limits is None else rate_limits
        state_path = self._cache_path.parent / "ratelimit.sqlite"
        self._limiters = {
            prefix: RateLimiter(prefix, calls, period_s, state_path, clock=clock, sleep=sleep)
            for prefix, (calls, period_s) in limits.items()
        }
        if self._backend is None and not _usable_sqlite(self._cache_path):
            _set_cache_aside(self._cache_path, "fichier illisible")
        self.session = self._new_session()

    @classmethod
    def from_settings(cls, offline: bool = False, refresh: bool = False) -> HttpClient:
        """The client of a CLI run: cache and rate-limit state in the user cache dir; each online
        phase (`start_online_phase`, one per dossier) bounded by `settings.online_deadline_s()`."""
        client = cls(offline=offline, refresh=refresh)
        client.online_deadline_s = None if offline else settings.online_deadline_s()
        return client

    def close(self) -> None:
        self.session.close()  # type: ignore[no-untyped-call]

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- public ----------------------------------------------------------------------------

    def start_online_phase(self) -> None:
        """Start (again) the online phase's clock: `online_deadline_s` from now (a dossier's fetch;
        a batch starts one per site). Without `online_deadline_s`, no deadline."""
        self._phase_end = None if self.online_deadline_s is None else self._monotonic() + self.online_deadline_s
        self._waited_s = 0.0

    def online_time_left(self) -> float | None:
        """Seconds left to the online phase (0.0 once it is over), None without a deadline."""
        if self._phase_end is None:
            return None
        return max(self._phase_end - self._monotonic(), 0.0)

    def skipped_hosts(self) -> dict[str, str]:
        """Origins whose breaker is open → why."""
        return dict(self._unreachable)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Answers read inside the block are forgotten from the cache when the block fails on
        anything but a transport error (a parser refused them): only accepted answers are kept."""
        keys: set[str] = set()
        self._transactions.append(keys)
        try:
            yield
        except Exception as exc:  # an interruption (Ctrl-C) says nothing of the answers
            if not _is_transport_failure(exc):
                for key in keys:
                    self._delete(key)
                keys.clear()
            raise
        finally:
            self._transactions.pop()
            if self._transactions:
                self._transactions[-1] |= keys

    def transactional(self, action: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
        """`action(*args, **kwargs)` inside a `transaction` (a fetcher's part that may fail alone)."""
        with self.transaction():
            return action(*args, **kwargs)

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
        accept: Accept | None = None,
    ) -> Any:
        """The decoded JSON body of a GET. A body that does not decode is downloaded once more.

        `headers`: extra request headers (an INSEE key header is refused: ValueError).
        `retry_statuses`: the statuses retried, narrower than the default: a collection of
        statuses of RETRY_STATUSES, or status → most retries (≤ MAX_RETRIES), e.g.
        `{429: 4, 500: 1, 502: 4, 503: 4, 504: 4}`. Any other error status ends the fetch at once.
        `accept`: called with the decoded body; when it raises or returns False, the answer is
        removed from the cache and the fetch fails (SourceSchemaError unless it raised a SourceError).
        """
        extra_headers, budget = _extra_headers(headers), _retry_budget(retry_statuses)

        def get(force_refresh: bool = False) -> requests.Response:
            return self._get(url, params, source_id=source_id, expire_after=expire_after, timeout=timeout,
                             headers=extra_headers, budget=budget, force_refresh=force_refresh)

        response = get()
        try:
            body = _decode_json(response)
        except ValueError:
            logger.warning("%s: invalid JSON from %s, downloading it again", source_id, response.url)
            self._forget(response)
            response = get(force_refresh=True)
            try:
                body = _decode_json(response)
            except ValueError as exc:
                self._forget(response)
                raise SourceSchemaError(
                    f"{_label(source_id)} : la réponse de {response.url} n'est pas un JSON valide "
                    "(réponse tronquée ?), même après un second téléchargement. Réessayez plus tard."
                ) from exc
        self._accept(response, body, accept, source_id)
        return body

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
        accept: Accept | None = None,
    ) -> bytes:
        """The raw body of a GET (files, archives); `headers`, `retry_statuses` and `accept` as in
        get_json. An HTML page (an error or login page served with 200) is refused, never cached."""
        response = self._get(
            url,
            params,
            source_id=source_id,
            expire_after=expire_after,
            timeout=timeout,
            headers=_extra_headers(headers),
            budget=_retry_budget(retry_statuses),
        )
        body = response.content
        if _is_html(response):
            self._forget(response)
            raise SourceSchemaError(
                f"{_label(source_id)} : {response.url} a renvoyé une page HTML au lieu du fichier "
                "attendu (page d'erreur ?) : elle n'est pas gardée en cache. Réessayez plus tard."
            )
        self._accept(response, body, accept, source_id)
        return body

    # -- internals -------------------------------------------------------------------------

    def _accept(self, response: requests.Response, body: Any, accept: Accept | None, source_id: str) -> None:
        """Keep the answer (recorded in the open transactions) if `accept` takes it, else forget it."""
        if accept is not None:
            try:
                accepted = accept(body)
            except SourceError:
                self._forget(response)
                raise
            except Exception as exc:
                self._forget(response)
                raise SourceSchemaError(
                    f"{_label(source_id)} : la réponse de {response.url} n'a pas la forme attendue ({exc})."
                ) from exc
            if accepted is False:
                self._forget(response)
                raise SourceSchemaError(
                    f"{_label(source_id)} : la réponse de {response.url} n'a pas la forme attendue : "
                    "elle n'est pas gardée en cache."
                )
        key = getattr(response, "cache_key", None)
        if key and self._transactions:
            self._transactions[-1].add(key)

    def _new_session(self) -> _Session:
        session = _Session(
            str(self._cache_path),
            backend=self._backend or "sqlite",
            allowable_codes=(200,),
            allowable_methods=("GET", "HEAD"),
            # Online, an expired entry is downloaded again and an error is an error. Offline,
            # an expired entry is better than nothing: its manifest keeps the retrieval date.
            stale_if_error=self.offline,
        )
        session.headers["User-Agent"] = _user_agent()
        session.mount("http://", _NetworkAdapter(self))
        session.mount("https://", _NetworkAdapter(self))
        for prefix, limiter in self._limiters.items():
            session.mount(prefix, _NetworkAdapter(self, limiter))
        return session

    def _cached_get(self, url: str, **kwargs: Any) -> AnyResponse:
        """`session.get`; a damaged cache file met on the way is set aside and the GET done again
        on a fresh cache."""
        try:
            return self.session.get(url, **kwargs)
        except sqlite3.DatabaseError as exc:
            if self._backend is not None or not is_corrupt(exc):
                raise
            self.session.close()  # type: ignore[no-untyped-call]
            _set_cache_aside(self._cache_path, str(exc))
            self.session = self._new_session()
            return self.session.get(url, **kwargs)

    def _sent_url(self, url: str) -> str:
        """`url` on the host it is really sent to (DIAGTERR_HOST_OVERRIDES), else itself."""
        origin = _origin(url)
        target = self._overrides.get(origin) or self._overrides.get("*")
        return target + url[len(origin):] if target else url

    def _get(self, url: str, params: Mapping[str, str] | None, **kwargs: Any) -> requests.Response:
        """`_fetch`, its errors marked as the transport's (not a parser's)."""
        try:
            return self._fetch(url, params, **kwargs)
        except SourceError as exc:
            exc.transport = True  # type: ignore[attr-defined]
            raise

    def _fetch(
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

        `budget`: retryable status → most retries (none once the host used up a fetch's). Connection
        errors get MAX_RETRIES; when they end the fetch, or at the first timeout, or after
        BREAKER_FAILURES failed attempts in a row, the host's breaker opens for the client's life.
        """
        full_url = url_with_params(url, params)
        origin = _origin(full_url)
        label = _label(source_id)
        health = self._health.setdefault(origin, _HostHealth())
        stats = self.stats.setdefault(source_id, SourceStats())
        self._limits = _Limits(max(self._request_deadline_s, DEADLINES_S.get(source_id, 0.0)),
                               MAX_BYTES.get(source_id, DEFAULT_MAX_BYTES))
        self.session.allowed_hosts = REDIRECT_HOSTS.get((urlsplit(full_url).hostname or "").lower(), frozenset())
        failure = ""  # of the last attempt, for the log and the final message
        failed_status: int | None = None
        connection_lost = False  # the last attempt met a connection error (no answer at all)
        failures: dict[int, int] = {}  # status → times it answered
        attempts = 0
        for attempt in range(1, MAX_ATTEMPTS + 1):
            attempts = attempt
            try:
                response = self._cached_get(
                    url,
                    params=params,
                    headers=headers,
                    timeout=timeout,
                    expire_after=expire_after,
                    only_if_cached=self.offline,
                    force_refresh=(self.refresh or force_refresh) and not self.offline,
                )
            except (_HostUnreachable, _PhaseOver, _TooLarge, _RedirectRefused, requests.Timeout) as exc:
                raise self._final_error(exc, label, full_url) from None
            except _RETRY_EXCEPTIONS as exc:
                failure, failed_status = type(exc).__name__, None
                connection_lost = isinstance(exc, requests.ConnectionError)
                if _no_network(exc):  # the name does not resolve: no network here, waiting won't help
                    failure = "nom d'hôte introuvable (pas de réseau ?)"
                    self.network_down = True
                    break
                health.failures += 1
                if health.failures >= BREAKER_FAILURES:
                    connection_lost = True
                    break
                wait_s = _backoff(attempt)
            else:
                if _served(response, stats, source_id, full_url):
                    if not response.from_cache:
                        self._health[origin] = _HostHealth()
                    return response
                status = response.status_code
                _raise_for_final_status(response, source_id, full_url, budget)
                failure, failed_status, connection_lost = f"HTTP {status}", status, False
                failures[status] = failures.get(status, 0) + 1
                health.failures += 1
                if failures[status] > budget[status] or health.exhausted or health.failures >= BREAKER_FAILURES:
                    break
                wait_s = _wait_after_status(response, attempt, self._clock, source_id, full_url)
            if attempt == MAX_ATTEMPTS:
                break
            if not self._wait(wait_s, stats, f"{source_id}: {failure} for {full_url}, "
                              f"attempt {attempt + 1}/{MAX_ATTEMPTS}", label, full_url, failed_status):
                break
        raise self._exhausted_error(label, full_url, origin, attempts, failure, failed_status, connection_lost)

    def _wait(self, wait_s: float, stats: SourceStats, what: str, label: str, full_url: str,
              failed_status: int | None) -> bool:
        """Wait before a retry, True; False (no retry) once the online phase's waits would pass
        RETRY_WAIT_BUDGET_S; one that would end past the online deadline ends the fetch."""
        left = self.online_time_left()
        if left is not None and wait_s >= left:
            raise SourceError(self._phase_over_message(label, full_url), status=failed_status)
        if left is not None and self._waited_s + wait_s > RETRY_WAIT_BUDGET_S:
            logger.warning("%s: no retry, the online phase already waited %.0f s", what, self._waited_s)
            return False
        self._waited_s += wait_s
        stats.retries += 1
        logger.warning("%s in %.1f s", what, wait_s)
        self._sleep(wait_s)
        return True

    def _exhausted_error(self, label: str, full_url: str, origin: str, attempts: int, failure: str,
                         failed_status: int | None, connection_lost: bool) -> SourceError:
        """The error of a fetch whose attempts all failed; the host's breaker opens when it must."""
        health = self._health[origin]
        if failed_status is not None:
            health.exhausted = True
            skipped = ""
            if health.failures >= BREAKER_FAILURES:
                self._unreachable[origin] = f"{health.failures} échecs de suite, dernier HTTP {failed_status}"
                skipped = f" ; {origin} est ignoré pour le reste de l'exécution ({health.failures} échecs de suite)"
            return SourceError(
                f"{label} : {full_url} a répondu HTTP {failed_status} après "
                f"{_attempts(attempts)}{skipped}. Réessayez plus tard.",
                status=failed_status,
            )
        if connection_lost:  # the host did not answer: the rest of the run will not wait for it
            self._unreachable[origin] = f"{failure} après {_attempts(attempts)}"
        return SourceError(
            f"{label} : source injoignable ({full_url}) après {_attempts(attempts)} "
            f"({failure}). Vérifiez la connexion, ou relancez avec --offline si les données sont "
            "déjà en cache."
        )

    def _final_error(self, exc: requests.RequestException, label: str, full_url: str) -> SourceError:
        """The French error of a failure that is not retried; a timeout opens the host's breaker."""
        if isinstance(exc, _HostUnreachable):
            return SourceError(
                f"{label} : source injoignable ({full_url}) : {exc.origin} est ignoré pour le "
                f"reste de l'exécution ({exc.failure}), rien n'y est plus demandé. Vérifiez la "
                "connexion, ou relancez avec --offline si les données sont déjà en cache."
            )
        if isinstance(exc, _PhaseOver) or self.online_time_left() == 0.0:
            return SourceError(self._phase_over_message(label, full_url))
        if isinstance(exc, _TooLarge):
            return SourceError(
                f"{label} : la réponse de {full_url} dépasse {exc.limit / 2**20:.4g} Mo, la taille "
                "maximale admise pour cette source : elle est refusée (et pas gardée en cache)."
            )
        if isinstance(exc, _RedirectRefused):
            return SourceError(
                f"{label} : {full_url} redirige vers {exc.target} : redirection refusée (seules "
                "les redirections https vers le même hôte sont suivies), rien n'est gardé en cache."
            )
        origin = _origin(full_url)
        reason = "délai dépassé" if isinstance(exc, _DeadlineExceeded) else type(exc).__name__
        self._unreachable[origin] = f"pas de réponse complète à temps ({reason})"
        self._timed_out.add(origin)
        return SourceError(
            f"{label} : source injoignable ({full_url}) : pas de réponse complète à temps "
            f"({reason}) ; {origin} est ignoré pour le reste de l'exécution. Vérifiez la "
            "connexion, ou relancez avec --offline si les données sont déjà en cache."
        )

    def _phase_over_message(self, label: str, full_url: str) -> str:
        minutes = (self.online_deadline_s or 0) / 60
        return (
            f"{label} : {full_url} non demandé : le délai de la phase en ligne ({minutes:.4g} min) "
            "est écoulé. Le dossier utilise ce que le magasin et le cache contiennent déjà ; "
            "relancez plus tard pour le reste."
        )

    def _forget(self, response: requests.Response) -> None:
        """Remove a response from the cache (a bad body must not be served again)."""
        key = getattr(response, "cache_key", None)
        if key:
            self._delete(key)

    def _delete(self, key: str) -> None:
        try:
            self.session.cache.delete(key)
        except sqlite3.DatabaseError as exc:
            logger.debug("could not delete %s from the HTTP cache: %s", key, exc)


def url_with_params(url: str, params: Mapping[str, str] | None = None) -> str:
    """The URL a GET of `url` with `params` requests (for messages and manifests)."""
    return requests.Request("GET", url, params=params).prepare().url or url


def _decode_json(response: requests.Response) -> Any:
    """The body as JSON, read as UTF-8 whatever the Content-Type says (RFC 8259).

    Raises ValueError (JSONDecodeError, UnicodeDecodeError) for a body that is not JSON.
    """
    return json.loads(response.content)


def _is_html(response: requests.Response) -> bool:
    """An HTML page: by its Content-Type or its first bytes."""
    if "html" in response.headers.get("Content-Type", "").lower():
        return True
    start = response.content[:512].lstrip().lower()
    return start.startswith((b"<!doctype html", b"<html"))


def _is_transport_failure(exc: BaseException) -> bool:
    """Whether `exc` (or an error it was raised from) is a failure of the client's transport."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if getattr(current, "transport", False):
            return True
        current = current.__cause__ or current.__context__
    return False


def _usable_sqlite(path: Path) -> bool:
    """False for a file that is not a readable SQLite database (absent: True, it will be created)."""
    if not path.exists():
        return True
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            connection.execute("SELECT name FROM sqlite_master").fetchall()
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        return not is_corrupt(exc)
    return True


def _set_cache_aside(path: Path, reason: str) -> None:
    aside = set_aside(path)
    logger.warning(
        "Cache HTTP abîmé (%s) : mis de côté sous %s ; un cache neuf est créé, les réponses "
        "seront téléchargées à nouveau.", reason, aside or path,
    )


def _origin(url: str) -> str:
    """`https://api.insee.fr` for any URL of that host (the unit of the breaker)."""
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

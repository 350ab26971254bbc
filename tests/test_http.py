"""The HTTP layer: cache, retries, rate limit, offline/refresh, on replayed API Géo responses.

Bodies are built from the real API Géo specimens of ../shared/sources/specimens by
tests/specimens.py (tests that serve one skip where ../shared is absent); failures (429, 503,
connection errors, truncated bodies) are simulated with `responses`. Nothing sleeps: the clock
and the sleep are fakes that record the waits.
"""

from __future__ import annotations

import email.utils
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import responses
import time_machine
from responses import matchers

import diagterr
from diagterr import __version__
from diagterr.errors import (
    BadInputError,
    ExitCode,
    NotFoundAtSourceError,
    OfflineUnavailableError,
    SourceError,
    SourceSchemaError,
)
from diagterr.sources.http import HttpClient, SourceStats, url_with_params
from diagterr.sources.ratelimit import RateLimiter
from fake_time import FakeTime
from specimens import departement_77_communes_contour, dumps, geo_default_item, needs_specimens

DEP77_URL = "https://geo.api.gouv.fr/departements/77/communes"
DEP77_PARAMS = {"format": "geojson", "geometry": "contour", "fields": "code,nom,population"}
COMMUNE_URL = "https://geo.api.gouv.fr/communes/01001"
EPCI_URL = "https://geo.api.gouv.fr/epcis/200000172"
SOURCE = "api_geo"


def dep77_body() -> bytes:
    """The REAL Feature of Grisy-sur-Seine (77218) in a FeatureCollection wrapper of ours."""
    return dumps(departement_77_communes_contour())


def commune_body() -> bytes:
    """The REAL `/communes/01001` item (default fields)."""
    return dumps(geo_default_item("communes_item"))


def epci_body() -> bytes:
    """The REAL `/epcis/200000172` item (default fields)."""
    return dumps(geo_default_item("epcis_item"))



@pytest.fixture
def open_client(fake_time: FakeTime):
    """Factory of clients on the SQLite cache of DIAGTERR_CACHE_DIR, without rate limits by default."""
    clients: list[HttpClient] = []

    def make(**kwargs) -> HttpClient:
        kwargs.setdefault("rate_limits", {})
        client = HttpClient(clock=fake_time.clock, sleep=fake_time.sleep, **kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def add_dep77(mocked: responses.RequestsMock, **kwargs) -> None:
    if "body" not in kwargs:  # only then is the specimen read
        kwargs["body"] = dep77_body()
    mocked.get(DEP77_URL, match=[matchers.query_param_matcher(DEP77_PARAMS)], **kwargs)


def get_dep77(client: HttpClient):
    return client.get_json(DEP77_URL, DEP77_PARAMS, source_id=SOURCE)


# -- cache -------------------------------------------------------------------------------------


@needs_specimens
def test_second_fetch_is_served_by_the_sqlite_cache_even_from_a_new_client(mocked, open_client, cache_dir):
    add_dep77(mocked)
    first = open_client()
    body = get_dep77(first)
    assert body["features"][0]["properties"]["code"] == "77218"
    assert get_dep77(first) == body
    assert first.stats[SOURCE] == SourceStats(network=1, cache_hits=1, retries=0)

    second = open_client()  # another run: the SQLite file survived
    assert get_dep77(second) == body
    assert second.stats[SOURCE] == SourceStats(network=0, cache_hits=1, retries=0)
    assert len(mocked.calls) == 1
    assert (cache_dir / "http_cache.sqlite").is_file()


def test_from_settings_keeps_cache_and_rate_limit_state_in_the_cache_dir(cache_dir):
    with HttpClient.from_settings(offline=True) as client:
        assert client.offline and not client.refresh
        limited = client.session.get_adapter("https://geo.api.gouv.fr/communes/01001")
        assert limited._limiter.calls == 50  # the published API Géo limit
    assert (cache_dir / "http_cache.sqlite").is_file()
    assert (cache_dir / "ratelimit.sqlite").is_file()


@needs_specimens
def test_a_memory_backend_caches_within_the_client_and_writes_no_file(mocked, open_client, cache_dir):
    mocked.get(COMMUNE_URL, body=commune_body())
    client = open_client(backend="memory")
    client.get_json(COMMUNE_URL, source_id=SOURCE)
    client.get_json(COMMUNE_URL, source_id=SOURCE)
    assert client.stats[SOURCE] == SourceStats(network=1, cache_hits=1, retries=0)
    assert not (cache_dir / "http_cache.sqlite").exists()


@needs_specimens
def test_requests_carry_our_user_agent_and_never_an_insee_key(mocked, open_client):
    mocked.get(COMMUNE_URL, body=commune_body())
    client = open_client()
    client.session.headers["X-INSEE-Api-Key-Integration"] = "a-sirene-key"  # e.g. set by a caller
    client.get_json(COMMUNE_URL, source_id=SOURCE)
    sent = mocked.calls[0].request.headers
    assert "X-INSEE-Api-Key-Integration" not in sent
    assert sent["User-Agent"].startswith(f"diagterr/{__version__}")


@needs_specimens
def test_extra_headers_are_sent_and_an_insee_key_header_is_refused(mocked, open_client):
    mocked.get(COMMUNE_URL, body=commune_body())
    mocked.get(EPCI_URL, body=epci_body())
    client = open_client()
    client.get_json(COMMUNE_URL, source_id=SOURCE, headers={"Accept": "application/json"})
    assert client.get_bytes(EPCI_URL, source_id=SOURCE, headers={"Accept": "application/json"}) == epci_body()
    for call in mocked.calls:
        assert call.request.headers["Accept"] == "application/json"
        assert call.request.headers["User-Agent"].startswith("diagterr/")
    for fetch in (client.get_json, client.get_bytes):
        with pytest.raises(ValueError, match="may not be sent"):
            fetch(COMMUNE_URL, source_id=SOURCE, headers={"x-insee-api-key-integration": "a-sirene-key"})
    assert len(mocked.calls) == 2


@needs_specimens
def test_a_bytes_fetch_returns_the_body_unchanged(mocked, open_client):
    body = commune_body()
    mocked.get(COMMUNE_URL, body=body)
    assert open_client().get_bytes(COMMUNE_URL, source_id=SOURCE) == body


# -- retries ------------------------------------------------------------------------------------


@needs_specimens
def test_429_waits_what_retry_after_asks_then_succeeds(mocked, open_client, fake_time):
    add_dep77(mocked, status=429, body=b"", headers={"Retry-After": "7"})
    add_dep77(mocked)
    client = open_client()
    assert get_dep77(client)["type"] == "FeatureCollection"
    assert fake_time.sleeps == [7.0]
    assert client.stats[SOURCE] == SourceStats(network=1, cache_hits=0, retries=1)
    assert len(mocked.calls) == 2


@needs_specimens
def test_retry_after_as_an_http_date_is_counted_from_the_wall_clock(mocked, open_client, fake_time):
    when = email.utils.formatdate(fake_time.now + 30, usegmt=True)
    add_dep77(mocked, status=429, body=b"", headers={"Retry-After": when})
    add_dep77(mocked)
    get_dep77(open_client())
    assert fake_time.sleeps == [pytest.approx(30.0, abs=1.0)]


@needs_specimens
def test_503_then_200_backs_off_one_second(mocked, open_client, fake_time):
    add_dep77(mocked, status=503, body=b"")
    add_dep77(mocked)
    assert get_dep77(open_client())["features"]
    assert fake_time.sleeps == [1.0]


def test_a_persistent_503_ends_after_five_attempts_with_exponential_backoff(mocked, open_client, fake_time):
    for _ in range(5):
        add_dep77(mocked, status=503, body=b"")
    client = open_client()
    with pytest.raises(SourceError) as error:
        get_dep77(client)
    assert fake_time.sleeps == [1.0, 2.0, 4.0, 8.0]
    assert str(error.value) == (
        "API Géo (découpage administratif et contours) : "
        f"{url_with_params(DEP77_URL, DEP77_PARAMS)} a répondu HTTP 503 après 5 tentatives. "
        "Réessayez plus tard."
    )
    assert error.value.status == 503
    assert len(client.session.cache.responses) == 0  # errors are never cached


def test_network_down_ends_with_source_unreachable(mocked, open_client, fake_time):
    for _ in range(5):
        add_dep77(mocked, body=requests.ConnectionError("Name or service not known"))
    with pytest.raises(SourceError) as error:
        get_dep77(open_client())
    assert fake_time.sleeps == [1.0, 2.0, 4.0, 8.0]
    assert str(error.value) == (
        "API Géo (découpage administratif et contours) : source injoignable "
        f"({url_with_params(DEP77_URL, DEP77_PARAMS)}) après 5 tentatives (ConnectionError). "
        "Vérifiez la connexion, ou relancez avec --offline si les données sont déjà en cache."
    )
    assert error.value.status is None


def test_a_retry_after_beyond_two_minutes_fails_at_once(mocked, open_client, fake_time):
    add_dep77(mocked, status=429, body=b"", headers={"Retry-After": "3600"})
    with pytest.raises(SourceError, match="demande d'attendre 3600 s") as error:
        get_dep77(open_client())
    assert fake_time.sleeps == []
    assert error.value.status == 429


def test_404_is_not_found_at_source_and_is_not_retried(mocked, open_client):
    # API Géo answers an unknown code with `res.sendStatus(404)`: body "Not Found".
    url = "https://geo.api.gouv.fr/communes/01999"
    mocked.get(url, status=404, body="Not Found")
    with pytest.raises(NotFoundAtSourceError, match="01999 est introuvable") as error:
        open_client().get_json(url, source_id=SOURCE)
    assert len(mocked.calls) == 1
    assert error.value.status == 404


def test_another_4xx_is_a_source_error_with_its_status(mocked, open_client):
    mocked.get(COMMUNE_URL, status=400, body="Bad Request")
    with pytest.raises(SourceError, match=r"HTTP 400 \(Bad Request\)") as error:
        open_client().get_json(COMMUNE_URL, source_id=SOURCE)
    assert len(mocked.calls) == 1
    assert error.value.status == 400


def test_retry_statuses_can_retry_a_500_once_only(mocked, open_client, fake_time):
    mocked.get(COMMUNE_URL, status=500, body="Le serveur a rencontré une erreur inattendue.")
    client = open_client()
    with pytest.raises(SourceError) as error:
        client.get_json(COMMUNE_URL, source_id=SOURCE, retry_statuses={429: 4, 500: 1, 503: 4})
    assert error.value.status == 500
    assert str(error.value) == (
        "API Géo (découpage administratif et contours) : "
        f"{COMMUNE_URL} a répondu HTTP 500 après 2 tentatives. Réessayez plus tard."
    )
    assert len(mocked.calls) == 2
    assert fake_time.sleeps == [1.0]
    assert client.stats[SOURCE] == SourceStats(network=0, cache_hits=0, retries=1)


def test_a_status_left_out_of_retry_statuses_ends_the_fetch_at_once(mocked, open_client, fake_time):
    add_dep77(mocked, status=503, body=b"")
    with pytest.raises(SourceError, match=r"HTTP 503\.$") as error:
        open_client().get_json(DEP77_URL, DEP77_PARAMS, source_id=SOURCE, retry_statuses={429})
    assert error.value.status == 503
    assert len(mocked.calls) == 1
    assert fake_time.sleeps == []


@pytest.mark.parametrize(
    "retry_statuses",
    [{404: 1}, {500: 5}, {500: -1}, {418}],
    ids=["not-retryable", "beyond-the-default", "negative", "unknown-status"],
)
def test_retry_statuses_may_only_narrow_the_default(mocked, open_client, retry_statuses):
    with pytest.raises(ValueError, match="may only narrow"):
        open_client().get_json(COMMUNE_URL, source_id=SOURCE, retry_statuses=retry_statuses)
    assert len(mocked.calls) == 0


# -- unreachable host ---------------------------------------------------------------------------


def test_an_unreachable_host_is_not_asked_again_by_the_same_client(mocked, open_client, fake_time):
    for _ in range(5):
        add_dep77(mocked, body=requests.ConnectionError("Name or service not known"))
    client = open_client()
    with pytest.raises(SourceError, match="source injoignable"):
        get_dep77(client)
    assert len(mocked.calls) == 5
    assert fake_time.sleeps == [1.0, 2.0, 4.0, 8.0]

    with pytest.raises(SourceError) as error:  # another URL of the same host
        client.get_json(COMMUNE_URL, source_id=SOURCE)
    assert str(error.value) == (
        "API Géo (découpage administratif et contours) : source injoignable "
        f"({COMMUNE_URL}) : https://geo.api.gouv.fr est ignoré pour le reste de l'exécution "
        "(ConnectionError après 5 tentatives), rien n'y est plus demandé. Vérifiez la connexion, ou "
        "relancez avec --offline si les données sont déjà en cache."
    )
    assert error.value.status is None
    assert len(mocked.calls) == 5  # no network attempt
    assert fake_time.sleeps == [1.0, 2.0, 4.0, 8.0]  # no wait
    assert client.stats[SOURCE].retries == 4

    with pytest.raises(SourceError, match="source injoignable"):
        client.get_bytes(EPCI_URL, source_id=SOURCE)
    assert len(mocked.calls) == 5 and len(fake_time.sleeps) == 4

    other = "https://api.insee.fr/melodi/catalog/all"  # another host is still asked
    mocked.get(other, json=[])
    assert client.get_json(other, source_id="insee_melodi") == []
    assert open_client().get_json(other, source_id="insee_melodi") == []  # a new client asks again
    assert len(mocked.calls) == 6


@needs_specimens
def test_an_unreachable_host_still_serves_its_cached_answers(mocked, open_client, fake_time):
    mocked.get(COMMUNE_URL, body=commune_body())
    for _ in range(5):
        add_dep77(mocked, body=requests.ConnectionError("Name or service not known"))
    client = open_client()
    cached = client.get_json(COMMUNE_URL, source_id=SOURCE)
    with pytest.raises(SourceError, match="source injoignable"):
        get_dep77(client)
    assert client.get_json(COMMUNE_URL, source_id=SOURCE) == cached
    assert client.stats[SOURCE] == SourceStats(network=1, cache_hits=1, retries=4)
    assert len(mocked.calls) == 6


def test_a_host_that_used_up_a_fetchs_retries_gets_one_attempt_per_fetch_then_is_skipped(
        mocked, open_client, fake_time):
    # Before: every fetch of a host answering 503 cost 5 attempts and 15 s of waits (Melodi: 100
    # requests, 516 s for 20 fetches). Now: 5 attempts, then one per fetch, then the host is skipped.
    urls = [f"https://geo.api.gouv.fr/communes/0100{n}" for n in range(1, 6)]
    for url in urls[:4]:
        mocked.get(url, status=503, body=b"")
    client = open_client()
    with pytest.raises(SourceError, match="HTTP 503 après 5 tentatives"):
        client.get_json(urls[0], source_id=SOURCE)
    for url in urls[1:3]:
        with pytest.raises(SourceError, match=r"HTTP 503 après 1 tentative\. Réessayez"):
            client.get_json(url, source_id=SOURCE)
    with pytest.raises(SourceError) as error:
        client.get_json(urls[3], source_id=SOURCE)
    assert str(error.value) == (
        f"API Géo (découpage administratif et contours) : {urls[3]} a répondu HTTP 503 après 1 tentative ; "
        "https://geo.api.gouv.fr est ignoré pour le reste de l'exécution (8 échecs de suite). Réessayez plus tard."
    )
    with pytest.raises(SourceError, match="est ignoré pour le reste de l'exécution"):
        client.get_json(urls[4], source_id=SOURCE)
    assert len(mocked.calls) == 5 + 3
    assert fake_time.sleeps == [1.0, 2.0, 4.0, 8.0]


def test_a_read_timeout_skips_the_host_at_once_and_a_4xx_does_not(mocked, open_client, fake_time):
    # Before: a read timeout was retried 5 times (5 × 60 s) and never marked the host.
    mocked.get(EPCI_URL, status=404, body="Not Found")
    mocked.get(COMMUNE_URL, body=requests.ReadTimeout("read timed out"))
    client = open_client()
    with pytest.raises(NotFoundAtSourceError):
        client.get_json(EPCI_URL, source_id=SOURCE)  # the host answered
    with pytest.raises(SourceError) as error:
        client.get_json(COMMUNE_URL, source_id=SOURCE)
    assert str(error.value) == (
        f"API Géo (découpage administratif et contours) : source injoignable ({COMMUNE_URL}) : pas de "
        "réponse complète à temps (ReadTimeout) ; https://geo.api.gouv.fr est ignoré pour le reste de "
        "l'exécution. Vérifiez la connexion, ou relancez avec --offline si les données sont déjà en cache."
    )
    with pytest.raises(SourceError, match="est ignoré pour le reste de l'exécution"):
        get_dep77(client)
    assert len(mocked.calls) == 2
    assert fake_time.sleeps == []


# -- bad bodies ---------------------------------------------------------------------------------


@needs_specimens
def test_truncated_json_is_downloaded_again_then_reported_and_not_left_in_the_cache(mocked, open_client):
    whole = dep77_body()
    truncated = whole[: len(whole) // 2]  # the real specimen cut in half
    add_dep77(mocked, body=truncated)
    add_dep77(mocked, body=truncated)
    client = open_client()
    with pytest.raises(SourceSchemaError) as error:
        get_dep77(client)
    assert "n'est pas un JSON valide" in str(error.value)
    assert url_with_params(DEP77_URL, DEP77_PARAMS) in str(error.value)
    assert len(mocked.calls) == 2
    assert len(client.session.cache.responses) == 0


@needs_specimens
def test_truncated_json_then_a_good_body_is_served_and_cached(mocked, open_client):
    whole = dep77_body()
    add_dep77(mocked, body=whole[: len(whole) // 2])
    add_dep77(mocked)
    client = open_client()
    assert get_dep77(client) == json.loads(whole)
    assert get_dep77(client) == json.loads(whole)
    assert client.stats[SOURCE] == SourceStats(network=2, cache_hits=1, retries=0)
    assert len(mocked.calls) == 2


# -- offline and refresh ------------------------------------------------------------------------


def test_offline_with_an_empty_cache_names_the_source_and_the_url(mocked, open_client):
    with pytest.raises(OfflineUnavailableError) as error:
        open_client(offline=True).get_json(COMMUNE_URL, source_id=SOURCE)
    assert str(error.value) == (
        "API Géo (découpage administratif et contours) : https://geo.api.gouv.fr/communes/01001 "
        "n'est pas dans le cache : relancez sans --offline pour le télécharger."
    )
    assert error.value.exit_code == ExitCode.OFFLINE_UNAVAILABLE
    assert len(mocked.calls) == 0


@needs_specimens
def test_offline_after_a_fetch_is_served_from_the_cache_without_network(mocked, open_client):
    mocked.get(COMMUNE_URL, body=commune_body())
    online = open_client().get_json(COMMUNE_URL, source_id=SOURCE)
    offline_client = open_client(offline=True)
    assert offline_client.get_json(COMMUNE_URL, source_id=SOURCE) == online
    assert offline_client.stats[SOURCE] == SourceStats(network=0, cache_hits=1, retries=0)
    assert len(mocked.calls) == 1


@needs_specimens
def test_offline_serves_an_expired_entry_rather_than_nothing(mocked, open_client):
    mocked.get(COMMUNE_URL, body=commune_body())
    online = open_client().get_json(COMMUNE_URL, source_id=SOURCE, expire_after=timedelta(days=1))
    with time_machine.travel(timedelta(days=40)):
        assert open_client(offline=True).get_json(COMMUNE_URL, source_id=SOURCE) == online
    assert len(mocked.calls) == 1


@needs_specimens
def test_online_an_expired_entry_is_downloaded_again(mocked, open_client):
    mocked.get(COMMUNE_URL, body=commune_body())
    mocked.get(COMMUNE_URL, body=commune_body())
    open_client().get_json(COMMUNE_URL, source_id=SOURCE, expire_after=timedelta(days=1))
    with time_machine.travel(timedelta(days=40)):
        client = open_client()
        client.get_json(COMMUNE_URL, source_id=SOURCE, expire_after=timedelta(days=1))
    assert client.stats[SOURCE].network == 1
    assert len(mocked.calls) == 2


@needs_specimens
def test_refresh_downloads_again_and_replaces_the_cached_body(mocked, open_client):
    mocked.get(COMMUNE_URL, body=commune_body())
    mocked.get(COMMUNE_URL, body=epci_body())  # any other real body, to see the replacement
    open_client().get_json(COMMUNE_URL, source_id=SOURCE)
    refreshed = open_client(refresh=True).get_json(COMMUNE_URL, source_id=SOURCE)
    assert refreshed == json.loads(epci_body())
    assert open_client().get_json(COMMUNE_URL, source_id=SOURCE) == refreshed
    assert len(mocked.calls) == 2


def test_offline_and_refresh_together_are_refused():
    with pytest.raises(BadInputError, match="incompatibles"):
        HttpClient(offline=True, refresh=True, rate_limits={})


# -- rate limit ---------------------------------------------------------------------------------


def test_a_third_call_in_the_window_waits_for_the_oldest_to_leave(tmp_path, fake_time):
    limiter = RateLimiter("geo", 2, 1.0, tmp_path / "rl.sqlite", clock=fake_time.clock, sleep=fake_time.sleep)
    start = fake_time.now
    limiter.acquire()
    fake_time.now = start + 0.25
    limiter.acquire()
    fake_time.now = start + 0.5
    limiter.acquire()
    assert fake_time.sleeps == [pytest.approx(0.5)]


def test_two_limiters_on_one_file_share_the_budget(tmp_path, fake_time):
    state = tmp_path / "rl.sqlite"
    first = RateLimiter("geo", 2, 1.0, state, clock=fake_time.clock, sleep=fake_time.sleep)
    second = RateLimiter("geo", 2, 1.0, state, clock=fake_time.clock, sleep=fake_time.sleep)
    other_api = RateLimiter("melodi", 2, 1.0, state, clock=fake_time.clock, sleep=fake_time.sleep)
    first.acquire()
    first.acquire()
    other_api.acquire()  # another name has its own budget
    assert fake_time.sleeps == []
    second.acquire()
    assert fake_time.sleeps == [pytest.approx(1.0)]


def test_another_process_uses_up_the_same_budget(tmp_path, fake_time):
    state = tmp_path / "rl.sqlite"
    script = (
        "import sys; from pathlib import Path; from diagterr.sources.ratelimit import RateLimiter\n"
        "limiter = RateLimiter('geo', 2, 1.0, Path(sys.argv[1]), clock=lambda: float(sys.argv[2]))\n"
        "limiter.acquire(); limiter.acquire()\n"
    )
    package_root = str(Path(diagterr.__file__).resolve().parents[1])  # src/ or site-packages
    env = {**os.environ, "PYTHONPATH": package_root}
    subprocess.run([sys.executable, "-c", script, str(state), repr(fake_time.now)], check=True, env=env)
    RateLimiter("geo", 2, 1.0, state, clock=fake_time.clock, sleep=fake_time.sleep).acquire()
    assert fake_time.sleeps == [pytest.approx(1.0)]


@needs_specimens
def test_cache_hits_do_not_use_up_the_rate_limit(mocked, open_client, fake_time):
    mocked.get(COMMUNE_URL, body=commune_body())
    mocked.get(EPCI_URL, body=epci_body())
    client = open_client(rate_limits={"https://geo.api.gouv.fr": (1, 1.0)})
    client.get_json(COMMUNE_URL, source_id=SOURCE)
    for _ in range(3):
        client.get_json(COMMUNE_URL, source_id=SOURCE)
    assert fake_time.sleeps == []
    client.get_json(EPCI_URL, source_id=SOURCE)  # a second network call within the same second
    assert fake_time.sleeps == [pytest.approx(1.0)]
    assert client.stats[SOURCE] == SourceStats(network=2, cache_hits=3, retries=0)


@needs_specimens
def test_hosts_without_a_known_limit_are_not_limited(mocked, open_client, fake_time):
    url = "https://www.data.gouv.fr/api/1/datasets/x/"  # not in the limits given below
    for _ in range(3):
        mocked.get(url, body=commune_body())
    client = open_client(refresh=True, rate_limits={"https://geo.api.gouv.fr": (1, 1.0)})
    for _ in range(3):
        client.get_json(url, source_id="other")
    assert fake_time.sleeps == []
    assert client.stats["other"].network == 3


def test_no_network_at_all_fails_at_once_without_waiting(tmp_path):
    """A host name that does not resolve (no network): one attempt, no backoff sleeps."""
    import urllib3

    sleeps: list[float] = []
    client = HttpClient(tmp_path / "c.sqlite", sleep=sleeps.append, rate_limits={})
    url = "https://geo.api.gouv.fr/communes/07341"
    dns = urllib3.exceptions.NameResolutionError("geo.api.gouv.fr", None, OSError("Name or service not known"))
    error = requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, url, reason=dns))
    with responses.RequestsMock() as mocked:
        mocked.get(url, body=error)
        with pytest.raises(SourceError, match="après 1 tentative .*pas de réseau"):
            client.get_json(url, source_id="api_geo")
        assert len(mocked.calls) == 1
    assert sleeps == []

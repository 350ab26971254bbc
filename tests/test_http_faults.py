"""The HTTP client against a misbehaving local server (tests/fault_server.py): deadlines, the
per-host breaker, the online phase's deadline, a damaged cache, bad answers never cached,
redirects. Network to 127.0.0.1 only; nothing sleeps (the client's waits go on a fake clock);
a silent or dripping server is cut by the client's deadline, bounded in wall time."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from diagterr.errors import BadInputError, OfflineUnavailableError, SourceError, SourceSchemaError
from diagterr.pipeline import fetch_first, fetch_online, gather_boundaries
from diagterr.resources import samples_dir
from diagterr.sources import georisques, http, online
from diagterr.sources.fetcher import FetchContext, Fetcher, run_fetcher
from diagterr.sources.http import HttpClient
from diagterr.sources.ratelimit import RateLimiter
from diagterr.store import Store
from diagterr.territory import resolve_territory
from fake_time import FakeTime
from fault_server import (
    Answer,
    BlackHole,
    FaultServer,
    drip,
    html_page,
    json_answer,
    large_body,
    redirect,
    reset,
    silent,
    status,
    truncated_json,
)
from helpers import CCPA, invoke

pytestmark = [pytest.mark.enable_socket, pytest.mark.allow_hosts(["127.0.0.1"])]

GEO = "https://geo.api.gouv.fr"
SOURCE = "api_geo"
DEADLINE_S = 0.5  # a request's total deadline in these tests
WALL_BOUND_S = 5.0  # what a test cut by that deadline may take, at most, on a loaded machine


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server


@pytest.fixture
def make_client(fault_server: FaultServer, fake_time: FakeTime) -> Iterator:
    """Clients sending every host to the fault server, on an in-memory cache, waits on the fake clock."""
    clients: list[HttpClient] = []

    def make(**kwargs) -> HttpClient:
        kwargs.setdefault("backend", "memory")
        kwargs.setdefault("rate_limits", {})
        kwargs.setdefault("host_overrides", {"*": fault_server.url})
        kwargs.setdefault("request_deadline_s", DEADLINE_S)
        client = HttpClient(clock=fake_time.clock, sleep=fake_time.sleep, **kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def cached(client: HttpClient) -> int:
    return len(client.session.cache.responses)


# -- the fault server is reached through the documented setting ------------------------------------


def test_the_host_overrides_setting_sends_a_hosts_requests_to_the_fault_server(fault_server, monkeypatch):
    fault_server.script("/communes/01001", json_answer({"code": "01001"}))
    monkeypatch.setenv("DIAGTERR_HOST_OVERRIDES", f"{GEO}={fault_server.url}")
    with HttpClient(backend="memory", rate_limits={}) as client:
        assert client.get_json(f"{GEO}/communes/01001", source_id=SOURCE) == {"code": "01001"}
        assert client.get_json(f"{GEO}/communes/01001", source_id=SOURCE) == {"code": "01001"}  # cached
    assert fault_server.requests == ["/communes/01001"]


# -- 1. deadlines and the breaker -------------------------------------------------------------------


@pytest.mark.parametrize("behaviour", [silent(), drip(b'{"code": "01001"}' * 50, every_s=0.05)],
                         ids=["accepts-and-never-answers", "drips-a-byte"])
def test_a_silent_or_dripping_server_is_cut_by_the_deadline_and_its_host_skipped(
        fault_server, make_client, behaviour, fake_time):
    # Before: no total deadline (a drip kept the run for hours) and a read timeout was retried.
    fault_server.script("/communes/01001", behaviour)
    client = make_client()
    started = time.monotonic()
    with pytest.raises(SourceError) as error:
        client.get_json(f"{GEO}/communes/01001", source_id=SOURCE)
    assert time.monotonic() - started < WALL_BOUND_S
    assert "pas de réponse complète à temps" in str(error.value)
    assert f"{GEO} est ignoré pour le reste de l'exécution" in str(error.value)
    with pytest.raises(SourceError, match="est ignoré pour le reste de l'exécution"):
        client.get_json(f"{GEO}/communes/07341", source_id=SOURCE)
    assert fault_server.requests == ["/communes/01001"]  # one request, no retry
    assert fake_time.sleeps == []
    assert cached(client) == 0


def test_once_two_hosts_were_silent_the_next_host_gets_a_short_silence(fault_server, make_client):
    # Before: each silent host cost the full read timeout (30 s): nine silent hosts, 4 min 30 s.
    # After two hosts did not answer in time, the network is suspect: a third gets suspect_read_s.
    fault_server.script("/silent", silent())
    client = make_client(request_deadline_s=30.0, suspect_read_s=0.2)
    for origin in (GEO, "https://api.insee.fr"):
        with pytest.raises(SourceError, match="pas de réponse complète à temps"):
            client.get_json(f"{origin}/silent", source_id=SOURCE, timeout=(0.2, 0.2))
    started = time.monotonic()
    with pytest.raises(SourceError, match="https://www.georisques.gouv.fr est ignoré"):
        client.get_json("https://www.georisques.gouv.fr/silent", source_id="georisques", timeout=(5.0, 3.0))
    assert time.monotonic() - started < 2.0  # not the 3 s of silence the caller asked


def test_one_silent_host_does_not_shorten_the_others(fault_server, make_client):
    fault_server.script("/silent", silent())
    client = make_client(request_deadline_s=30.0, suspect_read_s=0.01)
    with pytest.raises(SourceError):
        client.get_json(f"{GEO}/silent", source_id=SOURCE, timeout=(0.2, 0.2))
    fault_server.script("/slow", silent())
    started = time.monotonic()
    with pytest.raises(SourceError):
        client.get_json("https://api.insee.fr/slow", source_id=SOURCE, timeout=(5.0, 0.6))
    assert time.monotonic() - started >= 0.5  # the caller's 0.6 s, not the suspect 0.01 s


def test_a_black_holed_host_costs_one_connect_timeout():
    with BlackHole() as hole, HttpClient(backend="memory", rate_limits={}, sleep=pytest.fail,
                                         host_overrides={"*": hole.url}) as client:
        started = time.monotonic()
        with pytest.raises(SourceError, match=r"ConnectTimeout\) ; https://geo.api.gouv.fr est ignoré"):
            client.get_json(f"{GEO}/communes/01001", source_id=SOURCE, timeout=(0.2, 0.2))
        with pytest.raises(SourceError, match="est ignoré pour le reste"):
            client.get_json(f"{GEO}/communes/07341", source_id=SOURCE, timeout=(0.2, 0.2))
        assert time.monotonic() - started < WALL_BOUND_S


def test_a_host_answering_503_costs_eight_requests_for_twenty_fetches(fault_server, make_client, fake_time):
    # Before: 100 requests and 5 × 15 s of backoff for Melodi's 20 fetches.
    for n in range(20):
        fault_server.script(f"/melodi/data/DS_{n}", status(503, retry_after="2"))
    client = make_client()
    errors = []
    for n in range(20):
        with pytest.raises(SourceError) as error:
            client.get_json(f"https://api.insee.fr/melodi/data/DS_{n}", source_id="insee_melodi")
        errors.append(str(error.value))
    assert len(fault_server.requests) == 8
    assert fake_time.sleeps == [2.0] * 4
    assert "ignoré pour le reste de l'exécution (8 échecs de suite)" in errors[3]
    assert all("est ignoré pour le reste de l'exécution" in message for message in errors[4:])


def test_the_retry_waits_of_an_online_phase_share_one_budget(fault_server, make_client, fake_time):
    # Before: with every host answering 503, each host cost 15 s of backoff (9 hosts: 135 s).
    hosts = [f"https://host{n}.example" for n in range(6)]
    fault_server.script("/data", status(503))
    client = make_client(online_deadline_s=300.0, monotonic=fake_time.clock)
    for host in hosts:
        with pytest.raises(SourceError, match="HTTP 503"):
            client.get_json(f"{host}/data", source_id=SOURCE)
    assert sum(fake_time.sleeps) == http.RETRY_WAIT_BUDGET_S == 60.0
    assert len(fault_server.requests) == 4 * 5 + 2 * 1  # then one attempt per host


def test_a_reset_connection_is_retried_then_the_host_skipped(fault_server, make_client, fake_time):
    fault_server.script("/communes/01001", reset())
    client = make_client()
    with pytest.raises(SourceError, match="injoignable .* après 5 tentatives"):
        client.get_json(f"{GEO}/communes/01001", source_id=SOURCE)
    with pytest.raises(SourceError, match="est ignoré pour le reste"):
        client.get_json(f"{GEO}/communes/07341", source_id=SOURCE)
    assert len(fault_server.requests) == 5


def test_past_the_online_deadline_nothing_goes_out_and_retries_stop(fault_server, make_client, fake_time):
    fault_server.script("/communes/01001", status(429, retry_after="20"))
    fault_server.script("/communes/07341", json_answer({"code": "07341"}))
    client = make_client(online_deadline_s=60.0, monotonic=fake_time.clock)
    with pytest.raises(SourceError) as error:
        client.get_json(f"{GEO}/communes/01001", source_id=SOURCE)
    assert "le délai de la phase en ligne (1 min) est écoulé" in str(error.value)
    assert fake_time.sleeps == [20.0, 20.0]  # the 3rd wait would end past the deadline
    fake_time.sleep(20.0)
    assert client.online_time_left() == 0.0
    with pytest.raises(SourceError, match="non demandé : le délai de la phase en ligne"):
        client.get_json(f"{GEO}/communes/07341", source_id=SOURCE)
    assert fault_server.asked("/communes/07341") == 0


def test_the_pipeline_skips_every_fetcher_past_the_online_deadline(fault_server, make_client, fake_time,
                                                                   tmp_path):
    ran: list[str] = []
    fetchers = [Fetcher(f"source_{n}", f"Source {n}", f"Source {n} indisponible",
                        lambda context, n=n: ran.append(f"source_{n}")) for n in range(3)]
    client = make_client(online_deadline_s=60.0, monotonic=fake_time.clock)
    context = FetchContext(client, Store([tmp_path]), resolve_territory(epci=CCPA))
    fetch_online(context, fetchers[:1])
    fake_time.sleep(61.0)
    fetch_online(context, fetchers[1:])
    assert ran == ["source_0"]
    assert [gap.message for gap in context.gaps] == [
        f"Source {n} indisponible : source non interrogée, le délai de la phase en ligne (1 min) est "
        "écoulé ; le dossier utilise ce que le magasin contient déjà." for n in (1, 2)
    ]


def test_each_dossiers_online_phase_is_bounded_by_the_deadline_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("DIAGTERR_ONLINE_DEADLINE_S", "90")
    with HttpClient.from_settings() as client:
        assert client.online_time_left() is None  # `diagterr import` is not an online phase
        context = FetchContext(client, Store([tmp_path]), resolve_territory(epci=CCPA))
        fetch_first(context, [])  # a dossier's online phase starts
        assert 89.0 < client.online_time_left() <= 90.0
    monkeypatch.delenv("DIAGTERR_ONLINE_DEADLINE_S")
    with HttpClient.from_settings() as client:
        assert client.online_deadline_s == 300.0  # 5 minutes by default
    with HttpClient.from_settings(offline=True) as client:
        assert client.online_deadline_s is None
    monkeypatch.setenv("DIAGTERR_ONLINE_DEADLINE_S", "cinq minutes")
    with pytest.raises(BadInputError, match="n'est pas un nombre de secondes"):
        HttpClient.from_settings()


# -- 2. a damaged cache -------------------------------------------------------------------------------


def set_aside_files(folder: Path, name: str) -> list[Path]:
    return sorted(folder.glob(f"{name}.abîmé-*"))


def test_a_cache_file_that_is_not_sqlite_is_set_aside_and_an_offline_run_goes_on(cache_dir, caplog):
    # Before: `file is not a database` (DatabaseError) at every run, offline included: exit 1.
    (cache_dir / "http_cache.sqlite").write_bytes(b"not a database at all " * 200)
    with caplog.at_level(logging.WARNING), HttpClient.from_settings(offline=True) as client, \
            pytest.raises(OfflineUnavailableError):
        client.get_json(f"{GEO}/communes/01001", source_id=SOURCE)
    [aside] = set_aside_files(cache_dir, "http_cache.sqlite")
    assert aside.read_bytes().startswith(b"not a database")
    assert f"Cache HTTP abîmé (fichier illisible) : mis de côté sous {aside}" in caplog.text


def test_a_malformed_sqlite_cache_is_set_aside_at_first_use(fault_server, cache_dir, caplog):
    # Before: `database disk image is malformed` at every later run.
    fault_server.script("/communes/01001", json_answer({"code": "01001"}))
    path = cache_dir / "http_cache.sqlite"
    with HttpClient(path, rate_limits={}, host_overrides={"*": fault_server.url}) as client:
        for n in range(40):  # a few pages of entries
            fault_server.script(f"/communes/{n}", json_answer({"code": n, "filler": "x" * 3000}))
            client.get_json(f"{GEO}/communes/{n}", source_id=SOURCE)
    data = bytearray(path.read_bytes())
    page = 4096
    data[2 * page:] = b"\xde\xad\xbe\xef" * ((len(data) - 2 * page) // 4)  # every page but the schema's
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING), \
            HttpClient(path, rate_limits={}, host_overrides={"*": fault_server.url}) as client:
        assert client.get_json(f"{GEO}/communes/01001", source_id=SOURCE) == {"code": "01001"}
        assert client.get_json(f"{GEO}/communes/01001", source_id=SOURCE) == {"code": "01001"}
    assert fault_server.asked("/communes/01001") == 1  # the fresh cache keeps it
    assert len(set_aside_files(cache_dir, "http_cache.sqlite")) == 1
    assert "Cache HTTP abîmé" in caplog.text and "mis de côté" in caplog.text


def test_a_damaged_rate_limit_state_is_set_aside(tmp_path, fake_time, caplog):
    state = tmp_path / "ratelimit.sqlite"
    state.write_bytes(b"\x00garbage" * 500)
    with caplog.at_level(logging.WARNING):
        limiter = RateLimiter("https://api.insee.fr/melodi", 1, 60.0, state, clock=fake_time.clock,
                              sleep=fake_time.sleep)
    limiter.acquire()
    limiter.acquire()
    assert fake_time.sleeps == [60.0]  # the fresh state works
    assert len(set_aside_files(tmp_path, "ratelimit.sqlite")) == 1
    assert "État des limites de débit abîmé" in caplog.text


def test_a_rate_limit_state_damaged_during_the_run_is_set_aside(tmp_path, fake_time):
    state = tmp_path / "ratelimit.sqlite"
    limiter = RateLimiter("https://api.insee.fr/melodi", 5, 60.0, state, clock=fake_time.clock,
                          sleep=fake_time.sleep)
    limiter.acquire()
    state.write_bytes(b"\x00garbage" * 500)
    limiter.acquire()
    assert len(set_aside_files(tmp_path, "ratelimit.sqlite")) == 1
    with sqlite3.connect(state) as connection:
        assert connection.execute("SELECT COUNT(*) FROM calls").fetchone() == (1,)


# -- 3. only an accepted answer is kept -----------------------------------------------------------------


def test_an_answer_the_caller_refuses_is_not_cached(fault_server, make_client):
    fault_server.script("/communes/01001", json_answer({"unexpected": 1}), json_answer({"code": "01001"}))
    client = make_client()

    def has_code(body):
        return "code" in body

    with pytest.raises(SourceSchemaError, match="n'a pas la forme attendue"):
        client.get_json(f"{GEO}/communes/01001", source_id=SOURCE, accept=has_code)
    assert cached(client) == 0
    assert client.get_json(f"{GEO}/communes/01001", source_id=SOURCE, accept=has_code) == {"code": "01001"}
    assert cached(client) == 1


def test_a_failing_fetcher_leaves_no_answer_in_the_cache_unless_the_transport_failed(
        fault_server, make_client, tmp_path):
    fault_server.script("/a", json_answer({"wrong": "shape"}))
    fault_server.script("/b", json_answer({"right": "shape"}))
    fault_server.script("/c", status(404, body=b"Not Found"))
    client = make_client()
    context = FetchContext(client, Store([tmp_path]), resolve_territory(epci=CCPA))

    def parse_fails(context):
        context.client.get_json(f"{GEO}/b", source_id=SOURCE)
        body = context.client.get_json(f"{GEO}/a", source_id=SOURCE)
        raise SourceSchemaError(f"champ « right » absent : {body}")

    def transport_fails(context):
        context.client.get_json(f"{GEO}/b", source_id=SOURCE)
        context.client.get_json(f"{GEO}/c", source_id=SOURCE)

    with pytest.raises(SourceSchemaError):
        run_fetcher(Fetcher(SOURCE, "x", "x", parse_fails), context)
    assert cached(client) == 0  # both answers the failed parse read are forgotten
    with pytest.raises(SourceError, match="introuvable"):
        run_fetcher(Fetcher(SOURCE, "x", "x", transport_fails), context)
    assert cached(client) == 1  # a 404 does not make /b a bad answer


def test_truncated_json_and_an_html_error_page_with_200_are_not_cached(fault_server, make_client):
    fault_server.script("/communes/01001", truncated_json())
    fault_server.script("/communes/07341", html_page(200))
    client = make_client()
    for path in ("/communes/01001", "/communes/07341"):
        with pytest.raises(SourceSchemaError, match="n'est pas un JSON valide"):
            client.get_json(f"{GEO}{path}", source_id=SOURCE)
        assert fault_server.asked(path) == 2  # downloaded once more, then given up
    assert cached(client) == 0


def test_an_html_page_instead_of_a_file_is_refused_and_not_cached(fault_server, make_client):
    # Before: a maintenance page served with 200 was cached 30 days as the table de passage.
    fault_server.script("/fr/statistiques/fichier/7671867/table.zip", html_page(200))
    client = make_client()
    with pytest.raises(SourceSchemaError, match="page HTML au lieu du fichier"):
        client.get_bytes("https://www.insee.fr/fr/statistiques/fichier/7671867/table.zip",
                         source_id="insee_table_passage")
    assert cached(client) == 0


@pytest.mark.parametrize("announced", [True, False], ids=["content-length", "no-content-length"])
def test_a_body_over_the_sources_cap_is_refused_and_not_cached(fault_server, make_client, monkeypatch,
                                                               announced):
    monkeypatch.setitem(http.MAX_BYTES, SOURCE, 100_000)
    fault_server.script("/big", large_body(300_000, announced=announced))
    client = make_client()
    with pytest.raises(SourceError, match=r"dépasse 0\.09537 Mo, la taille maximale admise pour cette source"):
        client.get_json(f"{GEO}/big", source_id=SOURCE)
    assert cached(client) == 0


# -- 4. redirects ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("location", ["https://elsewhere.example/communes/01001", "http://geo.api.gouv.fr/x"],
                         ids=["another-host", "down-to-http"])
def test_a_redirect_to_another_host_or_to_http_is_not_followed(fault_server, make_client, location):
    fault_server.script("/communes/01001", redirect(location))
    fault_server.script("/communes/01001-moved", json_answer({"code": "01001"}))
    client = make_client()
    with pytest.raises(SourceError, match=f"redirige vers {location} : redirection refusée"):
        client.get_json(f"{GEO}/communes/01001", source_id=SOURCE)
    assert fault_server.requests == ["/communes/01001"]
    assert cached(client) == 0


def test_a_same_host_https_redirect_is_followed_and_cached(fault_server, make_client):
    fault_server.script("/communes/01001", redirect("/communes/01001-moved", 301))
    fault_server.script("/communes/01001-moved", json_answer({"code": "01001"}))
    client = make_client()
    assert client.get_json(f"{GEO}/communes/01001", source_id=SOURCE) == {"code": "01001"}
    assert client.get_json(f"{GEO}/communes/01001", source_id=SOURCE) == {"code": "01001"}
    assert fault_server.requests == ["/communes/01001", "/communes/01001-moved"]


def test_data_gouv_may_redirect_to_its_file_host(fault_server, make_client):
    fault_server.script("/api/1/datasets/r/abc", redirect("https://static.data.gouv.fr/resources/x/list.csv"))
    fault_server.script("/resources/x/list.csv", Answer(200, b"code;nom\n69010;Bessenay\n",
                                                             {"Content-Type": "text/csv"}))
    client = make_client()
    body = client.get_bytes("https://www.data.gouv.fr/api/1/datasets/r/abc", source_id="anct_datagouv")
    assert body == b"code;nom\n69010;Bessenay\n"


@pytest.mark.parametrize("fetcher", online.FETCHERS, ids=lambda fetcher: fetcher.source_id)
def test_no_online_source_keeps_a_wrongly_shaped_answer_in_the_cache(fetcher, tmp_path):
    # Before: JSON of the wrong shape (or a JSON body instead of a zip) was cached 30 days and
    # replayed by every later run, on all the API hosts.
    territory = resolve_territory(epci=CCPA)
    with FaultServer(default=json_answer({"wrong": "shape"})) as server, \
            HttpClient(backend="memory", rate_limits={}, host_overrides={"*": server.url}, sleep=pytest.fail,
                       request_deadline_s=5.0) as client:
        context = FetchContext(client, Store([tmp_path, samples_dir()]), territory)
        context.boundaries, _ = gather_boundaries(context)
        with contextlib.suppress(SourceError):  # most fail outright, Melodi records a gap per dataset
            run_fetcher(fetcher, context)
        assert server.requests  # the source was asked
        assert cached(client) == 0


@pytest.mark.slow
def test_an_offline_sample_run_is_not_broken_by_a_damaged_cache(cache_dir, tmp_path):
    # Before: `diagterr run --offline` of a sample ended in exit 1 (DatabaseError) at every run.
    (cache_dir / "http_cache.sqlite").write_bytes(b"\x13\x37 damaged " * 2000)
    (cache_dir / "ratelimit.sqlite").write_bytes(b"\x13\x37 damaged " * 500)
    result = invoke("run", "--epci", CCPA, "--offline", "--sortie", str(tmp_path / "ccpa"))
    assert result.exit_code in (0, 4), result.output
    assert (tmp_path / "ccpa" / "dossier.pdf").is_file()
    assert len(set_aside_files(cache_dir, "http_cache.sqlite")) == 1
    assert len(set_aside_files(cache_dir, "ratelimit.sqlite")) == 1


def test_a_geo_risques_endpoint_refused_for_a_commune_is_not_cached(fault_server, make_client):
    # Géorisques reads each endpoint of a commune apart (one refused, the others go on): the
    # refused answers must not stay in the cache although the fetch as a whole goes on.
    endpoints = ["gaspar/risques", "gaspar/catnat", "radon", "zonage_sismique"]
    for endpoint in endpoints:
        fault_server.script(f"/api/v1/{endpoint}", json_answer({"wrong": "shape"}))
    client = make_client()
    failures: dict[str, list[str]] = {}
    georisques.commune_rows(client, "69010", failures=failures)
    assert sorted(failures) == sorted(endpoints)
    assert cached(client) == 0

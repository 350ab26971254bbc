"""What several test modules share besides fixtures: where ../shared is, the CLI runner, an online
run on written Melodi answers, small finders. Import from here, never from conftest: pytest finds
the fixtures of conftest.py by itself, and a conftest is not a module to import (it cannot be,
under `--import-mode=importlib`)."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

import pytest
import responses
from typer.testing import CliRunner, Result

from diagterr.dossier import Indicator, IndicatorTable, Section
from diagterr.resources import national_dir, samples_dir
from diagterr.sources import melodi
from diagterr.sources.http import HttpClient
from diagterr.store import Store
from diagterr.territory import Territory
from specimens import MELODI_CATALOG_SUBSET, catalog_all, dumps, load_json

if TYPE_CHECKING:
    # conftest imports this module: the CLI and the pipeline (every theme, every source) are
    # imported where a test uses them, so that a source's tests do not depend on the whole app.
    from diagterr.pipeline import RunOptions

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CCPA = "246900625"  # CC du Pays de l'Arbresle: 17 communes of the Rhône

# Every online host but Melodi: an online run built on written Melodi answers has them answer 400
# at once (a refused host would otherwise be retried, and tests never wait). One pattern, so that a
# new online source needs no edit here.
NOT_MELODI = re.compile(r"https://(?!api\.insee\.fr/melodi/)[^/]+/.*")

_skip_without_shared = pytest.mark.skipif(
    not (SHARED / "data" / "territories.json").is_file(), reason="../shared (données tierces) absent"
)
Test = TypeVar("Test", bound=Callable[..., Any])


def needs_shared(test: Test) -> Test:
    """Mark a test as reading ../shared (third-party data, `-m "not shared"` leaves it out), and
    skip it where that folder is absent."""
    return pytest.mark.shared(_skip_without_shared(test))


def load_script(name: str) -> ModuleType:
    """`scripts/<name>.py` as a module (the scripts are not part of the package)."""
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


runner = CliRunner()


def invoke(*args: str) -> Result:
    """`diagterr <args>` in this process; an unexpected exception fails the test with its traceback."""
    from diagterr.cli import app

    return runner.invoke(app, list(args), catch_exceptions=False)


def indicator(section: Section, indicator_id: str) -> Indicator:
    """The indicator `indicator_id` of a section's indicator tables."""
    return next(i for b in section.blocks if isinstance(b, IndicatorTable) for i in b.indicators if i.id == indicator_id)


OnlineRun = tuple[Territory, Store, HttpClient, "RunOptions", responses.RequestsMock]


@contextmanager
def online_run(tmp_path: Path, territory: Territory, melodi_body: Callable[[str], bytes]) -> Iterator[OnlineRun]:
    """An online run of `territory` against the REAL Melodi catalogue and written `/data` answers
    (`melodi_body(url)`); every other host answers 400. Its store writes under `tmp_path / "user"`
    over the samples and the national base (zonings, outlines); the client must not wait."""
    from diagterr.pipeline import RunOptions

    store = Store([tmp_path / "user", samples_dir(), national_dir()])
    client = HttpClient(backend="memory", rate_limits={}, sleep=lambda s: pytest.fail(f"waited {s} s"))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        mocked.get(melodi.CATALOG_URL, body=dumps(catalog_all(load_json(MELODI_CATALOG_SUBSET)["datasets"])),
                   content_type="application/json")
        mocked.add_callback(
            responses.GET, re.compile(r"https://api\.insee\.fr/melodi/data/.*"),
            callback=lambda request: (200, {"Content-Type": "application/json"}, melodi_body(request.url)),
        )
        mocked.get(NOT_MELODI, status=400, body="Bad Request")
        yield territory, store, client, RunOptions(out_dir=tmp_path / "out"), mocked
    client.close()

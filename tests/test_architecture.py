"""The layering of the house: which module may import what (read from the source, with ast).

    cli → batch → pipeline → themes → tables/store ; sources → tables/store ; render ← pipeline

Typer lives only in the CLI, HTTP (requests) only in the sources, WeasyPrint only in the
renderer; themes import neither the sources nor the renderer, and the catalogue of tables
(`diagterr.tables`) imports neither of them either.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "diagterr"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _modules(folder: str) -> list[Path]:
    root = PACKAGE / folder if folder else PACKAGE
    return sorted(root.rglob("*.py")) if folder else sorted(PACKAGE.rglob("*.py"))


def _offenders(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    bad = []
    for path in paths:
        for name in _imports(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                bad.append(f"{path.relative_to(PACKAGE)} imports {name}")
    return sorted(bad)


def test_themes_import_neither_sources_nor_render():
    assert _offenders(_modules("themes"), ("diagterr.sources", "diagterr.render")) == []


def test_the_table_catalogue_imports_neither_sources_nor_themes_nor_render():
    assert _offenders(_modules("tables"), ("diagterr.sources", "diagterr.themes", "diagterr.render")) == []


@pytest.mark.parametrize(
    ("library", "allowed"),
    [("typer", ("cli.py",)), ("click", ("cli.py",)), ("requests", ("sources/",)), ("requests_cache", ("sources/",)),
     ("weasyprint", ("render/",))],
)
def test_a_library_lives_in_one_layer(library, allowed):
    outside = [p for p in _modules("") if not str(p.relative_to(PACKAGE)).startswith(allowed)]
    assert _offenders(outside, (library,)) == []


def test_no_private_module_of_typer_is_imported():
    assert [name for path in _modules("") for name in _imports(path) if name.startswith(("typer._", "click._"))] == []

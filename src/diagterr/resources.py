"""Where the files shipped with diagterr are: templates, fonts, the sample store, the COG index.

Installed (`pip install .`), they sit inside the package; in a source checkout (editable
install, tests) they are read from the repository layout of the card.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_DIR = _PACKAGE_DIR.parent.parent


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.exists():
            return candidate
    raise FileNotFoundError(
        "Fichiers de diagterr introuvables (installation incomplète ?) : "
        + ", ".join(str(c) for c in candidates)
    )


@cache
def templates_dir() -> Path:
    """Jinja templates, print CSS and fonts."""
    return _first_existing(_PACKAGE_DIR / "templates", _REPO_DIR / "templates")


@cache
def samples_dir() -> Path:
    """The sample store of the four Ateliers sites (built by scripts/build_samples.py)."""
    return _first_existing(_PACKAGE_DIR / "samples", _REPO_DIR / "data" / "samples")


@cache
def national_dir() -> Path:
    """The national base: comparateur and outlines of every commune (scripts/build_national.py)."""
    return _first_existing(_PACKAGE_DIR / "national", _REPO_DIR / "data" / "national")


@cache
def cog_dir() -> Path:
    """The COG index of all France (built by scripts/build_cog_index.py)."""
    return _first_existing(_PACKAGE_DIR / "data" / "cog")

"""Sentences for the reader, kept out of Python: one YAML file per theme, keyed by id.

    say("climat.tracc_intro", warming=2.7)

reads `templates/texts/climat.yaml`, key `tracc_intro`, and renders it as a small Jinja template
with the French filters of `diagterr.formatting` (`{{ warming | nombre(1) }}`, `| pourcent`,
`| euros`, `| signe`, `| date_longue`, `| valeur(kind)`), so a number never reaches the reader
formatted by hand. A missing key or a missing value is an error, never a blank in the dossier.

The texts are plain text (not HTML): the dossier's templates escape them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, Template

from diagterr import formatting
from diagterr.resources import templates_dir

FILTERS = formatting.FILTERS


def texts_dir() -> Path:
    return templates_dir() / "texts"


@cache
def _environment() -> Environment:
    env = Environment(autoescape=False, undefined=StrictUndefined, keep_trailing_newline=False)
    env.filters.update(FILTERS)
    return env


@cache
def _book(theme: str) -> dict[str, str]:
    path = texts_dir() / f"{theme}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ValueError(f"{path}: a mapping of id -> text is expected")
    return {str(k): v.strip() for k, v in data.items()}


@cache
def _template(key: str) -> Template:
    theme, _, name = key.partition(".")
    book = _book(theme)
    if name not in book:
        raise KeyError(f"text {key!r} not found in {texts_dir() / (theme + '.yaml')}")
    return _environment().from_string(book[name])


def say(key: str, **values: Any) -> str:
    """The sentence `key` ("theme.id") with `values` put in through the French filters."""
    return _template(key).render(**values)


def keys(theme: str) -> set[str]:
    """Every id of one theme's text file (tests check that each is used and each use exists)."""
    return set(_book(theme))

"""Sentences for the reader, kept out of Python: one YAML file per theme, keyed by id.

    say("climat.tracc_intro", warming=2.7)

reads `templates/texts/climat.yaml`, key `tracc_intro`, and renders it as a small Jinja template
with the French filters of `diagterr.formatting` (`{{ warming | nombre(1) }}`, `| pourcent`,
`| euros`, `| signe`, `| date_longue`, `| valeur(kind)`), so a number never reaches the reader
formatted by hand. A missing key or a missing value is an error, never a blank in the dossier.

The texts are plain text (not HTML): the dossier's templates escape them.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from diagterr.resources import templates_dir

if TYPE_CHECKING:
    from jinja2 import Environment, Template

# A text whose only expressions are plain names (`{{ choices }}`) is filled in without Jinja: the
# CLI's help and its first messages then cost no import of Jinja, babel or the formatting filters.
_PLAIN_NAME = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_JINJA_SYNTAX = ("{{", "{%", "{#", "}}", "%}", "#}")


def __getattr__(name: str) -> Any:
    if name == "FILTERS":  # the French filters, imported when asked for
        from diagterr import formatting

        return formatting.FILTERS
    raise AttributeError(name)


def texts_dir() -> Path:
    return templates_dir() / "texts"


@cache
def _environment() -> Environment:
    from jinja2 import Environment, StrictUndefined

    from diagterr import formatting

    env = Environment(autoescape=False, undefined=StrictUndefined, keep_trailing_newline=False)
    env.filters.update(formatting.FILTERS)
    return env


@cache
def _book(theme: str) -> dict[str, str]:
    import yaml

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


@cache
def _plain_names(key: str) -> tuple[str, tuple[str, ...]] | None:
    """The text of `key` and its names when its only expressions are plain names; None otherwise."""
    theme, _, name = key.partition(".")
    text = _book(theme).get(name)
    if text is None:
        return None
    names = tuple(_PLAIN_NAME.findall(text))
    if any(mark in _PLAIN_NAME.sub("", text) for mark in _JINJA_SYNTAX):
        return None
    return text, names


def say(key: str, **values: Any) -> str:
    """The sentence `key` ("theme.id") with `values` put in through the French filters."""
    plain = _plain_names(key)
    if plain is not None and all(type(values.get(name)) is str for name in plain[1]):
        return _PLAIN_NAME.sub(lambda match: values[match.group(1)], plain[0])
    return _template(key).render(**values)


def keys(theme: str) -> set[str]:
    """Every id of one theme's text file (tests check that each is used and each use exists)."""
    return set(_book(theme))

"""User-level settings read from the environment: where the cache and the store live, how long
the online phase may take, and (tests, benchmarks) which server answers for a host."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from diagterr.errors import BadInputError

DEFAULT_ONLINE_DEADLINE_S = 300.0


def cache_dir() -> Path:
    """The user cache directory (HTTP cache, fetched tables, rate-limit state).

    `DIAGTERR_CACHE_DIR` overrides the platform default (cron, CI and tests point it elsewhere).
    """
    override = os.environ.get("DIAGTERR_CACHE_DIR")
    path = Path(override) if override else Path(platformdirs.user_cache_dir("diagterr"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def online_deadline_s() -> float:
    """Seconds the online phase of a run may take (every fetch together), then the dossier is made
    from what the store and the cache hold: `DIAGTERR_ONLINE_DEADLINE_S`, default 300 (5 min)."""
    value = os.environ.get("DIAGTERR_ONLINE_DEADLINE_S", "").strip()
    try:
        seconds = float(value) if value else DEFAULT_ONLINE_DEADLINE_S
    except ValueError:
        raise BadInputError(
            f"DIAGTERR_ONLINE_DEADLINE_S={value!r} n'est pas un nombre de secondes (exemple : 300)."
        ) from None
    if not seconds > 0:
        raise BadInputError(f"DIAGTERR_ONLINE_DEADLINE_S={value!r} doit être un nombre de secondes positif.")
    return seconds


def host_overrides() -> dict[str, str]:
    """Where requests really go, for tests and benchmarks against a local server:
    `DIAGTERR_HOST_OVERRIDES="https://api.insee.fr=http://127.0.0.1:8080,*=http://127.0.0.1:9090"`
    sends the requests of a host (its origin, or `*` for every host) to another origin, same path
    and query. The cache, the rate limits, the breaker and the messages keep the real address.
    Empty (the default): every request goes where its source says."""
    value = os.environ.get("DIAGTERR_HOST_OVERRIDES", "").strip()
    overrides: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        origin, sep, target = (text.strip() for text in item.partition("="))
        if not sep or not origin or not target.startswith(("http://", "https://")):
            raise BadInputError(
                f"DIAGTERR_HOST_OVERRIDES : « {item} » n'est pas de la forme "
                "https://hôte=http://127.0.0.1:port (ou *=…)."
            )
        overrides[origin] = target
    return overrides

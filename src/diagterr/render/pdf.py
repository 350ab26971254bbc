"""HTML to PDF with WeasyPrint: the only module that imports it.

Offline and sandboxed: the URL fetcher serves only files under templates_dir() (stylesheet,
fonts) and `data:` URLs; http(s), other schemes and any other file are refused. The fonts of the
stylesheet go through one `FontConfiguration`. WeasyPrint's warnings (a missing font, an
unsupported property, a refused URL) are collected and logged, and returned to the caller so
that tests can require none. The PDF is written atomically.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from diagterr.atomic import write_with_atomic
from diagterr.render.html import STYLESHEET
from diagterr.resources import templates_dir

logger = logging.getLogger(__name__)

WEASYPRINT_LOGGER = "weasyprint"


class RefusedURLError(ValueError):
    """A resource the dossier must not load (network, or a file outside the templates)."""


class LocalOnlyFetcher(URLFetcher):
    """Serves files under `root` and `data:` URLs; refuses everything else (no network)."""

    def __init__(self, root: Path | None = None):
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
        self.root = (root or templates_dir()).resolve()

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> Any:  # WeasyPrint's signature
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise RefusedURLError(f"URL refusée (diagterr ne charge rien du réseau) : {url}")
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise RefusedURLError(f"URL refusée (hôte distant) : {url}")
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise RefusedURLError(f"Fichier refusé (hors des modèles de diagterr) : {url}")
        return super().fetch(path.as_uri(), headers)


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def collect_weasyprint_warnings() -> Iterator[list[str]]:
    """Collect WARNING and above from the `weasyprint` logger for the duration of a render.

    Propagation is held for that time: the caller logs the collected messages once, through
    diagterr's logger, whatever the application's logging setup.
    """
    wp_logger = logging.getLogger(WEASYPRINT_LOGGER)
    collector = _Collector()
    previous = (wp_logger.level, wp_logger.propagate)
    wp_logger.addHandler(collector)
    wp_logger.propagate = False
    if wp_logger.level == logging.NOTSET or wp_logger.level > logging.WARNING:
        wp_logger.setLevel(logging.WARNING)
    try:
        yield collector.messages
    finally:
        wp_logger.removeHandler(collector)
        wp_logger.setLevel(previous[0])
        wp_logger.propagate = previous[1]


def _can_subset_fonts() -> bool:
    """Whether WeasyPrint finds libharfbuzz-subset (≥ 4.1) to subset the embedded fonts.

    Without it WeasyPrint falls back to fontTools with a deprecation warning on every render;
    diagterr then embeds the full fonts instead (a bigger PDF, about 1 MB more, same pages).
    """
    try:
        from weasyprint.text.ffi import harfbuzz, harfbuzz_subset
    except ImportError:  # pragma: no cover - private module moved in a later WeasyPrint
        return False
    return bool(harfbuzz_subset) and bool(harfbuzz.hb_version_atleast(4, 1, 0))


@dataclass(frozen=True, slots=True)
class PdfResult:
    path: Path
    pages: int
    warnings: tuple[str, ...]


def write_pdf(html: str, target: Path, *, pdf_variant: str | None = None, stylesheet: bool = True) -> PdfResult:
    """Render `html` (stylesheet and fonts from templates_dir()) to the PDF file `target`.

    `stylesheet`: add the dossier's stylesheet; False when `html` carries it already (the
    standalone `dossier.html`, whose <style> is read with the same font configuration).
    `pdf_variant` is passed to WeasyPrint ("pdf/a-3u", "pdf/ua-1"…); None for a plain PDF.
    Raises whatever WeasyPrint raises; `target` is then left as it was (atomic write).
    """
    root = templates_dir()
    fetcher = LocalOnlyFetcher(root)
    font_config = FontConfiguration()
    with collect_weasyprint_warnings() as warnings:
        stylesheets = [CSS(filename=str(root / STYLESHEET), url_fetcher=fetcher, font_config=font_config)
                       ] if stylesheet else []
        document = HTML(string=html, base_url=str(root) + "/", url_fetcher=fetcher).render(
            stylesheets=stylesheets, font_config=font_config
        )
        options: dict[str, object] = {"full_fonts": not _can_subset_fonts()}
        if pdf_variant:
            options["pdf_variant"] = pdf_variant
        write_with_atomic(target, lambda tmp: document.write_pdf(tmp, **options))
    for message in warnings:
        logger.warning("WeasyPrint : %s", message)
    return PdfResult(path=target, pages=len(document.pages), warnings=tuple(warnings))

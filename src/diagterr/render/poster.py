"""affiche-a3.pdf: one A3 landscape page for the workshop wall, read from two metres.

The territory's map, the key figures with their comparisons (formatted as the dossier's cards:
`DossierView`), the enjeux (atouts, fragilités, questions), the Atelier's theme, the sources in
small print. Fonts never go below the minimum the stylesheet states (templates/affiche.css):
when the page overflows, the poster keeps fewer enjeux of each kind (the first ones, in the
order of page 4 of the dossier), then fewer key figures, and says so on the poster.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from diagterr import __version__
from diagterr.atomic import write_with_atomic
from diagterr.dossier import Dossier, EnjeuKind, Indicator
from diagterr.render.html import DossierView, environment, svg_data_url
from diagterr.render.pdf import LocalOnlyFetcher, PdfResult, _can_subset_fonts, collect_weasyprint_warnings
from diagterr.resources import templates_dir
from diagterr.texts import say

logger = logging.getLogger(__name__)

POSTER_TEMPLATE = "affiche.html.j2"
POSTER_STYLESHEET = "affiche.css"
# The most enjeux of each kind the poster tries first; fewer when the page overflows.
MAX_ENJEUX_PER_KIND = 3
# The key figures kept before the enjeux go (two rows of four cards).
MIN_FIGURES_WITH_ENJEUX = 8
KINDS = (EnjeuKind.ATOUT, EnjeuKind.FRAGILITE, EnjeuKind.QUESTION)


@dataclass(frozen=True, slots=True)
class PosterContent:
    """What one try of the poster shows: the first `enjeux` of each kind, the first `figures`."""

    enjeux: int
    figures: int


def poster_tries(dossier: Dossier) -> list[PosterContent]:
    """The contents to try, fullest first. The wall shows the enjeux before the figures: with each
    number of enjeux of each kind (from three down to one), all the key figures, then two rows of
    them; then fewer key figures still; then no enjeu."""
    longest = max((sum(1 for e in dossier.enjeux if e.kind == kind) for kind in KINDS), default=0)
    start = max(1, min(MAX_ENJEUX_PER_KIND, longest))
    figures = len(dossier.key_figures)
    rows = min(figures, MIN_FIGURES_WITH_ENJEUX)
    tries = [PosterContent(n, shown) for n in range(start, 0, -1) for shown in dict.fromkeys((figures, rows))]
    tries += [PosterContent(1, n) for n in range(rows - 1, 0, -1)]
    tries += [PosterContent(0, n) for n in range(rows, -1, -1)]
    return tries


class PosterView:
    """The poster's helpers over the dossier's `DossierView` (same formats as the cards)."""

    def __init__(self, dossier: Dossier, content: PosterContent):
        self.dossier = dossier
        self.content = content
        self.cards = DossierView(dossier, {})

    def key_figures(self) -> tuple[Indicator, ...]:
        return self.dossier.key_figures[: self.content.figures]

    def legal_population(self) -> Indicator | None:
        return next((ind for ind in self.dossier.key_figures
                     if ind.id == "population_legale" and ind.value is not None), None)

    def enjeux(self, kind: str) -> list[str]:
        return self.cards.enjeux(kind)[: self.content.enjeux]

    def focus_enjeux(self) -> list[tuple[str, str]]:
        return self.cards.focus_enjeux()[: self.content.enjeux]

    def focus_lacking(self) -> str:
        """The poster's short sentence when the edition lacks the figures of the Atelier's theme
        (page 4 of the dossier says what is missing)."""
        return say("affiche.focus_lacking")

    def cut_note(self) -> str:
        """The rule the poster follows, said on it."""
        counts = [len(self.cards.enjeux(kind)) for kind in KINDS]
        figures = len(self.dossier.key_figures)
        if self.content.figures < figures:
            return say("affiche.cut_figures", shown=self.content.figures, total=figures)
        if any(count > self.content.enjeux for count in counts):
            return say("affiche.cut_enjeux", shown=self.content.enjeux)
        return say("affiche.all_enjeux")

    def sources(self) -> list[str]:
        """« INSEE (PL 2023, RP 2021) » per producer of the key figures shown and of the map, in
        order: the small print of a poster; the dossier's annex has the full references."""
        from diagterr.render import cover_map_block

        refs = [ind.source for ind in self.key_figures()]
        cover = cover_map_block(self.dossier)
        if cover is not None:
            refs.append(cover.source)
        producers: dict[str, list[str]] = {}
        for ref in refs:
            for part in self.cards.source_ids(ref):
                found = self.cards._entry(part, ref)
                vintages = producers.setdefault(found[1].producer if found else part, [])
                if ref.vintage and ref.vintage not in vintages:
                    vintages.append(ref.vintage)
        return [f"{producer} ({', '.join(vintages)})" if vintages else producer
                for producer, vintages in producers.items()]


def poster_html(dossier: Dossier, cover_svg: str | None, content: PosterContent) -> str:
    """The poster as HTML (the stylesheet is given to WeasyPrint beside it)."""
    from diagterr.render import cover_map_block

    cover = cover_map_block(dossier)
    return environment().get_template(POSTER_TEMPLATE).render(
        dossier=dossier,
        territory=dossier.territory,
        view=PosterView(dossier, content),
        cards=DossierView(dossier, {}),
        map_url=svg_data_url(cover_svg),
        map_source=DossierView(dossier, {}).caption(cover.source) if cover is not None else "",
        version=__version__,
    )


def write_poster(dossier: Dossier, cover_svg: str | None, target: Path) -> PdfResult:
    """Write the poster to `target` (atomically): one page, the fullest content that fits."""
    root = templates_dir()
    fetcher = LocalOnlyFetcher(root)
    font_config = FontConfiguration()
    with collect_weasyprint_warnings() as warnings:
        stylesheet = CSS(filename=str(root / POSTER_STYLESHEET), url_fetcher=fetcher, font_config=font_config)
        tries = poster_tries(dossier)
        for number, content in enumerate(tries):
            document = HTML(string=poster_html(dossier, cover_svg, content), base_url=str(root) + "/",
                            url_fetcher=fetcher).render(stylesheets=[stylesheet], font_config=font_config)
            if len(document.pages) == 1:
                break
            if number == len(tries) - 1:  # nothing left to cut: the first page only
                document = document.copy(document.pages[:1])
        logger.info("Affiche : %d enjeux par type, %d chiffres clés", content.enjeux, content.figures)
        write_with_atomic(target, lambda tmp: document.write_pdf(tmp, full_fonts=not _can_subset_fonts()))
    for message in warnings:
        logger.warning("WeasyPrint (affiche) : %s", message)
    return PdfResult(path=target, pages=len(document.pages), warnings=tuple(warnings))


__all__ = ["POSTER_STYLESHEET", "POSTER_TEMPLATE", "PosterContent", "poster_html", "poster_tries", "write_poster"]

"""What an edition lacks: one box per chapter, and the gaps of the edition, each source once.

The themes mark each datum they cannot show with a gap note (`Note(tone="gap", source_id=…)`).
When the dossier is assembled, `fold_chapter_gaps` replaces a chapter's gap notes by one short
box in plain French (templates/texts/lacunes.yaml) and keeps their technical side for the annex;
`edition_gaps` then joins the sources those notes name to the sources the fetch phase could not
read. That one set feeds the exit code, batch.json, indicateurs.json and the annex.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from diagterr.dossier import Gap, MissingPart, Note, Section
from diagterr.texts import say

# A gap note that names no source (a theme that forgot to): the annex still lists it.
UNNAMED_SOURCE = "source_non_nommee"
# Messages of one source kept in its gap (a host skipped for the run fails each of its ~20
# requests with the same cause: the first ones are enough, the others are counted).
MAX_MESSAGES_PER_SOURCE = 3


def is_gap(block: object) -> bool:
    return isinstance(block, Note) and block.tone == "gap"


def fold_chapter_gaps(section: Section) -> tuple[Section, list[MissingPart]]:
    """The section with its gap notes folded into one box (where the first one was), and the
    parts it lacks, in reading order, each once."""
    gaps = [block for block in section.blocks if is_gap(block)]
    if not gaps:
        return section, []
    parts: list[MissingPart] = []
    seen: set[tuple[str, str]] = set()
    for note in gaps:
        assert isinstance(note, Note)
        source_id = note.source_id or UNNAMED_SOURCE
        if (source_id, note.text) in seen:
            continue
        seen.add((source_id, note.text))
        parts.append(MissingPart(section.id, section.title, source_id, note.text, note.detail, note.remedy))
    box = Note(chapter_box(parts), tone="gap")
    blocks: list = []
    for block in section.blocks:
        if not is_gap(block):
            blocks.append(block)
        elif box not in blocks:
            blocks.append(box)
    return replace(section, blocks=tuple(blocks)), parts


def chapter_box(parts: Sequence[MissingPart]) -> str:
    """The plain French of a chapter's box: what it would show, and what fills it."""
    by_remedy = {remedy: unique(p.what for p in parts if p.remedy == remedy)
                 for remedy in ("online", "import", "unpublished")}
    text = say("lacunes.chapter_box", online=by_remedy["online"], imported=by_remedy["import"],
               unpublished=by_remedy["unpublished"])
    return " ".join(text.split())  # the template's line breaks and {% if %} leave runs of spaces


def unique(texts: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(texts))


def edition_gaps(fetch_gaps: Sequence[Gap], missing: Sequence[MissingPart],
                 title: Callable[[str], str]) -> tuple[Gap, ...]:
    """The sources the edition lacks, each once: those the fetch phase could not read (their
    message first), then those only the chapters name. `title`: the annex's name of a source id."""
    messages: dict[str, list[str]] = {}
    for gap in fetch_gaps:
        messages.setdefault(gap.source_id, [])
        if gap.message not in messages[gap.source_id]:
            messages[gap.source_id].append(gap.message)
    chapters: dict[str, list[str]] = {}
    for part in missing:
        messages.setdefault(part.source_id, [])
        chapters.setdefault(part.source_id, [])
        if part.section_id not in chapters[part.source_id]:
            chapters[part.source_id].append(part.section_id)
    gaps = []
    for source_id, texts in messages.items():
        if not texts:
            own = [p for p in missing if p.source_id == source_id]
            texts = [say("lacunes.gap_message", title=title(source_id), parts=unique(p.what for p in own),
                         read=all(p.remedy == "unpublished" for p in own))]
        if len(texts) > MAX_MESSAGES_PER_SOURCE:
            more = len(texts) - MAX_MESSAGES_PER_SOURCE
            texts = [*texts[:MAX_MESSAGES_PER_SOURCE], say("lacunes.more_messages", count=more)]
        gaps.append(Gap(source_id, " ; ".join(texts), tuple(chapters.get(source_id, ()))))
    return tuple(gaps)


def fold_dossier_gaps(sections: Sequence[Section]) -> tuple[tuple[Section, ...], tuple[MissingPart, ...]]:
    """Every section folded (fold_chapter_gaps), and all their missing parts in reading order."""
    folded: list[Section] = []
    missing: list[MissingPart] = []
    for section in sections:
        section, parts = fold_chapter_gaps(section)
        folded.append(section)
        missing.extend(parts)
    return tuple(folded), tuple(missing)

"""Économie et emploi, the chapter: what the territory lives on.

In the order the reader sees it:
- residents.py: the residents' activity and unemployment at the census, their
  socio-professional categories (here online; after the income offline, where the samples lack them);
- jobs.py: jobs at the place of work and INSEE's concentration index (Melodi's census);
- salaried_jobs.py: private salaried jobs since 2014 (URSSAF), against the zones d'emploi and France;
- sectors.py: jobs by sector and the specialisation index, the presential and productive economy;
- establishments.py: establishments by sector, their creations, the largest employers;
  then one note for what the offline data cannot give, with the source that would;
- tourism.py: tourism capacity;
- income.py: the median standard of living and the poverty rate (Filosofi).
Where several tables can answer a figure, the order is tables.ANSWERS's (answers.py).
"""

from __future__ import annotations

from diagterr.dossier import Note, Section
from diagterr.tables.census import RP_POPULATION_PCS
from diagterr.texts import say
from diagterr.themes.economie import establishments, income, jobs, residents, salaried_jobs, sectors, tourism
from diagterr.themes.figures import Figures

SECTION_ID = "economie"
TITLE = "Économie et emploi"
# Topics the offline data cannot give, in the order of the gap note (key of economie.gap_<topic>).
OFFLINE_TOPICS = ("sectors", "largest", "spheres", "creations")


def analyse(fig: Figures) -> Section:
    blocks = residents.activity_blocks(fig)
    blocks.extend(jobs.jobs_at_place_of_work(fig))
    categories = residents.socio_professional(fig)
    read_online = fig.table(RP_POPULATION_PCS) is not None
    if read_online:
        blocks.extend(categories)
    blocks.extend(place_of_work(fig))
    blocks.extend(income.blocks(fig))
    if not read_online:  # offline: said after what the samples give
        blocks.extend(categories)
    return Section(id=SECTION_ID, title=TITLE, intro=say("economie.intro"), blocks=tuple(blocks))


def place_of_work(fig: Figures) -> list:
    """The economy at place of work, in the order of the section."""
    jobs_trend = salaried_jobs.salaried_jobs(fig)
    topics = {"sectors": sectors.by_sector(fig), "spheres": sectors.spheres(fig)}
    by_sector = establishments.by_sector(fig)
    topics["creations"] = establishments.creations(fig)
    topics["largest"] = establishments.largest_employers(fig)
    out = [*jobs_trend, *topics["sectors"], *topics["spheres"], *by_sector, *topics["creations"], *topics["largest"]]
    silent = [topic for topic in OFFLINE_TOPICS if not topics[topic]]
    if silent:
        out.append(offline_gaps(silent))
    out.extend(tourism.blocks(fig))
    return out


def offline_gaps(topics: list[str]) -> Note:
    """One note for every economy topic about which nothing was said, with the source that would give it.
    (A Melodi dataset asked online says itself what it did not give: it is not "non disponible hors ligne".)"""
    return Note(say("economie.offline_gaps", items=[say(f"economie.gap_{topic}") for topic in topics],
                    sectors="sectors" in topics), tone="gap")

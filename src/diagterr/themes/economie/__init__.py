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
from diagterr.tables.economy import FLORES_SECTEURS, FLORES_SPHERES, GRANDS_ETABLISSEMENTS, SIDE_CREATIONS
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
    # The territory's own figures first; the profile of its zones d'emploi (offline, where the
    # territory has no detailed sectors of its own) after them, under a title that names the zones.
    own_sectors, zone_profile = sectors.own_and_zone_blocks(topics["sectors"])
    out = [*jobs_trend, *own_sectors, *topics["spheres"], *by_sector, *zone_profile, *topics["creations"],
           *topics["largest"]]
    silent = [topic for topic in OFFLINE_TOPICS if not topics[topic]]
    out.extend(offline_gaps(silent))
    out.extend(tourism.blocks(fig))
    return out


# Each topic's plain name in the chapter's box, and the source that gives it online.
OFFLINE_TOPIC_GAPS = {"sectors": ("lacunes.economie_sectors", FLORES_SECTEURS.source_id),
                      "largest": ("lacunes.economie_largest", GRANDS_ETABLISSEMENTS.source_id),
                      "spheres": ("lacunes.economie_spheres", FLORES_SPHERES.source_id),
                      "creations": ("lacunes.economie_creations", SIDE_CREATIONS.source_id)}


def offline_gaps(topics: list[str]) -> list[Note]:
    """One gap note per economy topic about which nothing was said, with the source that would give it.
    (A Melodi dataset asked online says itself what it did not give: it is not "non disponible hors ligne".)"""
    return [Note(say(OFFLINE_TOPIC_GAPS[topic][0]), tone="gap", source_id=OFFLINE_TOPIC_GAPS[topic][1],
                 detail=say("economie.offline_gaps", items=[say(f"economie.gap_{topic}")],
                            sectors=topic == "sectors"))
            for topic in topics]

"""The chapter « Territoires comparables » (issue 16 §3, §5): the CCPA among its 8 nearest and its 8
most similar EPCI, side by side on the figures of the national profile table; the team's own list
(--comparer, `comparer:` of a batch site) replaces the most similar, a bad list stops before any
work with a French message (exit 2, nothing written); indicateurs.json/.csv carry the same figures
and the cohort synthesis ranks each site among its peers."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from diagterr import batch
from diagterr.chapters import CHAPTERS
from diagterr.dossier import Comparables, Note, Table
from diagterr.errors import BadInputError
from diagterr.render.exports import indicators_csv, indicators_json
from diagterr.resources import national_dir, samples_dir
from diagterr.store import Store
from diagterr.tables.profiles import TERRITORY_PROFILES
from diagterr.territory import resolve_territory
from diagterr.themes import comparables
from diagterr.themes.figures import Figures
from helpers import CCPA, invoke

PROFILES_FILE = national_dir() / "tables" / f"{TERRITORY_PROFILES.name}.parquet"
needs_profiles = pytest.mark.skipif(not PROFILES_FILE.is_file(), reason="territory_profiles absente de data/national")

VALLONS = "246900724"  # CC des Vallons du Lyonnais, the CCPA's nearest
PIERRES_DOREES = "200040574"  # CC Beaujolais Pierres Dorées
SANCY = "246300966"  # CC du Massif du Sancy (Puy-de-Dôme)
EPCI_FORM = "un numéro SIREN d'EPCI à 9 chiffres"


def store() -> Store:
    return Store([samples_dir(), national_dir()])


def profile_table() -> pd.DataFrame:
    frame = pd.read_parquet(PROFILES_FILE)
    return frame.assign(code=frame["code"].astype(str), level=frame["level"].astype(str)).set_index(["level", "code"])


@pytest.fixture(scope="module")
def ccpa_dossier(tmp_path_factory):
    from diagterr.pipeline import RunOptions, build_dossier

    options = RunOptions(tmp_path_factory.mktemp("ccpa"), offline=True, edition_date=date(2026, 12, 7))
    return build_dossier(resolve_territory(epci=CCPA), store(), options, [], [])


def chapter(dossier):
    return next(s for s in dossier.sections if s.id == "comparables")


def tables(section) -> list[Table]:
    return [b for b in section.blocks if isinstance(b, Table)]


# -- the chapter ------------------------------------------------------------------------------------


@needs_profiles
def test_the_chapter_comes_right_after_the_territory_with_8_nearest_and_8_similar(ccpa_dossier):
    ids = [s.id for s in ccpa_dossier.sections]
    assert ids[ids.index("territoire") + 1] == "comparables"
    assert [c for c, _ in CHAPTERS][1] == "comparables"
    section = chapter(ccpa_dossier)
    assert section.title == "Territoires comparables"
    nearest, similar, side = tables(section)
    assert nearest.title == "Les 8 EPCI les plus proches" and len(nearest.rows) == 8
    assert similar.title == "Les 8 EPCI les plus semblables de France" and len(similar.rows) == 8
    # The nearest are the CCPA's neighbours of the Rhône, nearest first, with their distance in km.
    assert nearest.rows[0][0] == "CC des Vallons du Lyonnais (CCVL)" and "Rhône (69)" in nearest.rows[0][1]
    distances = [row[2] for row in nearest.rows]
    assert distances == sorted(distances) and all(isinstance(d, float) and 0 < d < 60 for d in distances)
    # Density in words; the similar name the profile figures on which each is closest to the CCPA.
    assert nearest.rows[0][3] == "Ceintures urbaines"
    assert all(isinstance(row[4], str) and row[4].count(",") == 2 for row in similar.rows)
    # The side-by-side table: the CCPA first, then its 8 nearest, then its 8 most similar, each group
    # under a row naming it.
    assert [row[0] for row in side.rows] == [
        "CC du Pays de l'Arbresle (CCPA)",
        "Les plus proches", *[r[0] for r in nearest.rows],
        "Les plus semblables", *[r[0] for r in similar.rows],
    ]
    assert side.source is not None and side.source.table == TERRITORY_PROFILES.name
    assert side.source.source_id == "insee_comparateur" and "RP 2013 et 2018" in side.source.vintage
    # The method first; then the notes of the maps of the territory in its région (intro, ageing).
    notes = [b for b in section.blocks if isinstance(b, Note)]
    assert notes[0].tone == "info" and notes[0].text.startswith("Territoires les plus proches")
    assert "distance euclidienne" in notes[0].text and "centrée-réduite" in notes[0].text
    # The profile table is cited in the annex.
    assert any(entry.table == TERRITORY_PROFILES.name for entry in ccpa_dossier.sources)


@needs_profiles
def test_the_side_by_side_figures_are_the_rows_of_the_profile_table(ccpa_dossier):
    profiles = profile_table()
    data = ccpa_dossier.comparables
    assert isinstance(data, Comparables)
    side = tables(chapter(ccpa_dossier))[-1]
    figures = [row for row in side.rows if row[1] != ""]  # not the rows naming a group
    assert len(figures) == 17
    for row, peer in zip(figures, (data.territory, *data.nearest, *data.similar), strict=True):
        assert row[0] == peer.name
        expected = profiles.loc[("EPCI", peer.code)]
        for value, variable in zip(row[1:], comparables.SIDE_BY_SIDE, strict=True):
            stored = float(expected[variable])
            if math.isnan(stored):
                assert value is None, (peer.code, variable)
            else:
                assert value == pytest.approx(stored, rel=1e-6), (peer.code, variable)
    # The CCPA's own row is the EPCI row (its communes' counts summed), not a mean of its communes.
    own = dict(data.territory.values)
    communes = [c.code for c in resolve_territory(epci=CCPA).communes]
    assert own["population"] == pytest.approx(float(profiles.loc[[("COM", c) for c in communes], "population"].sum()))


@needs_profiles
def test_the_teams_list_replaces_the_most_similar_and_the_nearest_stay():
    fig = Figures(store(), resolve_territory(epci=CCPA))
    section = comparables.analyse(fig, (SANCY, VALLONS))
    nearest, chosen, side = tables(section)
    assert len(nearest.rows) == 8 and nearest.rows[0][0] == "CC des Vallons du Lyonnais (CCVL)"
    assert chosen.title == "Territoires choisis par l'équipe"
    assert [row[0] for row in chosen.rows] == ["CC du Massif du Sancy", "CC des Vallons du Lyonnais (CCVL)"]
    assert "Puy-de-Dôme (63)" in chosen.rows[0][1]
    assert [row[0] for row in side.rows][-3:] == ["Choisis par l'équipe", "CC du Massif du Sancy",
                                                  "CC des Vallons du Lyonnais (CCVL)"]
    assert len(side.rows) == 1 + 9 + 3
    assert "plus semblables de France" not in " ".join(t.title for t in tables(section))
    data = comparables.peer_figures(fig, (SANCY,))
    assert isinstance(data, Comparables) and data.similar == () and [p.code for p in data.chosen] == [SANCY]


@needs_profiles
def test_a_commune_gets_its_8_nearest_communes():
    fig = Figures(store(), resolve_territory(commune="07341"))
    data = comparables.peer_figures(fig)
    assert isinstance(data, Comparables) and data.level == "COM"
    assert len(data.nearest) == 8 and len(data.similar) == 8
    assert all(peer.departements for peer in data.nearest)
    assert tables(comparables.section(fig, data))[0].title == "Les 8 communes les plus proches"


def test_a_list_of_communes_has_one_note_and_no_peers():
    fig = Figures(store(), resolve_territory(communes="07341,07342", nom="Deux communes"))
    section = comparables.analyse(fig)
    assert [type(b) for b in section.blocks] == [Note]
    assert "n'a pas de territoires comparables" in section.blocks[0].text


# -- --comparer and comparer: -----------------------------------------------------------------------


@needs_profiles
@pytest.mark.parametrize(
    ("args", "said", "form"),
    [
        (["--epci", CCPA, "--comparer", f"{VALLONS},{VALLONS}"],
         f"« {VALLONS} » figure plusieurs fois dans la liste --comparer", None),
        (["--epci", CCPA, "--comparer", f"{VALLONS},{CCPA}"], f"« {CCPA} » est le territoire du dossier lui-même",
         EPCI_FORM),
        (["--epci", CCPA, "--comparer", f"69010,{VALLONS}"], "mélange des communes (« 69010 ») et des EPCI", EPCI_FORM),
        (["--epci", CCPA, "--comparer", "123456789"], "« 123456789 » n'est pas un code d'EPCI connu", EPCI_FORM),
        (["--epci", CCPA, "--comparer", "Lyon"], "« LYON » n'est pas un code de territoire comparable", EPCI_FORM),
        (["--epci", CCPA, "--comparer", "69010"],
         "« 69010 » désigne une commune, alors que le territoire du dossier est un EPCI", EPCI_FORM),
        (["--epci", CCPA, "--comparer", " , "], "La liste --comparer est vide", EPCI_FORM),
        (["--commune", "07341", "--comparer", "0734"], "« 0734 » n'est pas un code de territoire comparable",
         "un code commune INSEE à 5 caractères"),
        (["--communes", "07341,07342", "--nom", "Deux", "--comparer", "07343"],
         "ne s'applique pas à une liste de communes", "un EPCI (--epci)"),
    ],
)
def test_a_bad_comparer_list_stops_before_any_work(tmp_path, args, said, form):
    out = tmp_path / "dossier"
    result = invoke("run", *args, "--offline", "--sortie", str(out))
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert said in text
    if form is not None:
        assert form in text  # the valid form is named
    assert "Traceback" not in result.output
    assert not out.exists()


@needs_profiles
def test_a_batch_site_comparer_is_validated_with_its_line(tmp_path):
    path = tmp_path / "sites.yaml"
    path.write_text(
        "sites:\n"
        "  - nom: CC du Pays de l'Arbresle\n"
        f"    epci: \"{CCPA}\"\n"
        f"    comparer: [\"{VALLONS}\", \"{PIERRES_DOREES}\"]\n"
        "  - nom: CC du Massif du Sancy\n"
        f"    epci: \"{SANCY}\"\n"
        f"    comparer: \"{SANCY}\"\n",
        "utf-8",
    )
    with pytest.raises(BadInputError) as refused:
        batch.load_sites(path)
    message = str(refused.value)
    assert "1 problème(s)" in message and "ligne 5 :" in message
    assert f"« {SANCY} » est le territoire du dossier lui-même" in message

    path.write_text(path.read_text("utf-8").replace(f"comparer: \"{SANCY}\"", f"comparer: \"{VALLONS}, {CCPA}\""),
                    "utf-8")
    ccpa, sancy = batch.load_sites(path)
    assert ccpa.comparer == (VALLONS, PIERRES_DOREES)  # a YAML list
    assert sancy.comparer == (VALLONS, CCPA)  # codes separated by commas
    # The team's list is part of the site's fingerprint; a site without one keeps its former fingerprint.
    assert batch.site_options(ccpa) == {"focus": None, "comparer": [VALLONS, PIERRES_DOREES]}
    assert batch.site_options(replace(ccpa, comparer=None)) == {"focus": None}
    some = store()
    assert batch.fingerprint(ccpa, some, batch.site_options(ccpa)) != batch.fingerprint(
        replace(ccpa, comparer=None), some, batch.site_options(replace(ccpa, comparer=None)))


def test_the_model_batch_file_shows_comparer_commented():
    text = batch.model_text()
    assert "#   comparer:" not in text and "    # comparer: [" in text


# -- exports and the cohort synthesis ----------------------------------------------------------------


@needs_profiles
def test_indicateurs_json_and_csv_carry_the_comparable_territories(ccpa_dossier):
    document = json.loads(indicators_json(ccpa_dossier))
    peers = document["comparables"]
    assert peers["level"] == "EPCI" and "distance euclidienne" in peers["method"]
    assert [v["id"] for v in peers["variables"]][:3] == ["population", "population_2013", "growth_pct_year"]
    assert len(peers["nearest"]) == 8 and len(peers["similar"]) == 8 and "chosen" not in peers
    assert peers["territory"]["code"] == CCPA
    first = peers["nearest"][0]
    assert first["code"] == VALLONS and 0 < first["distance_km"] < 60
    profiles = profile_table()
    for record in (peers["territory"], *peers["nearest"], *peers["similar"]):
        row = profiles.loc[("EPCI", record["code"])]
        for variable, value in record["values"].items():
            stored = float(row[variable])
            assert (value is None) if math.isnan(stored) else value == pytest.approx(stored, rel=1e-6)

    rows = list(csv.reader(io.StringIO(indicators_csv(ccpa_dossier)), delimiter=";"))
    ours = [r for r in rows if r[0] == "comparables"]
    levels = {r[3] for r in ours}
    assert levels == {"territoire", "proche", "semblable"}
    growth = next(r for r in ours if r[1] == "growth_pct_year" and r[4] == VALLONS)
    assert growth[3] == "proche" and float(growth[6].replace(",", ".")) == pytest.approx(
        first["values"]["growth_pct_year"])
    assert sum(1 for r in ours if r[1] == "distance_km") == 16

    chosen = comparables.peer_figures(Figures(store(), resolve_territory(epci=CCPA)), (SANCY,))
    chosen_document = json.loads(indicators_json(replace(ccpa_dossier, comparables=chosen)))
    assert [p["code"] for p in chosen_document["comparables"]["chosen"]] == [SANCY]
    assert "similar" not in chosen_document["comparables"]


@needs_profiles
@pytest.mark.slow
def test_the_cohort_synthesis_ranks_each_site_among_its_peers(ccpa_dossier, tmp_path):
    from diagterr.render.synthesis import peer_rows, write_synthesis

    ccpa = json.loads(indicators_json(ccpa_dossier))
    sancy_peers = comparables.peer_figures(Figures(store(), resolve_territory(epci=SANCY)))
    sancy = json.loads(indicators_json(replace(ccpa_dossier, comparables=sancy_peers)))
    liste = {**ccpa, "comparables": None}  # a list of communes: no peers
    sites = [("Pays de l'Arbresle", ccpa), ("Sancy", sancy), ("Liste", liste)]
    figures, rows = peer_rows(sites)
    assert [f["id"] for f in figures] == ["growth_pct_year", "unemployment_pct", "jobs_per_100_workers"]
    assert [r.site for r in rows] == ["Pays de l'Arbresle", "Sancy"]
    # The CCPA's rank on unemployment among itself and its 8 nearest, from the figures of the table.
    own = ccpa["comparables"]["territory"]["values"]["unemployment_pct"]
    higher = sum(1 for p in ccpa["comparables"]["nearest"] if p["values"]["unemployment_pct"] > own)
    assert rows[0].cells[1].nearest_rank == higher + 1
    assert rows[0].cells[1].nearest == (f"{higher + 1}e sur 9" if higher else "1er sur 9")

    pdf, table = write_synthesis(sites, tmp_path, date(2026, 12, 7))
    text = " ".join("\n".join(p.extract_text() for p in PdfReader(pdf).pages).split())
    assert "Chaque site parmi ses territoires comparables" in text
    assert "Parmi les voisins" in text and rows[0].cells[1].nearest in text
    lines = table.read_text("utf-8-sig").splitlines()
    assert any(line.startswith("rang_nearest_unemployment_pct;") for line in lines)



def test_every_sentence_of_the_chapter_is_used_and_every_use_exists():

    from diagterr.texts import keys

    source = "\n".join(p.read_text("utf-8") for p in Path(comparables.__file__).parents[1].rglob("*.py"))
    literal = set(re.findall(r'"comparables\.([a-z0-9_]+)"', source))
    families = set(re.findall(r'f"comparables\.([a-z0-9_]+)\{', source))  # say(f"comparables.column_{v}")
    known = keys("comparables")
    assert literal <= known
    assert all(any(key.startswith(family) for key in known) for family in families)
    unused = {key for key in known - literal if not any(key.startswith(family) for family in families)}
    assert unused == set()

"""The enjeux of page 4 as rules: at least forty, every chapter, bands not knife edges, a strength
better than the département *and* France, no contradictory pair on a page, questions that speak of
the territory (not one sentence shared by every dossier), and the enjeux in indicateurs.json.

The six sample dossiers (offline, from the shipped store) say where each rule fires and where it
stays silent; the rules no sample triggers are tried on plain indicator values."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from diagterr.dossier import Comparison, EnjeuKind, Indicator, SourceRef
from diagterr.themes import enjeux as rules
from diagterr.themes.enjeux import RULES, evaluate

SITES = {
    "ccpa": {"epci": "246900625"},
    "sancy": {"epci": "246300966"},
    "berg-et-coiron": {"epci": "240700815"},
    "saint-lo-agglo": {"epci": "200066389"},
    "villeneuve-de-berg": {"commune": "07341"},
    "tessy-bocage": {"commune": "50592"},
}
BY_ID = {rule.id: rule for rule in RULES}
_SOURCE = SourceRef("insee_comparateur", "RP 2018", "COG 2021")

# Where each rule fires among the six samples (offline edition). A rule not listed fires on none.
FIRES_ON = {
    "population_croissance": {"berg-et-coiron"},
    "population_baisse": {"sancy", "tessy-bocage"},
    "population_croissance_moderee": {"ccpa", "saint-lo-agglo", "villeneuve-de-berg"},
    "population_ralentit": {"berg-et-coiron"},
    "population_baisse_accentuee": {"tessy-bocage"},
    "solde_naturel_negatif": {"villeneuve-de-berg", "tessy-bocage"},
    "solde_naturel_deficit": {"sancy", "berg-et-coiron"},
    "solde_migratoire_attractif": {"berg-et-coiron", "villeneuve-de-berg"},
    "arrivees_sans_compenser": {"sancy"},
    "solde_migratoire_equilibre": {"saint-lo-agglo", "tessy-bocage"},
    "plus_d_aines_que_de_jeunes": {"sancy", "berg-et-coiron", "villeneuve-de-berg", "tessy-bocage"},
    "aines_nombreux": {"sancy", "villeneuve-de-berg", "tessy-bocage"},
    "jeunes_nombreux": {"ccpa"},
    "menages_familiaux": {"ccpa", "berg-et-coiron", "villeneuve-de-berg"},
    "vacance_elevee": {"villeneuve-de-berg", "tessy-bocage"},
    "vacance_au_dessus_de_la_france": {"berg-et-coiron"},
    "vacance_hausse": {"tessy-bocage"},
    "proprietaires_dominants": {"ccpa"},
    "maisons_dominantes": {"berg-et-coiron", "tessy-bocage"},
    "residences_secondaires_nombreuses": {"sancy"},
    "activite_elevee": {"ccpa", "sancy", "tessy-bocage"},
    "chomage_bas": {"ccpa"},
    "chomage_recul": {"sancy", "saint-lo-agglo"},
    "emploi_progresse": {"berg-et-coiron"},
    "emploi_recule": {"tessy-bocage"},
    "emploi_au_rythme": {"ccpa", "sancy", "villeneuve-de-berg"},
    "emploi_stable": {"saint-lo-agglo"},
    "salaries_prives_en_baisse": {"tessy-bocage"},
    "salaries_prives_dynamiques": {"berg-et-coiron", "villeneuve-de-berg"},
    "non_salaries_nombreux": {"sancy", "berg-et-coiron"},
    "petits_etablissements": {"sancy", "berg-et-coiron"},
    "etablissements_employeurs": {"saint-lo-agglo"},
    "pole_emploi": {"sancy"},
    "territoire_residentiel": {"ccpa", "berg-et-coiron"},
    "pauvrete_hausse": {"sancy"},
    "pauvrete_a_regarder": {"berg-et-coiron"},
    "territoire_peu_dense": {"sancy"},
    "france_services": set(SITES),
    "centralites_accompagnees": {"ccpa", "sancy", "berg-et-coiron", "saint-lo-agglo", "villeneuve-de-berg"},
    "villages_avenir": {"ccpa", "sancy", "saint-lo-agglo", "tessy-bocage"},
}


def _ind(indicator_id: str, value: float | None, period: str = "2018", departements: tuple[float, ...] = (),
         france: float | None = None, source: SourceRef = _SOURCE) -> Indicator:
    comparisons = [Comparison("departement", f"0{n}", f"Département {n}", v) for n, v in enumerate(departements)]
    if france is not None:
        comparisons.append(Comparison("france", "FR", "France hors Mayotte", france))
    return Indicator(indicator_id, indicator_id, value, "%", "rate", period, source, tuple(comparisons))


def _fired(*indicators: Indicator) -> dict[str, str]:
    """rule id -> text of the enjeux these plain indicators give."""
    return {e.rule or "": e.text for e in evaluate({i.id: i for i in indicators})}


@pytest.fixture(scope="module")
def samples():
    from diagterr.pipeline import RunOptions, build_dossier, default_store
    from diagterr.territory import resolve_territory

    store = default_store()
    return {name: build_dossier(resolve_territory(**territory), store, RunOptions(Path("unused")), [], [])
            for name, territory in SITES.items()}


# -- the table ------------------------------------------------------------------------------------


def test_forty_rules_and_more_across_every_chapter():
    assert len(RULES) >= 40
    assert {r.theme for r in RULES} == {"territoire", "demographie", "habitat", "economie", "mobilites", "climat",
                                        "programmes"}
    read = {i for r in RULES for i in r.indicators}
    for chapter_figure in ("indice_vieillissement", "personnes_par_menage_approx", "part_logements_vacants",
                           "part_residences_secondaires", "taux_chomage_15_64", "emplois_pour_100_actifs",
                           "taux_pauvrete_tiers", "programme_pvd", "ecart_temperature_recente_reference",
                           "catnat_reconnaissances", "conso_naf_part_repere", "programme_france_services",
                           "part_navetteurs_mode_5"):
        assert chapter_figure in read, chapter_figure
    assert len({r.id for r in RULES}) == len(RULES)


def test_a_strength_or_a_fragility_compares_with_the_departement_and_france():
    for rule in RULES:
        if rule.kind is EnjeuKind.QUESTION:
            continue
        own = [c for c in rule.when if not c.of or c.of == rule.indicator]
        versus = {c.versus for c in own if not c.without_reference}
        assert {rules.Versus.DEPARTEMENT, rules.Versus.FRANCE} <= versus, rule.id


def test_exclusions_name_rules_that_exist():
    for rule in RULES:
        assert set(rule.excludes) <= set(BY_ID), rule.id
        assert rule.id not in rule.excludes


# -- bands and references -------------------------------------------------------------------------


def test_a_change_within_a_tenth_of_a_percent_a_year_is_stable_never_a_decline():
    fired = _fired(_ind("variation_population_annuelle", -0.02, "2018-2023", (0.06,), 0.40))
    assert list(fired) == ["population_stable"]
    assert fired["population_stable"].startswith("Population stable : −0,02 % par an entre 2018 et 2023")
    assert "baisse" not in fired["population_stable"]
    assert list(_fired(_ind("variation_emplois_annuelle", -0.05, "2013-2018", (0.2,), 0.2))) == ["emploi_stable"]
    assert list(_fired(_ind("variation_solde_migratoire", 0.09, "2013-2018", (0.5,), 0.04))) == \
        ["solde_migratoire_equilibre"]
    # past the band, and worse than both references: a fragility
    assert list(_fired(_ind("variation_population_annuelle", -0.15, "2018-2023", (0.06,), 0.40))) == \
        ["population_baisse"]


def test_a_strength_needs_the_departement_and_france():
    both = _fired(_ind("variation_population_annuelle", 0.8, "2018-2023", (0.4,), 0.4))
    assert list(both) == ["population_croissance"]
    assert "Département 0 : +0,40 %" in both["population_croissance"]
    assert "France hors Mayotte : +0,40 %" in both["population_croissance"]
    # no département published: no strength, a question
    assert list(_fired(_ind("variation_population_annuelle", 0.8, "2018-2023", (), 0.4))) == \
        ["population_croissance_moderee"]
    # better than the département only: a question
    assert list(_fired(_ind("variation_population_annuelle", 0.3, "2018-2023", (0.1,), 0.4))) == \
        ["population_croissance_moderee"]
    # the same pace as the département (within the band): not better
    assert list(_fired(_ind("variation_population_annuelle", 0.66, "2018-2023", (0.59,), 0.40))) == \
        ["population_croissance_moderee"]
    # two départements: better than both
    assert "population_croissance" not in _fired(_ind("variation_population_annuelle", 0.5, "2018-2023",
                                                      (0.2, 0.6), 0.2))
    # unemployment at the département's level is no strength (Tessy-Bocage: 10,2 % against 10,4 %)
    assert _fired(_ind("taux_chomage_15_64", 10.19, departements=(10.40,), france=13.43)) == {}
    assert list(_fired(_ind("taux_chomage_15_64", 8.0, departements=(12.2,), france=13.4))) == ["chomage_bas"]
    assert list(_fired(_ind("taux_chomage_15_64", 8.0, france=13.4))) == []


def test_a_fragility_needs_both_references_too():
    assert list(_fired(_ind("part_logements_vacants", 14.2, departements=(9.7,), france=8.2))) == ["vacance_elevee"]
    # a point above France but at the département's level: a question, not a fragility
    assert list(_fired(_ind("part_logements_vacants", 10.3, departements=(9.7,), france=8.2))) == \
        ["vacance_au_dessus_de_la_france"]
    assert _fired(_ind("part_logements_vacants", 30.0)) == {}


# -- every rule no sample triggers, on plain values ------------------------------------------------

POP, OLD = "variation_population_annuelle", "variation_population_annuelle_recensement"
ERA5 = SourceRef("open_meteo_era5", "ERA5 1991-2024", "points")
CATNAT = SourceRef("georisques", "Géorisques 2025", "COG 2025")
CEREMA = SourceRef("cerema_conso_naf", "Cerema 2011-2023", "COG 2024")
ANCT = SourceRef("anct_programmes", "Listes ANCT 2024", "COG 2023")


def _programmes(pvd: float = 0, acv: float = 0, villages: float = 0, ort: float = 0, industrie: float = 0):
    return [_ind("programme_pvd", pvd, "2024", source=ANCT), _ind("programme_acv", acv, "2024", source=ANCT),
            _ind("programme_villages_avenir", villages, "2024", source=ANCT),
            _ind("programme_ort", ort, "2024", source=ANCT),
            _ind("programme_territoires_industrie", industrie, "2024", source=ANCT)]


# rule -> (indicators that make it fire, indicators on which it stays silent)
UNIT_CASES: dict[str, tuple[list[Indicator], list[Indicator]]] = {
    "population_stable": ([_ind(POP, 0.05, "2018-2023")], [_ind(POP, 0.15, "2018-2023")]),
    "population_baisse_partagee": ([_ind(POP, -0.3, "2018-2023", (-0.4,), 0.4)],
                                   [_ind(POP, -0.3, "2018-2023", (0.1,), 0.4)]),
    "population_accelere": ([_ind(POP, 0.9, "2018-2023"), _ind(OLD, 0.4, "2013-2018")],
                            [_ind(POP, 0.6, "2018-2023"), _ind(OLD, 0.4, "2013-2018")]),
    "solde_naturel_positif": ([_ind("variation_solde_naturel", 0.6, "2013-2018", (0.3,), 0.3)],
                              [_ind("variation_solde_naturel", 0.6, "2013-2018", (0.55,), 0.3)]),
    "solde_migratoire_negatif": ([_ind("variation_solde_migratoire", -0.5, "2013-2018", (0.1,), 0.04)],
                                 [_ind("variation_solde_migratoire", -0.5, "2013-2018", (-0.6,), 0.04)]),
    "arrivees_soutiennent": ([_ind("variation_solde_migratoire", 0.5, "2013-2018", (0.5,), 0.04)],
                             [_ind("variation_solde_migratoire", 0.25, "2013-2018", (0.5,), 0.04)]),
    "vieillissement_marque": ([_ind("indice_vieillissement", 150, "2021", (110,), 85)],
                              [_ind("indice_vieillissement", 150, "2021", (145,), 85)]),
    "population_jeune": ([_ind("indice_vieillissement", 60, "2021", (90,), 85)],
                         [_ind("indice_vieillissement", 60, "2021", (65,), 85)]),
    "menages_petits": ([_ind("personnes_par_menage_approx", 1.9, "2018", (2.2,), 2.24)],
                       [_ind("personnes_par_menage_approx", 2.15, "2018", (2.2,), 2.24)]),
    "vacance_faible": ([_ind("part_logements_vacants", 5.0, "2018", (7.0,), 8.2)],
                       [_ind("part_logements_vacants", 6.0, "2018", (7.0,), 8.2)]),
    "vacance_recul": ([_ind("part_logements_vacants", 14.2), _ind("part_logements_vacants_2021", 13.1, "2021")],
                      [_ind("part_logements_vacants", 14.2), _ind("part_logements_vacants_2021", 13.5, "2021")]),
    "locataires_nombreux": ([_ind("part_proprietaires", 45.0, "2018", (55.0,), 57.5)],
                            [_ind("part_proprietaires", 52.0, "2018", (55.0,), 57.5)]),
    "residences_secondaires_hausse": ([_ind("part_residences_secondaires", 10.0),
                                       _ind("part_residences_secondaires_2021", 11.5, "2021")],
                                      [_ind("part_residences_secondaires", 10.0),
                                       _ind("part_residences_secondaires_2021", 10.5, "2021")]),
    "activite_faible": ([_ind("taux_activite_15_64", 70.0, "2018", (74.0,), 74.1)],
                        [_ind("taux_activite_15_64", 73.0, "2018", (74.0,), 74.1)]),
    "chomage_eleve": ([_ind("taux_chomage_15_64", 16.0, "2018", (13.0,), 13.4)],
                      [_ind("taux_chomage_15_64", 16.0, "2018", (15.5,), 13.4)]),
    "chomage_hausse": ([_ind("taux_chomage_15_64", 9.0), _ind("taux_chomage_15_64_2021", 10.5, "2021")],
                       [_ind("taux_chomage_15_64", 9.0), _ind("taux_chomage_15_64_2021", 9.5, "2021")]),
    "emploi_baisse_partagee": ([_ind("variation_emplois_annuelle", -0.5, "2013-2018", (-0.6,), 0.19)],
                               [_ind("variation_emplois_annuelle", -0.05, "2013-2018", (-0.6,), 0.19)]),
    "salaries_prives_plus_vite": ([_ind(rules.PRIV, 12.0, "2019-2024", (5.0,), 6.6)],
                                  [_ind(rules.PRIV, 12.0, "2019-2024", (), 6.6)]),
    "salaries_prives_recul": ([_ind(rules.PRIV, -3.0, "2019-2024", (4.0,), 6.6)],
                              [_ind(rules.PRIV, -3.0, "2019-2024", (), 6.6)]),
    "salaries_prives_moins_vite": ([_ind(rules.PRIV, 3.0, "2019-2024", (), 6.6)],
                                   [_ind(rules.PRIV, 5.0, "2019-2024", (), 6.6)]),
    "pole_emploi_local": ([_ind("emplois_pour_100_actifs", 115.0, "2018", (120.0,), 99.8)],
                          [_ind("emplois_pour_100_actifs", 105.0, "2018", (120.0,), 99.8)]),
    "revenus_eleves": ([_ind("mediane_niveau_vie", 25000, "2019", (22000,), 21930)],
                       [_ind("mediane_niveau_vie", 22500, "2019", (22000,), 21930)]),
    "revenus_modestes": ([_ind("mediane_niveau_vie", 19000, "2019", (21000,), 21930)],
                         [_ind("mediane_niveau_vie", 20500, "2019", (21000,), 21930)]),
    "pauvrete_elevee": ([_ind("taux_pauvrete", 19.0, "2019", (15.0,), 14.6)],
                        [_ind("taux_pauvrete", 19.0, "2019", (18.0,), 14.6)]),
    "pauvrete_faible": ([_ind("taux_pauvrete", 8.0, "2019", (13.0,), 14.6)],
                        [_ind("taux_pauvrete", 12.0, "2019", (13.0,), 14.6)]),
    "centralites_acv": (_programmes(acv=1, ort=1), _programmes(villages=2)),
    "territoires_industrie": (_programmes(industrie=2), _programmes(pvd=1)),
    "sans_programme_centralite": (_programmes(), _programmes(villages=1)),
    "dependance_voiture": ([_ind("part_navetteurs_mode_5", 86.0, "2021", (78.0,), 70.0)],
                           [_ind("part_navetteurs_mode_5", 86.0, "2021", (84.0,), 70.0)]),
    "transports_en_commun_rares": ([_ind("part_navetteurs_mode_6", 2.1, "2021")],
                                   [_ind("part_navetteurs_mode_6", 15.0, "2021")]),
    "travail_hors_commune": ([_ind("part_navetteurs_lieu_10", 15.0, "2021", (30.0,), 33.0)],
                             [_ind("part_navetteurs_lieu_10", 28.0, "2021", (30.0,), 33.0)]),
    "rechauffement_observe": ([_ind("ecart_temperature_recente_reference", 1.2, "2015-2024 / 1991-2020",
                                    source=ERA5)],
                              [_ind("ecart_temperature_recente_reference", 0.3, "2015-2024 / 1991-2020",
                                    source=ERA5)]),
    "jours_chauds_plus_nombreux": ([_ind("jours_tx_30_recent", 14.0, "2015-2024", source=ERA5),
                                    _ind("jours_tx_30_reference", 8.0, "1991-2020", source=ERA5)],
                                   [_ind("jours_tx_30_recent", 9.0, "2015-2024", source=ERA5),
                                    _ind("jours_tx_30_reference", 8.0, "1991-2020", source=ERA5)]),
    "nuits_tropicales_plus_nombreuses": ([_ind("nuits_tropicales_recent", 5.0, "2015-2024", source=ERA5),
                                          _ind("nuits_tropicales_reference", 1.0, "1991-2020", source=ERA5)],
                                         [_ind("nuits_tropicales_recent", 1.5, "2015-2024", source=ERA5),
                                          _ind("nuits_tropicales_reference", 1.0, "1991-2020", source=ERA5)]),
    "gel_en_recul": ([_ind("jours_gel_recent", 60.0, "2015-2024", source=ERA5),
                      _ind("jours_gel_reference", 75.0, "1991-2020", source=ERA5)],
                     [_ind("jours_gel_recent", 72.0, "2015-2024", source=ERA5),
                      _ind("jours_gel_reference", 75.0, "1991-2020", source=ERA5)]),
    "pluies_en_baisse": ([_ind("precipitations_recent", 800.0, "2015-2024", source=ERA5),
                          _ind("precipitations_reference", 950.0, "1991-2020", source=ERA5)],
                         [_ind("precipitations_recent", 900.0, "2015-2024", source=ERA5),
                          _ind("precipitations_reference", 950.0, "1991-2020", source=ERA5)]),
    "catastrophes_naturelles_repetees": ([_ind("catnat_reconnaissances", 40.0, "1982-2024", source=CATNAT),
                                          _ind("communes_lues_georisques", 10.0, "2025", source=CATNAT)],
                                         [_ind("catnat_reconnaissances", 20.0, "1982-2024", source=CATNAT),
                                          _ind("communes_lues_georisques", 10.0, "2025", source=CATNAT)]),
    "consommation_espaces_rapide": ([_ind("conso_naf_part_repere", 31.0, "2021-2023", source=CEREMA)],
                                    [_ind("conso_naf_part_repere", 30.0, "2021-2023", source=CEREMA)]),
    "foncier_par_menage": ([_ind("conso_hab_par_menage_supplementaire", 1500.0, "2013-2021", source=CEREMA)],
                           [_ind("conso_hab_par_menage_supplementaire", 400.0, "2013-2021", source=CEREMA)]),
}


def test_every_rule_is_tried_on_a_sample_or_on_plain_values():
    assert set(FIRES_ON) | set(UNIT_CASES) == set(BY_ID)


@pytest.mark.parametrize("rule_id", sorted(UNIT_CASES))
def test_a_rule_no_sample_triggers_fires_on_plain_values_and_stays_silent_past_its_threshold(rule_id):
    firing, silent = UNIT_CASES[rule_id]
    fired = _fired(*firing)
    assert rule_id in fired, fired
    assert re.search(r"\d", fired[rule_id]), "a sentence names its figures"
    assert rule_id not in _fired(*silent)


# -- the six samples ----------------------------------------------------------------------------


def test_each_rule_fires_on_the_samples_where_it_should_and_nowhere_else(samples):
    for name, dossier in samples.items():
        got = {e.rule for e in dossier.enjeux}
        expected = {rule for rule, sites in FIRES_ON.items() if name in sites}
        assert got == expected, name


def test_no_sample_page_holds_an_excluded_pair(samples):
    for name, dossier in samples.items():
        fired = [BY_ID[e.rule] for e in dossier.enjeux if e.rule]
        pairs = [(a.id, b.id) for a in fired for b in fired if b.id in a.excludes]
        assert pairs == [], name
    # the Sancy loses population: it is not called « attractif » on the same page
    sancy = {e.rule for e in samples["sancy"].enjeux}
    assert "population_baisse" in sancy and "solde_migratoire_attractif" not in sancy


def test_the_exclusion_drops_the_later_rule_of_a_contradictory_pair():
    fired = _fired(_ind(POP, -0.5, "2018-2023", (0.1,), 0.4),
                   _ind("variation_solde_migratoire", 1.0, "2013-2018", (0.2,), 0.04))
    assert "population_baisse" in fired and "solde_migratoire_attractif" not in fired


def test_no_two_samples_share_a_question_unless_its_figures_are_the_same(samples):
    seen: dict[str, list[tuple[str, tuple[float | None, ...]]]] = {}
    for name, dossier in samples.items():
        values = {i.id: i.value for _, i in dossier.indicators()}
        for e in dossier.enjeux:
            if e.kind is EnjeuKind.QUESTION:
                figures = tuple(None if values.get(i) is None else round(values[i] or 0.0, 1) for i in e.indicators)
                seen.setdefault(e.text, []).append((name, figures))
    for text, uses in seen.items():
        if len(uses) > 1:
            assert re.search(r"\d", text), f"a question shared word for word by {uses}: {text}"
            assert len({figures for _, figures in uses}) == 1, text
    # the programmes question of the first dossiers is gone, and the programmes are named with their counts
    assert not any(t.startswith("Programmes déjà engagés") for t in seen)
    [centres] = [e.text for e in samples["saint-lo-agglo"].enjeux if e.rule == "centralites_accompagnees"]
    assert centres.startswith("3 communes en Petites villes de demain, 1 en Action cœur de ville, 4 conventions ORT")


def test_the_samples_meet_the_counts_or_the_page_says_so(samples):
    from diagterr.dossier import ENJEUX_WANTED
    from diagterr.texts import say

    for name, dossier in samples.items():
        for kind, wanted in ENJEUX_WANTED.items():
            count = sum(1 for e in dossier.enjeux if e.kind == kind)
            if count < wanted:  # the plain sentence exists for every shortfall
                assert say(f"en_bref.peu_{kind}", count=count), name
    assert say("en_bref.peu_fragilite", count=0).startswith("Aucune fragilité relevée")
    assert sum(1 for e in samples["tessy-bocage"].enjeux if e.kind == "fragilite") >= 3
    assert sum(1 for e in samples["sancy"].enjeux if e.kind == "question") >= 5


def test_the_enjeux_go_to_indicateurs_json(samples):
    from diagterr.render.exports import indicators_json

    dossier = samples["tessy-bocage"]
    document = json.loads(indicators_json(dossier))
    assert [e["text"] for e in document["enjeux"]] == [e.text for e in dossier.enjeux]
    ids = {i.id for _, i in dossier.indicators()}
    sections = {i.id: s for s, i in dossier.indicators()}
    for record in document["enjeux"]:
        assert list(record) == ["kind", "theme", "text", "rule", "indicators"]
        assert record["kind"] in {"atout", "fragilite", "question"}
        assert record["rule"] in BY_ID and set(record["indicators"]) <= ids
        assert record["theme"] == sections[record["indicators"][0]]  # the chapter of its figure
    vacancy = next(r for r in document["enjeux"] if r["rule"] == "vacance_hausse")
    assert vacancy["indicators"] == ["part_logements_vacants_2021", "part_logements_vacants"]
    assert vacancy["kind"] == "question" and "17,0" in vacancy["text"]


def test_the_readme_lists_every_rule_with_its_indicators():
    from helpers import REPO

    readme = (REPO / "README.md").read_text("utf-8")
    listed = readme.partition("<!-- enjeux-rules: begin")[2].partition("<!-- enjeux-rules: end -->")[0]
    rows = dict(re.findall(r"^\| `([a-z0-9_]+)` \|[^|]*\|[^|]*\| ([^|]*) \|$", listed, flags=re.MULTILINE))
    assert set(rows) == set(BY_ID)
    for rule_id, indicators in rows.items():
        assert re.findall(r"`([a-z0-9_]+)`", indicators) == list(BY_ID[rule_id].indicators), rule_id


def test_page_four_says_so_plainly_when_a_column_is_short(samples):
    from diagterr.render.html import render_html

    html = render_html(samples["ccpa"], {}, cover_svg=None)
    page = html[html.index("Enjeux pour l'atelier"):html.index('id="sec-')]
    # the CC du Pays de l'Arbresle has no figure worse than both the Rhône and France
    assert "Aucune fragilité relevée" in page and "Seulement 2 atouts relevés" in page
    assert "Aucun élément relevé" not in page
    assert page.count("<li>") == len(samples["ccpa"].enjeux)

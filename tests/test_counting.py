"""One count of studies, trials and participants, and every page that counts agrees with it.

The counting rules are checked on the real tables from first principles (parts of one trial
count once; a drug whose identity with fasoracetam is uncertain is counted apart; a study
that gave no drug is no trial), then each page's glued counts are compared with the one
function that every page calls.
"""
from __future__ import annotations

import re

import pytest

from conftest import ROOT, built_page, text_glue_references
from evidence.counting import trial_counts, trial_table
from evidence.data import load_table

TABLES = ("studies", "study_facts", "enrollment", "endpoints")


@pytest.fixture(scope="module")
def counts():
    return trial_counts(*(load_table(t) for t in TABLES))


def test_parts_of_one_trial_count_once_and_uncertain_drugs_apart(counts):
    studies = load_table("studies")
    fasoracetam = studies[studies["drug_identity"] == "fasoracetam"]
    assert counts["trials"] == fasoracetam["trial"].nunique()
    assert counts["trials"] < len(fasoracetam) or fasoracetam["trial"].is_unique
    assert counts["uncertain_identity"] == studies.loc[studies["drug_identity"] == "uncertain", "trial"].nunique()
    assert counts["no_drug"] == int((studies["drug_identity"] == "no-drug").sum())
    assert counts["records"] == len(studies)


def test_randomized_counts_and_participants_follow_the_records(counts):
    studies, facts, enrollment, endpoints = (load_table(t) for t in TABLES)
    randomized_ids = set(facts[facts["field"].isin(["allocation", "design"])
                               & facts["value"].str.startswith("randomized")]["study_id"])
    fasoracetam = studies[studies["drug_identity"] == "fasoracetam"]
    trials = fasoracetam.groupby("trial")["study_id"].apply(set)
    randomized_trials = [ids for ids in trials if ids <= randomized_ids]
    assert counts["randomized"] == len(randomized_trials)
    results = endpoints.set_index("study_id")["result"]
    assert counts["randomized_not_met"] == sum(all(results[i] == "not-met" for i in ids) for ids in randomized_trials)
    actual = enrollment[enrollment["stage"].isin(["enrolled"]) & (enrollment["arm"] == "all")].set_index("study_id")["n"]
    known = [ids for ids in randomized_trials if all(i in actual.index for i in ids)]
    assert counts["randomized_participants"] == int(sum(actual[i] for ids in known for i in ids))
    assert counts["randomized_size_unknown"] == len(randomized_trials) - len(known)
    uncertain = studies.loc[studies["drug_identity"] == "uncertain", "study_id"]
    assert counts["uncertain_participants"] == int(sum(actual.get(i, 0) for i in uncertain))


def test_a_trial_table_row_per_trial():
    table = trial_table(*(load_table(t) for t in TABLES))
    assert table["trial"].is_unique
    assert table["parts"].sum() == len(load_table("studies"))


def _shown(page: str, source: str) -> dict[str, str]:
    keys = text_glue_references((ROOT / source).read_text(encoding="utf-8"))
    html = built_page(page)
    return dict(zip(keys, (s.get_text() for s in html.select("span.pasted-text"))))


@pytest.mark.parametrize("page, source, prefix", [
    ("intro.html", "intro.md", "glance_"),
    ("chapters/adhd-trials.html", "chapters/adhd-trials.md", "studies_"),
])
def test_every_page_that_counts_trials_shows_the_one_count(built_book, counts, page, source, prefix):
    shown = _shown(page, source)
    compared = 0
    for key, value in counts.items():
        if prefix + key in shown:
            assert shown[prefix + key] == f"{value:,}", f"{page}: {prefix + key} is {shown[prefix + key]}, the count is {value}"
            compared += 1
    assert compared >= 4, f"{page} shows only {compared} of the counts"


def test_what_it_is_counts_trials_with_the_one_count(built_book, counts):
    shown = _shown("chapters/what-it-is.html", "chapters/what-it-is.md")
    assert shown["studies_count"] == str(counts["records"])
    assert shown["studies_trials"] == str(counts["trials"])
    assert re.match(rf"{counts['uncertain_identity']} trials?$", shown["studies_uncertain"])


def test_no_page_counts_the_uncertain_drug_among_fasoracetam_trials(built_book, counts):
    """The number of trials of fasoracetam with the NB-001 trial added must appear on no page as a trial count."""
    wrong = counts["randomized"] + counts["uncertain_randomized"]
    for page in ("intro.html", "chapters/adhd-trials.html", "chapters/what-it-is.html"):
        text = " ".join(built_page(page).get_text(" ").split())
        assert not re.search(rf"\b{wrong} randomized trials\b", text), page

"""The plain layer: the short answer, the key facts, the questions readers bring, each chapter's
"In short" and the outcome cards, in short sentences written from the data.

The sentences are the book's own words, kept as templates in ``data/plain_language.csv``; every
number and every word that says what a number means (how many trials missed their goal, how sure
the evidence is) is a *fact* computed here from the same tables and grades as the detail, and put
into its template by name (``{longest_weeks}``). A template holds no digit: a number typed into a
sentence would be a number nobody computed. An unknown name, or a template with a digit, stops the
build with the row that holds it.
"""
from __future__ import annotations

import re
import string

import pandas as pd

from evidence.counting import trial_counts, trial_table
from .glue import as_text
from evidence.harms import longest_dosing
from .messages import certainty_level
from .tables import TERM_MARK, escape_markdown, escape_with_terms
from evidence.trials import flow_difference

#: The tables the plain layer reads; a chapter passes them in, loaded by name.
PLAIN_TABLES = ("plain_language", "studies", "study_facts", "enrollment", "endpoints", "outcomes", "doses",
                "dose_reports", "certainty", "claims", "identity", "events", "versions", "search_log",
                "side_effects", "mechanisms", "scales", "names", "pk", "sources", "screening", "interests")

#: GRADE's certainty in a reader's words: how sure one can be.
HOW_SURE = {"high": "quite sure", "moderate": "fairly sure", "low": "not very sure", "very low": "very unsure"}
#: A primary-endpoint result in a reader's words.
RESULT_WORDS = {"met": "met", "not-met": "missed", "not-reported": "not reported", "mixed": "mixed"}
#: Kinds of source in a reader's words.
SOURCE_WORDS = {"peer-reviewed": "a journal article", "registry": "a trial registry",
                "company-statement": "the company's own statements", "regulator": "a regulator",
                "tertiary": "an encyclopedia or website"}
_AGES = re.compile(r"(\d+)\s*[–-]\s*(\d+)\s*years")
_AGES_OPEN = re.compile(r"(\d+)\s*years and older")
_FIELD = re.compile(r"\{([a-z_0-9]+)\}")


class PlainLanguageError(ValueError):
    """A template of data/plain_language.csv cannot be written from the data."""


def _ages(text: str, where: str) -> tuple[int, int | None]:
    """The youngest and oldest age of a study's participants; the oldest is None where the sources
    give only a youngest age ("6 years and older"), both where they give neither ("age limits not
    given ...")."""
    found = _AGES.match(str(text))
    if found:
        return int(found.group(1)), int(found.group(2))
    open_ended = _AGES_OPEN.match(str(text))
    if open_ended:
        return int(open_ended.group(1)), None
    if str(text).startswith("age limits not given"):
        return None, None
    raise PlainLanguageError(f"{where}: the ages {text!r} do not start with a range such as '12–17 years' "
                             "or a youngest age such as '6 years and older'")


def _number_words(n: int) -> str:
    """A small count in words ("two parts")."""
    return {2: "two", 3: "three", 4: "four"}.get(n, str(n))


def _number_word(n: int) -> str:
    """Small counts as words at the start of a phrase ("both", "all 3")."""
    return {2: "both"}.get(n, f"all {n}")


def _pct(value: float) -> str:
    return f"{value:g}%"


#: The groups of facts, each with the tables it is computed from (see :func:`facts_from`).
_GROUPS: list[tuple[tuple[str, ...], object]] = []


def facts_from(*tables: str):
    """Register a function that adds facts to a dict, computed from ``tables`` only: a page gets
    the facts of every group whose tables it passed, so a chapter loads only what its sentences
    use (and is executed again only when those tables change)."""
    def register(function):
        _GROUPS.append((tables, function))
        return function
    return register


def plain_facts(t: dict[str, pd.DataFrame]) -> dict[str, str]:
    """The facts a plain sentence may use, as the text a reader sees, computed from the tables
    passed (every group of facts whose tables are all there)."""
    f: dict[str, object] = {}
    for tables, group in _GROUPS:
        if all(name in t for name in tables):
            group(t, f)
    return {key: as_text(value) for key, value in f.items()}


def missing_tables(t: dict[str, pd.DataFrame]) -> list[str]:
    """For each group of facts not computed, the function and the tables it lacks (for errors)."""
    return [f"{group.__name__} needs {', '.join(n for n in tables if n not in t)}"
            for tables, group in _GROUPS if not all(name in t for name in tables)]


def _study_names(t) -> dict[str, str]:
    return dict(zip(t["studies"]["study_id"], t["studies"]["name"]))


def _trials_in_children(t) -> pd.Series:
    """The study ids of the trials of fasoracetam that record the participants' ages."""
    studies, facts = t["studies"], t["study_facts"]
    ours = set(studies.loc[studies["drug_identity"] == "fasoracetam", "study_id"])
    return facts[(facts["field"] == "ages") & facts["study_id"].isin(ours)]["study_id"]


@facts_from("studies", "study_facts", "enrollment", "endpoints", "certainty")
def _main_goal(t, f) -> None:
    """The placebo-controlled trials and their primary endpoint."""
    studies, facts, enrollment, endpoints = t["studies"], t["study_facts"], t["enrollment"], t["endpoints"]
    names = _study_names(t)
    counts = trial_counts(studies, facts, enrollment, endpoints)
    trials = trial_table(studies, facts, enrollment, endpoints)
    randomized = trials[(trials["drug_identity"] == "fasoracetam") & trials["randomized"]]
    for _, trial in randomized.iterrows():  # a randomized trial here is compared with a dummy pill
        said = facts[facts["study_id"].isin(trial["records"].split(";"))
                     & facts["field"].isin(["design", "allocation", "control", "arms"])]["value"]
        if not said.str.contains("placebo").any():
            raise PlainLanguageError(f"study_facts.csv: randomized trial {trial['trial']} is not recorded as "
                                     "placebo-controlled; the plain answer speaks of a dummy pill")
    n_placebo, missed = len(randomized), int((randomized["result"] == "not-met").sum())
    met = int((randomized["result"] == "met").sum())
    f["placebo_trials"] = n_placebo
    f["placebo_trials_missed"] = missed
    f["placebo_trial_names"] = _and([short_name(names[studies.loc[studies["trial"] == trial, "study_id"].iloc[0]],
                                                part=False) for trial in randomized["trial"]])
    if met == 0 and missed == n_placebo:
        f["primary_direction"] = "it has not been shown to work"
        f["placebo_trials_outcome"] = f"{_number_word(n_placebo)} missed their main goal"
    else:
        f["primary_direction"] = f"{met} of {n_placebo} trials with a dummy pill met their main goal"
        f["placebo_trials_outcome"] = f"{missed} of {n_placebo} missed their main goal"
    f["placebo_results_from"] = " and ".join(SOURCE_WORDS[k] for k in sorted(set(randomized["result_source_kind"])))
    f["trials"] = counts["trials"]
    f["randomized_participants"] = counts["randomized_participants"]
    posted = facts[(facts["field"] == "results_availability") & facts["study_id"].isin(
        studies.loc[studies["trial"].isin(randomized["trial"]), "study_id"])
        & facts["value"].str.contains("results posted in the registry")]
    f["unread_primary_results"] = (
        f"{_and([short_name(names[s], part=False) for s in posted['study_id']])}'s results, posted on a trial "
        "registry, could not be read") if len(posted) else "no trial posted results on a registry that we found"
    primary = t["certainty"].set_index("outcome_key").loc["adhd_rs_change", "studies"].split(";")
    primary_results = endpoints.set_index("study_id").loc[primary, "result"]
    f["primary_comparisons"] = len(primary)
    kept = t["certainty"][t["certainty"]["role"] == "acceptability"]
    f["acceptability_from"] = (
        "; only the count of who did not finish " + _and([short_name(names[s_], part=False) for s_ in
                                                          kept["studies"].iloc[0].split(";")])
        + f" comes from {SOURCE_WORDS[kept['source_kind'].iloc[0]]}") if len(kept) else ""
    parted = [trial for trial in randomized["trial"] if (studies["trial"] == trial).sum() > 1]
    f["placebo_trials_parts"] = (f"{_and([short_name(names[studies.loc[studies['trial'] == tr, 'study_id'].iloc[0]], part=False) for tr in parted])} "
                                 f"in {_number_words(len(studies[studies['trial'].isin(parted)]))} parts") if parted else "none in parts"
    f["primary_comparisons_missed"] = int((primary_results == "not-met").sum())


@facts_from("enrollment")
def _open_label_trial_size(t, f) -> None:
    """GREAT's size, and how many of its participants went on to a longer safety study."""
    flow = t["enrollment"].set_index(["study_id", "arm", "stage"])["n"]
    f["great_n"] = int(flow[("great", "all", "enrolled")])
    f["great_extension_n"] = int(flow[("great", "all", "continued into extension")])


@facts_from("enrollment", "outcomes", "scales")
def _open_label_trial(t, f) -> None:
    """GREAT, the open-label trial the popular pages cite: its doctors' rating before and after."""
    outcomes = t["outcomes"]
    great = outcomes[(outcomes["study_id"] == "great") & (outcomes["measure"] == "CGI-S")
                     & (outcomes["statistic"] == "mean")].set_index("timepoint")["value"]
    later = [tp for tp in great.index if str(tp).startswith("week ")]
    if "baseline" not in great.index or len(later) != 1:
        raise PlainLanguageError("outcomes.csv: GREAT's CGI-S needs a baseline mean and one later mean")
    f["great_cgi_s_baseline"] = f"{float(great['baseline']):.2f}"
    f["great_cgi_s_later"] = f"{float(great[later[0]]):.2f}"
    f["great_weeks"] = int(str(later[0]).split()[1])
    f["cgi_s_points"] = int((t["scales"]["scale"] == "CGI-S").sum())


@facts_from("outcomes", "enrollment")
def _company_figures(t, f) -> None:
    """The company's responder figures for SAGA (secondary analyses, company statements), and who
    did not complete it (the registry's flow)."""
    outcomes, enrollment = t["outcomes"], t["enrollment"]
    saga = outcomes[(outcomes["study_id"] == "saga") & (outcomes["statistic"] == "percent")]
    for key, analysis in (("rs", "prespecified responder"), ("cgi", "key secondary")):
        rows = saga[saga["analysis"] == analysis].set_index("arm")
        if set(rows.index) != {"drug", "placebo"}:
            raise PlainLanguageError(f"outcomes.csv: SAGA's {analysis} analysis needs one percent per arm")
        f[f"saga_{key}_drug"] = _pct(float(rows.loc["drug", "value"]))
        f[f"saga_{key}_placebo"] = _pct(float(rows.loc["placebo", "value"]))
        kinds = set(rows["source_kind"])
        if kinds != {"company-statement"}:
            raise PlainLanguageError(f"outcomes.csv: the plain layer calls SAGA's {analysis} figures the "
                                     f"company's own; their source kinds are {sorted(kinds)}")
        if key == "rs":
            measure = rows["measure"].iloc[0]
            threshold = re.search(r"≥\s*(\d+)\s*%", measure)
            if not threshold:
                raise PlainLanguageError(f"outcomes.csv: no threshold (≥ N%) in the measure {measure!r}")
            f["saga_rs_threshold"] = f"{threshold.group(1)}%"
    stopped = flow_difference(enrollment, "saga", "not completed", "started")
    f["saga_stopped_drug"] = f"{stopped['drug_events']} of {stopped['drug_total']}"
    f["saga_stopped_placebo"] = f"{stopped['placebo_events']} of {stopped['placebo_total']}"
    # whether the 95% interval of the difference holds zero
    f["saga_stopped_difference"] = ("no clear difference" if stopped["rd_low"] <= 0 <= stopped["rd_high"]
                                    else "a clear difference")


@facts_from("studies", "study_facts", "doses")
def _who_and_how_long(t, f) -> None:
    """Who the trials studied (ages, gene selection) and the longest time on the drug."""
    facts = t["study_facts"]
    names = _study_names(t)
    aged = _trials_in_children(t)
    ages = facts[(facts["field"] == "ages") & facts["study_id"].isin(aged)]
    spans = [_ages(v, f"study_facts.csv, study {s}, field ages") for s, v in zip(ages["study_id"], ages["value"])]
    f["age_low"] = min(a for a, _ in spans if a is not None)
    f["age_high"] = max(b for _, b in spans if b is not None)
    names = _study_names(t)
    unknown = [short_name(names[s], part=False) for s, (a, b) in zip(ages["study_id"], spans) if a is None or b is None]
    f["ages_not_given"] = (f"{_and(list(dict.fromkeys(unknown)))}'s age limits are not given in the sources we read"
                           if unknown
                           else "every trial gave its ages")
    weeks, longest = longest_dosing(t["doses"], names)
    f["longest_weeks"], f["longest_study"] = weeks, longest
    f["longest_treatment"] = f"{weeks} weeks at most in the trial schedules we could read"
    selection = facts[facts["field"] == "genotype_selection"].set_index("study_id")["value"]
    chosen = [s for s in selection.index if s in set(aged) and not str(selection[s]).startswith("no ")]
    f["gene_selected_names"] = _and([short_name(names[s]) for s in chosen])


@facts_from("studies", "study_facts", "events", "interests")
def _sponsors(t, f) -> None:
    """Who the registry records name as sponsor of the trials in children, and which trials only the
    company's own statements say it ran."""
    studies, facts = t["studies"], t["study_facts"]
    child_trials = studies[studies["study_id"].isin(_trials_in_children(t))]
    registry_named = facts[(facts["field"] == "sponsor") & (facts["source_kind"] == "registry")
                           & facts["study_id"].isin(child_trials["study_id"])]
    by_trial = child_trials.groupby("trial", sort=False)["study_id"].agg(list)
    named = {trial for trial, ids in by_trial.items() if set(ids) & set(registry_named["study_id"])}
    f["sponsored_trials"] = len(named)
    f["child_trials"] = len(by_trial)
    names_ = _study_names(t)
    f["sponsored_trial_names"] = _and([_in_sentence(short_name(names_[by_trial[tr][0]], part=False))
                                       for tr in by_trial.index if tr in named])
    uncertain = studies[studies["drug_identity"] == "uncertain"]
    f["uncertain_drug_code"] = _and(list(dict.fromkeys(n.split()[0] for n in uncertain["name"]))) or "no other drug"
    f["current_holder"] = registry_named["value"].iloc[0] if len(registry_named) else "no company"
    # a registry record names the programme's holder today: a trial that began before the company
    # bought the programme may have been paid for by someone else
    events = t["events"]
    sale = events[(events["category"] == "company") & events["label"].str.contains("acquires", case=False)]
    begun = events[(events["category"] == "clinical study") & events["study_id"].isin(registry_named["study_id"])]
    early = []
    if len(sale):
        sold = pd.Timestamp(str(sale["start"].iloc[0]))
        early = [names_[s_] for s_, d in zip(begun["study_id"], begun["start"])
                 if isinstance(d, str) and pd.Timestamp(d) < sold]
    interests = t["interests"]
    agreement = interests["statement"].str.contains("Sponsored Research Agreement with CHOP first dated", na=False).any()
    support = [short_name(n, part=False) for n in early
               if interests[(interests["party"] == short_name(n, part=False))
                            & interests["statement"].str.contains("Research Support", na=False)].shape[0]]
    f["sponsor_caveat"] = (
        f"{_and([short_name(n, part=False) for n in early])} began before the company bought the programme"
        + (f"; PubMed lists research support from the NIH and from sources other than the US government for {_and(support)}'s paper"
           if support else "")
        + (", and the company already had a research agreement with CHOP" if agreement else "")
        + "; who paid for the trial itself is not in the sources we read") if early else \
        "every one of them began after the company bought the programme"
    f["sponsors"] = _and(list(dict.fromkeys(_company(s) for s in registry_named["value"])))
    others = [t2 for t2 in by_trial.index if t2 not in named]
    names = _study_names(t)
    if others:
        unnamed = child_trials[child_trials["trial"].isin(others)]
        if unnamed["sponsor"].isna().any():
            raise PlainLanguageError("studies.csv: a trial in children has no sponsor from any source")
        f["other_sponsored"] = (f"by its own statements, it also ran "
                                + _and([short_name(names[ids[0]], part=False) for ids in by_trial[others]]))
    else:
        f["other_sponsored"] = "no other trial in children is known"


@facts_from("dose_reports", "studies", "study_facts")
def _doses(t, f) -> None:
    """The doses the trials gave and the websites suggest (per dose and per day, never mixed), and
    to whom the repeated doses were given."""
    reports = t["dose_reports"]
    repeated = reports[(reports["context"] == "trial repeated dose") & (reports["species"] == "human")]
    times = set(repeated["times_low"].dropna().astype(int)) | set(repeated["times_high"].dropna().astype(int))
    if len(times) != 1 or set(repeated["per"]) != {"administration"}:
        raise PlainLanguageError("dose_reports.csv: the repeated trial doses must share one frequency, per administration")
    per_day = times.pop()
    f["dose_times"] = {1: "once a day", 2: "twice a day", 3: "three times a day"}.get(per_day, f"{per_day} times a day")
    f["dose_low"] = f"{int(repeated['mg_low'].min()):d} mg"
    f["dose_high"] = f"{int(repeated['mg_high'].max()):d} mg"
    names_ = _study_names(t)
    started = repeated[repeated["mg_low"].notna()]
    unknown_start = repeated[repeated["mg_low"].isna()]
    f["dose_start_note"] = (
        ("starting from " + _and([f"{int(r.mg_low)} mg in {short_name(names_[r.study_id], part=False)}"
                                  for r in started.itertuples()]))
        + ("; " + _and([short_name(names_[s_], part=False) for s_ in unknown_start["study_id"]])
           + "'s starting dose is not reported" if len(unknown_start) else ""))
    f["dose_day_high"] = f"{int(repeated['mg_high'].max()) * per_day:d} mg"  # derived: per dose × times a day
    facts = t["study_facts"]
    ages = facts[(facts["field"] == "ages") & facts["study_id"].isin(repeated["study_id"])]
    spans = [_ages(v, f"study_facts.csv, study {s}, field ages") for s, v in zip(ages["study_id"], ages["value"])]
    if len(set(repeated["study_id"])) != len(ages):
        raise PlainLanguageError("study_facts.csv: a study with repeated doses has no ages")
    if any(b is None for _, b in spans):
        raise PlainLanguageError("study_facts.csv: a study with repeated doses gives no oldest age")
    f["repeated_age_low"], f["repeated_age_high"] = min(a for a, _ in spans), max(b for _, b in spans)
    singles = reports[(reports["context"] == "trial single dose") & (reports["species"] == "human")]
    f["single_dose_low"] = f"{int(singles['mg_low'].min()):d} mg"
    single_ages = facts[(facts["field"] == "ages") & facts["study_id"].isin(singles["study_id"])]["value"]
    f["single_dose_age_low"] = min(_ages(v, "study_facts.csv, ages")[0] for v in single_ages)
    f["single_dose_high"] = f"{int(singles['mg_high'].max()):d} mg"
    children = t["studies"][t["studies"]["study_id"].isin(_trials_in_children(t))]
    dosed = set(reports["study_id"].dropna())
    undosed = [trial for trial, ids in children.groupby("trial", sort=False)["study_id"] if not set(ids) & dosed]
    names = _study_names(t)
    f["trials_without_doses"] = ("the doses given in "
                                 + _and([short_name(names[children.loc[children["trial"] == trial, "study_id"].iloc[0]],
                                                    part=False) for trial in undosed])
                                 + " are not reported in the sources we read") if undosed else \
        "every trial's doses are reported"
    community = reports[reports["context"] == "community"].copy()
    # a dose per administration with its times a day gives a dose per day: derived, and said so
    per_admin = community[(community["per"] == "administration") & community["times_high"].notna()]
    day_low = community.loc[community["per"] == "day", "mg_low"].min()
    candidates = [(float(r.mg_high) * int(r.times_high), f"{int(r.mg_high)} mg {_times_words(int(r.times_high))}")
                  for r in per_admin.itertuples()]
    candidates += [(float(v), "") for v in community.loc[community["per"] == "day", "mg_high"]]
    top, rule = max(candidates, key=lambda c: c[0])
    f["website_day_low"] = f"{int(day_low):d}"
    f["website_day_high"] = f"{int(top):d} mg"
    f["website_day_rule"] = (f"the top figure is our sum, {rule}" if rule
                             else "both figures as the pages give them")
    f["website_doses_cited"] = "cite no study" if community["source_kind"].eq("tertiary").all() else "cite a study"
    each = []
    stated = community[(community["per"] == "day") | community["times_high"].notna()]
    for source, rows in stated.groupby("source", sort=False):
        parts = []
        for r in rows.itertuples():
            amount = f"{int(r.mg_low)} mg to {int(r.mg_high)} mg"
            if r.per == "day":
                parts.append(f"starting at {amount} a day" if "start" in str(r.label).lower() else f"{amount} a day")
            else:
                times = (f"{int(r.times_low)} to {int(r.times_high)} times a day" if r.times_low != r.times_high
                         else _times_words(int(r.times_high)))
                parts.append(f"{amount} per dose, {times}")
        each.append(f"{SITE_WORDS[source]} suggests {', '.join(parts)}")
    f["website_doses_each"] = "; ".join(each)
    short = []
    for source, rows in stated.groupby("source", sort=False):
        main = rows[~rows["label"].str.contains("start", case=False)]
        for r in main.itertuples():
            amount = f"{int(r.mg_low)} mg to {int(r.mg_high)} mg"
            short.append(f"{amount} a day" if r.per == "day" else
                         f"{amount} per dose, up to {_number_words(int(r.times_high))} times a day")
    f["website_doses_short"] = ", or ".join(short)


def _times_words(n: int) -> str:
    return {1: "once a day", 2: "twice a day", 3: "three times a day"}.get(n, f"{n} times a day")


@facts_from("identity", "events", "names")
def _status_and_history(t, f) -> None:
    """Legal status, what kind of drug it is, who first developed it and when it was studied."""
    identity = t["identity"].set_index("property")["value"]
    for prop in ("us_status", "marketed", "australia_status", "drug_class"):
        if prop not in identity.index:
            raise PlainLanguageError(f"identity.csv: no row for {prop}")
    f["us_status"], f["marketed"], f["australia_status"] = (identity["us_status"], identity["marketed"],
                                                           identity["australia_status"])
    f["drug_class"] = str(identity["drug_class"]).split(";")[0].strip()
    for prop in ("development_recent", "development_deletion_syndrome"):
        f[prop] = identity[prop] if prop in identity.index else "nothing was found"
    events = t["events"]
    au = events[(events["category"] == "regulatory") & events["label"].str.contains("takes effect")]
    f["australia_since"] = str(pd.Timestamp(au["start"].iloc[0]).year) if len(au) else "a date not found"
    research = events[events["category"] == "animal and laboratory research"]
    f["first_paper_year"] = str(min(pd.Timestamp(d).year for d in research["start"].dropna()))
    f["first_developer"] = t["names"].set_index("name").loc["NS-105", "organisation"]


@facts_from("events", "studies", "study_facts")
def _first_trial_in_children(t, f) -> None:
    events = t["events"]
    clinical = events[(events["category"] == "clinical study") & events["study_id"].isin(_trials_in_children(t))]
    f["first_child_trial_year"] = str(min(pd.Timestamp(d).year for d in clinical["start"].dropna()))


@facts_from("certainty")
def _how_sure(t, f) -> None:
    """How sure the evidence lets a reader be, from the summary of findings' GRADE ratings."""
    certainty = t["certainty"]
    levels = {certainty_level(c) for c in certainty["certainty"]}
    worst = max(levels, key=["high", "moderate", "low", "very low"].index)
    f["certainty_all"] = worst if len(levels) == 1 else ", ".join(sorted(levels))
    f["how_sure"] = HOW_SURE[worst] if len(levels) == 1 else "unsure to different degrees"
    f["outcomes_rated"] = len(certainty)


@facts_from("claims")
def _claims(t, f) -> None:
    """The ledger's verdicts, and what it found on the claims readers ask about."""
    claims = t["claims"]
    f["claims"] = len(claims)
    f["claims_unsupported"] = int(claims["verdict"].isin(["unsupported", "contradicted"]).sum())
    f["claims_supported"] = int((claims["verdict"] == "supported").sum())
    f["claims_partly"] = int((claims["verdict"] == "partly-supported").sum())
    f["popular_pages"] = claims["source"].nunique()
    by_id = claims.set_index("claim_id")
    c15 = by_id.loc["C15"]
    f["c15_found"] = ("no trial report we found says so" if c15["verdict"] in ("unsupported", "contradicted")
                      else "a source reviewed says so")
    f["c15_figure"] = _percent_in(c15["claim"], "claims.csv, claim C15")
    f["c15_page"] = POPULAR_PAGE_WORDS[c15["source"]]
    people = {"human-controlled", "human-uncontrolled"}
    f["cycling_found"] = ("no study of cycling was found either" if by_id.loc["C55", "evidence"] == "none"
                          else "a study bears on cycling")
    f["tolerance_found"] = ("a study in people reports on it" if by_id.loc["C29", "evidence"] in people
                            else "no study of tolerance in people was found")
    memory_mood = claims[claims["claim_id"].isin(["C08", "C09", "C11"])]
    f["memory_mood_found"] = ("a study in people reports on memory or mood" if memory_mood["evidence"].isin(people).any()
                              else "no study in people that we could read measured memory, learning or mood")
    mech_claims = claims[claims["topic"] == "mechanism"]
    f["mechanism_claims"] = len(mech_claims)
    # a claim with no study behind it: nothing at all, or only a company's or a tertiary page's word
    f["mechanism_claims_no_study"] = int(mech_claims["evidence"].isin(["none", "company-statement", "tertiary"]).sum())


@facts_from("studies", "study_facts", "endpoints")
def _dementia_trials(t, f) -> None:
    """The trials in people on memory and thinking: the dementia programme, as its one source tells it."""
    studies, facts, endpoints = t["studies"], t["study_facts"], t["endpoints"]
    adults = studies[(studies["drug_identity"] == "fasoracetam") & studies["population"].str.contains("dementia")]
    if adults.empty:
        f["dementia_trials"], f["dementia_fate"] = "no trial in people on memory and thinking was found", ""
        return
    study = adults.iloc[0]
    phase = facts[(facts["study_id"] == study["study_id"]) & (facts["field"] == "phase")]["value"]
    fate = endpoints[endpoints["study_id"] == study["study_id"]]["note"]
    if phase.empty or fate.empty or not isinstance(fate.iloc[0], str):
        raise PlainLanguageError(f"study_facts.csv/endpoints.csv: the {study['study_id']} programme needs a phase "
                                 "and a note saying what became of it")
    f["dementia_trials"] = f"{study['population']} took it in trials {phase.iloc[0]}"
    f["dementia_fate"] = fate.iloc[0].split(";")[0].strip()


@facts_from("mechanisms")
def _mechanisms(t, f) -> None:
    mech = t["mechanisms"]
    studied = mech[mech["evidence_kind"] != "no study"]
    in_people = int((studied["species"] == "human").sum())
    f["mechanism_in_people"] = ("no finding on how it works was measured in people" if in_people == 0
                                else f"{in_people} findings on how it works were measured in people")
    f["mechanism_species"] = _and([PLURAL.get(s, s) for s in sorted(studied["species"].dropna().unique())])
    memory = mech[mech["claim_ids"].str.contains("C08", na=False) | mech["claim_ids"].str.contains("C04", na=False)]
    f["memory_species"] = _and([PLURAL.get(s, s) for s in sorted(memory["species"].dropna().unique())]) or "no species"


@facts_from("side_effects", "studies")
def _side_effects(t, f) -> None:
    effects = t["side_effects"]
    trial_reports = effects[effects["side"] == "trial report"]
    f["side_effect_counts"] = ("we could read no trial's count of side effects" if not trial_reports["counts_reported"].any()
                               else "some trial reports we read give counts of side effects")
    ours = set(t["studies"].loc[t["studies"]["drug_identity"] == "fasoracetam", "study_id"])
    said = trial_reports[trial_reports["study_id"].isin(ours)]
    if said.empty or said["plain"].isna().any():
        raise PlainLanguageError("side_effects.csv: every trial report needs its words in column plain")
    by_kind = said.groupby("source_kind", sort=False)["plain"].agg(lambda p: _and(list(dict.fromkeys(p))))
    f["trial_side_effect_words"] = ". ".join(
        f"{SOURCE_WORDS[kind]} said {words}" for kind, words in by_kind.items())
    unread = effects[(effects["side"] == "registry results, unread") & effects["study_id"].isin(ours)]
    names = dict(zip(t["studies"]["study_id"], t["studies"]["name"]))
    f["unread_side_effect_results"] = (
        f"{_and([short_name(names[s], part=False) for s in unread['study_id']])}'s results, posted on a trial "
        "registry, probably include them, but we could not read them") if len(unread) else \
        "no trial's posted results were left unread"
    said = effects.loc[effects["side"] == "popular source", "evidence"]
    uncited = said.str.contains(r"no (?:study|source) cited|about missing data", na=False)
    f["website_side_effect_sources"] = "none cites a study" if uncited.all() else "some cite a study"
    f["website_side_effect_origin"] = ("users' reports or no stated source" if said.str.contains("no source cited", na=False).any()
                                       else "users' reports")


@facts_from("enrollment", "studies")
def _rare_harms(t, f) -> None:
    """What the largest group known to have taken the drug could miss (the rule of three, exact)."""
    from evidence.harms import zero_event_bounds

    bounds = zero_event_bounds(t["enrollment"], t["studies"])
    largest = bounds[bounds["actual"]].sort_values("n").iloc[-1]
    f["rare_harm_n"] = int(largest["n"])
    f["rare_harm_one_in"] = int(largest["one_in"])


@facts_from("studies")
def _healthy_people(t, f) -> None:
    healthy = t["studies"]["population"].str.contains("healthy", case=False, na=False)
    f["healthy_found"] = ("a study in healthy people was found" if healthy.any()
                          else "no study in healthy people was found")


@facts_from("pk")
def _half_lives(t, f) -> None:
    """The half-lives measured (in animals) and those the websites give, as the detail shows them."""
    pk = t["pk"]
    half = pk[pk["parameter"] == "elimination half-life"]
    animals = half[half["species"].isin(["rat", "dog", "monkey"])]
    if animals.empty:
        f["half_life_animals"] = "no study in animals measured it either"
    else:
        routes = set(animals["route"])
        f["half_life_animals"] = (f"in {_and([PLURAL[x] for x in sorted(set(animals['species']))])} it was "
                                  f"{animals['value_low'].min():g} to {animals['value_high'].max():g} hours"
                                  + (" after an injection" if routes == {"intravenous"} else ""))
    others = half[~half["species"].isin(["rat", "dog", "monkey"])]
    f["half_life_sites"] = _and([f"{SITE_WORDS.get(r.source, 'an encyclopedia')} gives {r.value_low:g} to {r.value_high:g} hours"
                                 + (", citing a review we could not read" if "not read" in str(r.note) else "")
                                 for r in others.itertuples()]) or "no website gives one"


@facts_from("pk", "sources")
def _half_life(t, f) -> None:
    pk, kinds = t["pk"], t["sources"].set_index("source")["source_kind"]
    human = pk[(pk["species"] == "human") & pk["source"].map(kinds).isin(["peer-reviewed", "registry"])]
    f["human_half_life"] = ("no source we could read measured how long it lasts in people" if human.empty
                            else "a study in people measured how long it lasts in the body")


@facts_from("sources", "screening")
def _what_was_read(t, f) -> None:
    """How much of the journal papers used as evidence could be read (as the methods count them)."""
    read = t["sources"]
    roles = read.merge(t["screening"], on="source", how="left")
    papers = roles[(roles["role"] == "evidence") & (roles["source_kind"] == "peer-reviewed")]
    f["sources_total"] = len(read)
    f["papers_used"] = len(papers)
    full = int((papers["read"] == "full-text").sum())
    f["papers_full_text"] = "none" if full == 0 else str(full)
    f["papers_abstract"] = int((papers["read"] == "abstract").sum())
    f["papers_title_only"] = int(papers["read"].isin(["title-only", "citation-only"]).sum())


@facts_from("events", "studies")
def _newest_result(t, f) -> None:
    """The year of the newest result announced or published for a trial of fasoracetam in children."""
    events, studies = t["events"], t["studies"]
    ours = set(studies.loc[studies["drug_identity"] == "fasoracetam", "study_id"])
    results = events[events["study_id"].isin(ours) & events["primary_endpoint"].notna()
                     & events["category"].isin(["company", "publication"])]
    years = [int(str(d)[:4]) for d in results["start"].dropna()]
    f["newest_result_year"] = str(max(years)) if years else "no year found"


@facts_from("versions", "search_log")
def _currency(t, f) -> None:
    """The book's version and how recent its search is."""
    from evidence.versions import current_version

    current = current_version(t["versions"])
    f["version"] = current["version"]
    f["version_date"] = _long_date(current["date"])
    log = pd.to_datetime(t["search_log"]["date"], format="%Y-%m-%d", errors="coerce").dropna()
    f["last_search"] = _long_date(log.max().date().isoformat()) if len(log) else "not recorded"


#: The two popular pages under review, as a sentence names them.
POPULAR_PAGE_WORDS = {"000_8b66c840dd7ba171.txt": "a nootropic review website",
                      "002_c4ee06ce380dd884.txt": "a nootropic comparison website"}

#: The popular pages as a sentence names them, by their bibliography keys.
SITE_WORDS = {"popular_review2024": "a review website", "popular_comparison": "a comparison website",
              "wikipedia_fasoracetam": "an encyclopedia"}

#: Species as a sentence names them.
PLURAL = {"rat": "rats", "dog": "dogs", "monkey": "monkeys", "mouse": "mice", "human": "people"}


def _percent_in(text: str, where: str) -> str:
    found = re.search(r"(\d+)\s*%", str(text))
    if not found:
        raise PlainLanguageError(f"{where}: no percentage in {text!r}")
    return f"{found.group(1)}%"


def short_name(name: str, part: bool = True) -> str:
    """A study's name as a sentence uses it: "GREAT (NFC1-GREAT)" is GREAT; "ASCEND part A" keeps
    its part unless ``part`` is false."""
    name = name.split(" (")[0]
    return name if part else name.split(" part")[0]


def _in_sentence(name: str) -> str:
    """A study's name inside a sentence: an acronym stays ("SAGA"); a description takes "the" and a
    small first letter ("the paediatric single ascending dose study")."""
    first = name.split()[0]
    return name if first.isupper() else f"the {name[:1].lower()}{name[1:]}"


def _and(items: list[str]) -> str:
    """"A", "A and B", "A, B and C"."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _company(sponsor: str) -> str:
    """The company a registry's sponsor field names, without its legal suffix and parent."""
    return re.split(r",\s*(?:LLC|Inc)", str(sponsor))[0].strip()


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def _long_date(iso: str) -> str:
    day = pd.Timestamp(iso)
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


# --- templates ---------------------------------------------------------------------------------

def _fields(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def template_problems(texts: pd.DataFrame, facts: dict[str, str]) -> list[str]:
    """Every template that cannot be written: a digit typed into it, an unknown fact, a nested
    parenthesis. One line each, naming the row."""
    problems = []
    for index, row in zip(texts.index, texts.itertuples()):  # the index is the table's row order
        where = f"data/plain_language.csv, row {index + 1} (line {index + 2}, {row.text_id})"
        for column in ("heading", "template"):
            value = getattr(row, column)
            if not isinstance(value, str):
                continue
            if re.search(r"\d", TERM_MARK.sub("", _FIELD.sub("", value))):
                problems.append(f'{where}, column "{column}": a digit is typed into the words; '
                                "put the number in a fact ({name}) computed from the data")
            unknown = [name for name in _fields(value) if name not in facts]
            if unknown:
                problems.append(f'{where}, column "{column}": no fact named {unknown} was computed '
                                "from the tables passed")
            depth = 0
            for char in value:
                depth += {"(": 1, ")": -1}.get(char, 0)
                if depth > 1:
                    problems.append(f'{where}, column "{column}": nested parentheses')
                    break
    return problems


def plain_texts(t: dict[str, pd.DataFrame], block: str, page: str | None = None) -> list[dict[str, str]]:
    """The rows of one block (answer, key-fact, question, in-short), in order, each template
    written out with the facts: ``heading``, ``text``, ``link``, ``text_id``."""
    facts = plain_facts(t)
    texts = t["plain_language"]
    rows = texts[(texts["block"] == block) & ((texts["page"] == page) if page else True)].sort_values("order")
    problems = template_problems(rows, facts)
    if problems:
        raise PlainLanguageError("\n  ".join(["the plain layer cannot be written:", *problems,
                                               "facts not computed: " + "; ".join(missing_tables(t))]))
    if rows.empty:
        raise PlainLanguageError(f"data/plain_language.csv has no {block!r} text" + (f" for {page!r}" if page else ""))
    out = []
    for row in rows.itertuples():
        out.append({"text_id": row.text_id,
                    "heading": _first_upper(row.heading.format(**facts)) if isinstance(row.heading, str) else "",
                    "text": " ".join(_first_upper(s) for s in _sentences(row.template.format(**facts))),
                    "link": row.link if isinstance(row.link, str) else "",
                    "link_text": row.link_text if isinstance(row.link_text, str) else ""})
    return out


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _link(row: dict[str, str]) -> str:
    """A MyST cross-reference to the detail (a label of the book), or nothing."""
    if not row["link"]:
        return ""
    return f" {{ref}}`{escape_markdown(row['link_text'] or 'More')} <{row['link']}>`"


def short_answer_markdown(t: dict[str, pd.DataFrame], *, links: bool = True) -> str:
    """The front page's first block: the answer to "does it work?", then the key facts; with
    ``links``, each ends with a link to the detail."""
    answer = plain_texts(t, "answer", "intro")
    facts = plain_texts(t, "key-fact", "intro")
    more = _link if links else (lambda row: "")
    lines = [":::{container} plain-answer", ""]
    for row in answer:
        lines.append(f"**{escape_markdown(row['heading'])}** {escape_with_terms(row['text'])}{more(row)}")
        lines.append("")
    lines += [":::", "", ":::{container} key-facts", "", "**Key facts**", ""]
    for row in facts:
        lines.append(f"- **{escape_markdown(row['heading'])}:** {escape_with_terms(row['text'])}{more(row)}")
    lines += ["", ":::", ""]
    return "\n".join(lines)


def edition_markdown(t: dict[str, pd.DataFrame], *, summary_link: bool = True) -> str:
    """The edition line: version, date, last search, and (on screen) the summary to print."""
    row = plain_texts(t, "edition", "intro")[0]
    link = " {doc}`A summary to print or send </chapters/summary>`." if summary_link else ""
    return f":::{{container}} edition\n\n{escape_with_terms(row['text'])}{link}\n\n:::\n"


def question_label(row: dict[str, str]) -> str:
    """The target a question's answer has on the questions page (``questions-q01``)."""
    return f"questions-{row['text_id'].lower()}"


def questions_index_markdown(t: dict[str, pd.DataFrame]) -> str:
    """The questions readers bring, each a link to its answer on the questions page."""
    rows = plain_texts(t, "question", "questions")
    return "\n".join(f"- {{ref}}`{escape_markdown(row['heading'])} <{question_label(row)}>`" for row in rows) + "\n"


def questions_markdown(t: dict[str, pd.DataFrame]) -> str:
    """The questions page: each question a heading (so the page menu and the search find it),
    two or three sentences, and a link to the detail."""
    parts = []
    for row in plain_texts(t, "question", "questions"):
        parts.append(f"({question_label(row)})=\n## {escape_markdown(row['heading'])}\n\n"
                     f"{escape_with_terms(row['text'])}{_link(row)}\n")
    return "\n".join(parts)


def in_short_markdown(t: dict[str, pd.DataFrame], page: str) -> str:
    """A chapter's opening: three to five plain sentences under "In short"."""
    rows = plain_texts(t, "in-short", page)
    sentences = [s for row in rows for s in _sentences(row["text"])]
    if not 3 <= len(sentences) <= 5:
        raise PlainLanguageError(f"data/plain_language.csv: the in-short of {page!r} has {len(sentences)} sentences; "
                                 "three to five are wanted")
    body = " ".join(escape_with_terms(row["text"]) + _link(row) for row in rows)
    return f":::{{container}} in-short\n\n**In short.** {body}\n\n:::\n"


# --- outcome cards ----------------------------------------------------------------------------

#: The order cards take: the main goal first, never after the company's extra analyses.
ROLE_ORDER = ["primary", "secondary", "uncontrolled", "acceptability"]


def _status(role: str, row: pd.Series, t: dict[str, pd.DataFrame], facts: dict[str, str]) -> str:
    if role == "primary":
        results = t["endpoints"].set_index("study_id").loc[row["studies"].split(";"), "result"]
        words = sorted({RESULT_WORDS[r] for r in results})
        if len(words) == 1:
            return f"Main goal: {words[0]} in {len(results)} of {len(results)} comparisons"
        return "Main goal: " + ", ".join(f"{RESULT_WORDS[r]} in {int((results == r).sum())}" for r in dict.fromkeys(results))
    if role == "secondary":
        return "Secondary result: the company's figures, which we could not check"
    if role == "uncontrolled":
        return "No comparison group"
    if role == "acceptability":
        return "Dropping out: " + facts["saga_stopped_difference"]
    raise PlainLanguageError(f"certainty.csv: unknown role {role!r}")


def in_whom(study_ids: list[str], t: dict[str, pd.DataFrame], *, how_long: bool = False) -> str:
    """Who an outcome was measured in, trial by trial: how many, how old, whether chosen for gene
    variants (from studies, study facts and enrollment); with ``how_long``, also how long they took
    the drug (the weeks on drug in ``doses``, or single doses in ``dose_reports``)."""
    studies, facts = t["studies"], t["study_facts"]
    size = t["enrollment"]
    parts = []
    # a statement about one part of a trial speaks of the trial: all its parts are described
    trials_named = studies.loc[studies["study_id"].isin(study_ids), "trial"]
    records = studies[studies["trial"].isin(trials_named)]
    for trial, group in records.groupby("trial", sort=False):
        ids = list(group["study_id"])
        name = short_name(group["name"].iloc[0], part=False)
        ages = facts[(facts["study_id"].isin(ids)) & (facts["field"] == "ages")]["value"]
        low, high = zip(*(_ages(a, f"study_facts.csv, {trial}, ages") for a in ages))
        known_low = [a for a in low if a is not None]
        who = "young people" if known_low and min(known_low) >= 12 else "children and teenagers"
        enrolled = size[size["study_id"].isin(ids) & (size["arm"] == "all") & (size["stage"] == "enrolled")]["n"]
        count = f"{int(enrolled.sum())} " if len(enrolled) == len(ids) else ""
        on_drug = size[size["study_id"].isin(ids) & (size["arm"] == "drug") & (size["stage"] == "started")]["n"]
        selection = facts[(facts["study_id"].isin(ids)) & (facts["field"] == "genotype_selection")]["value"]
        chosen = ["no" if str(v).startswith("no ") else "yes" for v in selection]
        by_variant = all(re.search(r"variant|mutation|copy.number", str(v), re.I) for v in selection)
        genes = ("chosen for gene variants" if chosen and set(chosen) == {"yes"} and by_variant else
                 f"with {_and(list(dict.fromkeys(selection)))}" if chosen and set(chosen) == {"yes"} else
                 "in parts with and without gene variants" if len(set(chosen)) > 1 else "")
        known = [h for h in high if h is not None]
        aged = (f"aged {min(known_low)} to {max(known)}" if len(known) == len(high) and len(known_low) == len(low)
                else f"aged {min(known_low)} and older, the upper age not given" if len(known_low) == len(low)
                else "of ages not given in the sources read, " + str(ages.iloc[0]).split("; ", 1)[-1])
        text = f"{name}: {count}{who} {aged}"
        if count and len(on_drug) == len(ids):
            took = size[size["study_id"].isin(ids) & (size["arm"] == "drug") & (size["stage"] == "safety population")]["n"]
            text += f", {int(on_drug.sum())} of them assigned to the drug"
            if len(took) == len(ids):
                text += f" and {int(took.sum())} known to have taken it"
        if genes:
            text += f", {genes}"
        if not count:
            text += "; how many took part is not reported"
        if how_long:
            text += "; " + _how_long(ids, t)
            extension = size[size["study_id"].isin(ids) & (size["stage"] == "continued into extension")]
            if len(extension):
                text += (f"; {int(extension['n'].sum())} went on to a longer safety study, by the company's "
                         "account, with no results found")
        parts.append(text)
    return ". ".join(parts) + "."


def _how_long(ids: list[str], t: dict[str, pd.DataFrame]) -> str:
    """How long a trial's participants took the drug, as far as the sources say."""
    doses, reports, facts = t["doses"], t["dose_reports"], t["study_facts"]
    on_drug = doses[doses["study_id"].isin(ids) & (doses["mg_high"].fillna(0) > 0)]
    if len(on_drug):
        return f"up to {int((on_drug['week_to'] - on_drug['week_from'] + 1).sum())} weeks on the drug"
    given = reports[reports["study_id"].isin(ids)]
    if len(given) and set(given["context"]) == {"trial single dose"}:
        return "single doses only"
    said = facts[facts["study_id"].isin(ids)].set_index("field")["value"]
    periods = re.search(r"(\w+ \d+-week periods)", str(said.get("design", "")))
    if periods:
        return f"drug and placebo in turn, in {periods.group(1)}"
    measured = re.search(r"at (\d+) weeks", str(said.get("primary_endpoint", "")))
    if measured:
        return (f"its main result was measured at {measured.group(1)} weeks; how long they took the drug "
                "is not otherwise reported")
    return "how long they took it is not reported in the sources reviewed"


def who_was_studied_markdown(t: dict[str, pd.DataFrame]) -> str:
    """Who took fasoracetam in the trials, trial by trial: how many, how old, whether chosen for
    gene variants, and for how long; set beside the doses and the side effects."""
    studies = t["studies"]
    trials = studies[studies["study_id"].isin(_trials_in_children(t))]
    lines = [f"- {escape_markdown(part.strip())}." for part in
             in_whom(list(trials["study_id"]), t, how_long=True).rstrip(".").split(". ")]
    return ":::{container} who-studied\n\n**Who took it in the trials**\n\n" + "\n".join(lines) + "\n\n:::\n"


def outcome_cards_markdown(t: dict[str, pd.DataFrame], *, links: bool = True) -> str:
    """One card per outcome of the summary of findings, the main goal first: what was measured,
    the result in words, met or missed, in whom, how sure, and the kind of source."""
    facts = plain_facts(t)
    cards = {row["text_id"]: row for row in plain_texts(t, "card")}
    certainty = t["certainty"].copy()
    unknown = set(certainty["role"]) - set(ROLE_ORDER)
    if unknown:
        raise PlainLanguageError(f"certainty.csv: unknown roles {sorted(unknown)}")
    certainty["_rank"] = certainty["role"].map(ROLE_ORDER.index)
    texts = t["plain_language"]
    out = []
    for _, row in certainty.sort_values("_rank", kind="stable").iterrows():
        text_row = texts[(texts["block"] == "card") & (texts["page"] == row["outcome_key"])]
        if len(text_row) != 1:
            raise PlainLanguageError(f"data/plain_language.csv: outcome {row['outcome_key']} needs one card text")
        card = cards[text_row["text_id"].iloc[0]]
        level = certainty_level(row["certainty"])
        kind = SOURCE_WORDS[row["source_kind"]]
        more = _link(card) if links else ""
        out += [f":::{{container}} outcome-card role-{row['role']}", "",
                f"**{escape_markdown(card['heading'])}**", "",
                f"{escape_markdown(_status(row['role'], row, t, facts))}", "",
                escape_with_terms(card["text"]), "",
                f"In whom: {escape_markdown(in_whom(row['studies'].split(';'), t))}", "",
                f"How sure: {escape_markdown(level)} certainty, so {escape_markdown(HOW_SURE[level])}. "
                f"Source: {escape_markdown(kind)}.{more}",
                "", ":::", ""]
    return "\n".join(out)

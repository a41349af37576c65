"""The plain layer: the short answer first, key facts, the questions readers bring, each chapter's
"In short" and the outcome cards; readable, written from the data, the main goal first."""
from __future__ import annotations

import copy

import re

import pytest
import textstat
import yaml
from bs4 import BeautifulSoup

from conftest import DATA, HTML, ROOT, built_page, set_cell
from evidence.data import load_table, load_tables
from bookview.plain import (PLAIN_TABLES, PlainLanguageError, plain_facts, plain_texts, short_answer_markdown,
                            template_problems)

#: The evidence chapters, each of which opens with its "In short" (data/plain_language.csv).
IN_SHORT_PAGES = ["what-it-is", "adhd-trials", "mechanisms", "side-effects", "dosing", "claims", "methods"]
#: Readability targets (Cochrane's plain-language guidance; textstat 0.7.3, pinned).
MIN_FLESCH = 50
MAX_WORDS_PER_SENTENCE = 20


def soup_of(page: str) -> BeautifulSoup:
    return built_page(page)


def reading_text(element) -> str:
    """The words a reader reads, block by block: each heading, paragraph and list item ends a
    sentence (a heading or label has no full stop of its own); code and the headers' link marks
    are not read."""
    element = copy.copy(element)  # the parse is shared: take elements out of a copy
    for gone in element.select(".headerlink, .cell_input, details.hide, script, style, .cell-label"):
        gone.decompose()
    blocks = []
    for block in element.find_all(["h1", "h2", "h3", "p", "li", "dt", "dd", "summary"]):
        if block.name in ("li", "dd") and block.find("p"):
            continue
        text = " ".join(block.get_text(" ").split())
        if text:
            blocks.append(text if re.search(r"[.!?:]$", text) else text + ".")
    return " ".join(blocks)


def readability(text: str) -> tuple[float, float]:
    words, sentences = textstat.lexicon_count(text), textstat.sentence_count(text)
    return textstat.flesch_reading_ease(text), words / sentences


@pytest.fixture(scope="module")
def tables():
    return load_tables(*PLAIN_TABLES)


def test_every_template_can_be_written_and_types_no_number(tables):
    problems = template_problems(tables["plain_language"], plain_facts(tables))
    assert not problems, "\n".join(problems)


def test_a_digit_typed_into_a_template_stops_the_plain_layer(tables):
    broken = dict(tables)
    texts = tables["plain_language"].copy()
    texts.loc[texts["text_id"] == "A01", "template"] = "In 2 trials it missed its main goal."
    broken["plain_language"] = texts
    with pytest.raises(PlainLanguageError, match=r"row \d+ .*A01.*a digit is typed"):
        short_answer_markdown(broken)


def test_the_front_page_opens_with_the_plain_answer(built_book):
    article = soup_of("intro.html").select_one("article.bd-article")
    first = article.find(["p", "div"], class_=lambda c: c and ("plain-answer" in c))
    assert first is not None, "the front page has no plain answer"
    before = [el for el in first.find_all_previous(["p", "table", "div"]) if el.find_parent("article") is article
              and el.get_text(strip=True) and "plain-answer" not in " ".join(el.get("class", []))
              and not el.find(class_="plain-answer") and el.name != "div"]
    assert not before, f"text comes before the plain answer: {[b.get_text()[:60] for b in before]}"
    answer = " ".join(first.get_text(" ").split())
    assert answer.startswith("Does it work for ADHD?"), answer[:80]


def test_the_front_page_and_each_in_short_read_plainly(built_book):
    article = soup_of("intro.html").select_one("article.bd-article")
    opening = " ".join(reading_text(article).split()[:250])
    flesch, per_sentence = readability(opening)
    assert flesch >= MIN_FLESCH, f"front page opening: Flesch reading ease {flesch:.0f}"
    assert per_sentence <= MAX_WORDS_PER_SENTENCE, f"front page opening: {per_sentence:.1f} words a sentence"
    for page in IN_SHORT_PAGES:
        box = soup_of(f"chapters/{page}.html").select_one("div.in-short")
        assert box is not None, f"{page} has no In short"
        flesch, per_sentence = readability(reading_text(box).replace("In short.", "", 1))
        assert flesch >= MIN_FLESCH, f"{page}: In short has Flesch reading ease {flesch:.0f}"
        assert per_sentence <= MAX_WORDS_PER_SENTENCE, f"{page}: In short has {per_sentence:.1f} words a sentence"


@pytest.mark.parametrize("page", IN_SHORT_PAGES)
def test_each_chapter_opens_with_in_short(built_book, page):
    article = soup_of(f"chapters/{page}.html").select_one("article.bd-article")
    title = article.find("h1")
    following = title.find_next(lambda tag: tag.name in ("p", "div") and tag.get_text(strip=True)
                                and (tag.name == "p" or "in-short" in tag.get("class", [])))
    assert following is not None and "in-short" in " ".join(following.get("class", [])), \
        f"{page}: the first text after the title is not its In short"
    sentences = textstat.sentence_count(reading_text(following).replace("In short.", "", 1))
    assert 3 <= sentences <= 5, f"{page}: In short has {sentences} sentences"


def test_the_plain_answer_states_the_data(built_book):
    """Recomputed here from the tables, not from the plain layer's own facts."""
    text = " ".join(soup_of("intro.html").select_one("div.plain-answer").get_text(" ").split())
    studies, facts, endpoints = load_table("studies"), load_table("study_facts"), load_table("endpoints")
    randomized = facts[facts["field"].isin(["allocation", "design"]) & facts["value"].str.startswith("randomized")]
    ours = studies[(studies["drug_identity"] == "fasoracetam") & studies["study_id"].isin(randomized["study_id"])]
    trials = ours["trial"].nunique()
    missed = endpoints[endpoints["study_id"].isin(ours["study_id"])].groupby(
        ours.set_index("study_id").loc[endpoints[endpoints["study_id"].isin(ours["study_id"])]["study_id"], "trial"].values
    )["result"].agg(lambda r: set(r) == {"not-met"})
    assert f"in {trials} trials" in text
    assert ("Both missed their main goal" in text) == (trials == 2 and missed.all())
    outcomes = load_table("outcomes")
    responders = outcomes[(outcomes["study_id"] == "saga") & (outcomes["analysis"] == "prespecified responder")
                          & (outcomes["statistic"] == "percent")].set_index("arm")["value"]
    assert f"{responders['drug']:g}% of teenagers" in text and f"{responders['placebo']:g}% did" in text
    assert text.index("Does it work for ADHD?") < text.index("What did the company report?"), \
        "the company's figures come before the answer on the main goal"
    great = load_table("enrollment").query("study_id == 'great' and stage == 'enrolled'")["n"].iloc[0]
    assert f"to {great} teenagers" in text


def test_key_facts_state_ages_doses_and_status_from_the_data(built_book):
    text = " ".join(soup_of("intro.html").select_one("div.key-facts").get_text(" ").split())
    facts = load_table("study_facts")
    ours = load_table("studies").query("drug_identity == 'fasoracetam'")["study_id"]
    given = facts[(facts["field"] == "ages") & facts["study_id"].isin(ours)]["value"]
    youngest = [int(m.group(1)) for m in (re.match(r"(\d+)", v) for v in given) if m]
    oldest = [int(m.group(1)) for m in (re.match(r"\d+\s*–\s*(\d+)", v) for v in given) if m]
    assert f"aged {min(youngest)} to {max(oldest)}" in text
    repeated_ids = load_table("dose_reports").query("context == 'trial repeated dose'")["study_id"]
    repeated_ages = [re.match(r"(\d+)\s*–\s*(\d+)", v).groups()
                     for v in facts[(facts["field"] == "ages") & facts["study_id"].isin(repeated_ids)]["value"]]
    assert (f"Teenagers aged {min(int(a) for a, _ in repeated_ages)} to {max(int(b) for _, b in repeated_ages)} took"
            in text), "the repeated doses are not said to have been given to the ages that took them"
    doses = load_table("doses")
    on_drug = doses[doses["mg_high"].fillna(0) > 0]
    weeks = int((on_drug["week_to"] - on_drug["week_from"] + 1).groupby(on_drug["study_id"]).sum().max())
    assert f"{weeks} weeks at most" in text
    repeated = load_table("dose_reports").query("context == 'trial repeated dose'")
    assert f"took up to {int(repeated['mg_high'].max())} mg per dose, twice a day, starting from {int(repeated['mg_low'].min())} mg" in text
    assert f"up to {int(repeated['mg_high'].max()) * 2} mg a day, by our calculation" in text
    singles = load_table("dose_reports").query("context == 'trial single dose'")
    assert f"Single test doses of {int(singles['mg_low'].min())} mg to {int(singles['mg_high'].max())} mg" in text
    identity = load_table("identity").set_index("property")["value"]
    assert identity["us_status"] in text and identity["australia_status"] in text
    certainty = set(load_table("certainty")["certainty"])
    if certainty == {"very low"}:
        assert "Very unsure." in text and "of very low certainty for all" in text


def test_a_met_primary_endpoint_would_change_the_answer(tables):
    changed = dict(tables)
    endpoints = tables["endpoints"].copy()
    endpoints.loc[endpoints["study_id"] == "saga", "result"] = "met"
    changed["endpoints"] = endpoints
    before, after = short_answer_markdown(tables), short_answer_markdown(changed)
    assert "It has not been shown to work" in before
    assert "It has not been shown to work" not in after and "1 of 2 trials with a dummy pill met" in after


def test_outcome_cards_put_the_main_goal_first_and_label_the_company_figures(built_book):
    certainty = load_table("certainty")
    for page in ("intro.html", "chapters/adhd-trials.html", "chapters/summary.html"):
        cards = soup_of(page).select("div.outcome-card")
        assert len(cards) == len(certainty), f"{page}: {len(cards)} cards for {len(certainty)} outcomes"
        roles = [next(c for c in card["class"] if c.startswith("role-"))[5:] for card in cards]
        assert roles[0] == "primary", f"{page}: the first card is {roles[0]}"
        assert roles == sorted(roles, key=["primary", "secondary", "uncontrolled", "acceptability"].index)
        for card, role in zip(cards, roles):
            text = " ".join(card.get_text(" ").split())
            assert "How sure:" in text and "certainty" in text and "In whom:" in text
            if role == "secondary":
                assert "the company's figures, which we could not check" in text.replace("’", "'")
        primary = " ".join(cards[0].get_text(" ").split())
        results = load_table("endpoints").set_index("study_id").loc[
            certainty.set_index("outcome_key").loc["adhd_rs_change", "studies"].split(";"), "result"]
        if set(results) == {"not-met"}:
            assert f"missed in {len(results)} of {len(results)}" in primary


def test_questions_page_answers_the_questions_readers_bring(built_book):
    soup = soup_of("chapters/questions.html")
    headings = [" ".join(h.get_text(" ").split()).rstrip("#").strip() for h in soup.select("article h2")]
    wanted = {"80%": r"80%", "safe": r"\bsafe\b", "dose": r"\bdose\b", "tolerance": r"\btolerance\b",
              "legal": r"\blegal\b", "paid": r"\bpaid\b"}
    for topic, pattern in wanted.items():
        assert any(re.search(pattern, h, re.I) for h in headings), f"no question on {topic}: {headings}"
    for section in soup.select("article section section"):
        answer = section.find("p")
        sentences = textstat.sentence_count(" ".join(answer.get_text(" ").split()))
        assert 2 <= sentences <= 3, f"{section.find('h2').get_text()}: {sentences} sentences"
        assert answer.find("a", href=True), f"{section.find('h2').get_text()}: no link to the detail"
    front = soup_of("intro.html")
    links = {a["href"] for a in front.select("a[href*='questions.html#']")}
    assert len(links) == len(headings), "the front page does not link every question"


def test_who_took_it_stands_beside_doses_and_side_effects(built_book):
    studies = load_table("studies")
    facts = load_table("study_facts")
    aged = facts[(facts["field"] == "ages") & facts["study_id"].isin(studies.query("drug_identity == 'fasoracetam'")["study_id"])]
    for page in ("dosing", "side-effects"):
        box = soup_of(f"chapters/{page}.html").select_one("div.who-studied")
        assert box is not None, f"{page} does not say who took the drug"
        text = " ".join(box.get_text(" ").split())
        for study, ages in zip(aged["study_id"], aged["value"]):
            name = studies.set_index("study_id").loc[study, "name"].split(" (")[0].split(" part")[0]
            closed = re.match(r"(\d+)\s*–\s*(\d+)", ages)
            youngest = re.match(r"(\d+)", ages)
            said = (f"aged {closed.group(1)} to {closed.group(2)}" if closed
                    else f"aged {youngest.group(1)} and older, the upper age not given" if youngest
                    else "of ages not given in the sources read")
            assert f"{name}:" in text and said in text, f"{page}: {name} {ages}"


def test_no_number_is_bolder_than_the_text_around_it(built_book):
    css = (ROOT / "_static" / "book.css").read_text(encoding="utf-8")
    rule = re.search(r"span\.pasted-text\s*\{([^}]*)\}", css)
    assert rule is None or "font-weight" not in rule.group(1), "glued numbers are styled bold"
    answer = soup_of("intro.html").select_one("div.plain-answer")
    bold = [b.get_text() for b in answer.select("strong, b")]
    assert not any(re.search(r"\d", b) for b in bold), f"a number is bold in the plain answer: {bold}"


def test_the_book_says_where_it_lives_from_the_one_setting(built_book):
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    address = (config.get("html", {}).get("baseurl") or "").strip()
    from bookbuild.sphinxext import NO_ADDRESS

    expected = address or NO_ADDRESS
    for page in ("intro.html", "chapters/summary.html"):
        text = " ".join(soup_of(page).get_text(" ").split())
        assert expected in text, f"{page} does not say where the book lives"


def test_the_edition_line_names_the_current_version(built_book):
    from evidence.versions import current_version

    current = current_version(load_table("versions"))
    text = " ".join(soup_of("intro.html").select_one("div.edition").get_text(" ").split())
    assert f"version {current['version']} of the book" in text
    assert soup_of("intro.html").select_one("div.edition a[href$='summary.html']") is not None


def test_key_messages_hold_no_nested_parentheses(built_book):
    for page in ["intro.html"] + [f"chapters/{p}.html" for p in IN_SHORT_PAGES]:
        box = next((a for a in soup_of(page).select("div.admonition") if "Key messages" in a.get_text()), None)
        if box is None:
            continue
        for item in box.select("li"):
            depth, deepest = 0, 0
            for char in item.get_text():
                depth += {"(": 1, ")": -1}.get(char, 0)
                deepest = max(deepest, depth)
            assert deepest <= 1, f"{page}: nested parentheses in a key message: {item.get_text()[:90]}"


def test_a_template_naming_an_unknown_fact_fails_with_its_row(tmp_path):
    """Bad input names the file, the row and the column."""
    import shutil

    copy = tmp_path / "data"
    shutil.copytree(DATA, copy)
    row = next(i for i, line in enumerate((copy / "plain_language.csv").read_text(encoding="utf-8").splitlines()[1:], 1)
               if line.startswith("K01,"))
    set_cell(copy / "plain_language.csv", row, "template", "Trials lasted {no_such_fact} weeks.")
    import pandas as pd

    texts = pd.read_csv(copy / "plain_language.csv", dtype=str, keep_default_na=False).replace("", pd.NA)
    problems = template_problems(texts, plain_facts(load_tables(*PLAIN_TABLES)))
    assert any(f"row {row} " in p and "K01" in p and '"template"' in p and "no_such_fact" in p for p in problems), problems

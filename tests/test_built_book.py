"""Checks on the built HTML: citations, the bibliography, internal links, glued numbers."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest
from pybtex.database import parse_file

from bookbuild.pages import page_sources
from conftest import ROOT, built_page, cell_text, html_pages, text_glue_references
from evidence.data import load_table



def page_for(source: Path, html_root: Path) -> Path:
    return html_root / source.relative_to(ROOT).with_suffix(".html")


def test_every_toc_page_was_built(built_book):
    for source in page_sources():
        assert page_for(source, built_book).is_file(), f"no page built for {source.relative_to(ROOT)}"


def _citation_links(page: Path) -> list:
    return built_page(page).select("span.bibtex-citation a[href]")


def test_every_citation_resolves_to_a_bibliography_entry(built_book):
    bibliography = built_book / "chapters" / "bibliography.html"
    entries = {tag["id"]: tag for tag in built_page(bibliography).select("div.citation[id]")}
    links = [(page, a) for page in html_pages(built_book) for a in _citation_links(page)]
    assert links, "no citation links found in the built book"
    for page, link in links:
        target, _, anchor = link["href"].partition("#")
        assert (page.parent / target).resolve() == bibliography.resolve(), \
            f"{page.name}: citation {link.get_text()!r} points at {target}, not the bibliography page"
        assert anchor in entries, f"{page.name}: citation {link.get_text()!r} points at a missing entry #{anchor}"


def test_every_cite_role_becomes_a_citation_on_its_page(built_book):
    """Each page shows as many citation links as its source has cite keys."""
    for source in page_sources():
        text = source.read_text(encoding="utf-8")
        keys = [k.strip() for group in re.findall(r"\{cite(?::[pt])?\}`([^`]+)`", text) for k in group.split(",")]
        if not keys:
            continue
        links = _citation_links(page_for(source, built_book))
        assert len(links) >= len(keys), f"{source.name}: {len(keys)} cite keys, {len(links)} citation links"


def test_bibliography_page_lists_every_entry_of_references_bib(built_book):
    page = built_page(built_book / "chapters" / "bibliography.html")
    entries = page.select("div.citation[id]")
    bib = parse_file(str(ROOT / "references.bib")).entries
    assert len(entries) == len(bib), f"bibliography page lists {len(entries)} entries; references.bib has {len(bib)}"
    text = page.get_text(" ")
    for key, entry in bib.items():
        title_start = re.sub(r"[{}]", "", entry.fields["title"]).split(":")[0][:30]
        assert title_start.lower() in text.lower(), f"{key}: title {title_start!r} not on the bibliography page"


def test_no_internal_link_is_broken(built_book):
    pages = html_pages(built_book)
    ids_by_page: dict[Path, set[str]] = {}
    broken = []
    for page in pages:
        for tag in built_page(page).select("a[href], link[href], script[src], img[src]"):
            url = tag.get("href") or tag.get("src")
            parsed = urlparse(url)
            if parsed.scheme or url.startswith("//") or url.startswith("mailto:"):
                continue
            path_part, fragment = urldefrag(url)
            target = (page.parent / unquote(path_part.split("?")[0])).resolve() if path_part else page
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.relative_to(built_book)} -> {url}")
                continue
            if fragment and target.suffix == ".html":
                if target not in ids_by_page:
                    ids_by_page[target] = {t["id"] for t in built_page(target).select("[id]")}
                if fragment not in ids_by_page[target]:
                    broken.append(f"{page.relative_to(built_book)} -> {url} (no such anchor)")
    assert not broken, "broken internal links:\n" + "\n".join(broken)


def _shown(html_root: Path, chapter: str) -> dict[str, str]:
    source = ROOT / "chapters" / f"{chapter}.md"
    keys = text_glue_references(source.read_text(encoding="utf-8"))
    spans = [s.get_text() for s in built_page(page_for(source, html_root)).select("span.pasted-text")]
    return dict(zip(keys, spans))


def test_what_it_is_numbers_equal_the_data(built_book):
    shown = _shown(built_book, "what-it-is")
    identity = load_table("identity").set_index("property")
    names = load_table("names")
    studies = load_table("studies")
    events = load_table("events")
    dated = events[events["start"].notna() | events["end"].notna()]
    first_dates = dated["start"].fillna(dated["end"]).str.slice(0, 4).astype(int)
    great = events[(events["study_id"] == "great") & events["n"].notna()].iloc[0]
    expected = {
        "identity_formula": identity.loc["formula", "value"],
        "identity_molar_mass": identity.loc["molar_mass", "value"],
        "identity_cas": identity.loc["cas", "value"],
        "identity_melting_point": identity.loc["melting_point", "value"],
        "identity_molar_mass_unit": identity.loc["molar_mass", "unit"],
        "identity_melting_point_unit": identity.loc["melting_point", "unit"],
        "names_count": str(len(names)),
        "codes_count": str(int((names["kind"] == "development code").sum())),
        "studies_count": str(len(studies)),
        "studies_registered_count": str(int(studies["registry_id"].notna().sum())),
        "events_dated_count": str(len(dated)),
        "events_undated_count": str(len(events) - len(dated)),
        "timeline_first_year": str(first_dates.min()),
        "timeline_last_year": str(first_dates.max()),
        "great_n": str(int(great["n"])),
        "great_start": great["start"],
        "not_met_count": str(int((events["primary_endpoint"] == "not-met").sum())),
    }
    for key, value in expected.items():
        assert shown.get(key) == value, f"what-it-is: {key} shows {shown.get(key)!r}, the data give {value!r}"


def test_identity_table_shows_every_identity_row_with_its_source(built_book):
    page = built_page(built_book / "chapters" / "what-it-is.html")
    text = page.get_text(" ")
    for _, row in load_table("identity").iterrows():
        assert row["value"] in text, f"identity value {row['value']!r} is not on the page"
    assert len(page.select("table")) >= 4


def test_not_medical_advice_on_the_landing_page(built_book):
    text = built_page(built_book / "index.html").get_text(" ") + built_page(built_book / "intro.html").get_text(" ")
    assert "not medical advice" in text.lower()


def _newcombe(k1, n1, k2, n2, z=1.959963984540054):
    """Newcombe's method 10 from Wilson's closed form, independent of the package."""
    def wilson(k, n):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5
        return centre - half, centre + half
    (l1, u1), (l2, u2) = wilson(k1, n1), wilson(k2, n2)
    p1, p2 = k1 / n1, k2 / n2
    return (p1 - p2, p1 - p2 - ((p1 - l1) ** 2 + (u2 - p2) ** 2) ** 0.5,
            p1 - p2 + ((u1 - p1) ** 2 + (p2 - l2) ** 2) ** 0.5)


def test_adhd_trials_numbers_equal_the_data(built_book):
    shown = _shown(built_book, "adhd-trials")
    outcomes = load_table("outcomes")
    flow = load_table("enrollment").set_index(["study_id", "arm", "stage"])["n"]
    endpoints = load_table("endpoints")

    def outcome(study, measure, arm, statistic, timepoint=None, analysis=None):
        rows = outcomes[(outcomes["study_id"] == study) & (outcomes["measure"] == measure)
                        & (outcomes["arm"] == arm) & (outcomes["statistic"] == statistic)]
        if timepoint:
            rows = rows[rows["timepoint"] == timepoint]
        if analysis:
            rows = rows[rows["analysis"] == analysis]
        assert len(rows) == 1
        return float(rows.iloc[0]["value"])

    expected = {
        "great_n": str(flow[("great", "all", "enrolled")]),
        "great_cgi_i_baseline": f"{outcome('great', 'CGI-I', 'all', 'mean', 'baseline'):.2f}",
        "great_cgi_i_week5": f"{outcome('great', 'CGI-I', 'all', 'mean', 'week 5'):.2f}",
        "great_cgi_s_baseline": f"{outcome('great', 'CGI-S', 'all', 'mean', 'baseline'):.2f}",
        "great_cgi_s_week5": f"{outcome('great', 'CGI-S', 'all', 'mean', 'week 5'):.2f}",
        "saga_enrolled": str(flow[("saga", "all", "enrolled")]),
        "saga_mitt_drug": str(flow[("saga", "drug", "modified intention-to-treat")]),
        "saga_mitt_placebo": str(flow[("saga", "placebo", "modified intention-to-treat")]),
        "saga_completed_drug": str(flow[("saga", "drug", "completed")]),
        "saga_completed_placebo": str(flow[("saga", "placebo", "completed")]),
        "posthoc_n": str(flow[("saga", "all", "post hoc subgroup")]),
        "studies_met": str(int((endpoints["result"] == "met").sum())),
    }
    rs = "ADHD-RS ≥30% improvement"
    drug_pct = outcome("saga", rs, "drug", "percent", analysis="prespecified responder")
    placebo_pct = outcome("saga", rs, "placebo", "percent", analysis="prespecified responder")
    n_drug = int(flow[("saga", "drug", "modified intention-to-treat")])
    n_placebo = int(flow[("saga", "placebo", "modified intention-to-treat")])
    k_drug, k_placebo = round(drug_pct * n_drug / 100), round(placebo_pct * n_placebo / 100)
    rd, low, high = _newcombe(k_drug, n_drug, k_placebo, n_placebo)
    expected.update({
        "saga_rs_drug_pct": f"{drug_pct:g}%", "saga_rs_placebo_pct": f"{placebo_pct:g}%",
        "saga_rs_drug_count": f"{k_drug} of {n_drug}", "saga_rs_placebo_count": f"{k_placebo} of {n_placebo}",
        "saga_rs_rd": f"{100 * rd:.0f}", "saga_rs_rd_ci": f"{100 * low:.0f} to {100 * high:.0f}",
        "saga_rs_nnt": f"{1 / rd:.1f}", "saga_rs_nnt_ci": f"{1 / high:.1f} to {1 / low:.1f}",
    })
    for key, value in expected.items():
        assert shown.get(key) == value, f"adhd-trials: {key} shows {shown.get(key)!r}, the data give {value!r}"


def test_adhd_trials_tables_show_every_design_fact_and_bias_judgement(built_book):
    text = built_page(built_book / "chapters" / "adhd-trials.html").get_text(" ")
    text = " ".join(text.translate(str.maketrans("“”‘’", "\"\"''")).split())  # undo Sphinx's smart quotes
    for value in load_table("study_facts")["value"]:
        assert value in text, f"design fact {value!r} is not on the page"
    for reason in load_table("bias")["reason"]:
        assert reason in text, f"risk-of-bias reason {reason[:40]!r}... is not on the page"
    assert "post hoc" in text.lower() and "derived" in text.lower()


def _table_rows(page: Path) -> list[list[str]]:
    return [[cell_text(td) for td in tr.select("td")] for tr in built_page(page).select("table tr")]


def test_mechanism_claims_appear_with_the_verdict_of_the_claims_table(built_book):
    page = built_book / "chapters" / "mechanisms.html"
    claims = load_table("claims")
    listed = claims[claims["chapter"] == "mechanisms"]
    required = {"C04", "C05", "C06", "C07", "C40", "C41", "C42", "C43", "C44"}  # the ids the chapter must cover
    assert required <= set(listed["claim_id"]), f"claims.csv lacks mechanism claims {required - set(listed['claim_id'])}"
    rows = {r[0]: r for r in _table_rows(page) if r and re.fullmatch(r"C\d{2}", r[0])}
    for _, claim in listed.iterrows():
        assert claim["claim_id"] in rows, f"{claim['claim_id']} is not in the chapter's claims table"
        row = rows[claim["claim_id"]]
        assert claim["verdict"] in row and claim["evidence"] in row, f"{claim['claim_id']}: page shows {row}"
    shown = _shown(built_book, "mechanisms")
    for claim_id in required:  # the prose names each mechanism claim's verdict
        assert shown[f"verdict_{claim_id}"] == listed.set_index("claim_id").loc[claim_id, "verdict"]


def test_mechanism_numbers_equal_the_data(built_book):
    shown = _shown(built_book, "mechanisms")
    findings = load_table("mechanisms")
    assert shown["findings_count"] == str(len(findings))
    assert shown["findings_human"] == str(int((findings["evidence_kind"] == "human").sum()))
    assert shown["findings_animal"] == str(int((findings["evidence_kind"] == "animal").sum()))
    ampk = findings[findings["system"] == "energy metabolism"]
    assert shown["ampk_studies"].split()[0] == str(ampk.loc[ampk["evidence_kind"] != "no study", "source"].nunique())
    text = built_page(built_book / "chapters" / "mechanisms.html").get_text(" ")
    for finding_id in findings["finding_id"]:
        assert finding_id in text, f"finding {finding_id} is not on the page"


def test_dosing_numbers_equal_the_data(built_book):
    shown = _shown(built_book, "dosing")
    doses = load_table("dose_reports")
    km = load_table("km_factors").set_index("species")
    community = doses[doses["context"] == "community"]
    community_day = community[community["per"] == "day"]
    repeated = doses[doses["context"] == "trial repeated dose"]
    trial_max_day = float((repeated["mg_high"] * repeated["times_high"]).max())
    assert shown["trial_day"].endswith(f"to {trial_max_day:g} mg per day")
    # the comparison page's standard dose is per dose, up to three times a day: its daily maximum counts too
    per_dose = community[(community["per"] == "administration") & community["times_high"].notna()]
    community_max_day = max(float(community_day["mg_high"].max()), float((per_dose["mg_high"] * per_dose["times_high"]).max()))
    assert shown["community_max_day"] == f"{community_max_day:g} mg per day"
    assert shown["ratio_day"] == f"{float(f'{trial_max_day / community_max_day:.2g}'):g}"
    rat = doses[doses["context"] == "animal study"].iloc[0]
    hed = rat["mg_per_kg"] * km.loc["rat", "km"] / km.loc["human adult", "km"]
    assert shown["hed_mg_per_kg"] == f"{float(f'{hed:.2g}'):g}"
    assert "hed_mg" not in shown, "the rat dose must not be turned into milligrams for a person"


def test_side_effect_page_shows_every_statement_and_the_rule_of_three(built_book):
    shown = _shown(built_book, "side-effects")
    statements = load_table("side_effects")
    assert shown["statements_said"] == str(int((statements["side"] != "registry results, unread").sum()))
    assert shown["unread_results_count"] == str(int((statements["side"] == "registry results, unread").sum()))
    assert shown["with_counts"] == str(int(statements["counts_reported"].sum()))
    flow = load_table("enrollment").set_index(["study_id", "arm", "stage"])["n"]
    # actual counts of people given fasoracetam (not a target; not the NB-001 trial, whose drug may not be fasoracetam)
    largest = max(int(flow[("great", "all", "enrolled")]), int(flow[("saga", "drug", "safety population")]))
    assert shown["largest_n"] == str(largest)
    assert shown["largest_bound"] == f"{100 * (1 - 0.05 ** (1 / largest)):.1f}%"
    text = " ".join(built_page(built_book / "chapters" / "side-effects.html").get_text(" ").split())
    text = text.translate(str.maketrans("“”‘’", "\"\"''"))
    for statement in statements["statement"]:
        assert statement in text, f"statement {statement[:40]!r} is not on the page"


def test_front_page_numbers_equal_the_data(built_book):
    source = ROOT / "intro.md"
    keys = text_glue_references(source.read_text(encoding="utf-8"))
    spans = [s.get_text() for s in built_page(built_book / "intro.html").select("span.pasted-text")]
    shown = dict(zip(keys, spans))
    claims = load_table("claims")
    assert shown["glance_claims"] == str(len(claims))
    for verdict in ("supported", "partly-supported", "unsupported", "contradicted"):
        assert shown[f"glance_{verdict.replace('-', '_')}"] == str(int((claims["verdict"] == verdict).sum()))


def test_data_page_offers_every_table_for_download(built_book):
    import json

    page = built_page(built_book / "chapters" / "data.html")
    links = {a.get_text().strip(): a["href"] for a in page.select("a.download, a[download], a[href*='_downloads']")}
    resources = json.loads((ROOT / "data" / "datapackage.json").read_text(encoding="utf-8"))["resources"]
    for resource in resources:
        assert resource["path"] in links, f"no download link for {resource['path']}"
        target = (built_book / "chapters" / links[resource["path"]]).resolve()
        assert target.read_bytes() == (ROOT / "data" / resource["path"]).read_bytes(), f"{resource['path']} differs"

"""Tables for the reader: MyST markdown with every cell escaped and every row cited.

A chapter displays the result with ``IPython.display.Markdown``; the book renders notebook
markdown output as MyST (``nb_render_markdown_format: myst``), so the ``{cite:p}`` roles in the
source column become real citations linked to the bibliography. Cell text from the data is
escaped, so nothing in a CSV can become markup, a role or raw HTML.
"""
from __future__ import annotations

import html
import re

import pandas as pd

from evidence.grading import VERDICT_RULES, certainty_rules_table

_ESCAPE = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|$~&:\"'=])")
KIND_LABELS = {
    "peer-reviewed": "peer-reviewed",
    "registry": "trial registry",
    "company-statement": "company statement",
    "regulator": "regulator",
    "tertiary": "tertiary",
}


def escape_markdown(value) -> str:
    """Text that MyST shows literally: punctuation backslash-escaped, newlines flattened."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = " ".join(str(value).split())
    return _ESCAPE.sub(r"\\\1", text)


#: A glossary term marked in the book's own words (templates, key messages): ``[[placebo|Placebo]]``
#: shows "placebo" and links to the glossary's "Placebo"; ``[[Placebo]]`` shows the term itself.
TERM_MARK = re.compile(r"\[\[([^\[\]|`<>]+?)(?:\|([^\[\]|`<>]+?))?\]\]")


def escape_with_terms(text: str) -> str:
    """The book's own words as MyST: escaped as :func:`escape_markdown`, except that each
    ``[[shown|Term]]`` becomes a link to the glossary's Term (a ``{term}`` role; the build fails on
    a term the glossary lacks), which a reader can open in place."""
    def piece(words: str) -> str:  # escaped, keeping a space at either end
        return ((" " if words[:1].isspace() else "") + escape_markdown(words)
                + (" " if words[-1:].isspace() and words.strip() else ""))

    text = str(text)
    parts, last = [], 0
    for found in TERM_MARK.finditer(text):
        parts.append(piece(text[last:found.start()]))
        shown, term = found.group(1).strip(), (found.group(2) or found.group(1)).strip()
        parts.append(f"{{term}}`{shown} <{term}>`")
        last = found.end()
    parts.append(piece(text[last:]))
    return "".join(parts).strip()


def citation(source_key: str) -> str:
    """A parenthetical citation role for a bibliography key, or for several keys separated by ';'
    (keys are validated identifiers)."""
    if not re.fullmatch(r"[a-z0-9_]+(;[a-z0-9_]+)*", str(source_key)):
        raise ValueError(f"not a bibliography key: {source_key!r}")
    return f"{{cite:p}}`{','.join(str(source_key).split(';'))}`"


#: Tables with at least this many columns read as cards on a phone (``_static/book.css``).
CARD_COLUMNS = 3


def cell_label(header: str) -> str:
    """The label a cell carries for a phone, where a wide table reads as one card per row: its
    column's header, hidden on a wide screen and from screen readers (they have the header)."""
    return f'<span class="cell-label" aria-hidden="true">{html.escape(header)}</span>'


def markdown_table(frame: pd.DataFrame, columns: dict[str, str], *,
                   missing: str = "not reported in the sources reviewed", markup: tuple[str, ...] = ()) -> str:
    """A MyST pipe table of ``columns`` (name → header), every cell escaped; empty cells read
    ``missing`` (in italics). Columns named in ``markup`` hold MyST that the calling code built (a
    citation or link role), not data, and are not escaped. A table of :data:`CARD_COLUMNS` or more
    columns labels each cell with its header (:func:`cell_label`), so that on a phone each row
    reads as a card with no column off the screen. The one way the book writes a table."""
    headers = list(columns.values())
    labelled = len(headers) >= CARD_COLUMNS
    lines = ["| " + " | ".join(escape_markdown(h) for h in headers) + " |",
             "|" + "|".join(" --- " for _ in headers) + "|"]
    for _, row in frame.iterrows():
        cells = []
        for col, header in columns.items():
            value = row[col]
            if not isinstance(value, str) and pd.isna(value):
                cell = f"*{escape_markdown(missing)}*"
            else:
                cell = str(value) if col in markup else escape_markdown(value)
            cells.append((cell_label(header) + cell) if labelled else cell)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def folded(summary: str, body: str, *, open_on_link: bool = False) -> str:
    """Markdown (a table, usually) folded under a line that says what it holds: the reader opens
    it with a tap, and the page stays short on a phone. Print opens every fold (bookbuild/pdf.py).
    With ``open_on_link``, a link to the section that holds it opens it (``_static/menus.js``):
    for a fold that is what the link promises."""
    classes = "folded open-on-link" if open_on_link else "folded"
    return (f'<details class="{classes}">\n<summary>{html.escape(summary)}</summary>\n\n'
            f"{body.rstrip()}\n\n</details>\n")


def cited_table(frame: pd.DataFrame, columns: dict[str, str], *, source: str = "source",
                locator: str | None = "locator", kind: str | None = "source_kind",
                missing: str = "not reported in the sources reviewed", markup: tuple[str, ...] = ()) -> str:
    """A MyST pipe table of ``columns`` (name → header) plus a 'Source' column (see
    :func:`markdown_table`).

    The source column holds the citation, the locator inside the source and the kind of
    source, e.g. "(Elia et al., 2018), abstract; peer-reviewed".
    """
    def where(row) -> str:
        text = citation(row[source])
        if locator:
            text += ", " + escape_markdown(row[locator])
        if kind:
            text += "; " + escape_markdown(KIND_LABELS[row[kind]])
        return text

    with_source = frame.assign(_source=[where(row) for _, row in frame.iterrows()])
    return markdown_table(with_source, {**columns, "_source": "Source"}, missing=missing, markup=markup + ("_source",))


def value_with_unit(frame: pd.DataFrame, value: str = "value", unit: str = "unit") -> pd.Series:
    """Each value followed by its unit where it has one ("196.250 g/mol", "57 °C")."""
    return pd.Series([v if pd.isna(u) else f"{v} {u}" for v, u in zip(frame[value], frame[unit])],
                     index=frame.index, dtype="string")


CLAIM_COLUMNS = {"claim_id": "Id", "claim": "Claim", "verdict": "Verdict", "evidence": "Best evidence",
                 "certainty": "Certainty", "note": "Why"}


def claims_sources(row) -> str:
    """The Source cell of a claim: the sources behind its verdict, then those checked that hold no
    finding on it, or the words 'no source found'."""
    basis, checked = row.get("basis"), row.get("checked")
    parts = []
    if isinstance(basis, str) and basis:
        parts.append(citation(basis))
    if isinstance(checked, str) and checked:
        parts.append("checked, no finding on the claim: " + citation(checked))
    return "; ".join(parts) if parts else "*no source found*"


_CLAIM_ID = re.compile(r"C[0-9]{2,3}")
#: The page that holds the ledger, relative to the chapters (every page listing claims is one).
LEDGER_PAGE = "claims.html"


def claim_id_cell(claim_id: str, *, anchor: bool) -> str:
    """The Id cell of a claim: on the ledger, the claim's stable anchor (``claims.html#C15``)
    linking to itself; elsewhere, a link to that anchor."""
    if not _CLAIM_ID.fullmatch(str(claim_id)):
        raise ValueError(f"not a claim id: {claim_id!r}")
    if anchor:
        return f'<a class="claim-anchor" id="{claim_id}" href="#{claim_id}">{claim_id}</a>'
    return f'<a class="claim-link" href="{LEDGER_PAGE}#{claim_id}">{claim_id}</a>'


#: What the book shows for the certainty of a claim that nothing bears on. GRADE rates a body of
#: evidence; where there is none, the ledger's fixed vocabulary keeps "very-low" in the data, and
#: the book says so plainly instead (the claims chapter states this departure from GRADE).
NO_EVIDENCE = "no evidence found"


def certainty_shown(claims: pd.DataFrame) -> pd.Series:
    """Each claim's certainty as the book shows it: the ledger's word, or :data:`NO_EVIDENCE`
    where nothing bears on the claim and the ledger keeps very-low for it. A claim that data are
    missing also has no evidence behind it, by its nature, but the grading rule gives it its own
    certainty (low: a search found none), which is shown as it is."""
    return pd.Series([NO_EVIDENCE if e == "none" and c == "very-low" else c
                      for c, e in zip(claims["certainty"], claims["evidence"])],
                     index=claims.index, dtype="string")


def claims_ledger(claims: pd.DataFrame, columns: dict[str, str], markup: tuple[str, ...] = (),
                  *, anchors: bool = False) -> str:
    """A MyST pipe table of claims: ``columns`` (name → header) and a Source column (see
    :func:`claims_sources`). Columns in ``markup`` hold MyST built by the caller and are not escaped.
    The ``claim_id`` column holds each claim's anchor (``anchors``, on the ledger) or a link to it;
    the certainty column shows :func:`certainty_shown`."""
    shown = claims.assign(
        certainty=certainty_shown(claims),
        claim_id=[claim_id_cell(c, anchor=anchors) for c in claims["claim_id"]],
        _source=[claims_sources(row) for _, row in claims.iterrows()])
    return markdown_table(shown, {**columns, "_source": "Source"}, missing="",
                          markup=tuple(markup) + ("claim_id", "_source"))


def claims_table(claims: pd.DataFrame, chapter: str) -> str:
    """The popular claims a chapter discusses, with the ledger's verdict, the sources behind it and
    the sources checked that hold nothing on it."""
    rows = claims[claims["chapter"] == chapter]
    if rows.empty:
        raise ValueError(f"no claim in the ledger names the chapter {chapter!r}")
    return claims_ledger(rows, CLAIM_COLUMNS)


def filter_controls(frame: pd.DataFrame, columns: dict[str, str], element_id: str, noun: str) -> str:
    """HTML select controls that filter the table following them on the page (by
    ``_static/ledger-filter.js``): one control per column, listing the column's values."""
    from html import escape

    parts = [f'<div id="{escape(element_id)}" class="table-filter" role="group" aria-label="Filter the {escape(noun)}">']
    for col, header in columns.items():
        options = "".join(f'<option value="{escape(v)}">{escape(v)}</option>' for v in sorted(frame[col].dropna().unique()))
        parts.append(f'<label>{escape(header)} <select data-column="{escape(header)}">'
                     f'<option value="">all</option>{options}</select></label>')
    parts.append('<span data-role="status" aria-live="polite"></span></div>')
    return " ".join(parts)


# --- tables of the book's rules and versions ---------------------------------------------------

def version_table(versions: pd.DataFrame) -> str:
    """The versions, newest first (by date, then by number), as a MyST table: number, date, what
    changed, conclusions."""
    key = versions["version"].str.split(".", expand=True).astype(int)
    ordered = (versions.assign(_major=key[0], _minor=key[1])
               .sort_values(["date", "_major", "_minor"], ascending=False).drop(columns=["_major", "_minor"]))
    shown = ordered.assign(
        shown_date=[f"{pd.Timestamp(d):%Y-%m-%d}" for d in ordered["date"]],
        changed=["yes: " + str(w) if c else "no" for c, w in zip(ordered["conclusions_changed"],
                                                                 ordered["what_conclusions_changed"])])
    return markdown_table(shown, {"version": "Version", "shown_date": "Date", "summary": "What changed",
                                  "changed": "Conclusions changed"})


def rules_markdown() -> str:
    """The decision tables as MyST pipe tables: certainty, then the verdicts allowed."""
    def table(headers, rows):
        frame = pd.DataFrame([list(r) for r in rows], columns=headers)
        return markdown_table(frame, {h: h for h in headers})

    certainty = certainty_rules_table()
    names = {"effect": "what the drug does", "record": "a fact about a study, document or programme",
             "gap": "that data are missing"}
    kinds = {("effect", "human"): "a study in people",
             ("effect", "other"): "only a company statement, animal or laboratory study, or tertiary page",
             ("record", "primary"): "a primary record (paper, registry)",
             ("record", "other"): "only a company statement or tertiary page"}
    verdicts = [(names[c], kinds.get((c, k), "nothing"), ", ".join(v), why) for c, k, v, why in VERDICT_RULES]
    return (table(["Claim says", "Best evidence", "Certainty", "Why"], certainty.itertuples(index=False))
            + "\n" + table(["Claim says", "Best evidence", "Verdicts allowed", "Why"], verdicts))

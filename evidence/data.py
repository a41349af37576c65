"""The one place that reads the book's data: validate the whole data package, then load a table.

The schemas live in ``data/datapackage.json`` (a Frictionless Data Package: Table Schema with
types, constraints, primary keys and foreign keys). Frictionless does the checking; this module
adds the checks a Table Schema cannot express (every source key is an entry of
``references.bib``; partial dates are real dates and do not end before they start; every key
in a ``;``-separated list field names a row of the table it refers to) and turns
every problem into one line that names the file, the row and the column.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .dates import partial_date_bounds

ROOT = Path(__file__).resolve().parent.parent

#: Tables whose rows carry ``start``/``end`` partial dates (YYYY, YYYY-MM or YYYY-MM-DD).
_DATE_FIELDS = ("start", "end")


class DataError(Exception):
    """The data package is invalid. ``problems`` holds one readable line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = problems[:20]
        more = f"\n  ... and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        super().__init__(
            f"the book's data are invalid ({len(problems)} problem{'s' if len(problems) != 1 else ''}):\n  "
            + "\n  ".join(shown)
            + more
        )


@dataclass(frozen=True)
class Paths:
    data: Path
    bibliography: Path


def project_paths() -> Paths:
    """Where the data package and the bibliography are (``EVIDENCE_DATA_DIR`` overrides the data)."""
    data = Path(os.environ.get("EVIDENCE_DATA_DIR", ROOT / "data")).resolve()
    bib = Path(os.environ.get("EVIDENCE_BIBLIOGRAPHY", data.parent / "references.bib")).resolve()
    return Paths(data=data, bibliography=bib)


def data_fingerprint(paths: Paths | None = None) -> str:
    """A hash of every file the validation reads: it changes whenever the data change."""
    paths = paths or project_paths()
    h = hashlib.sha256()
    for f in sorted(paths.data.glob("*")) + [paths.bibliography]:
        if f.is_file():
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()


# --- validation ------------------------------------------------------------------------------

def _where(file: str, row_number: int | None = None, column: str | None = None) -> str:
    place = f"data/{file}"
    if row_number is not None:
        # Frictionless counts lines of the file: the header is line 1, the first data row line 2.
        place += f", row {row_number - 1} (line {row_number})"
    if column is not None:
        place += f', column "{column}"'
    return place


def _describe_constraint(field: dict, constraint: str) -> str:
    c = field.get("constraints", {})
    if constraint == "enum":
        return "one of " + ", ".join(f'"{v}"' for v in c["enum"])
    if constraint == "minimum":
        return f"a value of at least {c['minimum']}"
    if constraint == "maximum":
        return f"a value of at most {c['maximum']}"
    if constraint == "pattern":
        return f"text matching the pattern {c['pattern']}"
    if constraint == "required":
        return "a value (this column is required)"
    return f"a value meeting the {constraint} constraint"


def _read_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return next(csv.reader(fh), [])


def _file_problems(resource: dict, data_dir: Path) -> list[str]:
    """Problems that stop a table from being read at all: missing, empty, not UTF-8, wrong columns."""
    name = resource["path"]
    path = data_dir / name
    if not path.is_file():
        return [f"data/{name}: the file is missing (datapackage.json lists it)"]
    raw = path.read_bytes()
    if not raw.strip():
        return [f"data/{name}: the file is empty; expected a header row naming the columns "
                + ", ".join(f["name"] for f in resource["schema"]["fields"]) + ", then data rows"]
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return [f"data/{name}, line {line}: the file is not UTF-8 text "
                f"(byte 0x{raw[exc.start]:02x} at offset {exc.start}); save it as UTF-8"]
    header = _read_header(path)
    expected = [f["name"] for f in resource["schema"]["fields"]]
    problems = []
    for col in expected:
        if col not in header:
            problems.append(f'{_where(name)}, column "{col}": the column is missing from the header '
                            f"(expected columns, in order: {', '.join(expected)})")
    for col in header:
        if col not in expected:
            problems.append(f'{_where(name)}, column "{col}": unexpected column, not in the schema '
                            f"(expected columns, in order: {', '.join(expected)})")
    if not problems and header != expected:
        problems.append(f"{_where(name)}: the columns are out of order; expected {', '.join(expected)}")
    if not problems and len(raw.decode("utf-8").strip().splitlines()) < 2:
        problems.append(f"{_where(name)}: the file has a header but no data rows")
    return problems


def _frictionless_problems(descriptor_path: Path, resources: dict[str, dict]) -> list[str]:
    from frictionless import Package

    report = Package(str(descriptor_path)).validate()
    problems = []
    for task in report.tasks:
        res = resources[task.name]
        fields = {f["name"]: f for f in res["schema"]["fields"]}
        file = res["path"]
        for err in task.errors:
            kind = err.type
            row = getattr(err, "row_number", None)
            col = getattr(err, "field_name", None)
            cell = getattr(err, "cell", None)
            if kind == "type-error":
                problems.append(f'{_where(file, row, col)}: "{cell}" is not of type '
                                f'{fields[col]["type"]}; expected a value of type {fields[col]["type"]}')
            elif kind == "constraint-error":
                constraint = err.note.split('"')[1] if '"' in err.note else err.note
                problems.append(f'{_where(file, row, col)}: "{cell}" is out of range; expected '
                                + _describe_constraint(fields[col], constraint))
            elif kind == "primary-key":
                key = res["schema"]["primaryKey"]
                key = [key] if isinstance(key, str) else key
                problems.append(f'{_where(file, row, key[0])}: duplicate id "'
                                + ", ".join(str(c) for c in err.cells[: len(key)])
                                + '"; every row needs a unique ' + ", ".join(key))
            elif kind == "foreign-key":
                names = err.field_names
                values = err.field_cells
                target = resources[err.reference_name]["path"]
                if err.reference_name == "sources":
                    problems.append(
                        f'{_where(file, row, names[0])}: unknown source "{values[0]}" '
                        f'(with source_kind "{values[1]}"); expected a key of references.bib listed in '
                        f"data/sources.csv with that same kind")
                else:
                    problems.append(
                        f'{_where(file, row, names[0])}: "{values[0]}" does not name a row of data/{target} '
                        f"({', '.join(err.reference_field_names)}); a dangling reference")
            elif kind in ("blank-row",):
                problems.append(f"{_where(file, row)}: the row is blank; remove it")
            elif kind in ("extra-cell", "missing-cell"):
                problems.append(f"{_where(file, row, col)}: {'too many' if kind == 'extra-cell' else 'too few'} "
                                f"cells in this row; expected {len(fields)}")
            else:
                problems.append(f"{_where(file, row, col)}: {err.message}")
    return problems


def _list_reference_problems(resource: dict, resources: dict[str, dict], data_dir: Path) -> list[str]:
    """Fields holding several keys of another table, declared in the schema as
    ``"x-list-reference": {"resource": ..., "field": ..., "separator": ";"}``: every key must exist."""
    problems = []
    for field in resource["schema"]["fields"]:
        ref = field.get("x-list-reference")
        if not ref:
            continue
        target = resources[ref["resource"]]
        with (data_dir / target["path"]).open(encoding="utf-8", newline="") as fh:
            keys = {row[ref["field"]] for row in csv.DictReader(fh)}
        with (data_dir / resource["path"]).open(encoding="utf-8", newline="") as fh:
            for i, row in enumerate(csv.DictReader(fh), start=2):
                for key in filter(None, (row.get(field["name"]) or "").split(ref["separator"])):
                    if key not in keys:
                        problems.append(f'{_where(resource["path"], i, field["name"])}: "{key}" does not name a row of '
                                        f'data/{target["path"]} ({ref["field"]}); a dangling reference')
    return problems


def _date_problems(resource: dict, data_dir: Path) -> list[str]:
    names = [f["name"] for f in resource["schema"]["fields"]]
    if not any(d in names for d in _DATE_FIELDS):
        return []
    problems = []
    with (data_dir / resource["path"]).open(encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=2):
            spans = {}
            for col in _DATE_FIELDS:
                value = (row.get(col) or "").strip()
                if not value:
                    continue
                try:
                    spans[col] = partial_date_bounds(value)
                except ValueError as exc:
                    problems.append(f'{_where(resource["path"], i, col)}: "{value}" is not a real date ({exc})')
            if len(spans) == 2 and spans["end"][1] < spans["start"][0]:
                problems.append(f'{_where(resource["path"], i, "end")}: "{row["end"]}" is before the start '
                                f'"{row["start"]}"; expected an end on or after the start')
    return problems


#: Fields every bibliography entry of a type must have.
REQUIRED_BIB_FIELDS = {"article": ("author", "title", "journal", "year"), "misc": ("author", "title", "year")}
DOI = re.compile(r"10\.\d{4,9}/\S+")
#: Every entry's ``note`` says where the source was read: "Where read: <page, record or list>".
WHERE_READ = re.compile(r"Where read:\s*(\S.*)", re.DOTALL)


def where_read(entry) -> str | None:
    """The "Where read: ..." statement of a pybtex bibliography entry's note, or None."""
    match = WHERE_READ.search(str(entry.fields.get("note", "")))
    return match.group(1).strip() if match else None


def _bibliography_problems(paths: Paths) -> list[str]:
    """Every source in data/sources.csv is a references.bib entry, and every entry has a row."""
    from pybtex.database import parse_file

    if not paths.bibliography.is_file():
        return [f"{paths.bibliography.name}: the bibliography is missing"]
    try:
        entries = parse_file(str(paths.bibliography)).entries
    except Exception as exc:  # pybtex raises its own error types for syntax and duplicate keys
        return [f"{paths.bibliography.name}: cannot be read as BibTeX ({exc})"]
    bib_keys = set(entries.keys())
    problems = []
    for key, entry in entries.items():
        required = REQUIRED_BIB_FIELDS.get(entry.type.lower(), ("title",))
        fields = {name.lower(): value for name, value in entry.fields.items()}
        has_author = bool(entry.persons.get("author"))
        for field in required:
            if field == "author" and has_author:
                continue
            if not str(fields.get(field, "")).strip():
                problems.append(f'{paths.bibliography.name}, entry "{key}": the field "{field}" is missing '
                                f"(a @{entry.type} needs {', '.join(required)})")
        if not where_read(entry):
            problems.append(f'{paths.bibliography.name}, entry "{key}": the note does not say where the source '
                            'was read; end the note with "Where read: ..." (the page, record or reference list '
                            "the text was read on)")
        doi = str(fields.get("doi", "")).strip()
        if doi and not DOI.fullmatch(doi):
            problems.append(f'{paths.bibliography.name}, entry "{key}": "{doi}" is not a DOI '
                            "(expected 10.<registrant>/<suffix>, without https://doi.org/)")
    listed = set()
    with (paths.data / "sources.csv").open(encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=2):
            key = row.get("source", "")
            listed.add(key)
            if key not in bib_keys:
                problems.append(f'{_where("sources.csv", i, "source")}: "{key}" is not an entry of '
                                f"{paths.bibliography.name}; expected one of its keys")
    for key in sorted(bib_keys - listed):
        problems.append(f'{paths.bibliography.name}, entry "{key}": no row in data/sources.csv; '
                        "add one with its source_kind and how much of it was read")
    return problems


def validation_problems(paths: Paths | None = None) -> list[str]:
    """Every problem in the data package, one readable line each (empty when valid)."""
    paths = paths or project_paths()
    descriptor = paths.data / "datapackage.json"
    try:
        package = json.loads(descriptor.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"data/datapackage.json: cannot be read as JSON ({exc})"]
    resources = {r["name"]: r for r in package["resources"]}
    problems = []
    for res in resources.values():
        problems += _file_problems(res, paths.data)
    if problems:  # tables that cannot be read make every later check noise
        return problems
    problems += _frictionless_problems(descriptor, resources)
    for res in resources.values():
        problems += _date_problems(res, paths.data)
        problems += _list_reference_problems(res, resources, paths.data)
    problems += _bibliography_problems(paths)
    return problems


#: Where a passed validation is remembered across processes (each chapter's kernel is one).
VALIDATED_DIR = ROOT / "_build" / ".validated-data"


@lru_cache(maxsize=4)
def _validated(fingerprint: str, data_dir: str, bib: str) -> None:
    marker = VALIDATED_DIR / fingerprint
    if marker.is_file():
        return
    problems = validation_problems(Paths(Path(data_dir), Path(bib)))
    if problems:
        raise DataError(problems)
    VALIDATED_DIR.mkdir(parents=True, exist_ok=True)
    marker.touch()


def validate_data(paths: Paths | None = None) -> None:
    """Raise :class:`DataError` unless the whole data package is valid.

    A pass is remembered per version of the data, the bibliography and this module (the key
    hashes all three), in this process and in ``_build/.validated-data/``, so the chapters of
    one build do not validate the same files again; a failure is never remembered.
    """
    paths = paths or project_paths()
    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    key = hashlib.sha256((data_fingerprint(paths) + code).encode()).hexdigest()
    _validated(key, str(paths.data), str(paths.bibliography))


# --- loading ---------------------------------------------------------------------------------

_LOADED: list[str] = []


def load_table(name: str) -> pd.DataFrame:
    """The validated table ``data/<name>.csv`` as a DataFrame with the schema's types.

    The whole package is validated first (types, constraints, keys, references, the
    bibliography); any problem raises :class:`DataError` and nothing is returned.
    Missing values are ``<NA>``; integers are ``Int64``, booleans ``boolean``, text ``string``.
    """
    paths = project_paths()
    validate_data(paths)
    package = json.loads((paths.data / "datapackage.json").read_text(encoding="utf-8"))
    resources = {r["name"]: r for r in package["resources"]}
    if name not in resources:
        raise KeyError(f"no table named {name!r} in data/datapackage.json; tables: {', '.join(resources)}")
    schema = resources[name]["schema"]
    frame = pd.read_csv(paths.data / resources[name]["path"], dtype=str, keep_default_na=False,
                        encoding="utf-8")
    for field in schema["fields"]:
        col = frame[field["name"]].replace("", pd.NA)
        kind = field["type"]
        if kind == "integer":
            col = pd.to_numeric(col).astype("Int64")
        elif kind == "number":
            col = pd.to_numeric(col).astype("Float64")
        elif kind == "boolean":
            col = col.map({"true": True, "false": False}, na_action="ignore").astype("boolean")
        else:
            col = col.astype("string")
        frame[field["name"]] = col
    frame.attrs["source_file"] = f"data/{resources[name]['path']}"
    frame.attrs["schema"] = schema
    _LOADED.append(name)
    return frame


def load_tables(*names: str) -> dict[str, pd.DataFrame]:
    """Several validated tables by name, as a dict (see :func:`load_table`). Name them literally,
    ``load_tables("studies", "claims")``: the build reads the names from the chapter's text to
    know which tables a chapter depends on."""
    return {name: load_table(name) for name in names}


def tables_loaded() -> list[str]:
    """Names of the tables this process has loaded, in order (used by the tests)."""
    return list(dict.fromkeys(_LOADED))


def main(argv: list[str] | None = None) -> int:
    """``python -m evidence.data``: validate the data package; print problems; exit 1 if any."""
    import sys

    problems = validation_problems()  # paths from the environment; no arguments are taken
    if problems:
        print(DataError(problems), file=sys.stderr)
        return 1
    print(f"data package valid: {project_paths().data}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

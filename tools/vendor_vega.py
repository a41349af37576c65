"""Regenerate _static/vendor/vega-bundle.js from the npm registry, for the installed Altair.

Altair's HTML output loads vega, vega-lite and vega-embed from a public CDN unless
``window.VEGA_DEBUG`` already records the versions it asks for. This script packs the
versions Altair asks for (the newest vega and vega-embed of Altair's major versions, and
exactly Altair's vega-lite), concatenates their minified UMD builds in load order, and appends
the VEGA_DEBUG record, so every chart draws with no network. The versions are written to
_static/vendor/vega-versions.json; a test checks that they still match the installed Altair.

Usage: .venv/bin/python tools/vendor_vega.py   (needs npm; run after upgrading Altair)
"""
from __future__ import annotations

import json
import re
import subprocess
import tarfile
import tempfile
from pathlib import Path

import altair as alt

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "_static" / "vendor"
BUILDS = {"vega": "build/vega.min.js", "vega-lite": "build/vega-lite.min.js", "vega-embed": "build/vega-embed.min.js"}


def requested_versions() -> dict[str, str]:
    """The version strings Altair's HTML template asks for, keyed by npm package."""
    return {"vega": alt.VEGA_VERSION, "vega-lite": alt.VEGALITE_VERSION, "vega-embed": alt.VEGAEMBED_VERSION}


def npm(*args: str, cwd: Path) -> str:
    return subprocess.run(["npm", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def main() -> None:
    wanted = requested_versions()
    OUT.mkdir(parents=True, exist_ok=True)
    parts, resolved = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        for package, spec in wanted.items():
            versions = json.loads(npm("view", f"{package}@{spec}", "version", "--json", cwd=tmpdir))
            versions = versions if isinstance(versions, list) else [versions]
            # npm lists versions unordered; take the newest release (no pre-releases).
            version = max((v for v in versions if "-" not in v), key=lambda v: tuple(int(p) for p in v.split(".")))
            tarball = npm("pack", f"{package}@{version}", "--silent", cwd=tmpdir).strip().splitlines()[-1]
            with tarfile.open(tmpdir / tarball) as tar:
                member = tar.extractfile(f"package/{BUILDS[package]}")
                assert member is not None, f"{package}@{version} has no {BUILDS[package]}"
                code = member.read().decode("utf-8")
            # Drop source-map comments: the maps are not vendored, so nothing may ask for them.
            code = "\n".join(line for line in code.splitlines() if not line.startswith("//# sourceMappingURL="))
            # vega@6.3.0's build reported itself as 5.33.1, which vega-embed warns about: refuse such builds.
            reported = set(re.findall(r'(?:\.version=|var n=)"([0-9]+\.[0-9]+\.[0-9]+)"', code))
            if package != "vega-embed" and reported != {version}:
                raise SystemExit(f"{package}@{version}'s build reports version(s) {sorted(reported)}")
            resolved[package] = version
            parts.append(f"/* {package}@{version} ({BUILDS[package]}) from the npm registry */\n{code}\n")
    debug = {f"{p.replace('-', '')}_version": v for p, v in wanted.items()}
    parts.append(
        "/* Tell Altair's loader these libraries are already here, so it never asks the CDN. */\n"
        f"window.VEGA_DEBUG = Object.assign(window.VEGA_DEBUG || {{}}, {json.dumps(debug, sort_keys=True)});\n"
    )
    (OUT / "vega-bundle.js").write_text("".join(parts), encoding="utf-8")
    manifest = {"altair": alt.__version__, "requested": wanted, "resolved": resolved}
    (OUT / "vega-versions.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    size = (OUT / "vega-bundle.js").stat().st_size
    print(f"wrote {OUT / 'vega-bundle.js'} ({size / 1e3:.0f} kB): {resolved}")


if __name__ == "__main__":
    main()

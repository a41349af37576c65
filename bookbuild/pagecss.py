"""Each page carries the styles it uses in its own ``<style>``, instead of linking nine stylesheets.

On a slow phone a linked stylesheet costs a connection and a round trip before anything is
painted, and the theme's stylesheet (400 kB) is mostly rules for components this book never
shows. After a build, every page written in it has its run of ``<link rel="stylesheet">`` tags
replaced by one ``<style>`` holding the same stylesheets, in the same order, with two changes:

- a rule is left out when one of its selectors' class names or ids occurs neither in the page nor
  in any script the book ships (PurgeCSS's rule: scripts add classes at run time, so every word of
  every script counts as used). Selectors inside functional pseudo-classes (``:not()``,
  ``:is()``, ...) and attribute tests never remove a rule; at-rules other than ``@media``,
  ``@supports``, ``@layer`` and ``@container`` are kept whole, and those four are kept with the
  rules inside them that are used;
- ``@import`` is replaced by the imported file, and every relative ``url()`` is rewritten to
  point from the page to the file it named.

The ``<style>`` names the stylesheets it was made from (``data-stylesheets``, the links' own
addresses without their ``?v=`` query), so a test can put them back and check that the page looks
the same. (Sphinx adds the query only when the file is already in the output: myst-nb copies its
stylesheet there after the pages of a clean build are written, so a clean build and a rebuild
linked it differently.)
The stylesheets are parsed with tinycss2. The same pages give the same bytes, so two clean
builds stay identical. A stylesheet that cannot be found, or an ``@import`` that cannot be
resolved, stops the build with the page and the file named.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

#: The stylesheet links Sphinx writes into a page's head (two attribute orders), with the white
#: space that follows each.
STYLESHEET_LINK = re.compile(r'<link (?:rel="stylesheet" type="text/css" href="([^"]+)"'
                             r'|href="([^"]+)" rel="stylesheet")\s*/>\s*')
#: What counts as a word of a page or a script (class names and ids are made of these).
_WORD = re.compile(r"[A-Za-z0-9_-]+")
_FUNCTIONAL_PSEUDO = re.compile(r"::?[A-Za-z-]+\(")
_NAME = re.compile(r"[.#](-?[A-Za-z_][A-Za-z0-9_-]*)")
_PSEUDO = re.compile(r"::?[A-Za-z-]+")
_ATTRIBUTE = re.compile(r"\[[^\]]*\]")
#: Written where a url() pointed into the HTML folder, and replaced per page by the way up to it.
_ROOT_MARK = "__BOOK_ROOT__/"
_GROUPING = ("media", "supports", "layer", "container")


class StylesheetError(RuntimeError):
    pass


def _without_functional_pseudo_classes(selector: str) -> str:
    out, start = [], 0
    while (match := _FUNCTIONAL_PSEUDO.search(selector, start)):
        out.append(selector[start:match.start()])
        depth, index = 1, match.end()
        while depth and index < len(selector):
            depth += {"(": 1, ")": -1}.get(selector[index], 0)
            index += 1
        start = index
    out.append(selector[start:])
    return "".join(out)


def required_names(selector: str) -> frozenset[str]:
    """The class names and ids an element must carry for ``selector`` to match anything."""
    bare = _PSEUDO.sub("", _ATTRIBUTE.sub("", _without_functional_pseudo_classes(selector)))
    return frozenset(_NAME.findall(bare))


def _split_selectors(prelude: str) -> list[str]:
    parts, depth, current = [], 0, []
    for char in prelude:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


@dataclass(frozen=True)
class Rule:
    """A style rule (selectors and the names each needs), or an at-rule with rules inside, or an
    at-rule kept whole (``text`` only)."""
    text: str = ""
    selectors: tuple[tuple[str, frozenset[str]], ...] = ()
    group: str = ""  # "@media (…)" and the like
    inner: tuple["Rule", ...] = ()

    def used(self, words: set[str]) -> str:
        if self.selectors:
            kept = [s for s, names in self.selectors if names <= words]
            return ",".join(kept) + "{" + self.text + "}" if kept else ""
        if self.group:
            inner = "".join(rule.used(words) for rule in self.inner)
            return self.group + "{" + inner + "}" if inner else ""
        return self.text


def _relative_urls(tokens, css_path: str) -> None:
    """Rewrite relative url()s in place to point from the HTML folder's root (``_ROOT_MARK``)."""
    from tinycss2.serializer import serialize_string_value, serialize_url

    def target(url: str) -> str:
        if re.match(r"^(?:[a-z]+:|#|/)", url):
            return url
        return _ROOT_MARK + posixpath.normpath(posixpath.join(posixpath.dirname(css_path), url))

    for token in tokens:
        if token.type == "url":
            token.value = target(token.value)
            token.representation = "url(" + serialize_url(token.value) + ")"
        elif token.type == "function" and token.lower_name == "url":
            for argument in token.arguments:
                if argument.type == "string":
                    argument.value = target(argument.value)
                    argument.representation = '"' + serialize_string_value(argument.value) + '"'
        if getattr(token, "content", None) is not None and token.type != "url":
            _relative_urls(token.content, css_path)
        if token.type == "function":
            _relative_urls(token.arguments, css_path)


def _serialize(tokens) -> str:
    import tinycss2

    return tinycss2.serialize(tokens).strip()


def parse_stylesheet(html_root: Path, css_path: str, importing: tuple[str, ...] = ()) -> tuple[Rule, ...]:
    """The rules of the stylesheet at ``css_path`` (relative to ``html_root``), imports resolved."""
    import tinycss2

    file = html_root / css_path
    if not file.is_file():
        raise StylesheetError(f"stylesheet not found: {css_path}" + (f" (imported by {importing[-1]})" if importing else ""))
    if css_path in importing:
        raise StylesheetError(f"stylesheet imports itself: {' -> '.join(importing + (css_path,))}")
    return _rules(tinycss2.parse_stylesheet(file.read_text(encoding="utf-8"), skip_comments=True,
                                            skip_whitespace=True), html_root, css_path, importing)


def _rules(parsed, html_root: Path, css_path: str, importing: tuple[str, ...]) -> tuple[Rule, ...]:
    import tinycss2

    rules = []
    for node in parsed:
        if node.type == "error":
            raise StylesheetError(f"{css_path}: {node.message}")
        if node.type == "qualified-rule":
            _relative_urls(node.content, css_path)
            selectors = tuple((s, required_names(s)) for s in _split_selectors(tinycss2.serialize(node.prelude)))
            rules.append(Rule(text=_serialize(node.content), selectors=selectors))
        elif node.lower_at_keyword == "import":
            url = next((t.value for t in node.prelude if t.type in ("string", "url")), None)
            if url is None or re.match(r"^[a-z]+:", url) or any(t.type == "ident" for t in node.prelude):
                raise StylesheetError(f"{css_path}: an @import this build cannot inline: {_serialize(node.prelude)}")
            imported = posixpath.normpath(posixpath.join(posixpath.dirname(css_path), url))
            rules += parse_stylesheet(html_root, imported, importing + (css_path,))
        elif node.lower_at_keyword in _GROUPING and node.content is not None:
            inner = tinycss2.parse_rule_list(node.content, skip_comments=True, skip_whitespace=True)
            rules.append(Rule(group="@" + node.at_keyword + " " + _serialize(node.prelude),
                              inner=_rules(inner, html_root, css_path, importing)))
        else:
            _relative_urls(node.content or [], css_path)
            _relative_urls(node.prelude, css_path)
            rules.append(Rule(text=tinycss2.serialize([node]).strip()))
    return tuple(rules)


def script_words(html_root: Path) -> set[str]:
    """Every word of every script the book ships: the class names scripts may add at run time."""
    words: set[str] = set()
    for script in sorted(html_root.rglob("*.js")):
        words |= set(_WORD.findall(script.read_text(encoding="utf-8", errors="replace")))
    return words


def inline_page_styles(html_root: Path) -> list[str]:
    """Give every page that still links stylesheets one ``<style>`` of what it uses; the pages done."""
    html_root = Path(html_root)
    pages = sorted(p for p in html_root.rglob("*.html") if "_static" not in p.relative_to(html_root).parts)
    parsed: dict[str, tuple[Rule, ...]] = {}
    scripts: set[str] | None = None
    done = []
    for page in pages:
        name = page.relative_to(html_root).as_posix()
        folder = posixpath.dirname(name)
        text = page.read_text(encoding="utf-8")
        head_end = text.find("</head>")
        links = list(STYLESHEET_LINK.finditer(text, 0, head_end))
        if not links:
            continue
        between = text[links[0].start():links[-1].end()]
        if len(between) != sum(len(m.group(0)) for m in links):
            raise StylesheetError(f"{name}: its stylesheet links are not one run")
        if scripts is None:
            scripts = script_words(html_root)
        words = scripts | set(_WORD.findall(text))
        up = posixpath.relpath(".", folder or ".")
        up = "" if up == "." else up + "/"
        css, sources = [], []
        for link in links:
            source = link.group(1) or link.group(2)
            href = source.split("?", 1)[0].split("#", 1)[0]
            css_path = posixpath.normpath(posixpath.join(folder, href))
            if css_path not in parsed:
                try:
                    parsed[css_path] = parse_stylesheet(html_root, css_path)
                except StylesheetError as error:
                    raise StylesheetError(f"{name}: {error}") from None
            css.append("".join(rule.used(words) for rule in parsed[css_path]))
            sources.append(source.split("?", 1)[0])
        style = "\n".join(css).replace(_ROOT_MARK, up)
        if "</style" in style.lower():
            raise StylesheetError(f"{name}: a stylesheet holds '</style'")
        style = f'<style data-stylesheets="{" ".join(sources)}">' + style + "</style>\n"
        page.write_text(text[:links[0].start()] + style + text[links[-1].end():], encoding="utf-8")
        done.append(name)
    return done

"""Reads a help-center export: a folder of Markdown and HTML files, one article per file.

Markdown files carry `title`, `url` and `audience` in a front-matter block; HTML files carry them
in `<title>`, `<link rel="canonical">` / `<meta name="url">` and `<meta name="audience">`. HTML is
turned into the same heading-structured text as Markdown so one chunker serves both. An article
with no audience is public (help-center exports default to published articles); an unknown
audience is rejected rather than guessed, because guessing wrong would show internal notes to
customers.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from integrations.knowledge.models import Article

MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)


class HelpCenterFormatError(ValueError):
    """An export file lacks what every article needs (title, URL) or names an unknown audience."""


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    match = FRONT_MATTER.match(text)
    if not match:
        return {}, text
    meta: dict[str, str] = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            meta[key.strip().lower()] = value.strip().strip("\"'")
    return meta, text[match.end() :]


class _HtmlArticle(HTMLParser):
    """Collects the title, metadata and readable text (headings kept as Markdown headings)."""

    SKIP = {"script", "style", "nav", "header", "footer", "head"}
    BLOCKS = {"p", "li", "div", "section", "article", "br", "tr", "table", "ul", "ol"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self._in_title = False
        self._skip_depth = 0
        self._parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "title":
            self._in_title = True
        elif tag == "meta" and values.get("name"):
            self.meta[values["name"].lower()] = values.get("content", "")
        elif tag == "link" and values.get("rel") == "canonical":
            self.meta.setdefault("canonical", values.get("href", ""))
        if tag in self.SKIP:
            self._skip_depth += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self._parts.append(f"\n\n{'#' * int(tag[1])} ")
        elif tag in self.BLOCKS:
            self._parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in self.SKIP and self._skip_depth:
            self._skip_depth -= 1
        elif re.fullmatch(r"h[1-6]", tag):
            self._parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip_depth:
            self._parts.append(re.sub(r"\s+", " ", data))

    def text(self) -> str:
        joined = "".join(self._parts)
        lines = [line.strip() for line in joined.splitlines()]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _article(doc_id: str, meta: dict[str, str], body: str, source: Path) -> Article:
    title, url = meta.get("title", "").strip(), meta.get("url", "").strip()
    audience = meta.get("audience", "public").strip().lower() or "public"
    if not title or not url:
        raise HelpCenterFormatError(f"{source}: every article needs a title and a url")
    if audience not in ("public", "internal"):
        raise HelpCenterFormatError(
            f"{source}: audience must be public or internal, not {audience!r}"
        )
    return Article.model_validate(
        {
            "doc_id": meta.get("id") or doc_id,
            "title": title,
            "url": url,
            "audience": audience,
            "body": body,
        }
    )


def parse_markdown(text: str, doc_id: str, source: Path) -> Article:
    meta, body = _front_matter(text)
    return _article(doc_id, meta, body.strip(), source)


def parse_html(text: str, doc_id: str, source: Path) -> Article:
    parser = _HtmlArticle()
    parser.feed(text)
    parser.close()
    meta = {
        "title": parser.meta.get("title") or parser.title.strip(),
        "url": parser.meta.get("url") or parser.meta.get("canonical", ""),
        "audience": parser.meta.get("audience", "public"),
    }
    if parser.meta.get("id"):
        meta["id"] = parser.meta["id"]
    return _article(doc_id, meta, parser.text(), source)


def load_help_center(path: Path) -> list[Article]:
    """Every article under `path` (a folder, searched recursively, or a single file), sorted by
    file name so ingestion order, and thus chunk ids, are stable."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    articles: list[Article] = []
    for file in files:
        suffix = file.suffix.lower()
        if suffix not in MARKDOWN_SUFFIXES | HTML_SUFFIXES:
            continue
        doc_id = (file.relative_to(path) if path.is_dir() else Path(file.name)).with_suffix("")
        text = file.read_text(encoding="utf-8")
        parse = parse_markdown if suffix in MARKDOWN_SUFFIXES else parse_html
        articles.append(parse(text, doc_id.as_posix(), file))
    return articles

"""Reading a help-center export: Markdown front matter, HTML metadata, chunking, the demo."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrations.knowledge.chunking import MAX_WORDS, chunk_article
from integrations.knowledge.helpcenter import HelpCenterFormatError, load_help_center
from integrations.knowledge.models import Article

MARKDOWN = """---
title: "Gift cards"
url: https://help.example/gift-cards
audience: internal
---
# Gift cards

Intro paragraph about gift cards.

## Balance

Check the balance on the gift card page.
"""

HTML = """<!doctype html><html><head><title>Ignored title</title>
<meta name="title" content="Store hours">
<link rel="canonical" href="https://help.example/store-hours">
<script>var x = "not text";</script></head>
<body><nav>Home &gt; Help</nav><h1>Store hours</h1><p>We are open <b>9 to 5</b>.</p>
<h2>Holidays</h2><ul><li>Closed on Christmas.</li><li>Short hours on Dec 31.</li></ul>
</body></html>"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_markdown_front_matter(tmp_path: Path) -> None:
    write(tmp_path, "billing/gift-cards.md", MARKDOWN)
    [article] = load_help_center(tmp_path)
    assert (article.doc_id, article.title, article.url, article.audience) == (
        "billing/gift-cards",
        "Gift cards",
        "https://help.example/gift-cards",
        "internal",
    )
    assert article.body.startswith("# Gift cards")


def test_html_metadata_and_text(tmp_path: Path) -> None:
    write(tmp_path, "hours.html", HTML)
    [article] = load_help_center(tmp_path)
    assert (article.title, article.url, article.audience) == (
        "Store hours",
        "https://help.example/store-hours",
        "public",
    )
    assert "var x" not in article.body and "Home" not in article.body
    assert "## Holidays" in article.body
    assert "We are open 9 to 5." in article.body
    headings = [c.heading for c in chunk_article(article)]
    assert headings == ["Store hours", "Holidays"]


def test_other_files_are_skipped(tmp_path: Path) -> None:
    write(tmp_path, "notes.txt", "not an article")
    write(tmp_path, "a.md", MARKDOWN)
    assert [a.doc_id for a in load_help_center(tmp_path)] == ["a"]


@pytest.mark.parametrize(
    "text",
    [
        "---\nurl: https://x\n---\nbody",  # no title
        "---\ntitle: T\n---\nbody",  # no url
        "---\ntitle: T\nurl: https://x\naudience: partners\n---\nbody",  # unknown audience
    ],
)
def test_incomplete_articles_are_rejected(tmp_path: Path, text: str) -> None:
    write(tmp_path, "bad.md", text)
    with pytest.raises(HelpCenterFormatError):
        load_help_center(tmp_path)


def test_long_sections_are_split_into_chunks() -> None:
    paragraph = " ".join(["word"] * 60)
    body = "## Long\n\n" + "\n\n".join([paragraph] * 6)
    chunks = chunk_article(Article(doc_id="d", title="T", url="u", body=body))
    assert len(chunks) >= 3
    assert all(len(c.text.split()) <= MAX_WORDS for c in chunks)
    assert [c.chunk_id for c in chunks] == [f"d#{i}" for i in range(len(chunks))]
    assert {c.heading for c in chunks} == {"Long"}


def test_demo_help_center(demo_articles: list[Article]) -> None:
    assert len(demo_articles) >= 15
    topics = {a.doc_id.split("/")[0] for a in demo_articles}
    assert {"returns", "refunds", "shipping", "billing", "account", "internal"} <= topics
    assert {a.audience for a in demo_articles if a.doc_id.startswith("internal/")} == {"internal"}
    assert all(
        a.audience == "public" for a in demo_articles if not a.doc_id.startswith("internal/")
    )
    assert len({a.url for a in demo_articles}) == len(demo_articles)

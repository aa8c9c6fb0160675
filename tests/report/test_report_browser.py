"""The HTML outcomes report opened in headless Chromium: the three charts are present, drawn
with the report's numbers and laid out with a size, and the page asks the network for nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from integrations.outcome_metrics import outcome_report
from tests.report.chromium import chromium_page, chromium_path
from tests.report.scripted_cases import COSTS, DAY, T0, scripted_cases
from worker.outcomes.page import render_html

pytestmark = pytest.mark.skipif(
    chromium_path() is None and not os.environ.get("REQUIRE_BROWSER"),
    reason="chromium is not installed; `make test` installs it (apt-get install chromium)",
)


def test_charts_render_in_chromium(tmp_path: Path) -> None:
    report = outcome_report(scripted_cases(), COSTS, T0, T0 + 2 * DAY, "tier")
    page_file = tmp_path / "outcomes.html"
    page_file.write_text(render_html(report), encoding="utf-8")
    requests: list[str] = []
    with chromium_page() as page:
        page.on("request", lambda r: requests.append(r.url))
        page.goto(page_file.as_uri())
        charts = page.locator("svg[data-chart]")
        assert charts.count() == 3
        for name in ("resolution-trend", "escalations", "resolution-time"):
            box = page.locator(f'svg[data-chart="{name}"]').bounding_box()
            assert box is not None and box["width"] > 300 and box["height"] > 150
        trend = page.locator('svg[data-chart="resolution-trend"] circle.point')
        assert [trend.nth(i).get_attribute("data-value") for i in range(trend.count())] == [
            "1.0000",
            "0.7500",
        ]
        # The 100% day sits higher on the chart than the 75% day.
        first, second = trend.nth(0).bounding_box(), trend.nth(1).bounding_box()
        assert first is not None and second is not None and first["y"] < second["y"]
        bars = page.locator('svg[data-chart="escalations"] rect.bar')
        values = {
            bars.nth(i).get_attribute("data-label"): bars.nth(i).get_attribute("data-value")
            for i in range(bars.count())
        }
        assert values == {
            "draft_review": "2",
            "intent_escalates:complaint": "1",
            "no_knowledge": "1",
        }
        heights = page.locator('svg[data-chart="resolution-time"] rect.bar')
        assert heights.count() == 5
        tallest = heights.nth(0).bounding_box()
        assert tallest is not None and tallest["height"] > 100
        assert page.locator('table[data-table="figures"] th').all_inner_texts()[1:] == [
            "all",
            "standard",
            "unknown",
            "vip",
        ]
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert requests == [page_file.as_uri()]

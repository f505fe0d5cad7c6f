"""The HTML report renders offline in headless Debian chromium with every figure non-empty.

Needs /usr/bin/chromium and the ``playwright`` package (never ``playwright install``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_helpers import chromium
from playwright.sync_api import Browser

from gait.feedback import load_drills, replay_cues
from gait.report import build_report
from gait.result import GaitResult
from gait.views.scripted import scripted_steps

# Every plotly div has drawn traces with data points (markers, lines or bars) in its SVG;
# _fullData holds the decoded arrays (plotly.py 6 ships numpy data base64-encoded).
FIGURES_DRAWN = """() => {
  const divs = [...document.querySelectorAll('.plotly-graph-div')];
  return divs.map(d => ({
    id: d.id,
    traces: (d._fullData || []).filter(t => t.visible !== false).length,
    points: (d._fullData || []).reduce((n, t) => n + Array.from(t.x || []).filter(v => v !== null).length, 0),
    drawn: d.querySelectorAll('.scatterlayer .trace path, .scatterlayer .trace .point, .barlayer .point').length,
  }));
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


@pytest.mark.parametrize("plotly_js", ["inline", "shared:js/plotly.min.js"])
def test_report_renders_offline_with_every_figure_non_empty(browser: Browser, tmp_path: Path, plotly_js: str) -> None:
    steps = scripted_steps(200.0, cadence=[(0, 168), (90, 168), (95, 150), (140, 150), (145, 176)],
                           balance=[(0, 50), (90, 50), (95, 53)], speed=2.9, seed=5)
    ev, eng = replay_cues(steps, load_drills(), baseline_s=60.0)
    out = build_report(GaitResult(steps=steps, summary={}), cues=ev, drills=eng.state(),
                       path=tmp_path / "report.html", plotly_js=plotly_js)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    outside: list[str] = []
    errors: list[str] = []

    def route(r) -> None:  # offline: only file:// may load
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(out.as_uri())
    page.wait_for_function("() => typeof Plotly === 'object'", timeout=15_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.plotly-graph-div')].every(d => d.querySelector('.main-svg'))",
        timeout=15_000)
    figs = page.evaluate(FIGURES_DRAWN)
    assert len(figs) == 6
    for f in figs:
        assert f["traces"] > 0 and f["points"] > 0 and f["drawn"] > 0, f
    assert "quicker, shorter steps" in page.inner_text("#cues")
    assert page.locator("#intervals tr").count() == 1 + 4
    assert outside == [] and errors == []

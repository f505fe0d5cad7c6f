"""The HTML report renders offline in headless Debian chromium with every figure non-empty.

Needs /usr/bin/chromium and the ``playwright`` package (never ``playwright install``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_helpers import chromium
from playwright.sync_api import Browser

from gait.contract.result import GaitResult
from gait.feedback import load_drills, replay_cues
from gait.views.report import build_report
from gait.views.scripted import scripted_steps

pytestmark = pytest.mark.browser

# Every plotly div has drawn traces with data points (markers, lines or bars) in its SVG;
# _fullData holds the decoded arrays (plotly.py 6 ships numpy data base64-encoded).
FIGURES_DRAWN = """() => {
  const divs = [...document.querySelectorAll('.plotly-graph-div')];
  return divs.map(d => ({
    id: d.id,
    traces: (d._fullData || []).filter(t => t.visible !== false).length,
    points: (d._fullData || []).reduce(
      (n, t) => n + Array.from(t.x || []).filter(v => v !== null).length, 0),
    drawn: d.querySelectorAll(
      '.scatterlayer .trace path, .scatterlayer .trace .point, .barlayer .point').length,
  }));
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


@pytest.mark.parametrize("plotly_js", ["inline", "shared:js/plotly.min.js"])
def test_report_renders_offline_with_every_figure_non_empty(
    browser: Browser, tmp_path: Path, plotly_js: str
) -> None:
    steps = scripted_steps(
        200.0,
        cadence=[(0, 168), (90, 168), (95, 150), (140, 150), (145, 176)],
        balance=[(0, 50), (90, 50), (95, 53)],
        speed=2.9,
        seed=5,
    )
    ev, eng = replay_cues(steps, load_drills(), baseline_s=60.0)
    out = build_report(
        GaitResult(steps=steps, summary={}),
        cues=ev,
        drills=eng.state(),
        path=tmp_path / "report.html",
        plotly_js=plotly_js,
    )
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
        "() => [...document.querySelectorAll('.plotly-graph-div')]"
        ".every(d => d.querySelector('.main-svg'))",
        timeout=15_000,
    )
    figs = page.evaluate(FIGURES_DRAWN)
    assert len(figs) == 6
    for f in figs:
        assert f["traces"] > 0, f
        assert f["points"] > 0, f
        assert f["drawn"] > 0, f
    assert "quicker, shorter steps" in page.inner_text("#cues")
    assert page.locator("#intervals tr").count() == 1 + 4
    assert outside == []
    assert errors == []


# Nothing is clipped at 1280 px: no horizontal scroll, no visible element's right edge past
# the viewport (plotly's own clip paths and hidden elements aside), the verdict's text fully shown.
CLIPPED = """() => {
  const w = window.innerWidth;
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('defs, clipPath, .modebar, .hoverlayer')) continue;
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || s.visibility === 'hidden' || s.display === 'none')
      continue;
    const cls = el.className && el.className.baseVal !== undefined
      ? el.className.baseVal : el.className;
    if (r.right > w + 0.5) out.push(`${el.tagName}.${cls} right=${Math.round(r.right)}`);
  }
  // A plot wider than its figure box is cut off even inside the viewport.
  for (const svg of document.querySelectorAll('.plotly-graph-div .main-svg')) {
    const box = svg.closest('.plotly-graph-div').parentElement.getBoundingClientRect();
    if (svg.getBoundingClientRect().right > box.right + 0.5)
      out.push(`plot ${svg.closest('.plotly-graph-div').id} wider than its box`);
  }
  for (const el of document.querySelectorAll('.wrap')) {
    if (el.scrollWidth > el.clientWidth)
      out.push(`table in .wrap scrolls (${el.scrollWidth} > ${el.clientWidth})`);
  }
  return {scroll: document.documentElement.scrollWidth, inner: w, out: out.slice(0, 10)};
}"""

VERDICT_VISIBLE = """() => {
  const v = document.getElementById('verdict');
  if (!v) return null;
  const r = v.getBoundingClientRect();
  return {fits: v.scrollWidth <= v.clientWidth && r.left >= 0 && r.right <= window.innerWidth,
          text: v.innerText};
}"""


def _open_1280(browser: Browser, url: str, shots: Path, name: str):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    outside: list[str] = []
    page.route(
        "**/*",
        lambda r: (
            r.continue_()
            if r.request.url.startswith("file://")
            else (outside.append(r.request.url), r.abort())
        ),
    )
    page.goto(url)
    page.wait_for_function("() => typeof Plotly === 'object'", timeout=15_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.plotly-graph-div')]"
        ".every(d => d.querySelector('.main-svg'))",
        timeout=15_000,
    )
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    clipped = page.evaluate(CLIPPED)
    assert clipped["scroll"] <= clipped["inner"], (name, clipped)
    assert clipped["out"] == [], (name, clipped)
    assert outside == [], outside
    return page


@pytest.mark.slow
def test_reports_and_index_fit_1280_px(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from report_helpers import balance_result, mixed_batch

    shots = tmp_path_factory.mktemp("screenshots")  # not in the repository
    tmp = tmp_path_factory.mktemp("pages")
    steps = scripted_steps(
        200.0,
        cadence=[(0, 168), (90, 168), (95, 150), (140, 150), (145, 176)],
        balance=[(0, 50), (90, 50), (95, 53)],
        speed=2.9,
        seed=5,
    )
    ev, eng = replay_cues(steps, load_drills(), baseline_s=60.0)
    run = build_report(
        GaitResult(steps=steps, summary={"activity": "run"}),
        cues=ev,
        drills=eng.state(),
        path=tmp / "run.html",
        plotly_js="shared:plotly.min.js",
        source="tempo.csv",
    )
    page = _open_1280(browser, run.as_uri(), shots, "run")
    assert page.locator("#fix li").count() >= 1
    assert (
        page.locator("#fix").bounding_box()["y"]
        < page.locator("h2:text('Cadence')").bounding_box()["y"]
    )

    # the input-checks block (a one-shoe file without --side, read in g) fits and leads the page
    from gait.analysis.quality.plausibility import side_checks

    checks = [c.as_dict() for c in side_checks([("foot", "foot", None, 80)], single_side=True)]
    warned = build_report(
        GaitResult(
            steps=steps,
            summary={
                "activity": "run",
                "input_checks": checks,
                "units_inferred": {"foot": "acc_unit=g,gyr_unit=rad/s"},
            },
        ),
        path=tmp / "warned.html",
        plotly_js="shared:plotly.min.js",
        source="shoe.csv",
    )
    page = _open_1280(browser, warned.as_uri(), shots, "warned")
    assert "give --side left or --side right" in page.inner_text("#input-checks")
    assert (
        page.locator("#input-checks").bounding_box()["y"] < page.locator("#fix").bounding_box()["y"]
    )

    res = balance_result()
    bal = build_report(
        None,
        balance=res,
        path=tmp / "balance.html",
        plotly_js="shared:plotly.min.js",
        source="balance.csv",
    )
    page = _open_1280(browser, bal.as_uri(), shots, "balance")
    v = page.evaluate(VERDICT_VISIBLE)
    assert v is not None
    assert v["fits"], v
    assert res.verdict in v["text"], v
    assert "held to the end" in page.inner_text("#trials")

    out = mixed_batch(tmp_path_factory.mktemp("batch"))
    page = _open_1280(browser, (out / "index.html").as_uri(), shots, "index")
    assert page.locator("#trends .plotly-graph-div").count() == 3
    assert page.locator("#files tr").count() == 1 + 4
    for name in ("run", "warned", "balance", "index"):
        assert (shots / f"{name}.png").stat().st_size > 10_000

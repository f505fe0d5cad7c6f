"""The live page in headless Debian chromium: numbers update, the cadence cue comes and goes.

Needs /usr/bin/chromium (Debian package ``chromium``) and the ``playwright`` Python package;
never ``playwright install``. Missing chromium is a failure, not a skip.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_helpers import chromium
from playwright.sync_api import Browser, Page

from gait.contract.metric_defs import METRICS, fmt
from gait.feedback import FeedbackSession, load_drills
from gait.views.live_page import LivePage
from gait.views.scripted import play, scripted_steps

pytestmark = [pytest.mark.browser, pytest.mark.realtime]

WAIT_MS = 15_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def _open(browser: Browser, url: str, outside: list[str]) -> Page:
    page = browser.new_page(viewport={"width": 1280, "height": 900})

    def route(r) -> None:  # offline: anything but the local server is refused and recorded
        if r.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1")):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(url)
    return page


def _session() -> FeedbackSession:
    d = load_drills()
    return FeedbackSession([d["cadence"].with_target("cadence", 170, 180), d["symmetry"]])


def _cadence_is(page: Page, lo: float, hi: float) -> None:
    page.wait_for_function(
        f"() => {{ const v = parseFloat(document.getElementById('cadence').textContent);"
        f" return v >= {lo} && v <= {hi}; }}",
        timeout=WAIT_MS,
    )


@pytest.mark.slow
def test_live_numbers_charts_and_sensor_status_update(browser: Browser) -> None:
    server = LivePage(title="browser test")
    url = server.start(announce=None)
    outside: list[str] = []
    try:
        sess = _session()
        for name in ("foot_left", "foot_right", "sacrum"):
            sess.set_sensor(name, "ok", rate=200.0)
        steps = scripted_steps(
            60.0, cadence=[(0, 175), (29, 175), (31, 164)], gct=0.25, speed=3.0, seed=3
        )
        page = _open(browser, url, outside)
        page.wait_for_function(
            "() => window.gaitLive && window.gaitLive.messages >= 1", timeout=WAIT_MS
        )
        assert page.inner_text("#cadence") == "—"  # nothing yet
        play(steps[steps["t_ic"] < 28], sess, server.publish, speedup=float("inf"))
        _cadence_is(page, 173, 177)
        for sel in ("#gct-left", "#gct-right"):
            assert 200 <= float(page.inner_text(sel)) <= 300
        assert 48 <= float(page.inner_text("#balance")) <= 52
        # the numbers shown are the last message's metrics on the table's scale and decimals
        # (read in one evaluate: the page handles a message in one go)
        shown, sent = page.evaluate(
            "() => [Object.fromEntries(['cadence', 'gct-left', 'gct-right', 'balance', 'speed',"
            " 'speed-kmh'].map(i => [i, document.getElementById(i).textContent])),"
            " window.gaitLive.last.metrics]"
        )
        for elem, metric in (
            ("cadence", "cadence"),
            ("gct-left", "gct_left"),
            ("gct-right", "gct_right"),
            ("balance", "gct_balance"),
            ("speed", "speed"),
        ):
            assert shown[elem] == fmt(metric, sent[metric], unit=False, missing="—"), metric
        assert 2.9 <= float(shown["speed"]) <= 3.1  # m/s, the table's unit; km/h below
        assert shown["speed-kmh"] == f"{sent['speed'] * 3.6:.1f} km/h"
        assert page.inner_text("#speed-unit") == METRICS["speed"].display_unit
        # every number box is labelled with the table's label and display unit
        boxes = page.evaluate(
            "() => [...document.querySelectorAll('.big[data-metric]')].map(b => [b.dataset.metric,"
            " b.querySelector('.label').textContent, b.querySelector('.unit').textContent])"
        )
        assert {m for m, *_ in boxes} == {
            "cadence",
            "gct_left",
            "gct_right",
            "gct_balance",
            "speed",
        }
        for metric, label, unit in boxes:
            assert label.lower() == METRICS[metric].label.lower()
            assert unit == METRICS[metric].display_unit
        heel = page.inner_text("#strike-share")
        assert heel == "" or heel.endswith(
            f"{METRICS['rear_share'].display_unit} {METRICS['rear_share'].label}"
        )
        title = page.evaluate("document.getElementById('gct-chart').layout.title.text")
        assert f"({METRICS['gct'].display_unit})" in title
        play(
            steps[steps["t_ic"] >= 28],
            sess,
            server.publish,
            speedup=float("inf"),
            sensors=[(40.0, "foot_right", "dropped")],
        )
        _cadence_is(page, 162, 166)  # the number followed the new cadence
        page.wait_for_selector("#sensors li.dropped[data-name='foot_right']", timeout=WAIT_MS)
        assert "session continues" in page.inner_text("#sensors li.dropped")
        n_points = page.evaluate("document.getElementById('cadence-chart').data[2].x.length")
        n_left = page.evaluate("document.getElementById('gct-chart').data[0].x.length")
        assert n_points > 50
        assert n_left > 30
        # Metronome: enabled at the target (middle of 170–180) and switched on by a click.
        btn = page.locator("#metronome-btn")
        assert btn.is_enabled()
        assert "175 spm" in btn.inner_text()
        btn.click()
        assert "on" in btn.inner_text()
        assert "on" in (btn.get_attribute("class") or "")
        assert page.evaluate("typeof Plotly") == "object"
    finally:
        server.stop()
    assert outside == []


@pytest.mark.slow
def test_cadence_cue_appears_below_target_and_clears_after_recovery(browser: Browser) -> None:
    server = LivePage()
    url = server.start(announce=None)
    outside: list[str] = []
    try:
        sess = _session()
        steps = scripted_steps(
            100.0, cadence=[(0, 175), (30, 175), (32, 155), (60, 155), (62, 176)], seed=4
        )
        page = _open(browser, url, outside)
        page.wait_for_function(
            "() => window.gaitLive && window.gaitLive.messages >= 1", timeout=WAIT_MS
        )
        cue = page.locator("#cue")
        play(steps[steps["t_ic"] < 30], sess, server.publish, speedup=float("inf"))
        _cadence_is(page, 173, 177)
        assert "warn" not in (cue.get_attribute("class") or "")
        play(
            steps[(steps["t_ic"] >= 30) & (steps["t_ic"] < 60)],
            sess,
            server.publish,
            speedup=float("inf"),
        )
        page.wait_for_function(
            "() => { const c = document.getElementById('cue');"
            " return c.classList.contains('warn') && c.dataset.drill === 'cadence'; }",
            timeout=WAIT_MS,
        )
        assert "quicker, shorter steps" in cue.inner_text()
        assert "aim 170" in cue.inner_text()
        play(steps[steps["t_ic"] >= 60], sess, server.publish, speedup=float("inf"))
        page.wait_for_function(
            "() => !document.getElementById('cue').classList.contains('warn')", timeout=WAIT_MS
        )
        assert "quicker" not in cue.inner_text()
        drill_text = page.inner_text("#drills .drill[data-name='cadence']")
        assert "cadence ok" in drill_text
        assert "% in band" in drill_text
    finally:
        server.stop()
    assert outside == []


def test_missing_numbers_say_why_and_input_checks_show(browser: Browser) -> None:
    """A "—" the sensors cannot fill gets its reason under it (only while it is "—").

    Input checks on the first seconds show as a banner.
    """
    server = LivePage()
    url = server.start(announce=None)
    outside: list[str] = []
    try:
        sess = _session()
        sess.explain("speed", "needs a foot sensor with a gyroscope (or a footpod)")
        sess.explain("gct_right", "no sensor on the right leg")  # has a value below: not shown
        # (was: the page server dropped "withheld", so this label never showed)
        sess.withhold("gct_balance", "left sampled at 52 Hz, right at 200 Hz")
        page = _open(browser, url, outside)
        page.wait_for_function(
            "() => window.gaitLive && window.gaitLive.messages >= 1", timeout=WAIT_MS
        )
        assert not page.locator("#input-checks").is_visible()
        sess.add_input_check(
            {
                "code": "placement_suspect",
                "stream": "sacrum",
                "metrics": [],
                "message": "sacrum: labelled sacrum but it swings like a foot. Check --placement.",
            }
        )
        play(scripted_steps(20.0, seed=5), sess, server.publish, speedup=float("inf"))
        page.wait_for_function(
            "() => document.getElementById('speed').textContent === '—'"
            " && window.gaitLive.last.n_steps > 10",
            timeout=WAIT_MS,
        )
        assert (
            page.inner_text(".why[data-why='speed']")
            == "needs a foot sensor with a gyroscope (or a footpod)"
        )
        assert page.inner_text("#gct-right") != "—"
        assert page.inner_text(".why[data-why='gct_right']") == ""
        assert page.inner_text("#balance-unit") == "not shown: sensors differ"
        assert (
            page.get_attribute("#balance-unit", "title") == "left sampled at 52 Hz, right at 200 Hz"
        )
        banner = page.locator("#input-checks")
        assert banner.is_visible()
        assert "Check --placement" in banner.inner_text()
    finally:
        server.stop()
    assert outside == []

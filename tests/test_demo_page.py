"""The demo's live page in headless Debian chromium: the real path drives the page.

Virtual sensors → capture → streaming engine → feedback → LivePage → chromium: the big
numbers, the cadence chart and the sensor list must update while the demo runs, and a
foot sensor whose link drops mid-run must show as dropped and then as back.
Needs /usr/bin/chromium (never ``playwright install``); a missing browser fails.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from browser_helpers import chromium
from load_helpers import LOADS, busy_processes

from gait.apps.live import demo_config, run_live
from gait.apps.live.runtime import LiveResult
from gait.views.live_page import LivePage

pytestmark = [pytest.mark.browser, pytest.mark.realtime, pytest.mark.slow]


@pytest.mark.parametrize("busy", LOADS)
def test_demo_page_updates_from_the_engine(tmp_path: Path, busy: int) -> None:
    page = LivePage(title="gait demo", max_rate_hz=40.0)
    url = page.start(announce=None)
    cfg = demo_config(tmp_path / "demo", duration=100.0, speed_up=8.0)
    cfg.drop = ("gait-imu R", 30.0, 16.0)  # the right foot's link drops for 16 s at 30 s
    result: dict[str, LiveResult] = {}
    errors: list[BaseException] = []

    def run() -> None:
        try:
            result["r"] = run_live(cfg, page, announce=lambda _m: None)
        # The thread's boundary: whatever ends run_live (even KeyboardInterrupt) is handed
        # to the test thread, which fails with it; nothing is swallowed.
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    outside: list[str] = []
    try:
        # the waits below are generous upper bounds: a busy machine slows the demo down
        with busy_processes(busy), chromium() as browser:
            bp = browser.new_page(viewport={"width": 1280, "height": 900})

            def route(r) -> None:  # type: ignore[no-untyped-def]  # offline: only the local server
                if r.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1")):
                    r.continue_()
                else:
                    outside.append(r.request.url)
                    r.abort()

            bp.route("**/*", route)
            bp.goto(url)
            bp.wait_for_function(
                "() => window.gaitLive && window.gaitLive.messages >= 1", timeout=15_000
            )
            th = threading.Thread(target=run, daemon=True)
            th.start()
            # numbers from the engine's steps: the demo runner's 170 steps/min
            bp.wait_for_function(
                "() => { const v = parseFloat(document.getElementById('cadence').textContent);"
                " return v > 160 && v < 180; }",
                timeout=120_000,
            )
            bp.wait_for_function(
                "() => parseFloat(document.getElementById('gct-left').textContent) > 150",
                timeout=10_000,
            )
            sensors = bp.inner_text("#sensors")
            for name in ("foot_left", "foot_right", "sacrum"):
                assert name in sensors
            # the dropout shows on the page, then the sensor comes back
            bp.wait_for_function(
                "() => /foot_right: (dropped|no data)/"
                ".test(document.getElementById('sensors').innerText)",
                timeout=120_000,
                polling=50,
            )
            bp.wait_for_function(
                "() => /foot_right: ok/.test(document.getElementById('sensors').innerText)",
                timeout=120_000,
            )
            # back, with the outage shown as a gap
            bp.wait_for_function(
                "() => /foot_right: ok · 1 gap \\(1\\d\\.\\d s missing\\)/"
                ".test(document.getElementById('sensors').innerText)",
                timeout=120_000,
            )
            n0 = bp.evaluate("window.gaitLive.messages")
            bp.wait_for_timeout(1500)
            assert bp.evaluate("window.gaitLive.messages") > n0 + 5  # still updating
            traces = bp.evaluate(
                "() => document.getElementById('cadence-chart').data"
                ".reduce((n, t) => n + t.x.length, 0)"
            )
            assert traces > 5  # the rolling cadence chart fills
            th.join(600)
            assert not th.is_alive()
    finally:
        page.stop()
    assert not errors, errors
    assert result["r"].written["report"].exists()
    assert not outside, f"the page tried to reach the internet: {outside}"

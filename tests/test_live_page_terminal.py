"""The terminal view shows the big numbers, the cue and a dropped sensor."""

from __future__ import annotations

import io

from rich.console import Console

from gait.feedback import FeedbackSession, load_drills
from gait.views.scripted import scripted_steps
from gait.views.terminal import TerminalView, big, render


def _text(renderable) -> str:
    con = Console(file=io.StringIO(), width=120, color_system=None)
    con.print(renderable)
    return con.file.getvalue()


def test_big_font_and_fallback() -> None:
    assert _text(big("170")).count("\n") == 3  # three rows
    assert "n/a" in _text(big("n/a"))


def test_render_shows_numbers_cue_and_sensor_state() -> None:
    sess = FeedbackSession(load_drills(), baseline={"cadence": 160.0, "braking": 0.12})
    sess.set_sensor("sacrum", "dropped")
    steps = scripted_steps(60.0, cadence=150.0, speed=2.5, seed=1)
    upd = sess.add_steps(steps)
    for t in range(61, 70):
        upd = sess.add_steps(steps.iloc[0:0], t_now=float(t), extra={"cadence": 150.0})
    out = _text(render(upd))
    assert "cadence 150 → aim 168: quicker, shorter steps" in out
    assert "target 168-176" in out
    assert "sacrum: dropped" in out
    assert "speed m/s" in out
    assert "km/h" in out
    assert "metronome 172 spm" in out
    assert "▀▀▀" in out  # big digits drawn


def test_terminal_view_merges_updates() -> None:
    con = Console(file=io.StringIO(), width=100, color_system=None, force_terminal=False)
    with TerminalView(console=con, refresh_per_second=20) as view:
        view.publish({"metrics": {"cadence": 171.0}, "sensors": {"foot_left": {"status": "ok"}}})
        view.publish({"sensors": {"foot_right": {"status": "dropped"}}})
    assert set(view.state["sensors"]) == {"foot_left", "foot_right"}
    assert "foot_right: dropped" in con.file.getvalue()

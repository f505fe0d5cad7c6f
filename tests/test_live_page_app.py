"""The live page app: assets served locally, WebSocket snapshot and updates, LAN token."""

from __future__ import annotations

import warnings

import pytest
from starlette.websockets import WebSocketDisconnect

from gait.feedback import FeedbackSession, load_drills
from gait.views.live_page import LivePage, plotly_js_path
from gait.views.scripted import scripted_steps

with warnings.catch_warnings():
    # Starlette 1.0 nudges towards httpx2 for its TestClient; httpx is what the test extra has.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

#: The page answers loopback names only (the TestClient's default host is "testserver").
LOCAL = "http://127.0.0.1"
WS = "ws://127.0.0.1"


def test_page_and_local_plotly_are_served() -> None:
    page = LivePage(title="Test run")
    assert page.host == "127.0.0.1"
    assert page.token is None
    with TestClient(page.app, base_url=LOCAL) as client:
        r = client.get("/")
        assert r.status_code == 200
        assert "<title>Test run</title>" in r.text
        assert 'src="static/plotly.min.js"' in r.text
        assert "http" not in r.text.split("<body>")[0]
        js = client.get("/static/plotly.min.js")
        assert js.status_code == 200
        assert js.content == plotly_js_path().read_bytes()
        for asset in ("live.js", "live.css"):
            assert client.get(f"/static/{asset}").status_code == 200
        assert client.get("/api/state").json()["type"] == "snapshot"


def test_websocket_gets_a_snapshot_then_updates() -> None:
    page = LivePage()
    sess = FeedbackSession([load_drills()["cadence"]], baseline={"cadence": 160.0})
    steps = scripted_steps(30.0, cadence=150.0, seed=1)
    page.publish(sess.add_steps(steps.iloc[:40]))  # before any page connects
    with TestClient(page.app, base_url=LOCAL) as client, client.websocket_connect(WS + "/ws") as ws:
        snap = ws.receive_json()
        assert snap["type"] == "snapshot"
        assert len(snap["steps"]) == 40
        assert len(snap["points"]) == 1
        assert snap["metrics"]["cadence"] == pytest.approx(150.0, abs=1.0)
        sess.set_sensor("foot_right", "dropped")
        upd = sess.add_steps(steps.iloc[40:45])
        upd["arrival"] = 123.0
        page.publish(upd)
        msg = ws.receive_json()
        while msg["type"] != "update":
            msg = ws.receive_json()
        assert msg["seq"] >= 1
        assert msg["arrival"] == 123.0
        assert len(msg["new_steps"]) == 5
        assert len(msg["new_points"]) == 1
        assert msg["sensors"]["foot_right"]["status"] == "dropped"
        assert msg["target"]["cadence"] == pytest.approx([168.0, 176.0])


def test_bursts_are_coalesced_without_losing_points() -> None:
    page = LivePage(max_rate_hz=5.0)
    sess = FeedbackSession([load_drills()["cadence"]])
    steps = scripted_steps(60.0, seed=2)
    with TestClient(page.app, base_url=LOCAL) as client, client.websocket_connect(WS + "/ws") as ws:
        ws.receive_json()
        for i in range(50):
            page.publish(sess.add_steps(steps.iloc[i : i + 1]))
        got, msgs = 0, 0
        while got < 50:
            m = ws.receive_json()
            if m["type"] == "update":
                msgs += 1
                got += len(m["new_steps"])
        assert got == 50
        assert msgs < 50


def test_lan_mode_requires_the_token() -> None:
    page = LivePage(lan=True)
    assert page.host == "0.0.0.0"
    assert page.token
    assert len(page.token) >= 16
    assert LivePage(lan=True).token != page.token  # random per session
    with TestClient(page.app, base_url=LOCAL) as client:
        assert client.get("/").status_code == 403
        assert client.get("/?token=wrong").status_code == 403
        assert client.get("/api/state").status_code == 403
        assert client.get(f"/?token={page.token}").status_code == 200
        with pytest.raises(WebSocketDisconnect), client.websocket_connect(WS + "/ws") as ws:
            ws.receive_json()
        with client.websocket_connect(WS + f"/ws?token={page.token}") as ws:
            assert ws.receive_json()["type"] == "snapshot"
    assert f"token={page.token}" in page.url


@pytest.mark.realtime
def test_start_and_stop_a_real_server() -> None:
    import httpx

    page = LivePage()
    lines: list[str] = []
    url = page.start(announce=lines.append)
    try:
        assert url.startswith("http://127.0.0.1:")
        assert lines == [f"live page: {url}"]
        assert httpx.get(url + "static/live.js", timeout=5).status_code == 200
    finally:
        page.stop()
    with pytest.raises(httpx.HTTPError):
        httpx.get(url, timeout=1)


def test_nan_in_an_update_is_sent_as_null() -> None:
    page = LivePage()
    with TestClient(page.app, base_url=LOCAL) as client, client.websocket_connect(WS + "/ws") as ws:
        ws.receive_json()
        page.publish(
            {
                "metrics": {"cadence": float("nan"), "gct": 0.25},
                "cadence_point": [1.0, float("inf")],
            }
        )
        msg = ws.receive_json()
        while msg["type"] != "update":
            msg = ws.receive_json()
        assert msg["metrics"] == {"cadence": None, "gct": 0.25}
        assert msg["new_points"] == [[1.0, None]]


@pytest.mark.realtime
def test_port_in_use_is_a_clear_error() -> None:
    from gait.contract.errors import GaitError

    first = LivePage()
    first.start(announce=None)
    try:
        with pytest.raises(GaitError, match="cannot serve the live page"):
            LivePage(port=first.port).start(announce=None)
    finally:
        first.stop()


@pytest.mark.parametrize("host", ["testserver", "evil.example:8000", "127.0.0.1.evil.example", ""])
def test_foreign_host_names_are_refused(host: str) -> None:
    # DNS rebinding: a foreign name resolving to 127.0.0.1 carries that name in Host
    page = LivePage()
    with TestClient(page.app, base_url=LOCAL) as client:
        r = client.get("/", headers={"host": host})
        assert r.status_code == 403
        assert "Host or Origin" in r.text
        assert client.get("/api/state", headers={"host": host}).status_code == 403
        with (
            pytest.raises(WebSocketDisconnect),
            client.websocket_connect(WS + "/ws", headers={"host": host}) as ws,
        ):
            ws.receive_json()


@pytest.mark.parametrize("host", ["127.0.0.1:8765", "localhost:8765", "[::1]:8765", "LOCALHOST"])
def test_loopback_names_are_served(host: str) -> None:
    page = LivePage()
    with TestClient(page.app, base_url=LOCAL) as client:
        assert client.get("/", headers={"host": host}).status_code == 200
        origin = "http://" + host
        with client.websocket_connect(WS + "/ws", headers={"host": host, "origin": origin}) as ws:
            assert ws.receive_json()["type"] == "snapshot"


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "null", "file://", "http://127.0.0.1.evil.example"]
)
def test_cross_site_origin_is_refused_on_http_and_websocket(origin: str) -> None:
    page = LivePage()
    with TestClient(page.app, base_url=LOCAL) as client:
        assert client.get("/api/state", headers={"origin": origin}).status_code == 403
        with (
            pytest.raises(WebSocketDisconnect),
            client.websocket_connect(WS + "/ws", headers={"origin": origin}) as ws,
        ):
            ws.receive_json()


def test_lan_page_takes_any_host_but_only_its_own_origin() -> None:
    page = LivePage(lan=True)
    q = f"?token={page.token}"
    with TestClient(page.app, base_url="http://192.168.1.20:8765") as client:
        assert client.get("/" + q).status_code == 200
        assert (
            client.get("/" + q, headers={"origin": "http://192.168.1.20:8765"}).status_code == 200
        )
        assert client.get("/" + q, headers={"origin": "http://evil.example"}).status_code == 403
        lan_ws = "ws://192.168.1.20:8765/ws" + q
        with (
            pytest.raises(WebSocketDisconnect),
            client.websocket_connect(lan_ws, headers={"origin": "http://evil.example"}) as ws,
        ):
            ws.receive_json()
        with client.websocket_connect(lan_ws, headers={"origin": "http://192.168.1.20:8765"}) as ws:
            assert ws.receive_json()["type"] == "snapshot"

"""Phone formats: Sensor Logger push bodies and phyphox replies (parse, build, decode)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from devices.decoders import make_decoder
from devices.errors import DeviceError, PayloadError
from devices.phone.phyphox import buffer_names, format_get_reply, get_query, nudge, parse_get_reply
from devices.phone.profiles import phone_profile
from devices.phone.sensorlogger import MAX_BODY, build_sensorlogger, parse_sensorlogger
from devices.phone.spec import parse_phone_spec, with_lan

T0 = 1_700_000_000_000_000_000


def _body(entries: list[dict], **top: object) -> bytes:
    return json.dumps(
        {"messageId": 3, "sessionId": "s", "deviceId": "d", "payload": entries, **top}
    ).encode()


def test_documented_shape_parses() -> None:
    e = [
        {
            "name": "accelerometer",
            "time": T0 + i * 10_000_000,
            "values": {"x": 0.1 * i, "y": 0.0, "z": 1.0},
        }
        for i in range(5)
    ]
    b = parse_sensorlogger(_body([*e, {"name": "location", "time": T0, "values": {"latitude": 1}}]))
    assert b.message_id == 3
    assert b.session_id == "s"
    t, xyz = b.sensors["accelerometer"]
    assert t.tolist() == [T0 + i * 10_000_000 for i in range(5)]
    assert xyz[:, 0] == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])
    assert b.ignored == 1
    assert b.bad_entries == 0


def test_tolerant_details_string_time_and_flat_axes() -> None:
    e = [{"name": "Gravity", "time": str(T0), "x": "0", "y": 9.8, "z": 0, "accuracy": 3}]
    b = parse_sensorlogger(_body(e))
    assert b.sensors["gravity"][1].tolist() == [[0.0, 9.8, 0.0]]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "not_json"),
        (b"[1, 2]", "not_object"),
        (b'{"payload": {}}', "no_payload"),
        (b'{"messageId": -1, "payload": []}', "bad_id"),
        (b'{"messageId": 1, "payload": [], "x": NaN}', "not_json"),
        (b"[" * 600_000 + b"]" * 600_000, "too_large"),
        (b"[" * 50_000 + b"]" * 50_000, "not_json"),
        (b"\xff\xfe", "not_json"),
    ],
)
def test_malformed_bodies_raise_typed_errors(body: bytes, reason: str) -> None:
    with pytest.raises(PayloadError) as exc:
        parse_sensorlogger(body)
    assert exc.value.reason == reason
    assert 400 <= exc.value.status < 500


def test_bad_entries_are_counted_not_fatal() -> None:
    e = [
        {"name": "accelerometer", "time": T0, "values": {"x": 1, "y": 2}},
        {"name": "accelerometer", "time": -5, "values": {"x": 1, "y": 2, "z": 3}},
        {"name": "accelerometer", "time": T0 + 1, "values": {"x": "1e400", "y": 2, "z": 3}},
        {"name": "accelerometer", "time": T0 + 2, "values": {"x": 1, "y": 2, "z": 3}},
        {"name": "accelerometer", "time": T0 + 2, "values": {"x": 9, "y": 9, "z": 9}},
    ]
    b = parse_sensorlogger(_body(e))
    assert b.bad_entries == 4
    assert b.sensors["accelerometer"][0].tolist() == [T0 + 2]
    assert len(_body([]) * 1) < MAX_BODY


def test_decoder_combines_gravity_flips_ios_and_drops_duplicates() -> None:
    t = np.array([T0, T0 + 10_000_000], dtype=np.int64)
    lin = np.array([[1.0, 0, 0], [2.0, 0, 0]])
    g = np.array([[0, 0, 9.8], [0, 0, 9.8]])
    body = build_sensorlogger(7, "s", "d", {"accelerometer": (t, lin), "gravity": (t, g)})
    dec = make_decoder(phone_profile("sensorlogger"))
    s = dec.feed(body, 1.0)
    assert s is not None
    assert s.sensor == "acc"
    assert s.acc.tolist() == [[1.0, 0, 9.8], [2.0, 0, 9.8]]
    assert s.device_time.tolist() == pytest.approx([0.0, 0.01])
    assert dec.feed(body, 1.1) is None  # the same messageId again
    assert dec.stats.reasons["ignored: duplicate batch"] == 1
    ios = make_decoder(phone_profile("sensorlogger", "ios")).feed(body, 1.0)
    assert ios is not None
    assert ios.acc.tolist() == [[-1.0, 0, -9.8], [-2.0, 0, -9.8]]


def test_decoder_refuses_gravity_free_acceleration_alone() -> None:
    t = np.array([T0], dtype=np.int64)
    body = build_sensorlogger(0, "s", "d", {"accelerometer": (t, np.array([[0.1, 0.2, 0.3]]))})
    dec = make_decoder(phone_profile("sensorlogger"))
    assert dec.feed(body, 1.0) is None
    assert dec.stats.bad == 1
    assert dec.stats.reasons["acceleration without gravity"] == 1


def test_replay_orders_late_pushes_by_message_id() -> None:
    bodies = []
    for k in range(4):
        t = np.array([T0 + k * 10**8], dtype=np.int64)
        bodies.append(
            build_sensorlogger(k, "s", "d", {"totalacceleration": (t, np.array([[0, 0, 9.8 + k]]))})
        )
    order = [0, 2, 1, 3]  # push 2 overtook push 1 on the network
    dec = make_decoder(phone_profile("sensorlogger"))
    out = dec.feed_batch([bodies[i] for i in order], np.arange(4.0))
    assert out[0].acc[:, 2].tolist() == pytest.approx([9.8, 10.8, 11.8, 12.8])


def test_phyphox_reply_roundtrip_and_threshold_query() -> None:
    t = np.array([1.0, 1.01, 1.02])
    body = format_get_reply(
        {"acc_time": ("partial", t), "accX": ("partial", np.array([0.5, np.nan, -1.25e-3]))},
        session="ab12",
        measuring=True,
    )
    r = parse_get_reply(body)
    assert r.buffers["acc_time"].tolist() == pytest.approx(t.tolist())
    assert np.isnan(r.buffers["accX"][1])
    assert r.buffers["accX"][2] == pytest.approx(-1.25e-3)
    assert r.measuring is True
    assert r.session == "ab12"
    q = get_query({"acc": ("accX", "accY", "accZ", "acc_time")}, {"acc": 12.5})
    assert q == "/get?accX=12.5%7Cacc_time&accY=12.5%7Cacc_time&accZ=12.5%7Cacc_time&acc_time=12.5"
    assert 12.5 < nudge(12.5) < 12.5 + 1e-5


@pytest.mark.parametrize(
    "body",
    [
        b"{}",
        b'{"buffer": []}',
        b'{"buffer": {"a": {"buffer": ["x"]}}}',
        b'{"buffer": {"a": 3}}',
        b"\x00",
    ],
)
def test_phyphox_bad_replies_raise(body: bytes) -> None:
    with pytest.raises(PayloadError):
        parse_get_reply(body)


def test_phyphox_config_names_buffers() -> None:
    cfg = json.dumps(
        {
            "inputs": [
                {
                    "source": "accelerometer",
                    "outputs": [{"x": "ax"}, {"y": "ay"}, {"z": "az"}, {"t": "at"}],
                }
            ]
        }
    ).encode()
    assert buffer_names(cfg)["acc"] == ("ax", "ay", "az", "at")
    assert buffer_names(b"garbage")["acc"] == ("accX", "accY", "accZ", "acc_time")


def test_phone_specs() -> None:
    s = parse_phone_spec("phone:sensorlogger=waist")
    assert (s.app, s.host, s.port, s.mount, s.on_lan) == (
        "sensorlogger",
        "127.0.0.1",
        8000,
        "belt",
        False,
    )
    s = parse_phone_spec("phone:sensorlogger/ios@0.0.0.0:9000=armband")
    assert (s.platform, s.port, s.on_lan, s.mount) == ("ios", 9000, True, "armband")
    s = parse_phone_spec("phone:phyphox@192.168.1.20=pocket")
    assert (s.host, s.port) == ("192.168.1.20", 8080)
    assert with_lan("phone:sensorlogger=belt") == "phone:sensorlogger@0.0.0.0:8000=belt"
    for bad in (
        "phone:whatsapp",
        "phone:phyphox=belt",
        "phone:sensorlogger=head",
        "phone:sensorlogger@h:99999",
    ):
        with pytest.raises(DeviceError):
            parse_phone_spec(bad)


def test_phyphox_decoder_follows_a_restarted_experiment() -> None:
    dec = make_decoder(phone_profile("phyphox"))

    def reply(t0: float) -> bytes:
        t = t0 + np.arange(5) * 0.01
        z = np.full(5, 9.8)
        return format_get_reply(
            {
                "acc_time": ("partial", t),
                "accX": ("partial", z * 0),
                "accY": ("partial", z * 0),
                "accZ": ("partial", z),
            },
            session="a",
            measuring=True,
        )

    assert dec.feed(reply(100.0), 1.0).n == 5
    assert dec.feed(reply(100.0), 1.1) is None  # the same values again: dropped
    s = dec.feed(reply(0.0), 1.2)  # cleared: time starts over
    assert s is not None
    assert s.n == 5
    assert dec.stats.reasons["experiment time restarted"] == 1

"""Firmware profiles: every shipped profile loads; malformed ones give a clear ProfileError."""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from devices.decoders import make_decoder, make_encoder
from devices.errors import ProfileError
from devices.profiles import get_profile, load_profile, load_profiles, match_profile, normalize_uuid
from gait.cli import main

EXPECTED = {
    "rsc-footpod",
    "polar-h10",
    "polar-verity",
    "movesense",
    "metawear",
    "thingy52",
    "gait-imu",
}
PMD = "fb005c80-02e7-f387-1cad-8acd2d8df0c8"


def test_every_shipped_profile_loads_and_builds_codecs() -> None:
    profiles = load_profiles()
    assert {p.id for p in profiles} == EXPECTED
    for p in profiles:
        assert p.characteristics["data"].count("-") == 4
        assert set(p.subscribe) <= set(p.characteristics)
        assert p.rate > 0
        assert p.mtu_min >= 23
        make_decoder(p)
        make_encoder(p)
        if "acc" in p.streams:
            assert p.acc_range is not None
            assert p.acc_range > 9.8
        if "gyr" in p.streams:
            assert p.gyr_range is not None
            assert p.gyr_range > 1.0


def test_gait_imu_is_documented() -> None:
    doc = resources.files("firmware_profiles").joinpath("gait-imu.md").read_text(encoding="utf-8")
    p = get_profile("gait-imu")
    # The spec names the same UUIDs the profile uses.
    for uuid in p.characteristics.values():
        assert uuid in doc.lower()
    assert p.service in doc.lower()


def test_match_profile() -> None:
    assert match_profile("Polar Sense B5A2", [PMD]).id == "polar-verity"  # type: ignore[union-attr]
    assert match_profile("Polar H10 12345678", [PMD]).id == "polar-h10"  # type: ignore[union-attr]
    assert match_profile("Stryd", []).id == "rsc-footpod"  # type: ignore[union-attr]
    assert match_profile(None, ["0x1814"]).id == "rsc-footpod"  # type: ignore[union-attr]
    assert match_profile("Movesense 1234", []).id == "movesense"  # type: ignore[union-attr]
    assert match_profile("Some Headphones", ["180f"]) is None


def test_normalize_uuid() -> None:
    assert normalize_uuid("2A53") == "00002a53-0000-1000-8000-00805f9b34fb"
    assert normalize_uuid("0x1814") == "00001814-0000-1000-8000-00805f9b34fb"
    with pytest.raises(ValueError, match="not a UUID: 'nope'"):
        normalize_uuid("nope")


def test_unknown_profile_lists_known_ids() -> None:
    with pytest.raises(ProfileError, match=r"known: .*polar-verity"):
        get_profile("garmin-hrm9000")


def _base() -> dict:
    path = resources.files("firmware_profiles").joinpath("gait-imu.toml")
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _dump(d: dict, path: Path) -> Path:
    """Tiny TOML writer for the test tables (strings, numbers, bools, lists, tables)."""

    def val(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(val(x) for x in v) + "]"
        return repr(v)

    lines = [
        f"{k} = {val(v)}"
        for k, v in d.items()
        if not isinstance(v, dict) and not (isinstance(v, list) and v and isinstance(v[0], dict))
    ]
    for k, v in d.items():
        if isinstance(v, dict):
            lines.append(f"[{k}]")
            lines += [f"{kk} = {val(vv)}" for kk, vv in v.items()]
        elif isinstance(v, list) and v and isinstance(v[0], dict):
            for item in v:
                lines.append(f"[[{k}]]")
                lines += [f"{kk} = {val(vv)}" for kk, vv in item.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_base_profile_roundtrips_through_writer(tmp_path: Path) -> None:
    p = load_profile(_dump(_base(), tmp_path / "ok.toml"))
    shipped = get_profile("gait-imu")
    # Same content as the shipped file (only the source path differs).
    assert {k: v for k, v in p.__dict__.items() if k != "source"} == {
        k: v for k, v in shipped.__dict__.items() if k != "source"
    }


@pytest.mark.parametrize(
    ("mutate", "key"),
    [
        (lambda d: d.pop("decoder"), "decoder"),
        (lambda d: d.update(decoder="magic"), "decoder"),
        (lambda d: d.update(rate=-5), "rate"),
        (lambda d: d.update(rate="fast"), "rate"),
        (lambda d: d.update(placement="ear"), "placement"),
        (lambda d: d.update(side="middle"), "side"),
        (lambda d: d.update(service="xyz"), "service"),
        (lambda d: d["characteristics"].pop("data"), "characteristics.data"),
        (lambda d: d["characteristics"].update(data="12"), "characteristics.data"),
        (lambda d: d["match"].update(names=["(unclosed"]), "match.names[0]"),
        (lambda d: d["match"].update(names=[], services=[]), "match.names"),
        (lambda d: d.update(subscribe=["nothing"]), "subscribe[0]"),
        (lambda d: d.update(streams=["ecg"]), "streams[0]"),
        (lambda d: d.pop("gyr_range_dps"), "gyr_range_dps"),
        (lambda d: d.update(mtu_min=1000), "mtu_min"),
        (lambda d: d["start"][0].update(char="elsewhere"), "start[0].char"),
        (lambda d: d["start"][0].update(hex="zz"), "start[0].hex"),
        (lambda d: d["start"][0].update(timeout=0), "start[0].timeout"),
        (
            lambda d: d["decoder_params"].update(fields=[["acc_x", "i12"]]),
            "decoder_params.fields[0]",
        ),
        (lambda d: d["decoder_params"].update(counter="nope"), "decoder_params.counter"),
        (lambda d: d["decoder_params"].update(axes=["x", "x", "z"]), "decoder_params.axes"),
        (lambda d: d["decoder_params"].update(acc_scale=0), "decoder_params.acc_scale"),
        (
            lambda d: d["decoder_params"].update(samples_per_packet=-1),
            "decoder_params.samples_per_packet",
        ),
    ],
)
def test_malformed_profile_names_file_and_key(tmp_path: Path, mutate, key: str) -> None:  # type: ignore[no-untyped-def]
    d = _base()
    mutate(d)
    path = _dump(d, tmp_path / "bad.toml")
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    msg = str(info.value)
    assert str(path) in msg
    assert f"'{key}'" in msg


@pytest.mark.parametrize(
    ("profile_id", "param", "value"),
    [
        ("polar-verity", "measurements", ["ecg"]),
        ("polar-verity", "acc_frame", 7),
        ("movesense", "resource", "Temp"),
        ("movesense", "ref", 0),
        ("metawear", "acc_lsb_per_g", -1),
        ("metawear", "gyr_packed_register", 0x05),
    ],
)
def test_malformed_decoder_params_other_families(
    tmp_path: Path, profile_id: str, param: str, value: object
) -> None:
    src = resources.files("firmware_profiles").joinpath(f"{profile_id}.toml")
    d = tomllib.loads(src.read_text(encoding="utf-8"))
    d["decoder_params"][param] = value
    path = _dump(d, tmp_path / f"{profile_id}.toml")
    with pytest.raises(ProfileError, match=f"decoder_params.{param}"):
        load_profile(path)


def test_toml_syntax_error_is_profile_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('id = "x"\nname = \n')
    with pytest.raises(ProfileError, match=r"broken\.toml: TOML syntax error"):
        load_profile(path)
    with pytest.raises(ProfileError, match="cannot read"):
        load_profile(tmp_path / "missing.toml")


def test_cli_profiles_json_and_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profiles", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["id"] for r in rows} == EXPECTED
    verity = next(r for r in rows if r["id"] == "polar-verity")
    assert verity["streams"] == ["acc", "gyr"]
    assert verity["decoder"] == "polar_pmd"
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "Bad Id"\n')
    assert main(["profiles", "--check", str(bad)]) == 2
    assert "key 'id'" in capsys.readouterr().err

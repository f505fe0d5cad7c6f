"""Standard gravity is defined once, and the device layer still imports nothing from `gait`."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from devices.units import G as DEVICES_G
from gait.contract.constants import G

ROOT = Path(__file__).resolve().parents[1]


def _sources(pkg: str) -> list[Path]:
    return sorted((ROOT / pkg).rglob("*.py"))


def test_gravity_literal_appears_once() -> None:
    hits = [
        p.relative_to(ROOT).as_posix()
        for pkg in ("gait", "devices")
        for p in _sources(pkg)
        if re.search(r"9\.80665", p.read_text(encoding="utf-8"))
    ]
    assert hits == ["devices/units.py"]
    assert G is DEVICES_G
    assert G == 9.80665


def test_devices_imports_nothing_from_gait() -> None:
    bad = []
    for p in _sources("devices"):
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            bad += [f"{p.name}: {n}" for n in names if n == "gait" or n.startswith("gait.")]
    assert bad == []

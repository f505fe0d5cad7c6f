"""`gait.read`, `gait.analyze`, `gait.synthesize` and the result types are typed for mypy, IDEs."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import gait

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = {"GaitResult", "Recording", "analyze", "read", "synthesize"}


def test_dir_lists_the_public_names_not_the_helpers() -> None:
    names = set(dir(gait))
    assert PUBLIC <= names
    assert not names & {"Any", "TYPE_CHECKING", "import_module", "annotations"}
    assert not any(n.startswith("_") for n in names)


def test_every_lazy_name_resolves_to_the_object_the_type_checker_sees() -> None:
    # The TYPE_CHECKING imports and the run-time table must name the same module and object.
    tree = ast.parse((ROOT / "gait" / "__init__.py").read_text(encoding="utf-8"))
    seen: dict[str, tuple[str, str]] = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.If)
            and isinstance(node.test, ast.Name)
            and node.test.id == "TYPE_CHECKING"
        ):
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom)
                assert imp.module
                for alias in imp.names:
                    seen[alias.asname or alias.name] = (imp.module, alias.name)
    assert seen == gait._LAZY
    assert set(gait.__all__) == PUBLIC == set(seen)
    for name, (mod, attr) in seen.items():
        obj = getattr(gait, name)
        assert obj is getattr(sys.modules[mod], attr)


def test_import_gait_stays_light() -> None:
    code = (
        "import sys, gait; dir(gait); "
        "print(sorted(m for m in ('numpy', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
def test_mypy_sees_real_signatures(tmp_path: Path) -> None:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(
        "import gait\n"
        "reveal_type(gait.analyze)\nreveal_type(gait.read)\nreveal_type(gait.synthesize)\n"
        "reveal_type(gait.GaitResult)\nreveal_type(gait.Recording)\n"
    )
    # Follow only the modules that define the public names, so the check takes seconds.
    cfg = tmp_path / "mypy.ini"
    cfg.write_text(
        "[mypy]\nignore_missing_imports = True\nfollow_imports = skip\n"
        "[mypy-gait,gait.analysis.pipeline,gait.io,gait.synth,gait.synth.generate,gait.contract.result,gait.contract.recording]\n"
        "follow_imports = silent\n"
    )
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(cfg),
            "--cache-dir",
            str(tmp_path / "cache"),
            str(snippet),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    revealed = [
        ln.split("Revealed type is ", 1)[1]
        for ln in out.stdout.splitlines()
        if "Revealed type is" in ln
    ]
    assert len(revealed) == 5, out.stdout + out.stderr
    assert all(r.strip('"') != "Any" for r in revealed), revealed
    analyze_t, read_t, synth_t, result_t, rec_t = revealed
    assert "recording: gait.contract.recording.Recording" in analyze_t
    assert analyze_t.endswith('-> gait.contract.result.GaitResult"')
    assert read_t.endswith('-> gait.contract.recording.Recording"')
    assert synth_t.endswith('-> gait.contract.recording.Recording"')
    assert result_t.endswith('-> gait.contract.result.GaitResult"')
    assert rec_t.endswith('-> gait.contract.recording.Recording"')

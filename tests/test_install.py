"""A plain, non-editable install carries both packages, the CLI and the firmware profiles."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def test_non_editable_install_has_profiles_and_cli(tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(ROOT),
        ],
        check=True,
        cwd=tmp_path,
    )
    assert (target / "gait" / "cli" / "__init__.py").is_file()
    assert (target / "devices" / "__init__.py").is_file()
    assert sorted((target / "firmware_profiles").glob("*.toml")), "profiles not installed"
    env = {**os.environ, "PYTHONPATH": str(target)}
    run = lambda *a: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "gait", *a], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    out = run("--help")
    assert out.returncode == 0, out.stderr
    assert "analyze" in out.stdout
    # The installed copy, not the work tree, must be what ran.
    where = subprocess.run(
        [sys.executable, "-c", "import gait; print(gait.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(target))
    profiles = run("profiles")
    assert profiles.returncode == 0, profiles.stderr
    assert "rsc" in profiles.stdout.lower()
    for sample in sorted((ROOT / "samples").glob("*.gaitrec")):
        info = run("info", str(sample))
        assert info.returncode == 0, (sample, info.stderr)

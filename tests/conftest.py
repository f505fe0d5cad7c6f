"""Test-wide settings: never touch the user's real history database."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _private_history(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path_factory.mktemp("history") / "history.sqlite"
    monkeypatch.setenv("GAIT_DB", str(db))
    return db

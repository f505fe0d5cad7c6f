"""The record of one analysed session, as the history saves it.

It lives apart from :mod:`gait.apps.history.store` so that :mod:`gait.apps.history.pending`,
which keeps a session the database could not take yet, needs only the record and not the
database code that merges the pending file (the two would import each other).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class SessionRecord:
    """What is saved for one analysed session.

    Attributes
    ----------
    athlete : str
        Athlete name the session is filed under.
    started_at : datetime
        Session start (naive times are stored as given).
    source : str
        Where the session came from (a file path, ``gait live``...).
    activity : str
        ``run``, ``walk``, ``balance``...
    summary : mapping
        The session summary (JSON-like); its scalar leaves become the metrics.
    kind : str
        ``gait`` or ``balance``.
    content_hash : str or None
        Hash of the source; a session with the same athlete and hash replaces the earlier one.
    duration_s : float or None
        Session length, s.
    distance_m : float or None
        Distance covered, m.
    steps : DataFrame or None
        Step table (stored as Parquet).
    balance_trials : DataFrame or None
        Balance trial table, one row per trial.
    """

    athlete: str
    started_at: datetime
    source: str
    activity: str
    summary: Mapping[str, Any]
    kind: str = "gait"
    content_hash: str | None = None
    duration_s: float | None = None
    distance_m: float | None = None
    steps: pd.DataFrame | None = None
    balance_trials: pd.DataFrame | None = None

"""Session reports: one self-contained offline HTML file per session (:func:`build_report`)."""

from __future__ import annotations

from gait.views.report.build import build_report, default_cadence_band
from gait.views.report.tables import drift_table, interval_table

__all__ = ["build_report", "default_cadence_band", "drift_table", "interval_table"]

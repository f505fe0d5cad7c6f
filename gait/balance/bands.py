"""Reference bands from METRICS.md §6/§7, each labelled as population guidance.

Few numeric balance norms exist in METRICS.md; where none was found the value is marked
``"no reference band"`` instead of inventing one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

GUIDANCE = "population guidance, not a rule (METRICS.md §7)"


@dataclass(frozen=True)
class Band:
    """Ordered zones for one metric.

    Parameters
    ----------
    metric : str
        What the band applies to.
    edges : tuple of float
        Upper edges of each zone but the last, ascending (value units).
    labels : tuple of str
        One label per zone (``len(edges) + 1``).
    source : str
        Evidence tag from METRICS.md.
    note : str
        Caveat shown with the value.
    """

    metric: str
    edges: tuple[float, ...]
    labels: tuple[str, ...]
    source: str
    note: str = ""

    def zone(self, value: float) -> str:
        """Label of the zone holding ``value`` (``"n/a"`` for NaN)."""
        if value is None or not math.isfinite(value):
            return "n/a"
        for edge, label in zip(self.edges, self.labels, strict=False):
            if value < edge:
                return label
        return self.labels[-1]


BANDS: dict[str, Band] = {
    "symmetry_index": Band(
        "|limb symmetry index| of sway, %",
        (5.0, 10.0),
        ("symmetric (0–5 %)", "mild asymmetry (5–10 %)", "marked asymmetry (>10 %)"),
        "[V, R106] vendor heuristic 0–5/5–10/>10 %",
        "the 10 % cut-off is arbitrary [R60]",
    ),
    "time_to_failure": Band(
        "single-leg time to first touch-down, s",
        (8.5, 17.2, 27.0),
        (
            "below the 80–99 y average (8.5 s)",
            "below the 70–79 y average (17.2 s)",
            "below the 60–69 y average (27.0 s)",
            "at or above the 60–69 y average (27.0 s)",
        ),
        "[R121] single-limb stance ≥ 60 y",
        "only older-adult averages were found; younger runners should reach the full trial",
    ),
    "bess_errors": Band(
        "BESS-style errors per condition",
        (1.0, 4.0),
        ("no errors", "some errors (1–3)", "many errors (≥4)"),
        "[R113] BESS error scale, max 10 per condition; zone edges are [G]",
        "errors here count touch-downs only",
    ),
    "hop_tts": Band(
        "hop-and-stick time to stabilization, s",
        (2.0,),
        ("within the force-plate typical ≈1.9–2.0 s", "longer than the force-plate typical ≈2 s"),
        "[R118] force-plate resultant-vector TTS",
        "trunk-IMU TTS is a different method; compare your own sessions first [R117]",
    ),
}

#: Metrics with no numeric band in METRICS.md.
NO_BAND: dict[str, str] = {
    "romberg": "no population band found (eyes closed normally sways more: ratio > 1)",
    "sway": "normative trunk-sway values [R52] were not retrieved; compare legs and sessions",
}


def mark(metric: str, value: float) -> dict[str, Any]:
    """A value with its zone, source and the population-guidance label.

    Parameters
    ----------
    metric : str
        Key of :data:`BANDS` or :data:`NO_BAND`.
    value : float
        The value in the band's unit.

    Returns
    -------
    dict
        ``value``, ``zone``, ``source``, ``note``, ``guidance``.
    """
    v = float(value) if value is not None else math.nan
    if metric in BANDS:
        b = BANDS[metric]
        return {"value": v, "zone": b.zone(abs(v) if metric == "symmetry_index" else v),
                "source": b.source, "note": b.note, "guidance": GUIDANCE}
    return {"value": v, "zone": "no reference band", "source": "", "note": NO_BAND.get(metric, ""),
            "guidance": GUIDANCE}

"""Published reference bands for a runner's balance session, each labelled as guidance.

Only bands from published sources that fit an adult runner are used, each cited in full.
Single-leg stance norms found in the literature are for people aged 60 and over
(Bohannon 2006, Top Geriatr Rehabil 22(1):70), so time to failure has no band here: a runner
is expected to hold the full trial. Where no fitting band exists the value is marked
``"no reference band"`` instead of inventing one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

GUIDANCE = "population guidance, not a rule"


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
        The published source, cited in full (shown to the user).
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
        "vendor heuristic 0–5/5–10/>10 % (runfisix.com, running asymmetry guide)",
        "the 10 % cut-off is arbitrary (Herzog et al. 1989, Med Sci Sports Exerc 21(1):110)",
    ),
    "bess_errors": Band(
        "BESS-style errors per condition",
        (1.0, 4.0),
        ("no errors", "some errors (1–3)", "many errors (≥4)"),
        "BESS error scale, max 10 per condition (Riemann, Guskiewicz & Shields 1999, "
        "J Sport Rehabil 8(2):71); zone edges are this project's",
        "errors here count touch-downs only",
    ),
    "hop_tts": Band(
        "hop-and-stick time to stabilization, s",
        (2.0,),
        ("within the force-plate typical ≈1.9–2.0 s", "longer than the force-plate typical ≈2 s"),
        "force-plate resultant-vector TTS (Gribble et al. 2012, J Sci Med Sport)",
        "trunk-IMU TTS is a different method; compare your own sessions first "
        "(Fransz et al., time-to-stabilization methods review)",
    ),
}

#: Metrics with no published band that fits a runner.
NO_BAND: dict[str, str] = {
    "time_to_failure": "no band for adult runners "
    "(published single-leg stance norms are for ages 60+); a runner should hold the full trial",
    "romberg": "no population band found (eyes closed normally sways more: ratio > 1)",
    "sway": "no published trunk-sway norm was retrieved; compare legs and sessions",
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
        return {
            "value": v,
            "zone": b.zone(abs(v) if metric == "symmetry_index" else v),
            "source": b.source,
            "note": b.note,
            "guidance": GUIDANCE,
        }
    return {
        "value": v,
        "zone": "no reference band",
        "source": "",
        "note": NO_BAND.get(metric, ""),
        "guidance": GUIDANCE,
    }

"""Belt (treadmill) or ground speed over time, with dips at each foot contact.

``D(t)`` is the distance the belt (or the runner, overground) has moved; feet are placed
in the belt frame, where the stance foot is still, and shifted back by ``D(t)`` on a
treadmill.
"""

from __future__ import annotations

import numpy as np

from gait.synth.curves import PVA, F, smoothstep, smoothstep_integral
from gait.synth.timeline import Timeline

#: Seconds over which the set speed ramps to a new value.
RAMP = 1.0


class BeltSpeed:
    """Set speed with smooth ramps minus sin² dips of ``belt_dip`` m/s during each contact.

    Parameters
    ----------
    tl : Timeline
        Steps; dips apply only on a treadmill.
    """

    def __init__(self, tl: Timeline) -> None:
        knots = sorted(tl.speed_knots)
        self.t_k = np.array([k[0] for k in knots])
        v = np.array([k[1] for k in knots])
        self.v0 = float(v[0]) if v.size else 0.0
        self.dv = np.diff(v, prepend=v[:1]) if v.size else v
        self.sides = []
        for s in (0, 1):
            m = (tl.side == s) & np.isfinite(tl.t_tc) & (tl.belt_dip > 0)
            ic = tl.t_ic[m]
            c = tl.t_tc[m] - ic
            dip = tl.belt_dip[m]
            self.sides.append((ic, c, dip, np.concatenate([[0.0], np.cumsum(dip * c / 2)])))
        self.t0 = float(tl.t_ic[0]) - 10.0

    def _set(self, t: F) -> PVA:
        p = np.full_like(t, self.v0)
        v = np.zeros_like(t)
        a = np.zeros_like(t)
        for tk, dv in zip(self.t_k, self.dv, strict=True):
            if dv == 0:
                continue
            sp, sv, sa = smoothstep(t, tk, RAMP)
            p += dv * sp
            v += dv * sv
            a += dv * sa
        return p, v, a

    def _set_distance(self, t: F) -> F:
        d = self.v0 * (t - self.t0)
        for tk, dv in zip(self.t_k, self.dv, strict=True):
            if dv != 0:
                d += dv * smoothstep_integral(t, tk, RAMP)
        return d

    def speed(self, t: F) -> PVA:
        """Belt speed (m/s) and its first and second derivatives... returned as (D, v, dv/dt).

        Returns
        -------
        D, v, a : ndarray
            Distance moved since an arbitrary origin (m), speed (m/s), acceleration (m/s²).
        """
        t = np.asarray(t, dtype=np.float64)
        vs, as_, _ = self._set(t)
        d = self._set_distance(t)
        v = vs.copy()
        a = as_.copy()
        for ic, c, dip, cum in self.sides:
            if ic.size == 0:
                continue
            k = np.clip(np.searchsorted(ic, t, side="right") - 1, 0, ic.size - 1)
            u = np.clip((t - ic[k]) / c[k], 0.0, 1.0)
            inside = (t >= ic[k]) & (t < ic[k] + c[k])
            before = t < ic[0]
            bump = np.where(inside, np.sin(np.pi * u) ** 2, 0.0)
            dbump = np.where(inside, np.pi * np.sin(2 * np.pi * u) / c[k], 0.0)
            integ = c[k] * (u / 2 - np.sin(2 * np.pi * u) / (4 * np.pi))
            lost = np.where(before, 0.0, cum[k] + dip[k] * integ)
            v -= dip[k] * bump
            a -= dip[k] * dbump
            d -= lost
        return d, v, a

"""Foot and shank kinematics: pitch and position of any point on the foot, built from knots.

At each contact the foot lands at the foot strike angle (rotating about the heel, or about
the forefoot for a forefoot strike), lies flat, rolls over the forefoot and leaves; in
swing it plantarflexes, swings forward (the large pitch-rate peak) and dorsiflexes before
the next contact. Positions at the knots come from this rigid geometry, so the stance
foot is still in the belt frame (zero velocity). The pitch rate has its minimum at initial
contact (the foot slap); at terminal contact the fastest toes-down rotation of push-off
comes :data:`TC_LAG` of the contact time *before* lift-off, and the toes leave the ground
while the rate recovers (:data:`TC_RATE_SHARE` of that minimum), as measured on the real
foot recordings this project is checked against (IPOL and gaitmap, see README) and
consistent with the heel-rise and push-off phase preceding toe-off in foot kinematics
(Falbriard et al. 2018 place toe-off after the pitch-rate minimum for the same reason).
"""

from __future__ import annotations

import numpy as np

from gait.contract.constants import G
from gait.synth.belt import BeltSpeed
from gait.synth.curves import PVA, F, impact_pulse, knots_from, quintic
from gait.synth.landing import REF_OVERSTRIDE, shank_ic_increment_deg
from gait.synth.timeline import Timeline

#: Foot geometry in the foot frame (x forward from the heel, z up from the sole), m.
MTP = np.array([0.19, 0.0])
SENSOR = np.array([0.15, 0.07])
ANKLE = np.array([0.06, 0.09])
#: Forefoot strikes: the pitch-rate minimum comes this long before contact, s.
FFS_LEAD = 0.015
#: Push-off: the pitch-rate minimum comes this share of the contact time before toe-off
#: (real walking, IPOL development subjects: 20–50 ms of 0.6–0.7 s contacts).
TC_LAG = 0.04
#: The pitch rate at toe-off, as a share of the push-off minimum (real walking: median
#: 0.55–0.87 per IPOL development foot, 0.84–0.88 on gaitmap).
TC_RATE_SHARE = 0.7
#: Shank sensor distance above the ankle along the shank, m.
SHANK_SENSOR = 0.13
#: Impact transient time constants (before, after contact), s.
TAU_PRE = 0.04
TAU_POST = {"run": 0.010, "walk": 0.012}


def _rot(th: float, r: np.ndarray) -> np.ndarray:
    """Rotate a sagittal vector by pitch ``th`` (toes up positive)."""
    c, s = np.cos(th), np.sin(th)
    return np.array([c * r[0] - s * r[1], s * r[0] + c * r[1]])


def _geo(
    th: float, om: float, pivot: np.ndarray, rel: np.ndarray, al: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Position, velocity, acceleration of a point rotating about a still pivot.

    ``th`` pitch (rad), ``om`` its rate (rad/s), ``al`` its angular acceleration (rad/s²).
    """
    rr = _rot(th, rel)
    p = pivot + rr
    perp = np.array([-rr[1], rr[0]])
    v = om * perp
    a = al * perp - (om**2) * rr
    return p, v, a


class FootModel:
    """Sagittal kinematics of one foot (belt frame) for every step of that side.

    Parameters
    ----------
    tl : Timeline
        The steps.
    side : int
        0 left, 1 right.
    belt : BeltSpeed
        Gives the belt-frame landing positions ``D(t_ic) + overstride``.
    """

    def __init__(self, tl: Timeline, side: int, belt: BeltSpeed) -> None:
        self.tl = tl
        self.side = side
        self.idx = np.flatnonzero(tl.side == side)
        d_ic, _, _ = belt.speed(tl.t_ic[self.idx])
        over = np.where(tl.stop[self.idx], 0.0, tl.overstride[self.idx])
        # The landing distance also inclines the shank at contact (gait.synth.landing).
        self.over = np.where(tl.stop[self.idx], REF_OVERSTRIDE, tl.overstride[self.idx])
        self.x_heel = d_ic + over
        self.theta = self._theta_knots()
        self._impact = self._impact_params()
        # Knots are built once per foot point (evaluation runs in chunks).
        self._point_cache: dict[
            tuple[float, float], tuple[tuple[F, F, F, F], tuple[F, F, F, F]]
        ] = {}
        self._shank: tuple[F, F, F, F] | None = None

    # -- pitch -----------------------------------------------------------------------
    def _contact(self, j: int) -> dict[str, float]:
        k = self.idx[j]
        tl = self.tl
        run = tl.mode[k] == "run"
        g = tl.gct_nom[k]
        v = tl.speed[k]
        th_tc = np.radians(-(30 + 2 * v) if run else -40.0)
        a = np.radians(tl.fsa[k])
        # Loading: heel contact to foot flat (rearfoot) or forefoot contact to heel down.
        ld = (0.20 if run else 0.15) * g * (2.0 if a < 0 else 1.0)
        # Rates at IC/TC are 2.2x the mean rate of the adjacent segment, so the quintic
        # segments are monotone in rate and the rate minima fall on the events. A flat or
        # rearfoot landing always slaps down at >= 2 rad/s; a forefoot landing's heel drop
        # gives a positive rate at IC (van Werkhoven 2019's sign rule).
        om_ic = -max(2.2 * a / ld, 2.0) if a >= 0 else -1.5 * a / ld
        pd = (0.45 if run else 0.35) * g
        # Push-off minimum om_m at tc - lag, then the rate recovers to TC_RATE_SHARE of it at
        # toe-off, still rising (al_tc, as a parabola through the minimum would). The pitch
        # at the minimum follows from the mean rates of the two segments (monotone quintics).
        lag = max(TC_LAG * g, 0.02)
        share = TC_RATE_SHARE
        th_m = th_tc / (1 + 2.2 * 0.5 * (1 + share) * lag / (pd - lag))
        om_m = 2.2 * th_m / (pd - lag)
        return {
            "ic": tl.t_ic[k],
            "tc": tl.t_tc[k],
            "a": a,
            "ld": ld,
            "pd": pd,
            "th_tc": th_tc,
            "om_ic": om_ic,
            "lag": lag,
            "th_m": th_m,
            "om_m": om_m,
            "om_tc": share * om_m,
            "al_tc": 2 * (1 - share) * abs(om_m) / lag,
            "run": float(run),
            "v": v,
            "th_max": np.radians((25 + 3 * v) if run else 22.0),
            "z_clear": (0.10 + 0.05 * v) if run else 0.09,
            "sh_ic": np.radians(
                (4 + 0.4 * tl.fsa[k] + shank_ic_increment_deg(float(self.over[j])))
                if run
                else (6 + 0.2 * tl.fsa[k])
            ),
            "sh_tc": np.radians(-(40 + 2 * v) if run else -35.0),
            "sh_min": np.radians(-(65 + 4 * v) if run else -55.0),
        }

    @staticmethod
    def _th_max(c: dict[str, float], pre: float) -> float:
        """Late-swing pitch maximum (rad) reached ``pre`` s before IC.

        For a rearfoot strike the mean rate from the maximum to IC is kept between 0.15
        and 0.55 of the rate at IC, so the pitch rate falls monotonically to its minimum
        exactly at contact (the Falbriard IC event).
        """
        if c["om_ic"] < 0:
            lo = c["a"] + 0.15 * abs(c["om_ic"]) * pre
            hi = c["a"] + 0.55 * abs(c["om_ic"]) * pre
            return float(np.clip(c["th_max"], lo, hi))
        return float(c["th_max"])

    def _theta_knots(self) -> tuple[F, F, F, F]:
        t, y, dy, ddy = [], [], [], []
        n = self.idx.size
        for j in range(n):
            c = self._contact(j)
            t += [c["ic"], c["ic"] + c["ld"]]
            y += [c["a"], 0.0]
            dy += [c["om_ic"], 0.0]
            ddy += [0.0, 0.0]
            if not np.isfinite(c["tc"]):
                continue
            t += [c["tc"] - c["pd"], c["tc"] - c["lag"], c["tc"]]
            y += [0.0, c["th_m"], c["th_tc"]]
            dy += [0.0, c["om_m"], c["om_tc"]]
            ddy += [0.0, 0.0, c["al_tc"]]
            if j + 1 < n:
                sw = self.tl.t_ic[self.idx[j + 1]] - c["tc"]
                nxt = self._contact(j + 1)
                if nxt["a"] < 0:
                    # Forefoot strike: the foot plantarflexes fastest just before contact
                    # and the heel drop reverses the rate at IC, so the pitch-rate minimum
                    # is FFS_LEAD s early (sign of the rate at IC: positive).
                    om_p = -max(6.0, 0.5 * nxt["om_ic"])
                    th_p = nxt["a"] - FFS_LEAD * (om_p + nxt["om_ic"]) / 2
                    pre = dict(nxt, a=th_p, om_ic=om_p)
                    t += [c["tc"] + 0.1 * sw, nxt["ic"] - 0.3 * sw, nxt["ic"] - FFS_LEAD]
                    y += [
                        c["th_tc"] + 0.45 * c["om_tc"] * 0.1 * sw,
                        self._th_max(pre, 0.3 * sw - FFS_LEAD),
                        th_p,
                    ]
                    dy += [0.0, 0.0, om_p]
                    ddy += [0.0, 0.0, 0.0]
                else:
                    t += [c["tc"] + 0.1 * sw, nxt["ic"] - 0.3 * sw]
                    y += [c["th_tc"] + 0.45 * c["om_tc"] * 0.1 * sw, self._th_max(nxt, 0.3 * sw)]
                    dy += [0.0, 0.0]
                    ddy += [0.0, 0.0]
        return np.asarray(t), np.asarray(y), np.asarray(dy), np.asarray(ddy)

    # -- positions -------------------------------------------------------------------
    def _point_knots(self, r: np.ndarray) -> tuple[tuple[F, F, F, F], tuple[F, F, F, F]]:
        tx: list[float] = []
        px: list[float] = []
        vx: list[float] = []
        ax: list[float] = []
        pz: list[float] = []
        vz: list[float] = []
        az: list[float] = []
        tz: list[float] = []
        n = self.idx.size
        for j in range(n):
            c = self._contact(j)
            heel = np.array([self.x_heel[j], 0.0])
            mtp = heel + MTP
            piv, rel = (heel, r) if c["a"] >= 0 else (mtp, r - MTP)
            z2 = np.zeros(2)
            keys: list[tuple[float, np.ndarray, np.ndarray, np.ndarray]] = [
                (c["ic"], *_geo(c["a"], c["om_ic"], piv, rel)),
                (c["ic"] + c["ld"], heel + r, z2, z2),
            ]
            if np.isfinite(c["tc"]):
                keys += [
                    (c["tc"] - c["pd"], heel + r, z2, z2),
                    (c["tc"] - c["lag"], *_geo(c["th_m"], c["om_m"], mtp, r - MTP)),
                    (c["tc"], *_geo(c["th_tc"], c["om_tc"], mtp, r - MTP, c["al_tc"])),
                ]
            for tk, p, v, a in keys:
                tx.append(tk)
                px.append(float(p[0]))
                vx.append(float(v[0]))
                ax.append(float(a[0]))
                tz.append(tk)
                pz.append(float(p[1]))
                vz.append(float(v[1]))
                az.append(float(a[1]))
            if np.isfinite(c["tc"]) and j + 1 < n:
                sw = self.tl.t_ic[self.idx[j + 1]] - c["tc"]
                p_tc = keys[-1][1]
                nxt = self._contact(j + 1)
                heel2 = np.array([self.x_heel[j + 1], 0.0])
                piv2, rel2 = (heel2, r) if nxt["a"] >= 0 else (heel2 + MTP, r - MTP)
                p_ic = _geo(nxt["a"], nxt["om_ic"], piv2, rel2)[0]
                dx = p_ic[0] - p_tc[0]
                tx.append(c["tc"] + 0.5 * sw)
                px.append(0.5 * (p_tc[0] + p_ic[0]))
                vx.append(1.7 * dx / sw)
                ax.append(0.0)
                tz.append(c["tc"] + 0.3 * sw)
                pz.append(r[1] + c["z_clear"])
                vz.append(0.0)
                az.append(0.0)
        ox = np.argsort(tx, kind="stable")
        oz = np.argsort(tz, kind="stable")
        kx = (np.asarray(tx)[ox], np.asarray(px)[ox], np.asarray(vx)[ox], np.asarray(ax)[ox])
        kz = (np.asarray(tz)[oz], np.asarray(pz)[oz], np.asarray(vz)[oz], np.asarray(az)[oz])
        return kx, kz

    def _impact_params(self) -> tuple[F, F, F]:
        k = self.idx
        tau = np.array([TAU_POST[m] for m in np.asarray(self.tl.mode)[k]])
        v_td = self.tl.impact_g[k] * G * tau / 1.95
        return self.tl.t_ic[k], v_td, tau

    def pitch(self, t: F) -> PVA:
        """Foot pitch (rad, toes up positive) and its rate and angular acceleration."""
        return quintic(*self.theta, t)

    def point(self, r: np.ndarray, t: F) -> tuple[PVA, PVA]:
        """Belt-frame (x, z) trajectories of foot point ``r`` (foot frame, m), with impacts."""
        key = (float(r[0]), float(r[1]))
        if key not in self._point_cache:
            self._point_cache[key] = self._point_knots(r)
        kx, kz = self._point_cache[key]
        x = quintic(*kx, t)
        z = quintic(*kz, t)
        ic, v_td, tau = self._impact
        # The transient time constant depends on the activity; run and walk steps rarely
        # mix, so the median keeps one vectorised pulse train.
        tp = float(np.median(tau)) if tau.size else 0.01
        ez = impact_pulse(t, ic, v_td, TAU_PRE, tp)
        ex = impact_pulse(t, ic, -0.3 * v_td, TAU_PRE, tp)
        x = (x[0] + ex[0], x[1] + ex[1], x[2] + ex[2])
        z = (z[0] + ez[0], z[1] + ez[1], z[2] + ez[2])
        return x, z

    def shank_angle(self, t: F) -> PVA:
        """Shank angle from vertical (rad, ankle ahead of knee positive) and derivatives."""
        if self._shank is None:
            self._shank = self._shank_knots()
        return quintic(*self._shank, t)

    def _shank_knots(self) -> tuple[F, F, F, F]:
        tk: list[float] = []
        y: list[float] = []
        hold: list[bool] = []
        n = self.idx.size
        for j in range(n):
            c = self._contact(j)
            if not np.isfinite(c["tc"]):
                tk += [c["ic"], c["ic"] + 0.3]
                y += [c["sh_ic"], 0.0]
                hold += [False, True]
                continue
            tk += [c["ic"], 0.5 * (c["ic"] + c["tc"]), c["tc"]]
            y += [c["sh_ic"], np.radians(-8.0), c["sh_tc"]]
            hold += [False, False, False]
            if j + 1 < n:
                sw = self.tl.t_ic[self.idx[j + 1]] - c["tc"]
                nxt = self._contact(j + 1)
                tk += [c["tc"] + 0.35 * sw, nxt["ic"] - 0.12 * sw]
                y += [c["sh_min"], nxt["sh_ic"] + np.radians(6.0)]
                hold += [True, True]
        return knots_from(np.asarray(tk), np.asarray(y), np.asarray(hold))

    def truth_shank_ic(self) -> F:
        """Shank angle at each of this side's contacts, deg."""
        return np.array([np.degrees(self._contact(j)["sh_ic"]) for j in range(self.idx.size)])

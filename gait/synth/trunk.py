"""Pelvis (sacrum) kinematics in the lab frame: vertical bounce, braking and sway.

Running: the vertical motion is ballistic in flight (specific force ~0, i.e. -1 g of
acceleration) and driven in stance by a ground-reaction shape (half sine plus a
rearfoot impact lobe) whose impulse is solved step by step so the pelvis returns to the
same height at every contact; the vertical velocity is therefore periodic by construction.
On top of it the sacrum sags briefly at a heel strike (:func:`_sag`): a dip of a few mm
below the ballistic path that starts and ends at rest, so it reads as a sharp impact peak
about 38 ms after contact with a dip towards 1 g after it, and changes neither the step's
impulse nor its height. A smaller sag of the same kind centred on take-off makes the trunk
unload a little earlier, still read ~0.4 g at take-off and reach free fall some tens of ms
into the flight (then dip slightly below it), as real sacra do. The forward acceleration
is a sharp braking lobe over the first 22 % of stance followed by a broader propulsion
lobe of equal impulse, whose speed loss is the step's ``braking``.

The running shape follows the real sacral recordings of Alcantara et al. (2022, PeerJ
10:e12752; 16 treadmill trials of one runner at 2.5-4.17 m/s, vertical and AP
acceleration with the treadmill force): stance-normalised, their vertical peaks at 0.175 of
stance (3.2 g, the impact; the vertical ground-reaction impact peak comes 20-50 ms after
contact, Cavanagh & Lafortune 1980), the mid-stance peak is 2.5 g, the vertical falls below
1 g at 0.805 of stance, and the AP axis reaches its braking minimum (-1.5 g) at 0.11 of
stance and its propulsion maximum at 0.49 (medians; ``benchmarks/synth_realism.py``,
:func:`sacrum_before_after`, which also prints the matched synthetic values). The
constants below were chosen on those same trials; the remaining differences are listed
in ``tests/test_synth_sacrum_realism.py``.

Walking: an inverted-pendulum-like bounce and forward surge at the
step frequency. Both: medio-lateral sway, pelvic drop (roll) and rotation (yaw) at the
stride frequency, positive towards the stance side, so left and right steps differ.
Bouts blend into standing and into each other with quintic smooth steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.interpolate import CubicSpline

from gait.contract.constants import G
from gait.synth.curves import PVA, F, cos_phase, impact_pulse, product, smoothstep
from gait.synth.landing import REF_BRAKE_SHARE, braking_share
from gait.synth.timeline import Timeline

#: Pelvis heel-strike jolt when walking: peak vertical acceleration (m/s²) and time
#: constant (s). Running needs none: the impact peak of its ground-reaction shape is it.
WALK_JOLT = 4.0
TAU_JOLT = 0.02
#: Running vertical force shape: share of the stance impulse in the impact lobe at a full
#: rearfoot strike, the strike angle (deg) giving that full share (less for flatter
#: strikes, none for forefoot), and the impact lobe's width, s (at most half the contact;
#: its peak at 38 ms is inside the 20-50 ms of Cavanagh & Lafortune 1980).
RUN_IMPACT_WEIGHT = 0.12
RUN_IMPACT_FULL_FSA = 15.0
RUN_IMPACT_WIDTH = 0.076
#: The sacrum's impact sag (:func:`_sag`) at a full rearfoot strike: peak upward
#: acceleration, g, and duration, s (at most half the contact; scaled like the impact
#: lobe by the strike angle). 2.5 g over 76 ms is a 3.6 mm dip; with it the matched synthetic
#: impact peak after the authors' 20 Hz filter is 3.1 g against 3.2 g real (Alcantara
#: et al. 2022, median of 16 trials; tuned on them).
RUN_SAG_PEAK = 2.5
RUN_SAG_WIDTH = 0.076
#: The take-off sag: a :func:`_sag` centred on TC, peak g and duration s (at most 1.8
#: flight times and half the contact, so it ends before the next contact). The real
#: sacrum still reads 0.35 g at take-off (after the authors' 20 Hz filter) and reaches
#: free fall about 40 ms later; without this sag the model read 0.18 g and reached free
#: fall at take-off. 0.4 g over 80 ms gives 0.36 g (Alcantara et al. 2022, median of 16
#: trials; tuned on them).
RUN_TAKEOFF_PEAK = 0.4
RUN_TAKEOFF_WIDTH = 0.08
#: Forward braking lobe from IC to RUN_BRAKE_WIDTH, then propulsion to RUN_PUSH_END, as
#: fractions of contact time: the real AP minimum comes at 0.11 of stance (the lobe's
#: centre), propulsion peaks near mid-stance and fades before take-off (Alcantara et al.
#: 2022). Was a full-stance sine, whose minimum at 0.25 of stance was too late and shallow.
RUN_BRAKE_WIDTH = REF_BRAKE_SHARE
RUN_PUSH_END = 0.85
#: Cross-fade time at bout boundaries, s.
BLEND = 0.4
#: Sway amplitudes per mode: ML displacement m, yaw/roll/pitch rad; phase offsets in steps.
SWAY = {
    "run": {
        "ml": 0.012,
        "yaw": np.radians(5.0),
        "roll": np.radians(5.0),
        "pitch": np.radians(2.0),
        "off": 0.30,
    },
    "walk": {
        "ml": 0.020,
        "yaw": np.radians(6.0),
        "roll": np.radians(5.0),
        "pitch": np.radians(3.0),
        "off": 0.35,
    },
}


@dataclass
class _Bout:
    mode: str
    k0: int  # first step index used by the model
    k1: int  # last step index (exclusive upper IC)
    t_on: float
    t_off: float
    fade_in: float
    fade_out: float
    phase: CubicSpline
    left_off: float
    vo: float
    brake: float


def _zero(t: F) -> PVA:
    z = np.zeros_like(t)
    return z, z.copy(), z.copy()


def _add(a: PVA, b: PVA) -> PVA:
    return a[0] + b[0], a[1] + b[1], a[2] + b[2]


def _lobe(tau: F, start: F | float, width: F | float) -> PVA:
    """A sin² lobe of unit height over [start, start + width] and its running integrals.

    Returns ``(s, S, SS)``: the lobe ``sin²(pi (tau - start) / width)`` (0 outside), its
    integral from 0 to ``tau`` (``width / 2`` once complete) and the integral of that.
    """
    u = np.clip(tau - start, 0.0, width)
    arg = 2 * np.pi * u / width
    s = np.where((tau > start) & (tau < start + width), np.sin(np.pi * u / width) ** 2, 0.0)
    S = u / 2 - width / (4 * np.pi) * np.sin(arg)
    SS = u**2 / 4 + width**2 / (8 * np.pi**2) * (np.cos(arg) - 1)
    SS = SS + np.maximum(tau - start - width, 0.0) * width / 2
    return s, S, SS


def _sag(tau: F, width: F, peak: F | float) -> PVA:
    """A downward dip ``-D sin⁴(pi tau / width)`` over [0, width] and its derivatives.

    Its acceleration is a C1 triplet of lobes (down, up, down); the upward one peaks at
    ``tau = width / 2`` with ``peak`` (m/s²), i.e. ``D = peak / (4 (pi / width)²)``. It
    starts and ends at rest, so it adds no velocity or displacement over a step.
    """
    k = np.pi / width
    x = np.clip(tau, 0.0, width) * k
    s, c = np.sin(x), np.cos(x)
    d = np.where((tau > 0) & (tau < width), peak / (4 * k * k), 0.0)
    return -d * s**4, -d * 4 * s**3 * c * k, -d * 4 * k * k * (3 * s * s * c * c - s**4)


class TrunkModel:
    """Pelvis trajectory and orientation for a whole timeline.

    Parameters
    ----------
    tl : Timeline
        The steps.
    """

    def __init__(self, tl: Timeline) -> None:
        self.tl = tl
        self.bouts: list[_Bout] = []
        n = tl.n
        moving = [(i, b) for i, b in enumerate(tl.bouts) if b[2] != "still"]
        for bi, (_, _, mode) in moving:
            ks = np.flatnonzero(tl.bout == bi)
            if ks.size < 2:
                continue
            k0 = max(int(ks[0]) - 1, 0)
            k1 = min(int(ks[-1]) + 1, n - 1)
            prev_still = bi == 0 or tl.bouts[bi - 1][2] == "still"
            next_still = bi == len(tl.bouts) - 1 or tl.bouts[bi + 1][2] == "still"
            first_ic, last_ic = float(tl.t_ic[ks[0]]), float(tl.t_ic[ks[-1]])
            if prev_still:
                k0 = int(ks[0])
                on, fin = first_ic, first_ic + BLEND
            else:
                on, fin = first_ic - BLEND / 2, first_ic + BLEND / 2
            if next_still:
                k1 = int(ks[-1])
                off, fout = last_ic - BLEND, last_ic
            else:
                nxt = float(tl.t_ic[min(ks[-1] + 1, n - 1)])
                k1 = min(int(ks[-1]) + 2, n - 1)
                off, fout = nxt - BLEND / 2, nxt + BLEND / 2
            kk = np.arange(k0, k1 + 1)
            phase = CubicSpline(tl.t_ic[kk], kk.astype(np.float64))
            left = kk[tl.side[kk] == 0]
            left_off = float(left[0] % 2) if left.size else 0.0
            self.bouts.append(
                _Bout(
                    mode,
                    k0,
                    k1,
                    on,
                    off,
                    fin - on,
                    fout - off,
                    phase,
                    left_off,
                    float(np.mean(tl.vo[ks])),
                    float(np.mean(tl.braking[ks])),
                )
            )

    # -- helpers ---------------------------------------------------------------------
    def _window(self, b: _Bout, t: F) -> PVA:
        up = smoothstep(t, b.t_on, b.fade_in)
        down = smoothstep(t, b.t_off, b.fade_out)
        return up[0] - down[0], up[1] - down[1], up[2] - down[2]

    def _phase(self, b: _Bout, t: F) -> PVA:
        tc = np.clip(t, b.phase.x[0], b.phase.x[-1])
        return b.phase(tc), b.phase(tc, 1), b.phase(tc, 2)

    def harmonic(self, t: F, mult: float, offset: float, amp: dict[str, float]) -> PVA:
        """Sum over bouts of ``amp[mode] * cos(pi*mult*(phase - left - offset))``, windowed.

        Parameters
        ----------
        t : ndarray
            Times, s.
        mult : float
            1 = once per stride (+amp at the left side's phase), 2 = once per step.
        offset : float
            Phase offset in steps after the left initial contact.
        amp : dict
            Amplitude per mode ('run', 'walk').
        """
        out = _zero(t)
        for b in self.bouts:
            w = self._window(b, t)
            if not np.any(w[0]):
                continue
            h = cos_phase(self._phase(b, t), mult, b.left_off + offset, amp[b.mode])
            out = _add(out, product(w, h))
        return out

    # -- vertical and forward ------------------------------------------------------------
    def _run_vertical(self, b: _Bout, t: F) -> tuple[PVA, PVA]:
        tl = self.tl
        ks = np.arange(b.k0, b.k1)
        ic = tl.t_ic[ks]
        T = tl.t_ic[ks + 1] - ic
        c = np.where(np.isfinite(tl.t_tc[ks]), tl.t_tc[ks] - ic, tl.gct_nom[ks])
        c = np.minimum(np.where(np.isfinite(c), c, tl.gct_nom[ks]), 0.9 * T)
        rear = np.clip(tl.fsa[ks] / RUN_IMPACT_FULL_FSA, 0.0, 1.0)  # 1 = full rearfoot strike
        wi = RUN_IMPACT_WEIGHT * rear
        d = np.minimum(RUN_IMPACT_WIDTH, c / 2)
        # Centroid of the unit-impulse stance shape (half sine centred at c/2, impact
        # lobe at d/2): the impulse J of each step follows from it in closed form.
        tbar = (1 - wi) * c / 2 + wi * d / 2
        u = np.empty(ks.size)
        J = np.empty(ks.size)
        uk = G * (tbar[0] - T[0] / 2)
        for i in range(ks.size):
            u[i] = uk
            J[i] = (G * T[i] ** 2 / 2 - uk * T[i]) / (T[i] - tbar[i])
            uk = uk + J[i] - G * T[i]
        # Forward: a braking lobe over the first RUN_BRAKE_WIDTH of stance, then a
        # propulsion lobe to take-off with the same impulse; the speed lost is `braking`.
        # The braking lasts until the pelvis passes over the foot: longer for a landing
        # further ahead (gait.synth.landing; RUN_BRAKE_WIDTH of stance at the default).
        db = c * np.array(
            [
                braking_share(float(o), float(v), float(ci))
                for o, v, ci in zip(tl.overstride[ks], tl.speed[ks], c, strict=True)
            ]
        )
        A1 = 2 * tl.braking[ks] / db
        pw = RUN_PUSH_END * c - db
        A2 = A1 * db / pw
        dx_step = -A1 * _lobe(c, 0.0, db)[2] + A2 * _lobe(c, db, pw)[2]
        X = np.concatenate([[0.0], np.cumsum(dx_step)])
        vbar = X[-1] / (ic[-1] + T[-1] - ic[0]) if ks.size else 0.0

        j = np.clip(np.searchsorted(ic, t, side="right") - 1, 0, ks.size - 1)
        tau = np.clip(t - ic[j], 0.0, T[j])
        ci, di, wii, Ji, ui = c[j], d[j], wi[j], J[j], u[j]
        st = tau < ci
        tau_s = np.minimum(tau, ci)
        arg = np.pi * tau_s / ci
        s_half = np.sin(arg) * np.pi / (2 * ci)
        S_half = (1 - np.cos(arg)) / 2
        SS_half = (tau_s - ci / np.pi * np.sin(arg)) / 2
        s_b, S_b, SS_b = _lobe(tau_s, 0.0, di)
        s_b, S_b, SS_b = s_b / (di / 2), S_b / (di / 2), SS_b / (di / 2)
        s = (1 - wii) * s_half + wii * s_b
        S = (1 - wii) * S_half + wii * S_b
        SS = (1 - wii) * SS_half + wii * SS_b
        a_st = Ji * s - G
        v_st = ui + Ji * S - G * tau_s
        z_st = ui * tau_s + Ji * SS - G * tau_s**2 / 2
        fl = tau - ci
        zc = ui * ci + Ji * ((1 - wii) * (ci / 2) + wii * (ci - di / 2)) - G * ci**2 / 2
        vc = ui + Ji - G * ci
        z = np.where(st, z_st, zc + vc * fl - G * fl**2 / 2)
        v = np.where(st, v_st, vc - G * fl)
        a = np.where(st, a_st, -G)
        # The sacrum's impact sag: a brief dip below the ballistic path (no net velocity
        # or displacement, so the step's impulse and height are untouched).
        sag = _sag(tau, np.minimum(RUN_SAG_WIDTH, ci / 2), RUN_SAG_PEAK * G * rear[j])
        z, v, a = z + sag[0], v + sag[1], a + sag[2]
        if RUN_TAKEOFF_PEAK > 0:
            # Centred on TC and over before the next contact: again no net velocity or
            # displacement, so the step's impulse and height stay as solved above.
            fl_i = T[j] - ci
            w_to = np.minimum(RUN_TAKEOFF_WIDTH, np.minimum(1.8 * fl_i, ci / 2))
            to = _sag(tau - (ci - w_to / 2), w_to, RUN_TAKEOFF_PEAK * G)
            z, v, a = z + to[0], v + to[1], a + to[2]
        # Forward: braking then propulsion during stance, still in flight (the stance
        # shape is evaluated at min(tau, c), where both lobes are complete).
        dbi, A1i, A2i = db[j], A1[j], A2[j]
        br = _lobe(tau_s, 0.0, dbi)
        pr = _lobe(tau_s, dbi, pw[j])
        ax = np.where(st, -A1i * br[0] + A2i * pr[0], 0.0)
        vx = -A1i * br[1] + A2i * pr[1]
        xx = -A1i * br[2] + A2i * pr[2]
        x = X[j] + xx - vbar * (t - ic[0])
        vx = vx - vbar
        return (z, v, a), (x, vx, ax)

    def _walk_vertical(self, b: _Bout, t: F, h2: float = 0.12) -> tuple[PVA, PVA]:
        ph = self._phase(b, t)
        # Fundamental at the step frequency plus a second harmonic: the pelvis rises in
        # two phases per step (loading response, then push-off), as in lower-back records.
        z = _add(cos_phase(ph, 2, 0.1, -b.vo / 2), cos_phase(ph, 4, 0.2, -h2 * b.vo / 2))
        mean_step = float(np.mean(np.diff(b.phase.x))) if b.phase.x.size > 1 else 0.55
        amp_x = b.brake * mean_step / (2 * np.pi * (1 + np.cos(0.2 * np.pi)))
        # x = amp*sin(2*pi*(phase-0.1)) = amp*cos(pi*2*(phase-0.1-0.25))
        x = cos_phase(ph, 2, 0.35, amp_x)
        return z, x

    def position(self, t: F, jolt_tau: float = 0.0, jolt_gain: float = 1.0) -> dict[str, PVA]:
        """Pelvis displacement (x forward, y left, z up; m) and Euler angles (rad) vs time.

        Parameters
        ----------
        t : ndarray
            True times, s.
        jolt_tau : float
            Time constant of the heel-strike jolt, s (0 = the pelvis value); limbs further
            from the pelvis (arms) see a slower, soft-tissue-filtered jolt.
        jolt_gain : float
            Scale of the jolt's peak acceleration and of the walking second harmonic
            (1 = pelvis; arms see less of both).

        Returns
        -------
        dict
            ``x, y, z, yaw, pitch, roll`` each as (value, rate, acceleration).
            ``z`` is relative to standing height and ``x`` to the mean lab position.
        """
        t = np.asarray(t, dtype=np.float64)
        tl = self.tl
        z = _zero(t)
        x = _zero(t)
        for b in self.bouts:
            w = self._window(b, t)
            m = (t >= b.t_on - 1e-9) & (t <= b.t_off + b.fade_out + 1e-9)
            if not np.any(m):
                continue
            tm = t[m]
            wm = (w[0][m], w[1][m], w[2][m])
            if b.mode == "run":
                zb, xb = self._run_vertical(b, tm)
            else:
                zb, xb = self._walk_vertical(b, tm, 0.12 * jolt_gain)
            for acc, part in ((z, zb), (x, xb)):
                pr = product(wm, part)
                for j in range(3):
                    acc[j][m] += pr[j]
        # Heel-strike transients: a short vertical (and, walking, forward) jolt at every
        # contact; they carry no net velocity, so VO and braking stay exact.
        ic = tl.t_ic
        walk = np.array([m == "walk" for m in tl.mode])
        v_z = np.where(walk, WALK_JOLT, 0.0) * TAU_JOLT / 1.95
        tau = jolt_tau or TAU_JOLT
        v_z = v_z * jolt_gain * tau / TAU_JOLT  # peak scaled by the gain, slower
        z = _add(z, impact_pulse(t, ic, v_z, max(0.04, tau), tau))
        x = _add(x, impact_pulse(t, ic, -np.where(walk, 0.6 * v_z, 0.0), max(0.04, tau), tau))
        out = {"x": x, "z": z}
        # Sway peaks towards the stance side at mid-stance (the mode's phase offset).
        out["y"] = self._sway(t, "ml", 0.0)
        out["roll"] = self._sway(t, "roll", 0.0)
        out["yaw"] = self._sway(t, "yaw", 0.5)
        out["pitch"] = self.harmonic(t, 2, 0.2, {m: SWAY[m]["pitch"] for m in SWAY})
        return out

    def _sway(self, t: F, key: str, extra: float) -> PVA:
        out = _zero(t)
        for mode in ("run", "walk"):
            if not any(b.mode == mode for b in self.bouts):
                continue
            amp = {"run": 0.0, "walk": 0.0}
            amp[mode] = SWAY[mode][key]
            out = _add(out, self.harmonic(t, 1, SWAY[mode]["off"] + extra, amp))
        return out

    def truth_per_step(self) -> tuple[F, F]:
        """Vertical oscillation (m) and braking speed loss (m/s) of the pelvis per step.

        Evaluated on a 1 ms grid over each step [IC, next IC] (VO: max - min height) and
        over each stance [IC, TC] (braking: speed at IC minus the minimum speed).
        """
        tl = self.tl
        n = tl.n
        vo = np.full(n, np.nan)
        br = np.full(n, np.nan)
        if n < 2:
            return vo, br
        T = np.diff(tl.t_ic)
        grid = np.linspace(0.0, 1.0, 301)
        c = np.where(np.isfinite(tl.t_tc[:-1]), tl.t_tc[:-1] - tl.t_ic[:-1], np.nan)
        # Blocks of steps bound the memory of the (steps x grid) evaluation.
        for s0 in range(0, n - 1, 1000):
            sl = slice(s0, min(s0 + 1000, n - 1))
            tt = tl.t_ic[sl, None] + T[sl, None] * grid[None, :]
            z = self.position(tt.ravel())["z"][0].reshape(tt.shape)
            vo[sl] = z.max(axis=1) - z.min(axis=1)
            ts = tl.t_ic[sl, None] + np.nan_to_num(c[sl])[:, None] * grid[None, :]
            vx = self.position(ts.ravel())["x"][1].reshape(ts.shape)
            br[sl] = np.where(np.isfinite(c[sl]), vx[:, 0] - vx.min(axis=1), np.nan)
        return vo, br

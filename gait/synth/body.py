"""Segment motion for each placement, and the ideal IMU signals it produces.

A segment is described by its position (lab frame, m; only its acceleration matters) and
its orientation as intrinsic Z-Y-X Euler angles (yaw, pitch about +y = toes down, roll),
each with exact rates. :func:`ideal_imu` turns that into specific force (gravity
included) and angular rate in the segment frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gait.contract.constants import G
from gait.synth.belt import BeltSpeed
from gait.synth.curves import PVA, F, impact_pulse
from gait.synth.foot import ANKLE, SENSOR, SHANK_SENSOR, TAU_PRE, FootModel
from gait.synth.timeline import Timeline
from gait.synth.trunk import TrunkModel

#: Placement specs accepted by the generator: (placement, side, phone mount).
PLACEMENT_SPECS: dict[str, tuple[str, str | None, str | None]] = {
    "foot-left": ("foot", "left", None),
    "foot-right": ("foot", "right", None),
    "shank-left": ("shank", "left", None),
    "shank-right": ("shank", "right", None),
    "sacrum": ("sacrum", None, None),
    "phone-belt": ("phone", None, "belt"),
    "phone-armband": ("phone", None, "armband"),
    "phone-hand": ("phone", None, "hand"),
    "phone-pocket": ("phone", None, "pocket"),
}

#: Arm and thigh swing per mode: amplitude (rad), mean angle (rad), elbow flexion (rad).
ARM = {
    "run": (np.radians(30.0), np.radians(5.0), np.radians(85.0)),
    "walk": (np.radians(25.0), np.radians(2.0), np.radians(15.0)),
}
THIGH = {"run": (np.radians(32.0), np.radians(12.0)), "walk": (np.radians(25.0), np.radians(5.0))}
#: Shock reaching a thigh pocket at the same side's contact: peak m/s² and time constant s.
THIGH_JOLT = (15.0, 0.05)
#: Angular rate of a belt phone's wobble at each contact, rad/s (peak angle ~2 deg).
BELT_WOBBLE = 1.6
#: Shank impact transient relative to the foot model's (see Body._shank_impact). Real running
#: shanks at ±8 g clip on 0.97 % of samples (Bach et al.); gain 1 gives 0.21 %, 1.4 gives
#: 0.75 % and 1.8 gives 1.03 % (benchmarks/synth_realism.py). 1.4 is the largest gain that
#: keeps a rearfoot strike's median peak tibial acceleration (14.7 g) inside the published
#: 5-15 g running band, so it trades a little clipping for a plausible peak.
SHANK_IMPACT_GAIN = 1.4
#: A phone held in the hand (looking at it): small swing, forearm near horizontal.
HAND = {
    "run": (np.radians(12.0), np.radians(0.0), np.radians(80.0)),
    "walk": (np.radians(10.0), np.radians(0.0), np.radians(70.0)),
}
#: Heel-strike jolt seen by arm-worn phones, soft-tissue filtered: time constant s, gain.
ARM_JOLT = (0.08, 0.2)


@dataclass
class Motion:
    """Acceleration (lab frame, m/s², gravity excluded) and Z-Y-X Euler angles with rates."""

    acc: F  # (N, 3)
    yaw: PVA
    pitch: PVA
    roll: PVA


def ideal_imu(m: Motion) -> tuple[F, F]:
    """Specific force and angular rate in the segment frame.

    Parameters
    ----------
    m : Motion
        Segment motion.

    Returns
    -------
    acc : ndarray, shape (N, 3)
        Specific force (acceleration minus gravity, i.e. +9.81 m/s² up at rest), m/s².
    gyr : ndarray, shape (N, 3)
        Angular rate, rad/s.
    """
    psi, beta, phi = m.yaw[0], m.pitch[0], m.roll[0]
    dpsi, dbeta, dphi = m.yaw[1], m.pitch[1], m.roll[1]
    # f_segment = Rx(phi)^T Ry(beta)^T Rz(psi)^T f_world for R = Rz Ry Rx (intrinsic Z-Y-X),
    # applied as three plane rotations (much faster than building Rotation objects).
    fx, fy, fz = m.acc[:, 0], m.acc[:, 1], m.acc[:, 2] + G
    cs, ss = np.cos(psi), np.sin(psi)
    x1, y1 = cs * fx + ss * fy, -ss * fx + cs * fy
    sb, cb = np.sin(beta), np.cos(beta)
    x2, z2 = cb * x1 - sb * fz, sb * x1 + cb * fz
    sp, cp = np.sin(phi), np.cos(phi)
    y3, z3 = cp * y1 + sp * z2, -sp * y1 + cp * z2
    acc = np.column_stack([x2, y3, z3])
    gyr = np.column_stack(
        [
            dphi - dpsi * sb,
            dbeta * cp + dpsi * cb * sp,
            -dbeta * sp + dpsi * cb * cp,
        ]
    )
    return acc, gyr


def _zero(t: F) -> PVA:
    z = np.zeros_like(t)
    return z, z.copy(), z.copy()


def _neg(p: PVA) -> PVA:
    return -p[0], -p[1], -p[2]


class Body:
    """All segment models of one simulated session.

    Parameters
    ----------
    tl : Timeline
        The steps.
    """

    def __init__(self, tl: Timeline) -> None:
        self.tl = tl
        self.belt = BeltSpeed(tl)
        self.trunk = TrunkModel(tl)
        self.feet = [FootModel(tl, s, self.belt) for s in (0, 1)]

    def _foot_frame_shift(self, t: F, ax: F) -> F:
        """Lab-frame forward acceleration of a foot point from its belt-frame one."""
        if self.tl.treadmill:
            return ax - self.belt.speed(t)[2]
        return ax

    def _trunk_acc(self, t: F, pos: dict[str, PVA]) -> F:
        ax = pos["x"][2].copy()
        if not self.tl.treadmill:
            ax = ax + self.belt.speed(t)[2]
        return np.column_stack([ax, pos["y"][2], pos["z"][2]])

    def _shank_impact(self, foot: FootModel, t: F, x: PVA, z: PVA) -> tuple[PVA, PVA]:
        """The shank's impact: the foot's transient at the ankle scaled by SHANK_IMPACT_GAIN.

        The foot model gives every foot point the same impact transient; a tibial
        accelerometer reads a larger one: real ±8 g running shanks clip on 0.97 % of samples
        and peak near 109 m/s² where the foot's transient alone clips on 0.21 % and peaks at
        76 m/s² (benchmarks/synth_realism.py).
        """
        ic, v_td, tau = foot._impact
        if SHANK_IMPACT_GAIN == 1.0 or ic.size == 0:
            return x, z
        tp = float(np.median(tau))
        g = SHANK_IMPACT_GAIN - 1.0
        ez = impact_pulse(t, ic, g * v_td, TAU_PRE, tp)
        ex = impact_pulse(t, ic, -0.3 * g * v_td, TAU_PRE, tp)
        return (
            (x[0] + ex[0], x[1] + ex[1], x[2] + ex[2]),
            (z[0] + ez[0], z[1] + ez[1], z[2] + ez[2]),
        )

    def motion(self, spec: str, t: F) -> Motion:
        """Motion of the segment that carries the sensor ``spec`` at true times ``t`` (s)."""
        placement, side, mount = PLACEMENT_SPECS[spec]
        z0 = _zero(t)
        if placement in ("foot", "shank"):
            foot = self.feet[0 if side == "left" else 1]
            if placement == "foot":
                x, z = foot.point(SENSOR, t)
                pitch = _neg(foot.pitch(t))  # toes up = negative rotation about +y
            else:
                x, z = foot.point(ANKLE, t)
                ang = foot.shank_angle(t)
                # Sensor SHANK_SENSOR up the shank from the ankle: offset l*(-sin, cos).
                s, c = np.sin(ang[0]), np.cos(ang[0])
                lx = SHANK_SENSOR
                ox = (-lx * s, -lx * c * ang[1], -lx * (c * ang[2] - s * ang[1] ** 2))
                oz = (lx * c, -lx * s * ang[1], -lx * (s * ang[2] + c * ang[1] ** 2))
                x = (x[0] + ox[0], x[1] + ox[1], x[2] + ox[2])
                z = (z[0] + oz[0], z[1] + oz[1], z[2] + oz[2])
                x, z = self._shank_impact(foot, t, x, z)
                pitch = _neg(ang)
            acc = np.column_stack([self._foot_frame_shift(t, x[2]), np.zeros_like(t), z[2]])
            return Motion(acc, z0, pitch, z0)
        arm = mount in ("armband", "hand")
        pos = self.trunk.position(t, *(ARM_JOLT if arm else (0.0, 1.0)))
        acc = self._trunk_acc(t, pos)
        if placement == "sacrum":
            return Motion(acc, pos["yaw"], pos["pitch"], pos["roll"])
        if mount == "belt":
            # A phone in a belt pouch is looser than a clipped IMU: it rocks after each
            # contact (a damped pitch/roll wobble of about 2 degrees).
            ic = self.tl.t_ic
            v = np.full(ic.size, BELT_WOBBLE)
            wp = impact_pulse(t, ic, v, 0.05, 0.05)
            wr = impact_pulse(t, ic, -0.6 * v * np.where(self.tl.side == 0, 1.0, -1.0), 0.05, 0.05)
            pitch = (pos["pitch"][0] + wp[0], pos["pitch"][1] + wp[1], pos["pitch"][2] + wp[2])
            roll = (pos["roll"][0] + wr[0], pos["roll"][1] + wr[1], pos["roll"][2] + wr[2])
            return Motion(acc, pos["yaw"], pitch, roll)
        if mount in ("armband", "hand"):
            # Left arm swings forward when the right leg does (phase 1 step after left IC).
            table = ARM if mount == "armband" else HAND
            amp = {k: v[0] for k, v in table.items()}
            ang = self.trunk.harmonic(t, 1, 1.0, amp)
            mean = self._mode_const(t, {k: v[1] for k, v in table.items()})
            ang = (ang[0] + mean, ang[1], ang[2])
            r = 0.15 if mount == "armband" else 0.28
            seg = ang
            extra = np.zeros((t.size, 3))
            if mount == "hand":
                elbow = self._mode_const(t, {k: v[2] for k, v in table.items()})
                seg = (ang[0] + elbow, ang[1], ang[2])
                extra = self._pendulum(ang, 0.28)
            acc = acc + extra + self._pendulum(seg, r)
            return Motion(acc, pos["yaw"], _neg(seg), z0)
        if mount == "pocket":
            amp = {k: v[0] for k, v in THIGH.items()}
            # Right thigh: most flexed just before the right contact.
            ang = self.trunk.harmonic(t, 1, 0.9, amp)
            mean = self._mode_const(t, {k: v[1] for k, v in THIGH.items()})
            ang = (ang[0] + mean, ang[1], ang[2])
            acc = acc + self._pendulum(ang, 0.25)
            # The heel strike of the pocket-side leg jolts the thigh (up and back).
            foot = self.feet[1]
            ic = self.tl.t_ic[foot.idx]
            peak, tau = THIGH_JOLT
            v = np.full(ic.size, peak * tau / 1.95)
            jz = impact_pulse(t, ic, v, 0.04, tau)
            jx = impact_pulse(t, ic, -0.5 * v, 0.04, tau)
            acc[:, 0] += jx[2]
            acc[:, 2] += jz[2]
            return Motion(acc, pos["yaw"], _neg(ang), pos["roll"])
        raise ValueError(f"unknown placement spec {spec!r}")

    @staticmethod
    def _pendulum(ang: PVA, r: float) -> F:
        """Acceleration of a point ``r`` m down a limb swinging ``ang`` rad forward."""
        s, c = np.sin(ang[0]), np.cos(ang[0])
        ax = r * (c * ang[2] - s * ang[1] ** 2)
        az = r * (s * ang[2] + c * ang[1] ** 2)
        return np.column_stack([ax, np.zeros_like(ax), az])

    def _mode_const(self, t: F, val: dict[str, float]) -> F:
        """Piecewise constant per bout mode, faded like the bouts (rates neglected, small)."""
        out = np.zeros_like(t)
        for b in self.trunk.bouts:
            out += self.trunk._window(b, t)[0] * val[b.mode]
        return out

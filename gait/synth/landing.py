"""How far ahead the foot lands (``overstride``) shapes the shank at contact and the braking.

The generator's ``overstride`` is the heel's distance ahead of the pelvis at initial
contact, m. Two things an IMU can carry follow from it here:

* **Shank angle at initial contact** (:func:`shank_ic_deg`). At contact the knee is near
  extension (about 20° of flexion in shod runners); with that knee angle held, the
  hip-to-ankle line (length :data:`HIP_ANKLE`, 2 × 0.45 m × cos 10° ≈ 0.886 m) rotates
  about the hip as the foot lands further ahead, and the shank turns with it. The ankle is
  :data:`HEEL_TO_ANKLE` ahead of the heel, so the shank angle grows by
  ``asin((d + 0.06) / 0.886) − asin((d0 + 0.06) / 0.886)`` from its value at the
  reference landing ``d0 =`` :data:`REF_OVERSTRIDE` (≈ 66°/m near 0.2 m, 72°/m near
  0.35 m). Rotating the shank alone about a fixed knee (Δd / 0.45 m ≈ 127°/m) would
  overstate it: the knee moves forward with the foot. Lieberman et al. (2015, J Exp Biol
  218:3406) found the foot's landing position relative to the hip and the shank angle
  at landing to go together with the braking force; Souza (2016, Phys Med Rehabil Clin
  N Am 27:217) uses a near-vertical shank at contact as the mark of a landing under the
  knee.
* **Braking duration** (:func:`braking_time`). The ground force brakes the body until
  the pelvis passes over the foot (the leg is then vertical and the horizontal force turns
  to propulsion). At the reference landing the braking lobe lasts
  ``RUN_BRAKE_WIDTH`` of stance (the real sacral AP minimum at 0.11 of stance, see
  :mod:`gait.synth.trunk`); each extra metre of landing distance adds the time the pelvis
  needs to cover it, ``(d − d0) / speed``. A sacrum IMU reads this duration from the
  forward-speed minimum, and ``speed × duration`` estimates the landing distance.

The default braking (pelvis speed loss) of a run scales with the braking duration at a
constant mean braking force (:func:`default_braking`).
"""

from __future__ import annotations

import math

#: The run default landing distance, heel ahead of the pelvis at contact, m.
REF_OVERSTRIDE = 0.20
#: Hip to ankle at contact, m: thigh and shank of 0.45 m with ~20° knee flexion.
HIP_ANKLE = 0.886
#: Ankle ahead of the heel, m (the foot model's ankle, gait.synth.foot.ANKLE).
HEEL_TO_ANKLE = 0.06
#: Pelvis forward speed loss per running step at the reference landing, m/s. The centre
#: of mass loses about (2/pi) × peak braking force × braking time: 0.2–0.27 body weights
#: (the middle and upper tertile boundary of peak braking force in 74 recreational
#: runners, Napier et al. 2018, Scand J Med Sci Sports 28:2164) over the first ~45 % of a
#: 0.26 s stance give 0.14–0.2 m/s; the sacrum moves more than the centre of mass (one
#: real runner's sacrum, Alcantara et al. 2022, PeerJ 10:e12752, reads 0.24–0.50 m/s in
#: this project's detector), so 0.22 m/s.
REF_BRAKING = 0.22
#: The braking lobe's share of stance at the reference landing (gait.synth.trunk).
REF_BRAKE_SHARE = 0.22
#: Limits of the braking lobe's share of stance (the propulsion lobe needs the rest).
BRAKE_SHARE_RANGE = (0.10, 0.60)


def _leg_angle(d: float) -> float:
    """Hip-to-ankle line from vertical, rad, for a heel ``d`` m ahead of the pelvis."""
    return math.asin(min(max((d + HEEL_TO_ANKLE) / HIP_ANKLE, -0.95), 0.95))


def shank_ic_increment_deg(overstride: float) -> float:
    """Extra shank inclination at contact over the reference landing, deg.

    Parameters
    ----------
    overstride : float
        Heel ahead of the pelvis at initial contact, m.

    Returns
    -------
    float
        Degrees added to the shank angle at contact (negative for a closer landing).
    """
    return math.degrees(_leg_angle(overstride) - _leg_angle(REF_OVERSTRIDE))


def braking_share(overstride: float, speed: float, gct: float) -> float:
    """Share of stance spent braking, from the landing distance.

    Parameters
    ----------
    overstride : float
        Heel ahead of the pelvis at contact, m.
    speed : float
        Running speed, m/s.
    gct : float
        Contact time, s.

    Returns
    -------
    float
        ``REF_BRAKE_SHARE + (overstride − REF_OVERSTRIDE) / (speed × gct)``, clipped to
        :data:`BRAKE_SHARE_RANGE`.
    """
    if speed <= 0 or gct <= 0:
        return REF_BRAKE_SHARE
    s = REF_BRAKE_SHARE + (overstride - REF_OVERSTRIDE) / (speed * gct)
    return min(max(s, BRAKE_SHARE_RANGE[0]), BRAKE_SHARE_RANGE[1])


def braking_time(overstride: float, speed: float, gct: float) -> float:
    """Braking duration from contact to the pelvis's lowest forward speed, s."""
    return braking_share(overstride, speed, gct) * gct


def default_braking(overstride: float, speed: float, gct: float) -> float:
    """Default pelvis speed loss of a running step, m/s.

    The mean braking force of the reference landing acting for the braking duration of
    this landing: :data:`REF_BRAKING` × ``braking_time(d) / braking_time(d0)``.
    """
    return REF_BRAKING * braking_share(overstride, speed, gct) / REF_BRAKE_SHARE

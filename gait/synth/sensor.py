"""What a real sensor does to the true motion: mounting, noise, bias, range, drops, clock.

Order of effects (as in hardware): the segment signals are rotated into the mounted
device axes, bias and white noise are added, values are clipped at the full scale and
rounded to the 16-bit LSB; then packets are lost and the sensor's own clock (drift,
jitter) stamps what is left. Sample ``k`` is taken at true time ``k / (rate * (1 + drift))``
and stamped ``k / rate`` (+ jitter): the ground truth stays in true time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from gait.synth.params import SensorParams

F = NDArray[np.float64]

#: Nominal device axes of phones in each carry position, as columns in the segment frame
#: (x forward, y left, z up): belt = upright, screen facing back; armband = upright along
#: the arm, screen out to the left; hand = along the forearm, screen up; pocket = upside
#: down along the thigh, screen forward.
PHONE_NOMINAL: dict[str, F] = {
    "belt": np.array([[0.0, 0.0, -1.0], [-1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]),
    "armband": np.array([[-1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]),
    "hand": np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]),
    "pocket": np.array([[0.0, 0.0, 1.0], [-1.0, 0.0, 0.0], [0.0, -1.0, 0.0]]),
}


@dataclass
class SensorDraw:
    """Random draws of one sensor, recorded in the truth parameters."""

    mount: F  # (3, 3): device axes as columns in the segment frame
    acc_bias: F
    gyr_bias: F
    drift_ppm: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form: mounting matrix and quaternion (x, y, z, w), biases, drift."""
        return {
            "mount_matrix": self.mount.tolist(),
            "mount_quat_xyzw": Rotation.from_matrix(self.mount).as_quat().tolist(),
            "acc_bias": self.acc_bias.tolist(),
            "gyr_bias": self.gyr_bias.tolist(),
            "drift_ppm": self.drift_ppm,
        }


def draw_sensor(sp: SensorParams, rng: np.random.Generator, nominal: F | None) -> SensorDraw:
    """Draw the mounting rotation, biases and clock drift of one sensor.

    Parameters
    ----------
    sp : SensorParams
        Sensor effects.
    rng : numpy.random.Generator
        Random source (one per sensor, so adding a sensor leaves the others unchanged).
    nominal : ndarray, shape (3, 3) or None
        Nominal device axes in the segment frame (identity when None).
    """
    base = np.eye(3) if nominal is None else nominal
    if sp.rotation == "uniform":
        mount = Rotation.random(random_state=rng).as_matrix()
    elif sp.rotation == "small":
        axis = rng.standard_normal(3)
        axis /= np.linalg.norm(axis)
        ang = np.radians(sp.small_rotation_deg) * rng.uniform(0.0, 1.0)
        mount = Rotation.from_rotvec(axis * ang).as_matrix() @ base
    else:
        mount = base
    return SensorDraw(
        mount=np.asarray(mount, dtype=np.float64),
        acc_bias=rng.uniform(-sp.acc_bias, sp.acc_bias, 3) if sp.acc_bias > 0 else np.zeros(3),
        gyr_bias=rng.uniform(-sp.gyr_bias, sp.gyr_bias, 3) if sp.gyr_bias > 0 else np.zeros(3),
        drift_ppm=float(rng.uniform(-sp.drift_ppm, sp.drift_ppm)) if sp.drift_ppm else 0.0,
    )


def true_sample_times(n: int, rate: float, drift_ppm: float) -> F:
    """True times (s) of ``n`` samples of a sensor whose clock runs ``drift_ppm`` fast."""
    return np.arange(n, dtype=np.float64) / (rate * (1.0 + drift_ppm * 1e-6))


def apply_effects(
    acc: F,
    gyr: F,
    sp: SensorParams,
    draw: SensorDraw,
    rng: np.random.Generator,
    acc_range: float,
    gyr_range: float,
    noise_scale: float = 1.0,
) -> tuple[F, F, dict[str, int]]:
    """Mounting, bias, noise, saturation and quantization of segment-frame signals.

    Parameters
    ----------
    acc, gyr : ndarray, shape (N, 3)
        Ideal specific force (m/s²) and angular rate (rad/s) in the segment frame.
    sp : SensorParams
        Effects to apply.
    draw : SensorDraw
        This sensor's mounting and biases.
    rng : numpy.random.Generator
        Noise source.
    acc_range, gyr_range : float
        Full scales, m/s² and rad/s.
    noise_scale : float
        Multiplier of the noise SDs (phones are noisier).

    Returns
    -------
    acc, gyr : ndarray, shape (N, 3)
        Device-frame samples.
    counts : dict
        ``acc_saturated`` and ``gyr_saturated``: samples with any axis clipped.
    """
    # v_segment = M v_device, so v_device = M^T v_segment (row vectors: v @ M).
    a = acc @ draw.mount + draw.acc_bias
    g = gyr @ draw.mount + draw.gyr_bias
    if sp.acc_noise > 0:
        a = a + rng.normal(0.0, sp.acc_noise * noise_scale, a.shape)
    if sp.gyr_noise > 0:
        g = g + rng.normal(0.0, sp.gyr_noise * noise_scale, g.shape)
    counts = {
        "acc_saturated": int(np.count_nonzero(np.any(np.abs(a) >= acc_range, axis=1))),
        "gyr_saturated": int(np.count_nonzero(np.any(np.abs(g) >= gyr_range, axis=1))),
    }
    a = np.clip(a, -acc_range, acc_range)
    g = np.clip(g, -gyr_range, gyr_range)
    if sp.quantize:
        # 16-bit LSB rounded down to a power of two: values then have short binary
        # mantissas, which keeps the files small (and is exact in float64).
        la = 2.0 ** math.floor(math.log2(acc_range / 32768.0))
        lg = 2.0 ** math.floor(math.log2(gyr_range / 32768.0))
        a = np.round(a / la) * la
        g = np.round(g / lg) * lg
    return a, g, counts


def drop_mask(n: int, sp: SensorParams, rng: np.random.Generator) -> NDArray[np.bool_]:
    """Samples kept after packet loss (True = kept).

    Packets of ``packet_samples`` samples are lost in bursts whose length is geometric
    with mean ``burst`` packets; the burst start probability is set so that the expected
    lost fraction is ``drop_rate``.
    """
    keep = np.ones(n, dtype=bool)
    if sp.drop_rate <= 0 or n == 0:
        return keep
    n_pk = -(-n // sp.packet_samples)
    p_start = sp.drop_rate / (sp.burst * (1 - sp.drop_rate) + sp.drop_rate)
    starts = rng.random(n_pk) < p_start
    lengths = rng.geometric(1.0 / sp.burst, n_pk)
    lost = np.zeros(n_pk + 1, dtype=np.int64)
    idx = np.flatnonzero(starts)
    np.add.at(lost, idx, 1)
    np.add.at(lost, np.minimum(idx + lengths[idx], n_pk), -1)
    pk_lost = np.cumsum(lost)[:n_pk] > 0
    keep = ~np.repeat(pk_lost, sp.packet_samples)[:n]
    # Never lose the very first and last samples, so the stream spans the session.
    keep[0] = keep[-1] = True
    return keep


def stamp(k: NDArray[np.int64], rate: float, sp: SensorParams, rng: np.random.Generator) -> F:
    """Sensor timestamps (s, sensor clock) of the kept sample indices ``k``, with jitter."""
    t = k.astype(np.float64) / rate
    if sp.jitter > 0:
        lim = 0.45 / rate
        t = t + np.clip(rng.normal(0.0, sp.jitter, t.shape), -lim, lim)
    return t


def drop_table(keep: NDArray[np.bool_], t_true: F, t_sensor: F) -> list[dict[str, float]]:
    """Runs of lost samples as rows ``i_start, n, t_start, t_end`` (true time, s)."""
    lost = ~keep
    if not np.any(lost):
        return []
    d = np.diff(np.concatenate([[0], lost.astype(np.int8), [0]]))
    s = np.flatnonzero(d == 1)
    e = np.flatnonzero(d == -1)
    return [
        {
            "i_start": int(a),
            "n": int(b - a),
            "t_start": float(t_true[a]),
            "t_end": float(t_true[b - 1]),
            "t_sensor_start": float(t_sensor[a]),
        }
        for a, b in zip(s, e, strict=True)
    ]

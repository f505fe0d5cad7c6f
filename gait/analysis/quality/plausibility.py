"""Plausibility checks on input: units, side and placement judged from the signal itself.

Pure functions over numpy arrays. A reader asks :func:`resolve_acc_unit` and
:func:`resolve_gyr_unit` which unit to apply to the raw numbers (inferring it when the user
gave none, raising :class:`~gait.contract.errors.UnitError` naming the option when the user's unit
contradicts the signal); the pipeline asks :func:`input_checks` once per analysis for what
the labels (placement, side) cannot support. Each finding is a :class:`Check`: a code for
``summary["flags"]`` and a sentence for the user, never a silent number.

Physical facts used (no fitted constants except where marked [G], a design choice checked
on the synthetic generator and on the public recordings, see
``benchmarks/input_checks.py``):

* with gravity included, an accelerometer worn on the body averages to about 1 g over a few
  seconds wherever it is worn, since the body does not keep accelerating in one direction
  (a swinging foot or shank averages to more, up to ~4 g in a sprint, from the centripetal
  acceleration of its swing, never to 10× more or less);
* no body segment turns faster than about 30 rad/s (≈ 1700 °/s) in running, and common
  IMU gyroscopes end at 2000 °/s (35 rad/s); more than 40 "rad/s" is °/s;
* a foot or a shank swings through several rad/s every stride, a trunk sensor far less
  (thresholds of :func:`placement_suspect`);
* a sensor on one leg sees that leg's contacts only: one per stride. Flight time, contact
  time balance and left/right symmetry need both legs (or a trunk sensor).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from gait.analysis.placements.registry import is_leg, sees_both_legs
from gait.contract.errors import UnitError
from gait.io.units import G

if TYPE_CHECKING:
    from gait.contract.recording import Recording

#: Seconds per window whose mean acceleration vector estimates gravity. [G]
GRAVITY_WINDOW_S = 2.0
#: Gravity estimates (in the file's raw numbers) read as g inside this range ... [G]
G_RANGE = (0.3, 5.0)
#: ... and as m/s² inside this one; outside both the unit is not told. [G: one boundary at
#: 5: a body-worn sensor in m/s² averages to at least ~6 (a foot pitching ±60° averages to
#: 0.6 g before its swing's centripetal part, which only adds), one in g to at most ~4
#: (synthetic 6 m/s sprint: foot 3.71, shank 3.55; real feet and shanks 1.0–1.45). Above 80
#: the numbers were scaled by g twice.]
MS2_RANGE = (5.0, 80.0)
#: 99th percentile of |gyr| above which the numbers cannot be rad/s (they are °/s). [G]
GYR_DEG_ABOVE = 40.0
#: A trunk (sacrum, belt phone) sensor whose moving 99th-percentile |gyr| exceeds this,
#: rad/s, swings like a leg. [G: raised from 5.0 to 6.0 after measuring the public
#: recordings (IPOL lower back up to 4.97 rad/s, feet from 7.67; synthetic sacrum ≤ 1.1,
#: feet and shanks ≥ 9.7): chosen on the same recordings it is checked on.]
TRUNK_MAX_P99 = 6.0
#: A foot or shank sensor below this, rad/s, turns like a trunk. [G: same data.]
LEG_MIN_P99 = 4.0
#: Metrics that need both legs measured (not measurable from one leg sensor).
TWO_LEG_METRICS = ("flight_ms", "gct_balance_pct", "symmetry", "asymmetry")


@dataclass(frozen=True)
class Check:
    """One plausibility finding.

    Attributes
    ----------
    code : str
        Short machine code, e.g. ``'one_leg'``, ``'side_unknown'``, ``'placement_suspect'``.
    stream : str or None
        Stream it concerns (None: the whole recording).
    message : str
        What is wrong and what to do, for a person.
    metrics : tuple of str
        Summary keys that this makes unmeasurable or suspect.
    """

    code: str
    stream: str | None
    message: str
    metrics: tuple[str, ...] = field(default=())
    flag_text: str | None = None

    @property
    def flag(self) -> str:
        """The summary flag of this finding.

        ``flag_text`` when set (an existing flag such as
        ``'placement_suspect:sacrum:looks_like_leg'``), else ``'input_check:<code>[:<stream>]'``.
        """
        if self.flag_text:
            return self.flag_text
        return f"input_check:{self.code}" + (f":{self.stream}" if self.stream else "")

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form for ``summary['input_checks']``."""
        return {
            "code": self.code,
            "stream": self.stream,
            "message": self.message,
            "metrics": list(self.metrics),
        }


def gravity_windows(acc: np.ndarray, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """The finite samples of ``acc``, and as many whole :data:`GRAVITY_WINDOW_S` windows of them.

    Parameters
    ----------
    acc : ndarray, shape (n, 3)
        Acceleration, any unit.
    rate : float
        Sampling rate, Hz (≤ 0: one window of every sample).

    Returns
    -------
    finite : ndarray, shape (m, 3)
        The rows with no NaN or inf.
    windows : ndarray, shape (k, w, 3)
        ``finite`` cut into consecutive windows of ``w`` samples; the remainder is left out
        (``k`` is 0 when ``m < w``).
    """
    a = np.asarray(acc, dtype=np.float64)
    a = a[np.isfinite(a).all(axis=1)] if a.ndim == 2 and a.shape[0] else a.reshape(0, 3)
    w = max(1, round(GRAVITY_WINDOW_S * rate) if rate > 0 else a.shape[0])
    k = a.shape[0] // w
    return a, a[: k * w].reshape(k, w, 3)


def gravity_estimate(acc: np.ndarray, rate: float) -> float:
    """Gravity as the accelerometer sees it, in the array's own (raw) unit.

    The median, over windows of :data:`GRAVITY_WINDOW_S`, of the norm of the window's mean
    acceleration vector: the body's own accelerations average out over a few strides, gravity
    does not. A segment that rotates during the window (a foot, a shank) averages to a
    somewhat shorter vector, still of the order of 1 g.

    Parameters
    ----------
    acc : ndarray, shape (n, 3)
        Acceleration including gravity, any unit.
    rate : float
        Sampling rate, Hz.

    Returns
    -------
    float
        The estimate in the unit of ``acc``; NaN with no finite sample.
    """
    a, win = gravity_windows(acc, rate)
    if a.shape[0] == 0:
        return float("nan")
    if win.shape[0] == 0:
        return float(np.linalg.norm(a.mean(axis=0)))
    return float(np.median(np.linalg.norm(win.mean(axis=1), axis=1)))


def acc_unit_from_gravity(gravity_raw: float) -> str | None:
    """``'g'``, ``'m/s2'`` or None (cannot tell) from :func:`gravity_estimate` in raw units."""
    if G_RANGE[0] <= gravity_raw < G_RANGE[1]:
        return "g"
    if MS2_RANGE[0] <= gravity_raw <= MS2_RANGE[1]:
        return "m/s2"
    return None


def resolve_acc_unit(acc_raw: np.ndarray, rate: float, given: str | None, where: str = "") -> str:
    """The accelerometer unit to apply: the user's, checked, or the one gravity shows.

    Parameters
    ----------
    acc_raw : ndarray, shape (n, 3)
        Acceleration as stored in the file (unit unknown or as stated).
    rate : float
        Sampling rate, Hz.
    given : str or None
        The ``--acc-unit`` the user gave, None when not given.
    where : str
        File name for messages.

    Returns
    -------
    str
        ``given`` when it agrees with the signal (or the signal cannot tell); else the
        inferred unit; ``'m/s2'`` when nothing is given and nothing can be told.

    Raises
    ------
    UnitError
        ``given`` contradicts the signal (the message names ``--acc-unit``).
    """
    if acc_raw.shape[0] < 10:
        return given or "m/s2"
    grav = gravity_estimate(acc_raw, rate)
    seen = acc_unit_from_gravity(grav)
    if given is None:
        return seen or "m/s2"
    stated = (
        "g"
        if given.strip() == "g"
        else ("m/s2" if given.strip() in ("m/s2", "m/s^2", "m/s²") else None)
    )
    if seen is not None and stated is not None and seen != stated:
        shown = f"{grav:.2f} {given}" + (f" = {grav * G:.1f} m/s²" if stated == "g" else "")
        raise UnitError(
            f"{where + ': ' if where else ''}--acc-unit {given} contradicts the signal: gravity "
            f"reads {shown}, which is 1 g only if the unit is {seen}; use --acc-unit {seen} "
            "(or leave it out: the unit is inferred from gravity)"
        )
    return given


def resolve_gyr_unit(gyr_raw: np.ndarray | None, given: str | None, where: str = "") -> str:
    """The gyroscope unit to apply: the user's, checked, or °/s when rad/s is impossible.

    Only one direction can be told robustly: numbers whose 99th percentile norm exceeds
    :data:`GYR_DEG_ABOVE` cannot be rad/s. Small numbers may be a quiet sensor in °/s or a
    moving one in rad/s, so they keep the stated unit (default rad/s).

    Parameters
    ----------
    gyr_raw : ndarray, shape (n, 3), or None
        Angular rate as stored in the file.
    given : str or None
        The ``--gyr-unit`` the user gave.
    where : str
        File name for messages.

    Returns
    -------
    str
        ``'deg/s'`` or ``'rad/s'`` (or ``given`` unchanged).

    Raises
    ------
    UnitError
        ``--gyr-unit rad/s`` given for numbers that can only be °/s.
    """
    if gyr_raw is None or gyr_raw.shape[0] < 10:
        return given or "rad/s"
    g = gyr_raw[np.isfinite(gyr_raw).all(axis=1)]
    if g.shape[0] < 10:
        return given or "rad/s"
    p99 = float(np.percentile(np.sqrt(np.einsum("ij,ij->i", g, g)), 99))
    if p99 <= GYR_DEG_ABOVE:
        return given or "rad/s"
    if given is not None and given.strip() == "rad/s":
        raise UnitError(
            f"{where + ': ' if where else ''}--gyr-unit rad/s contradicts the signal: the angular "
            f"rate reaches {p99:.0f} (99th percentile), faster than any body segment turns in "
            "rad/s; use --gyr-unit deg/s (or leave it out: the unit is inferred)"
        )
    return given or "deg/s"


def gyro_motion(gyr: np.ndarray | None, step: int = 4) -> tuple[float, float] | None:
    """Share of moving samples and the 99th percentile of |gyr| over them, rad/s.

    Every ``step``-th sample is used (plenty for a percentile, small in memory).

    Returns
    -------
    (float, float) or None
        ``(moving_share, p99)``; None without a gyroscope or samples.
    """
    if gyr is None or gyr.shape[0] == 0:
        return None
    sub = np.nan_to_num(gyr[::step])
    g = np.sqrt(np.einsum("ij,ij->i", sub, sub))
    moving = g > 0.5
    share = float(moving.mean())
    return share, (float(np.percentile(g[moving], 99)) if moving.any() else 0.0)


def placement_suspect(
    placement: str, mount: str | None, moving_share: float, p99: float
) -> str | None:
    """Whether the angular rate contradicts the placement label.

    A foot or shank swings through several rad/s every stride, a trunk sensor rotates far
    less. Cut-offs: :data:`TRUNK_MAX_P99`, :data:`LEG_MIN_P99`.

    Parameters
    ----------
    placement : str
        The label (``'foot'``, ``'shank'``, ``'sacrum'``, ``'phone'``).
    mount : str or None
        Phone mount (only a belt phone is judged like a sacrum).
    moving_share : float
        Share of samples with |gyr| > 0.5 rad/s; below 0.1 nothing is judged.
    p99 : float
        99th percentile of |gyr| over the moving samples, rad/s.

    Returns
    -------
    str or None
        ``'looks_like_leg'``, ``'looks_like_trunk'`` or None.
    """
    if moving_share < 0.1:
        return None
    if sees_both_legs(placement) and mount in (None, "belt") and p99 > TRUNK_MAX_P99:
        return "looks_like_leg"
    if is_leg(placement) and p99 < LEG_MIN_P99:
        return "looks_like_trunk"
    return None


def placement_check_message(name: str, placement: str, verdict: str) -> Check:
    """The :class:`Check` for a :func:`placement_suspect` verdict on stream ``name``.

    Parameters
    ----------
    name, placement : str
        The stream and its label.
    verdict : {'looks_like_leg', 'looks_like_trunk'}
        What the signal looks like.

    Returns
    -------
    Check
    """
    if verdict == "looks_like_leg":
        msg = (
            f"{name}: labelled {placement} but it swings like a foot or shank (several rad/s "
            "every stride); a trunk sensor sees both feet, a leg sensor one: cadence, flight, "
            "GCT balance and left/right are wrong if the label is wrong. Check --placement."
        )
        metrics: tuple[str, ...] = ("cadence_spm", "flight_ms", "gct_balance_pct", "symmetry")
    else:
        msg = (
            f"{name}: labelled {placement} but it turns no more than a trunk sensor; "
            "contact times and per-foot metrics are wrong if the label is wrong. Check --placement."
        )
        metrics = ("cadence_spm", "gct_ms", "flight_ms", "foot_strike_angle")
    return Check("placement_suspect", name, msg, metrics, f"placement_suspect:{name}:{verdict}")


def side_checks(
    streams: list[tuple[str, str, str | None, int]],
    single_side: bool,
    sources: dict[str, str] | None = None,
) -> list[Check]:
    """What the side labels allow: one leg only, an unknown or inferred side, a side twice.

    Parameters
    ----------
    streams : list of (name, placement, side, n_contacts)
        Every analysed stream with its detected contact count.
    single_side : bool
        True when the fused contacts cover one leg only.
    sources : dict, optional
        Side → stream used for it by the fusion (:attr:`gait.analysis.fuse.Fused.sources`): a leg
        stream without a side used for the side no labelled stream covers had its side
        inferred (the only leg left).

    Returns
    -------
    list of Check
    """
    out: list[Check] = []
    used_as = {v: k for k, v in (sources or {}).items() if k in ("left", "right")}
    legs = [s for s in streams if is_leg(s[1]) and s[3] > 0]
    trunk = [s for s in streams if not is_leg(s[1]) and s[3] > 0]
    unknown = [s for s in legs if s[2] not in ("left", "right") and s[0] not in used_as]
    for name, placement, side, _ in legs:
        if side not in ("left", "right") and name in used_as:
            out.append(
                Check(
                    "side_inferred",
                    name,
                    f"{name}: a {placement} sensor without a side, taken as the "
                    f"{used_as[name]} leg (the other leg sensor has the other side); "
                    "give --side to be sure",
                )
            )
    for name, placement, _, _ in unknown:
        out.append(
            Check(
                "side_unknown",
                name,
                f"{name}: a {placement} sensor without a side (give --side left|right); "
                "it is counted as one leg: cadence = 2 × its stride rate",
            )
        )
    if len(unknown) >= 2:
        out.append(
            Check(
                "sides_ambiguous",
                None,
                "several leg sensors without a side: only one of them is used; label each "
                "stream's side to measure both legs",
                TWO_LEG_METRICS,
            )
        )
    for side in ("left", "right"):
        same = [s for s in legs if s[2] == side and s[1] == "foot"]
        if len(same) > 1:
            out.append(
                Check(
                    "side_twice",
                    None,
                    f"{len(same)} foot sensors are labelled {side} "
                    f"({', '.join(s[0] for s in same)}): one of them is probably the other foot",
                    TWO_LEG_METRICS,
                )
            )
    if single_side and legs:
        covered = sorted({s[2] or "unknown" for s in legs})
        out.append(
            Check(
                "one_leg",
                None,
                f"one leg measured ({', '.join(covered)}"
                + ("" if not trunk else "; the trunk sensor does not fill the other")
                + "): "
                "cadence is 2 × that leg's stride rate; flight time, GCT balance and left/right "
                "symmetry need both legs and are not reported",
                TWO_LEG_METRICS,
            )
        )
    return out


def gravity_check(
    name: str, acc_si: np.ndarray, rate: float, fix: str = "probably wrong (--acc-unit)"
) -> Check | None:
    """A stream read as m/s² whose gravity is ~1 (in g) or ~96 (g read twice), else None.

    ``fix`` ends the message: what the user should change (an option, or a phone app's
    setting).
    """
    grav = gravity_estimate(acc_si, rate)
    # m/s² data never average below 5 m/s²; above 80 the numbers were scaled by g twice
    if not np.isfinite(grav) or MS2_RANGE[0] <= grav <= MS2_RANGE[1]:
        return None
    return Check(
        "acc_unit_suspect",
        name,
        f"{name}: gravity reads {grav:.2f} m/s² instead of 9.81: the accelerometer unit is {fix}",
        ("speed_mps", "stride_length", "vertical_oscillation"),
    )


def input_checks(
    recording: Recording,
    sensors: Sequence[tuple[str, str, str | None, int]],
    single_side: bool,
    flags: Sequence[str],
    skip_gravity: Sequence[str] = (),
    sources: dict[str, str] | None = None,
) -> list[Check]:
    """Every plausibility finding of one analysis, in one list (the pipeline's one call).

    Parameters
    ----------
    recording : Recording
        The analysed session (its streams' accelerations are checked against gravity).
    sensors : sequence of (name, placement, side, n_contacts)
        The analysed streams and their detected contact counts.
    single_side : bool
        True when the fused contacts cover one leg only.
    flags : sequence of str
        Quality flags so far (``placement_suspect:…`` and ``placement_mismatch:…`` become
        checks with a message).
    skip_gravity : sequence of str
        Streams not to read for the gravity check (read piece by piece; SI by format).
    sources : dict, optional
        Side → stream the fusion used (see :func:`side_checks`).

    Returns
    -------
    list of Check
        Empty when the input is plausible.
    """
    out: list[Check] = []
    for st in recording.streams:
        if st.name in skip_gravity or st.n < 10:
            continue
        c = gravity_check(st.name, st.acc, st.rate)
        if c is not None:
            out.append(c)
    placements = {name: placement for name, placement, _, _ in sensors}
    for f in flags:
        parts = f.split(":")
        if parts[0] == "placement_suspect" and len(parts) == 3:
            out.append(placement_check_message(parts[1], placements.get(parts[1], "?"), parts[2]))
        elif parts[0] == "placement_mismatch" and len(parts) == 3:
            out.append(
                Check(
                    "placement_mismatch",
                    parts[1],
                    f"{parts[1]} and {parts[2]} count steps that do not fit their placements "
                    "(a trunk sensor sees about twice a leg sensor's contacts): "
                    "check --placement and --side",
                    ("cadence_spm",),
                    f,
                )
            )
    out.extend(side_checks(list(sensors), single_side, sources))
    return out


#: Per check code: (what was found, in a few words; what to do). The short form of a finding
#: for the batch index and the report's "Input checks" block (the full sentence is the
#: check's ``message``).
ADVICE: dict[str, tuple[str, str]] = {
    "one_leg": (
        "one leg measured",
        "add a sensor on the other leg (or a trunk sensor) to get flight "
        "time, GCT balance and left/right",
    ),
    "side_unknown": ("side unknown", "give --side left or --side right"),
    "side_inferred": ("side inferred", "give --side left or --side right to be sure"),
    "sides_ambiguous": ("several leg sensors without a side", "label each stream's side (--side)"),
    "side_twice": ("two foot sensors on one side", "check each stream's --side"),
    "placement_suspect": ("signal does not fit the placement", "check --placement"),
    "placement_mismatch": ("step counts do not fit the placements", "check --placement and --side"),
    "acc_unit_suspect": ("gravity is not 1 g", "check --acc-unit (g or m/s2)"),
}
#: Labels of the check metrics the metric table does not name by summary key.
_OTHER_LABELS = {
    "symmetry": "left/right symmetry",
    "asymmetry": "asymmetry",
    "speed_mps": "speed",
    "gct_ms": "ground contact time",
}


def _as_mapping(check: Check | Mapping[str, object]) -> Mapping[str, object]:
    return check.as_dict() if isinstance(check, Check) else check


def finding_short(check: Check | Mapping[str, object]) -> str:
    """A finding in a few words with what to do.

    For example ``'foot: side unknown (give --side left or --side right)'``.

    Parameters
    ----------
    check : Check or mapping
        A :class:`Check` or its ``summary['input_checks']`` record.

    Returns
    -------
    str
        For an unknown code, the check's message.
    """
    d = _as_mapping(check)
    code, stream = str(d.get("code") or ""), d.get("stream")
    if code not in ADVICE:
        return str(d.get("message") or code)
    what, todo = ADVICE[code]
    return f"{str(stream) + ': ' if stream else ''}{what} ({todo})"


def finding_action(check: Check | Mapping[str, object]) -> str:
    """What to do about a finding (empty for an unknown code)."""
    return ADVICE.get(str(_as_mapping(check).get("code") or ""), ("", ""))[1]


def metric_labels(keys: Sequence[object]) -> list[str]:
    """Readable names of a check's affected summary keys.

    The names are the labels of :mod:`gait.contract.metric_defs`.

    Parameters
    ----------
    keys : sequence of str
        E.g. ``('flight_ms', 'gct_balance_pct')``.

    Returns
    -------
    list of str
        E.g. ``['flight time', 'GCT balance']``; an unknown key is kept as it is.
    """
    from gait.contract.metric_defs import METRICS, for_summary_key

    out = []
    for k in keys:
        key = str(k)
        d = for_summary_key(key) or METRICS.get(key)
        out.append(d.label if d is not None else _OTHER_LABELS.get(key, key))
    return out

"""Fault injection for virtual devices: link drops, packet loss and jitter on command."""

from __future__ import annotations

from dataclasses import dataclass

from devices.errors import DeviceError


@dataclass
class Faults:
    """Faults a virtual device injects; change them at any time (they are read live).

    Parameters
    ----------
    drop_every : float or None
        Drop the link every this many simulated seconds of connection, s.
    outage : float
        After a drop, stay silent (no advertising) this long, simulated s.
    loss : float
        Probability of losing each data notification, 0..1.
    jitter : float
        Largest extra random delay before a batch of notifications is sent, wall s.
    refuse_start : int or None
        Device status code to answer start commands with (PMD status, e.g. 13 "device
        in charger"); None accepts them.
    seed : int
        Seed of the random generator for loss and jitter.
    """

    drop_every: float | None = None
    outage: float = 0.2
    loss: float = 0.0
    jitter: float = 0.0
    refuse_start: int | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if self.drop_every is not None and self.drop_every <= 0:
            raise DeviceError(f"drop_every must be > 0 s, got {self.drop_every}")
        if self.outage < 0:
            raise DeviceError(f"outage must be >= 0 s, got {self.outage}")
        if not 0.0 <= self.loss <= 1.0:
            raise DeviceError(f"loss must be a probability in [0, 1], got {self.loss}")
        if self.jitter < 0:
            raise DeviceError(f"jitter must be >= 0 s, got {self.jitter}")


def parse_faults(specs: list[str] | None) -> Faults:
    """Build :class:`Faults` from ``KEY=VALUE`` strings (the ``--faults`` CLI option).

    Keys: ``drop_every``, ``outage``, ``loss``, ``jitter``, ``refuse_start``, ``seed``.

    Raises
    ------
    DeviceError
        Unknown key or a value that is not a number.
    """
    kw: dict[str, float | int | None] = {}
    for spec in specs or []:
        for item in spec.split(","):
            if not item.strip():
                continue
            key, sep, val = item.partition("=")
            key = key.strip().replace("-", "_")
            if not sep:
                raise DeviceError(f"fault {item!r}: expected KEY=VALUE")
            if key not in ("drop_every", "outage", "loss", "jitter", "refuse_start", "seed"):
                raise DeviceError(
                    f"unknown fault {key!r}; "
                    "use drop_every, outage, loss, jitter, refuse_start, seed"
                )
            try:
                kw[key] = int(val) if key in ("refuse_start", "seed") else float(val)
            except ValueError:
                raise DeviceError(f"fault {key}: not a number: {val!r}") from None
    return Faults(**kw)  # type: ignore[arg-type]

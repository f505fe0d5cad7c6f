"""Helper run in a subprocess by test_pipeline_memory: 1 h of two feet + sacrum at 200 Hz.

The hour is built by repeating real walking recordings (gaitmap feet, ipol lower back)
resampled to 200 Hz, so it does not depend on the synthetic generator.  Prints one JSON
line: peak RSS (MB) after the data are built and after the analysis, and the step count.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from benchmarks._peak_memory import peak_rss_mb

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"


def build(hours: float, rate: float = 200.0):  # type: ignore[no-untyped-def]
    from gait.contract.recording import Recording, SessionMeta, Stream
    from gait.io import read

    feet = read(REAL / "gaitmap_feet_walk" / "imu_sample.csv").streams
    lb = read(REAL / "ipol_feet_lowerback_walk" / "1-1_lf.txt").by_placement("sacrum")[0]
    n = int(hours * 3600 * rate)
    t = np.arange(n) / rate
    streams = []
    for st in [*feet, lb]:
        assert st.gyr is not None
        tt = np.arange(int(st.duration * rate)) / rate
        block = np.column_stack(
            [np.interp(tt, st.t - st.t[0], x[:, j]) for x in (st.acc, st.gyr) for j in range(3)]
        )
        full = np.resize(block, (n, 6))  # repeats the block, one allocation
        streams.append(
            Stream(
                st.placement,
                st.side,
                t,
                full[:, :3].copy(),
                full[:, 3:].copy(),
                rate=rate,
                name=st.name,
            )
        )
        del full
    return Recording(SessionMeta(activity="walk"), streams)


def main() -> None:
    hours = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    import gait

    rec = build(hours)
    rss_data = peak_rss_mb()
    res = gait.analyze(rec)
    rss = peak_rss_mb()
    print(json.dumps({"rss_data_mb": rss_data, "rss_peak_mb": rss, "steps": len(res.steps)}))


if __name__ == "__main__":
    main()

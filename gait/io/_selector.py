"""``FILE::SELECTOR``: one recording of a multi-trial file (``data.mat::Test11``, ``x.mat::3``)."""

from __future__ import annotations

from pathlib import Path

#: Separates the file from the selector.
SEP = "::"


def split_selector(path: str | Path) -> tuple[Path, str | None]:
    """Split ``file.mat::3`` into the file and the selector text.

    Parameters
    ----------
    path : str or Path
        A file name, optionally followed by ``::`` and a selector.

    Returns
    -------
    tuple
        The file, and the stripped selector (None when absent or empty).
    """
    text = str(path)
    if SEP not in text:
        return Path(text), None
    base, sel = text.split(SEP, 1)
    return Path(base), sel.strip() or None

"""Text from files made safe for a terminal: no control characters, no console markup.

Metadata (athlete names, notes, device names, file names) comes from files anyone can
craft. Printed raw, an escape sequence could recolour, retitle or clear the terminal,
and ``[/oops]`` would be parsed as markup by ``rich`` and crash the print. These helpers
make such text inert and visible instead.
"""

from __future__ import annotations

import re
import unicodedata

#: Longest error line printed, characters (the rest is cut with an ellipsis).
MAX_ERROR_CHARS = 400
#: Longest metadata value printed in a table cell, characters.
MAX_CELL_CHARS = 120

# C0 and C1 controls, DEL, and the bidirectional overrides that can reorder what is shown.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape_char(m: re.Match[str]) -> str:
    c = m.group(0)
    if c in "\t\n\r":
        return " "
    code = ord(c)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def plain(text: object, limit: int | None = None) -> str:
    r"""``text`` as one printable line: control characters shown as ``\xNN``, length capped.

    Parameters
    ----------
    text : object
        Anything; converted with ``str``.
    limit : int, optional
        Cut to at most this many characters (ending in ``…``).

    Returns
    -------
    str
        Text without control or bidi-override characters; tabs and line breaks become spaces.
    """
    s = _UNSAFE.sub(_escape_char, str(text))
    # Unassigned and private-use code points render unpredictably; show their code.
    if any(unicodedata.category(c) in ("Cn", "Co", "Cs") for c in s):
        s = "".join(
            f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cn", "Co", "Cs") else c for c in s
        )
    if limit is not None and len(s) > limit:
        s = s[: max(limit - 1, 0)] + "…"
    return s


def markup_safe(text: object, limit: int | None = MAX_CELL_CHARS) -> str:
    """``text`` for a ``rich`` console: :func:`plain`, then square brackets escaped.

    Parameters
    ----------
    text : object
        Anything; converted with ``str``.
    limit : int, optional
        Length cap before escaping, characters.

    Returns
    -------
    str
        Prints literally through ``rich`` (``[/oops]`` shows as ``[/oops]``).
    """
    from rich.markup import escape

    return escape(plain(text, limit))


def error_line(text: object) -> str:
    """An error message as one terminal line of at most :data:`MAX_ERROR_CHARS` characters."""
    return plain(text, MAX_ERROR_CHARS)

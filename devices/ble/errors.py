"""Map bumble's exceptions to bleak's, so callers only handle bleak errors.

bumble's ``TimeoutError`` is not Python's, and its ATT errors carry their own codes;
bleak users expect ``TimeoutError``, ``BleakGATTProtocolError`` and ``BleakError``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from bleak.exc import BleakError, BleakGATTProtocolError
from bumble import core
from bumble.att import ATT_Error


def to_bleak_error(exc: BaseException, what: str) -> BaseException:
    """The bleak-side exception for a bumble exception raised while doing ``what``.

    Parameters
    ----------
    exc : BaseException
        The bumble (or asyncio) exception.
    what : str
        A short description of the operation, for the message.

    Returns
    -------
    BaseException
        ``TimeoutError``, ``BleakGATTProtocolError`` or ``BleakError``; other
        exceptions are returned unchanged.
    """
    if isinstance(exc, (core.TimeoutError, core.CommandTimeoutError, TimeoutError)):
        return TimeoutError(f"{what}: timed out")
    if isinstance(exc, ATT_Error):
        return BleakGATTProtocolError(exc.error_code)
    if isinstance(exc, core.BaseBumbleError):
        return BleakError(f"{what}: {exc}")
    return exc


@contextlib.contextmanager
def bleak_errors(what: str) -> Iterator[None]:
    """Context manager re-raising bumble errors as bleak ones (see :func:`to_bleak_error`)."""
    try:
        yield
    except Exception as exc:  # mapped to bleak's type when it is bumble's, else re-raised as is
        mapped = to_bleak_error(exc, what)
        if mapped is exc:
            raise
        raise mapped from exc

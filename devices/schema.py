"""One small schema check for the JSON headers of our files (capture headers, ``recording.json``).

A schema is a :class:`Obj` of named :class:`Field` s; a field has the JSON types it
accepts and, optionally, allowed values, a numeric range, a maximum length, a nested
schema, or an item schema for lists. :func:`validate` walks a parsed header and raises
:class:`SchemaError` at the first field that does not fit, naming it by its path
(``streams[2].rate``). Readers turn that into their own typed error.

This module imports nothing from ``gait`` so that the device layer can use it too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

#: Longest string accepted in any header field, characters.
MAX_STRING = 4096
#: Most items in any header list.
MAX_ITEMS = 256
#: Deepest nesting of free-form dicts (device info, params).
MAX_DEPTH = 8


class SchemaError(ValueError):
    """A header field does not fit its schema.

    Parameters
    ----------
    field : str
        Path of the field, e.g. ``streams[0].rate``.
    problem : str
        What is wrong, in plain words.
    """

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


_NAMES = {
    bool: "true/false",
    int: "an integer",
    float: "a number",
    str: "a string",
    dict: "an object",
    list: "a list",
    type(None): "null",
}


@dataclass(frozen=True)
class Field:
    """One field of an object schema.

    Parameters
    ----------
    types : tuple of type
        Accepted Python types after ``json.loads`` (``float`` also accepts ``int``;
        ``int`` never accepts ``bool``).
    required : bool
        Must be present.
    choices : collection, optional
        Allowed values.
    low, high : float, optional
        Inclusive numeric range.
    check : callable, optional
        ``check(value) -> str | None``: a problem, or None when fine.
    schema : Obj, optional
        For dicts: their fields.
    items : Field, optional
        For lists: the schema of every item.
    """

    types: tuple[type, ...]
    required: bool = True
    choices: Collection[Any] | None = None
    low: float | None = None
    high: float | None = None
    check: Callable[[Any], str | None] | None = None
    schema: Obj | None = None
    items: Field | None = None


@dataclass(frozen=True)
class Obj:
    """An object schema: named fields; unknown keys are an error unless ``open``."""

    fields: dict[str, Field] = field(default_factory=dict)
    open: bool = False


def _type_ok(value: Any, types: tuple[type, ...]) -> bool:
    for t in types:
        if t is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            return True
        if t is int and isinstance(value, int) and not isinstance(value, bool):
            return True
        if t not in (int, float) and isinstance(value, t):
            return True
    return False


def _free_form(value: Any, where: str, depth: int = 0) -> None:
    """Any JSON value, bounded in depth, list length and string length."""
    if depth > MAX_DEPTH:
        raise SchemaError(where, f"nested more than {MAX_DEPTH} levels")
    if isinstance(value, str) and len(value) > MAX_STRING:
        raise SchemaError(where, f"string longer than {MAX_STRING} characters")
    if isinstance(value, dict):
        if len(value) > MAX_ITEMS:
            raise SchemaError(where, f"more than {MAX_ITEMS} keys")
        for k, v in value.items():
            _free_form(v, f"{where}.{k}", depth + 1)
    elif isinstance(value, list):
        if len(value) > MAX_ITEMS * 64:
            raise SchemaError(where, f"more than {MAX_ITEMS * 64} items")
        for i, v in enumerate(value):
            _free_form(v, f"{where}[{i}]", depth + 1)


def _type_problem(value: Any, spec: Field) -> str | None:
    if _type_ok(value, spec.types):
        return None
    want = " or ".join(_NAMES.get(t, t.__name__) for t in spec.types)
    shown = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
    return f"expected {want}, got {shown[:60]}"


def _finite_problem(value: Any, _spec: Field) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return f"must be finite, got {value!r}"
    return None


def _length_problem(value: Any, _spec: Field) -> str | None:
    if isinstance(value, str) and len(value) > MAX_STRING:
        return f"string longer than {MAX_STRING} characters"
    return None


def _choice_problem(value: Any, spec: Field) -> str | None:
    if spec.choices is not None and value is not None and value not in spec.choices:
        return f"must be one of {sorted(map(str, spec.choices))}, got {str(value)[:60]!r}"
    return None


def _range_problem(value: Any, spec: Field) -> str | None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    if spec.low is not None and value < spec.low:
        return f"must be >= {spec.low:g}, got {value!r}"
    if spec.high is not None and value > spec.high:
        return f"must be <= {spec.high:g}, got {value!r}"
    return None


def _custom_problem(value: Any, spec: Field) -> str | None:
    if spec.check is not None and value is not None:
        return spec.check(value)
    return None


#: The checks of one value, in order; the first problem found is the one reported.
_VALUE_CHECKS: tuple[Callable[[Any, Field], str | None], ...] = (
    _type_problem,
    _finite_problem,
    _length_problem,
    _choice_problem,
    _range_problem,
    _custom_problem,
)


def _check_children(value: Any, spec: Field, where: str) -> None:
    """Check what a dict or a list holds: by its schema, or as bounded free-form JSON."""
    if isinstance(value, dict):
        if spec.schema is not None:
            validate(value, spec.schema, where)
        else:
            _free_form(value, where)
    if isinstance(value, list):
        if len(value) > MAX_ITEMS:
            raise SchemaError(where, f"more than {MAX_ITEMS} items")
        for i, item in enumerate(value):
            if spec.items is not None:
                _check_value(item, spec.items, f"{where}[{i}]")
            else:
                _free_form(item, f"{where}[{i}]")


def _check_value(value: Any, spec: Field, where: str) -> None:
    for check in _VALUE_CHECKS:
        problem = check(value, spec)
        if problem:
            raise SchemaError(where, problem)
    _check_children(value, spec, where)


def validate(doc: Any, schema: Obj, where: str = "") -> dict[str, Any]:
    """Check a parsed JSON object against ``schema``.

    Parameters
    ----------
    doc : Any
        What ``json.loads`` returned.
    schema : Obj
        The expected shape.
    where : str
        Path prefix for messages (empty at the top).

    Returns
    -------
    dict
        ``doc`` itself, now known to fit.

    Raises
    ------
    SchemaError
        At the first field that does not fit; ``field`` names it.
    """
    name = where or "(top level)"
    if not isinstance(doc, dict):
        raise SchemaError(name, f"expected an object, got {type(doc).__name__}")
    prefix = f"{where}." if where else ""
    for key, spec in schema.fields.items():
        if key not in doc:
            if spec.required:
                raise SchemaError(prefix + key, "missing")
            continue
        _check_value(doc[key], spec, prefix + key)
    if not schema.open:
        extra = sorted(str(k) for k in doc if k not in schema.fields)
        if extra:
            raise SchemaError(prefix + extra[0], f"unknown field; expected {sorted(schema.fields)}")
    else:
        for k in doc:
            if k not in schema.fields:
                _free_form(doc[k], prefix + str(k))
    return doc


def opt(*types: type, **kw: Any) -> Field:
    """An optional field that may also be null."""
    return Field((*types, type(None)), required=False, **kw)


def req(*types: type, **kw: Any) -> Field:
    """A required field."""
    return Field(types, required=True, **kw)


#: The capture file header (see :mod:`devices.capture`). ``start_time_ns`` is Unix-epoch ns
#: between 1970 and 2262 (the int64 range).
CAPTURE_HEADER = Obj(
    {
        "format": req(str, choices=("gait-capture",)),
        "version": req(int, choices=(1,)),
        "created": opt(str),
        "start_time_ns": req(int, low=0, high=2**63 - 1),
        "meta": Field((dict,), required=False),
    },
    open=True,
)

_CHARS = Field(
    (dict,),
    required=False,
    check=lambda d: next(
        (
            f"characteristic {k!r} must map to a UUID string"
            for k, v in d.items()
            if not isinstance(v, str)
        ),
        None,
    ),
)

#: One ``D`` record of a capture: a device table entry.
CAPTURE_DEVICE = Obj(
    {
        "index": req(int, low=0, high=0xFFFE),
        "address": Field((str,), required=False),
        "name": Field((str,), required=False),
        "profile": Field((str,), required=False),
        "placement": opt(str),
        "side": opt(str),
        "characteristics": _CHARS,
        "info": Field((dict, type(None)), required=False),
    },
    open=True,
)

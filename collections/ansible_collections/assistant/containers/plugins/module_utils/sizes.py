# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Strict parsing and formatting of byte sizes such as ``200MB`` or ``1.5GiB``."""

from __future__ import annotations

import re
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

# SI units are powers of 1000 (what `docker images` prints), IEC units powers of 1024.
UNITS = {
    "B": 1,
    "kB": 1000,
    "KB": 1000,
    "MB": 1000**2,
    "GB": 1000**3,
    "TB": 1000**4,
    "KiB": 1024,
    "MiB": 1024**2,
    "GiB": 1024**3,
    "TiB": 1024**4,
}

_SIZE_RE = re.compile(r"^\s*(?P<number>[0-9]+(?:\.[0-9]+)?)\s*(?P<unit>[A-Za-z]*)\s*$")
_UNIT_LIST = ", ".join(UNITS)


class SizeError(ValueError):
    """A size option could not be understood."""


def parse_size(value, option="size"):
    """Return the number of bytes ``value`` stands for.

    ``value`` is an int (bytes) or a string made of a non-negative number and an
    optional unit from ``UNITS``; fractions of a byte are rounded down.
    Anything else raises ``SizeError`` naming ``option``.
    """
    if isinstance(value, bool):
        raise SizeError(_message(option, value))
    if isinstance(value, int):
        if value < 0:
            raise SizeError(_message(option, value))
        return value
    if not isinstance(value, str):
        raise SizeError(_message(option, value))
    match = _SIZE_RE.match(value)
    if not match:
        raise SizeError(_message(option, value))
    unit = match.group("unit") or "B"
    if unit not in UNITS:
        raise SizeError(_message(option, value, f'unknown unit "{unit}"'))
    try:
        number = Decimal(match.group("number"))
    except InvalidOperation:  # pragma: no cover - the regex already guarantees a decimal
        raise SizeError(_message(option, value)) from None
    return int((number * UNITS[unit]).to_integral_value(rounding=ROUND_FLOOR))


def _message(option, value, reason=None):
    detail = f" ({reason})" if reason else ""
    return (
        f"{option}: expected a size such as 200MB, 1.5GiB or a number of bytes, found {value!r}{detail}. "
        f"Use a non-negative number followed by one of: {_UNIT_LIST}."
    )


def format_size(num_bytes):
    """Format bytes in SI units with one decimal, as `docker images` does (``187.3 MB``)."""
    if num_bytes is None:
        return None
    sign = "-" if num_bytes < 0 else ""
    value = abs(num_bytes)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000:
            return f"{sign}{_trim(value)} {unit}" if unit != "B" else f"{sign}{int(value)} B"
        value = value / 1000.0
    return f"{sign}{_trim(value)} TB"


def _trim(value):
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text

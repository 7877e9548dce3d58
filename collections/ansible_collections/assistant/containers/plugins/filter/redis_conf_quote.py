# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A filter that writes a value into a Redis configuration file (redis.conf).

Redis reads each line of its configuration with ``sdssplitargs``: arguments are
split on blanks, and a double-quoted argument understands the escapes
``\\\\ \\" \\n \\r \\t \\b \\a`` and ``\\xHH``. ``redis_conf_quote`` turns any string into
one double-quoted argument that reads back byte for byte, so a password can hold
spaces, quotes, backslashes, ``#``, newlines or any UTF-8 character.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

# Escapes Redis's parser reads back as these bytes (sds.c, sdssplitargs).
_NAMED_ESCAPES = {
    ord("\\"): "\\\\",
    ord('"'): '\\"',
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
    ord("\b"): "\\b",
    ord("\a"): "\\a",
}


def redis_conf_quote(value):
    """Return ``value`` as one double-quoted argument of a redis.conf line."""
    if not isinstance(value, str):
        raise AnsibleFilterError(
            f"redis_conf_quote expects a string, got {type(value).__name__}; quote the value in the inventory"
            " (for example a password of digits)."
        )
    if value == "":
        raise AnsibleFilterError(
            "redis_conf_quote got an empty string; expected a non-empty value"
            ' (requirepass "" would turn authentication off).'
        )
    out = []
    for byte in value.encode("utf-8"):
        if byte in _NAMED_ESCAPES:
            out.append(_NAMED_ESCAPES[byte])
        elif 0x20 <= byte < 0x7F:
            out.append(chr(byte))
        else:
            out.append(f"\\x{byte:02x}")
    return '"' + "".join(out) + '"'


class FilterModule:
    """Redis configuration filters."""

    def filters(self):
        return {"redis_conf_quote": redis_conf_quote}

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

DOCUMENTATION = r"""
name: redis_conf_quote
short_description: Quote a value as one argument of a Redis configuration file line
version_added: 0.1.0
description:
  - Returns the value in double quotes. Backslash, double quote, newline, carriage return, tab, backspace and bell
    become their two-character escapes, and every other byte outside printable ASCII becomes C(\xHH), so Redis's
    configuration parser reads the value back byte for byte.
  - The result is one argument however the value looks, for example
    C(requirepass {{ password | assistant.containers.redis_conf_quote }}).
  - Fails on a value that is not a string, and on an empty one (C(requirepass "") turns authentication off).
options:
  _input:
    description: The value, a non-empty string (it is encoded as UTF-8).
    type: string
    required: true
"""

EXAMPLES = r"""
- name: Write requirepass with the password from the vault
  ansible.builtin.copy:
    content: "requirepass {{ vault_redis_password | assistant.containers.redis_conf_quote }}\n"
    dest: /run/redis.conf
    mode: "0600"
  no_log: true
"""

RETURN = r"""
_value:
  description: The value in double quotes, escaped for Redis's configuration parser.
  type: string
"""


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

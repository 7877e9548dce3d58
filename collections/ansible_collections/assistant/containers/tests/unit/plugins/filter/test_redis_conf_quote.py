# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.assistant.containers.plugins.filter.redis_conf_quote import FilterModule, redis_conf_quote


def _hex(c):
    return c in b"0123456789abcdefABCDEF"


def split_args(line: bytes) -> list[bytes]:
    """Redis's sdssplitargs (src/sds.c), the parser of every redis.conf line, written again as the oracle."""
    args, p, n = [], 0, len(line)
    while True:
        while p < n and line[p : p + 1].isspace():
            p += 1
        if p >= n:
            return args
        cur, inq, insq = b"", False, False
        while True:
            c = line[p : p + 1]
            if inq:
                if not c:
                    raise ValueError("unbalanced double quotes")
                hex_escape = line[p + 1 : p + 2] == b"x" and _hex(line[p + 2 : p + 3]) and _hex(line[p + 3 : p + 4])
                if c == b"\\" and hex_escape:
                    cur += bytes([int(line[p + 2 : p + 4], 16)])
                    p += 3
                elif c == b"\\" and p + 1 < n:
                    p += 1
                    e = line[p : p + 1]
                    cur += {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"a": b"\a"}.get(e, e)
                elif c == b'"':
                    if p + 1 < n and not line[p + 1 : p + 2].isspace():
                        raise ValueError("closing quote must be followed by a space")
                    p += 1
                    break
                else:
                    cur += c
            elif insq:
                if not c:
                    raise ValueError("unbalanced single quotes")
                if c == b"\\" and line[p + 1 : p + 2] == b"'":
                    p += 1
                    cur += b"'"
                elif c == b"'":
                    if p + 1 < n and not line[p + 1 : p + 2].isspace():
                        raise ValueError("closing quote must be followed by a space")
                    p += 1
                    break
                else:
                    cur += c
            else:
                if not c or c.isspace():
                    break
                if c == b'"':
                    inq = True
                elif c == b"'":
                    insq = True
                else:
                    cur += c
            p += 1
        args.append(cur)


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "with space",
        'quote"inside',
        "back\\slash",
        'ends with backslash and quote \\"',
        "trailing backslash\\",
        "\\x41 looks like an escape",
        "single 'quotes'",
        "# not a comment",
        "new\nline and\r\ttabs",
        "bell\a backspace\b",
        "nul\x00byte and \x7f del",
        "unicode pässwörd ✓ 🔑",
        "  leading and trailing blanks  ",
        "$(cat /etc/passwd) `id` ${HOME}",
    ],
)
def test_quoted_value_reads_back_as_one_argument(value):
    quoted = redis_conf_quote(value)
    line = ("requirepass " + quoted).encode("ascii")  # only printable ASCII lands in the file
    assert split_args(line) == [b"requirepass", value.encode("utf-8")]
    assert "\n" not in quoted and "\r" not in quoted


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("abc", '"abc"'),
        ('a"b', '"a\\"b"'),
        ("a\\b", '"a\\\\b"'),
        ("a\nb", '"a\\nb"'),
        ("é", '"\\xc3\\xa9"'),
        ("\x01", '"\\x01"'),
    ],
)
def test_escapes(value, expected):
    assert redis_conf_quote(value) == expected


@pytest.mark.parametrize(
    ("value", "message"), [("", "empty string"), (1234, "expects a string, got int"), (None, "got NoneType")]
)
def test_refuses_what_cannot_be_a_password(value, message):
    with pytest.raises(AnsibleFilterError, match=message):
        redis_conf_quote(value)


def test_oracle_rejects_what_redis_rejects():
    """The oracle is as strict as Redis: text right after a closing quote is an error, so it catches a bad quoter."""
    with pytest.raises(ValueError, match="closing quote"):
        split_args(b'requirepass "a"b')
    with pytest.raises(ValueError, match="unbalanced"):
        split_args(b'requirepass "a')


def test_filter_is_registered():
    assert FilterModule().filters()["redis_conf_quote"] is redis_conf_quote

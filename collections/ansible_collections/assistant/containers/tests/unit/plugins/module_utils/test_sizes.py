# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible_collections.assistant.containers.plugins.module_utils.sizes import (
    SizeError,
    format_size,
    parse_size,
)


@pytest.mark.parametrize(
    "value, expected",
    [
        (0, 0),
        (1234, 1234),
        ("0", 0),
        ("1234", 1234),
        ("512B", 512),
        ("200MB", 200 * 1000**2),
        ("200 MB", 200 * 1000**2),
        (" 200MB ", 200 * 1000**2),
        ("1kB", 1000),
        ("1KB", 1000),
        ("1KiB", 1024),
        ("1.5GiB", 1610612736),
        ("1.5GB", 1500000000),
        ("2TB", 2 * 1000**4),
        ("1TiB", 1024**4),
        ("0.5MiB", 524288),
        ("1.0000001kB", 1000),  # fractions of a byte are rounded down
        ("10MiB", 10 * 1024**2),
    ],
)
def test_parse_size_valid(value, expected):
    assert parse_size(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        " ",
        "MB",
        "-1",
        -1,
        "-200MB",
        "1.5.2MB",
        "200 M B",
        "200mb",  # units are case-sensitive: mb would be millibits
        "200Mb",
        "200M",
        "200 megabytes",
        "1e6",
        "nan",
        "inf",
        ".5GB",
        "5.GB",
        "1,5GB",
        "0x10",
        True,
        None,
        1.5,
        ["1MB"],
    ],
)
def test_parse_size_malformed(value):
    with pytest.raises(SizeError) as exc:
        parse_size(value, option="max_size")
    message = str(exc.value)
    assert message.startswith("max_size: expected a size such as 200MB")
    assert repr(value) in message


def test_parse_size_names_unknown_unit():
    with pytest.raises(SizeError, match='unknown unit "XB"'):
        parse_size("3XB")


@pytest.mark.parametrize(
    "num, expected",
    [
        (None, None),
        (0, "0 B"),
        (999, "999 B"),
        (1000, "1 kB"),
        (1500, "1.5 kB"),
        (187300000, "187.3 MB"),
        (200 * 1000**2, "200 MB"),
        (1610612736, "1.6 GB"),
        (3 * 1000**4, "3 TB"),
        (-2500, "-2.5 kB"),
    ],
)
def test_format_size(num, expected):
    assert format_size(num) == expected

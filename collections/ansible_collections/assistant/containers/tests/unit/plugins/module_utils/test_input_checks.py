# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible_collections.assistant.containers.plugins.module_utils import input_checks as ic


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("assistant", None),
        ("with space", None),
        ("assistant\n", "contains a line feed (U+000A) at its end"),
        ("a\nb", "contains a line feed (U+000A) at character 2"),
        ("a\rb", "contains a carriage return (U+000D) at character 2"),
        ("a\x00b", "contains a NUL (U+0000) at character 2"),
        ("a\tb", "contains a tab (U+0009) at character 2"),
        ("a\x1bb", "contains an escape (U+001B) at character 2"),
        ("a\x7f", "contains a DEL (U+007F) at its end"),
        ("a\x85b", "contains a next-line (U+0085) at character 2"),
        ("a\u2028b", "contains a line separator (U+2028) at character 2"),
        ("a\x01b", "contains a control character (U+0001) at character 2"),
        ("\n", "contains a line feed (U+000A) at character 1"),
        ("é ü 日本", None),
    ],
)
def test_control_character(value, expected):
    assert ic.control_character(value) == expected


def test_control_character_allow():
    assert ic.control_character("a\nb\n", allow="\n") is None
    assert ic.control_character("a\r\nb", allow="\n") == "contains a carriage return (U+000D) at character 2"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("a\nb", '"a\\nb"'),
        ("a\u2028", '"a\\u2028"'),
        (5, "5"),
        (True, "true"),
        (None, "null"),
        ({"a": 1}, "a mapping"),
        ([1], "a list"),
        ("x" * 200, '"' + "x" * 75 + '..."'),
    ],
)
def test_show(value, shown):
    assert ic.show(value) == shown


def test_problems_message_and_secret():
    p = ic.Problems()
    assert p.check("v", "bad\n", ic.text, "text") is False
    assert p.check("v", "good", ic.text, "text") is True
    p.check("s", "hunter2\n", ic.text, "text", secret=True)
    assert p == [
        'v = "bad\\n": contains a line feed (U+000A) at its end; expected text.',
        "s: contains a line feed (U+000A) at its end (value not shown); expected text.",
    ]
    assert "hunter2" not in " ".join(p)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("assistant-dev", True),
        ("assistant_dev2", True),
        ("0day", True),
        ("Assistant", False),
        ("assistant dev", False),
        ("-assistant", False),
        ("_assistant", False),
        ("assistant\n", False),
        ("assistant.dev", False),
        ("", False),
        (5, False),
    ],
)
def test_compose_project_name(value, ok):
    assert (ic.compose_project_name(value) is None) is ok


@pytest.mark.parametrize(
    ("value", "role", "ok"),
    [
        ("assistant", False, True),
        ("_app_1", False, True),
        ("a" * 63, False, True),
        ("a" * 64, False, False),
        ("Assistant", False, False),
        ("my-db", False, False),
        ("1db", False, False),
        ("db name", False, False),
        ("db\n", False, False),
        ("pg_app", False, True),
        ("pg_app", True, False),
        ("", False, False),
    ],
)
def test_pg_identifier(value, role, ok):
    assert (ic.pg_identifier(value, role=role) is None) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("+15550001", True),
        ("+447911123456", True),
        ("+1" + "2" * 14, True),
        ("+1" + "2" * 15, False),
        ("15550001", False),
        ("+05550001", False),
        ("+1 555 0001", False),
        ("+15550001\n", False),
        ("+1", False),
    ],
)
def test_e164(value, ok):
    assert (ic.e164(value) is None) is ok


def test_e164_unquoted_yaml_number():
    assert "YAML read the unquoted +" in ic.e164(15550001)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("assistant/app:0.1.0", True),
        ("postgres:17", True),
        ("registry.example:5000/assistant/app:1.0", True),
        ("localhost:5000/app", True),
        ("app@sha256:" + "a" * 64, True),
        ("app:1.0@sha256:" + "0" * 64, True),
        ("assistant/app:0.1.0\n", False),
        ("assistant/app:0.1.0 ", False),
        (" assistant/app", False),
        ("Assistant/app", False),
        ("assistant/app:dev tag!", False),
        ("app:.tag", False),
        ("app:" + "t" * 129, False),
        ("app@sha256:abc", False),
        ("", False),
    ],
)
def test_image_reference(value, ok):
    assert (ic.image_reference(value) is None) is ok


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("127.0.0.1", None),
        ("0.0.0.0", None),  # noqa: S104 (a value under test)
        ("::1", None),
        ("fd00::1", None),
        ("localhost", "is not an IP address"),
        ("127.0.0.256", "is not an IP address"),
        ("127.0.0.1\n", "contains a line feed (U+000A) at its end"),
        (" 127.0.0.1", "has spaces around it"),
        ("[::1]", "is in brackets"),
        ("fe80::1%eth0", "has a zone index (%), which Docker does not take"),
        ("", "is empty"),
        (2130706433, "is a number, not a string"),
    ],
)
def test_ip_address(value, problem):
    assert ic.ip_address(value) == problem


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (1, True),
        (65535, True),
        ("8080", True),
        (0, False),
        (65536, False),
        ("80\n", False),
        ("eighty", False),
        (True, False),
        (80.5, False),
        (None, False),
    ],
)
def test_port(value, ok):
    assert (ic.port(value) is None) is ok


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("10s", 10),
        ("1m30s", 90),
        ("1h5m30s20ms", 3930.02),
        ("1.5s", 1.5),
        ("500ms", 0.5),
        ("100us", 0.0001),
        ("0s", 0),
        ("10", None),
        ("10 s", None),
        ("ten seconds", None),
        ("10s\n", None),
        ("-1s", None),
        ("1d", None),
        ("", None),
        (10, None),
    ],
)
def test_compose_seconds(value, seconds):
    got = ic.compose_seconds(value)
    assert got == pytest.approx(seconds) if seconds is not None else got is None


@pytest.mark.parametrize(
    ("value", "minimum", "problem"),
    [
        ("10s", 0, None),
        ("0s", 0, None),
        ("0s", 0.001, "is zero"),
        ("500us", 0.001, "is too short"),
        ("one minute", 0, "is not a duration"),
        ("10s\n", 0, "contains a line feed (U+000A) at its end"),
        (10, 0, "is a number, not a string"),
    ],
)
def test_compose_duration(value, minimum, problem):
    assert ic.compose_duration(value, minimum=minimum) == problem


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ("512M", 512 * 1024**2),
        ("512m", 512 * 1024**2),
        ("1g", 1024**3),
        ("1GB", 1024**3),
        ("2048k", 2048 * 1024),
        ("2b", 2),
        ("100", 100),
        (1024, 1024),
        ("1.5g", None),
        ("1 g", None),
        ("lots", None),
        ("512M\n", None),
        ("1t", None),
        (-1, None),
        (True, None),
    ],
)
def test_compose_bytes_value(value, size):
    assert ic.compose_bytes_value(value) == size


@pytest.mark.parametrize(
    ("value", "minimum", "problem"),
    [
        ("10m", 1, None),
        ("0", 1, "is zero"),
        ("4m", 6 * 1024**2, "is too small"),
        ("lots", 0, "is not a size"),
        ("10m\n", 0, "contains a line feed (U+000A) at its end"),
    ],
)
def test_compose_bytes(value, minimum, problem):
    assert ic.compose_bytes(value, minimum=minimum) == problem


@pytest.mark.parametrize(
    ("value", "positive", "ok"),
    [
        ("15s", False, True),
        ("1m", False, True),
        ("1h30m", False, True),
        ("7d", False, True),
        ("168h", False, True),
        ("1y2w3d4h5m6s7ms", False, True),
        ("0", False, True),
        ("0s", False, True),
        ("0s", True, False),
        ("0", True, False),
        ("one minute", False, False),
        ("1m1h", False, False),
        ("1.5m", False, False),
        ("1m\n", False, False),
        ("", False, False),
        ("m", False, False),
    ],
)
def test_prom_duration(value, positive, ok):
    assert (ic.prom_duration(value, positive=positive) is None) is ok


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("https://assistant.example.com", None),
        ("http://127.0.0.1:8080", None),
        ("https://assistant.example.com/sms/?a=b", None),
        ("http://[::1]:8080/", None),
        ("http://jaeger:4318", None),
        ("not a url", "contains a space"),
        ("assistant.example.com", "has no scheme"),
        ("ftp://example.com", 'has the scheme "ftp"'),
        ("https://", "has no host"),
        ("https://user:pw@example.com", "holds a user name or password, which would land in a plain file"),
        ("https://example.com\n", "contains a line feed (U+000A) at its end"),
        ("https://example.com:99999", "is not a URL (Port out of range 0-65535)"),
        ("https://exa_mple.com", 'has the host "exa_mple.com", which is not a host name'),
        ("http://300.1.1.1/", 'has the host "300.1.1.1", which is not an IPv4 address'),
        ("", "is empty"),
    ],
)
def test_http_url(value, problem):
    assert ic.http_url(value) == problem


def test_http_url_empty_allowed():
    assert ic.http_url("", allow_empty=True) is None


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("node.role == manager", True),
        ("node.platform.os == linux", True),
        ("node.labels.assistant.data == true", True),
        ("node.hostname!=web1", True),
        ("engine.labels.zone == a", True),
        ("node.role = manager", False),
        ("role == manager", False),
        ("node.role == manager\n", False),
        ("node.role == two words", False),
    ],
)
def test_swarm_constraint(value, ok):
    assert (ic.swarm_constraint(value) is None) is ok


@pytest.mark.parametrize(
    ("value", "low", "high", "problem"),
    [
        (2, 1, 100, None),
        ("2", 1, 100, None),
        (0, 1, 100, "is out of range"),
        (101, 1, 100, "is out of range"),
        ("2\n", 1, 100, "is a string, not a whole number"),
        ("many", 1, None, "is a string, not a whole number"),
        (True, 0, None, "is a boolean, not a whole number"),
    ],
)
def test_count(value, low, high, problem):
    assert ic.count(value, low, high) == problem


@pytest.mark.parametrize(
    ("value", "kwargs", "ok"),
    [
        ("0.5", {"low": 0, "low_open": True}, True),
        (1, {"low": 0, "low_open": True}, True),
        ("0", {"low": 0, "low_open": True}, False),
        ("-1", {"low": 0, "low_open": True}, False),
        (0.05, {"low": 0, "high": 1, "low_open": True, "high_open": True}, True),
        (1.0, {"low": 0, "high": 1, "low_open": True, "high_open": True}, False),
        ("1e3", {}, False),
        (True, {}, False),
    ],
)
def test_number(value, kwargs, ok):
    assert (ic.number(value, **kwargs) is None) is ok


@pytest.mark.parametrize(
    ("check", "value", "ok"),
    [
        (ic.nginx_size, "64k", True),
        (ic.nginx_size, "1m", True),
        (ic.nginx_size, 1024, True),
        (ic.nginx_size, "1mb", False),
        (ic.nginx_size, "1m\n", False),
        (ic.nginx_time, "10s", True),
        (ic.nginx_time, "2s", True),
        (ic.nginx_time, "10", True),
        (ic.nginx_time, "ten", False),
        (ic.hostname, "assistant.example.invalid", True),
        (ic.hostname, "localhost", True),
        (ic.hostname, "-bad.example", False),
        (ic.hostname, "bad_host", False),
        (ic.hostname, "1.2.3.4", False),
        (ic.service_host, "api", True),
        (ic.service_host, "my_service.local", True),
        (ic.service_host, "api\n", False),
        (ic.absolute_path, "/etc/assistant/tls", True),
        (ic.absolute_path, "etc/tls", False),
        (ic.absolute_path, "/etc/tls\n", False),
    ],
)
def test_small_grammars(check, value, ok):
    assert (check(value) is None) is ok

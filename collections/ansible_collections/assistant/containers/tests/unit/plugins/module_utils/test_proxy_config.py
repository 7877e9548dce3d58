# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml
from ansible_collections.assistant.containers.plugins.module_utils import proxy_config as pc

_ROLE = Path(__file__).resolve().parents[4] / "roles" / "proxy"
_DEFAULTS = yaml.safe_load((_ROLE / "defaults" / "main.yml").read_text())
_NAMES = yaml.safe_load((_ROLE / "vars" / "main.yml").read_text())["_proxy_option_names"]
# Templated defaults (proxy_env, proxy_tls_dir) as the role resolves them for prod.
GOOD = {
    **{k: v for k, v in _DEFAULTS.items() if k in _NAMES},
    "proxy_env": "prod",
    "proxy_tls_dir": "/etc/assistant/tls/prod",
    "proxy_server_name": "assistant.example.invalid",
    "proxy_resolver_valid": "2s",
}
CERT = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\nAbC+/==\n-----END CERTIFICATE-----\n"
KEY = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n"


def problems(check_tls_material=False, **overrides):
    return pc.problems({**GOOD, **overrides}, check_tls_material)


def route(**changes):
    return [{**_DEFAULTS["proxy_routes"][0], **changes}, _DEFAULTS["proxy_routes"][1]]


def test_every_option_is_listed():
    assert set(_NAMES) == set(_DEFAULTS) - {"proxy_validate", "proxy_tls_mounted"}


def test_good_options_are_accepted():
    assert problems() == []
    assert problems(True, proxy_tls_mode="provided", proxy_tls_certificate=CERT, proxy_tls_key=KEY) == []
    assert problems(proxy_server_name="_") == []
    assert problems(proxy_server_name="a.example *.b.example") == []
    assert problems(proxy_extra_server_config="location /x {\n    return 204;\n}\n") == []
    assert problems(proxy_tls_alt_names=["DNS:stage.example", "DNS:localhost", "IP:127.0.0.1", "IP:::1"]) == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"proxy_routes": []}, "proxy_routes is empty"),
        ({"proxy_routes": "api"}, 'proxy_routes = "api": is a string'),
        ({"proxy_routes": route(name="SMS")}, 'proxy_routes[0].name = "SMS"'),
        ({"proxy_routes": route(name="api")}, 'proxy_routes[1].name = "api": also the name of proxy_routes[0]'),
        ({"proxy_routes": route(location="/")}, 'proxy_routes[1].location = "/": also the location of proxy_routes[0]'),
        ({"proxy_routes": route(location="sms/")}, 'proxy_routes[0].location = "sms/"'),
        ({"proxy_routes": route(location="/sms/\n")}, 'proxy_routes[0].location = "/sms/\\n": contains a line feed'),
        ({"proxy_routes": route(location="/sms/; return 200")}, "proxy_routes[0].location"),
        ({"proxy_routes": route(upstream="sms")}, 'proxy_routes[0].upstream = "sms": has no :port'),
        ({"proxy_routes": route(upstream="sms:70000")}, 'proxy_routes[0].upstream = "sms:70000": has an invalid port'),
        ({"proxy_routes": route(upstream="sms:8003\n")}, "proxy_routes[0].upstream"),
        ({"proxy_routes": route(rate=0)}, "proxy_routes[0].rate = 0: is out of range"),
        ({"proxy_routes": route(burst=-1)}, "proxy_routes[0].burst = -1: is out of range"),
        ({"proxy_routes": route(max_body_size="1 MB")}, 'proxy_routes[0].max_body_size = "1 MB"'),
        ({"proxy_routes": route(ratelimit=5)}, "proxy_routes[0].ratelimit: unknown key"),
        ({"proxy_http_port": 8443}, "proxy_http_port and proxy_https_port are both 8443"),
        ({"proxy_https_port": 0}, "proxy_https_port = 0: is out of range"),
        ({"proxy_public_https_port": 70000}, "proxy_public_https_port = 70000"),
        ({"proxy_server_name": "assistant.example\n"}, 'proxy_server_name = "assistant.example\\n": contains'),
        ({"proxy_server_name": "my  server"}, 'proxy_server_name = "my  server": has the name ""'),
        ({"proxy_server_name": "a;b"}, 'has the name "a;b", which is not a host name'),
        ({"proxy_tls_common_name": "stage example"}, 'proxy_tls_common_name = "stage example"'),
        ({"proxy_tls_alt_names": ["stage.example"]}, 'proxy_tls_alt_names[0] = "stage.example": does not start'),
        ({"proxy_tls_alt_names": ["IP:localhost"]}, 'proxy_tls_alt_names[0] = "IP:localhost": has an invalid address'),
        ({"proxy_tls_days": 0}, "proxy_tls_days = 0: is out of range"),
        ({"proxy_tls_dir": "tls"}, 'proxy_tls_dir = "tls": is not an absolute path'),
        ({"proxy_rate_limit_status": 200}, "proxy_rate_limit_status = 200: is out of range; expected an HTTP status"),
        ({"proxy_upstream_keepalive": -1}, "proxy_upstream_keepalive = -1"),
        ({"proxy_resolver": "dns.local"}, 'proxy_resolver = "dns.local": is not an IP address'),
        ({"proxy_resolver": "127.0.0.11:99999"}, "has an invalid port"),
        ({"proxy_resolver_valid": "10 s"}, 'proxy_resolver_valid = "10 s"'),
        ({"proxy_connect_timeout": 120}, "proxy_connect_timeout = 120: is out of range; expected seconds"),
        ({"proxy_read_timeout": 0}, "proxy_read_timeout = 0"),
        ({"proxy_hsts_max_age": -1}, "proxy_hsts_max_age = -1"),
        ({"proxy_security_headers": {"X Frame": "DENY"}}, 'proxy_security_headers key = "X Frame"'),
        ({"proxy_security_headers": {"X-Frame-Options": "DENY\r\n"}}, "proxy_security_headers.X-Frame-Options"),
        ({"proxy_image": "assistant/nginx:1.26\n"}, 'proxy_image = "assistant/nginx:1.26\\n"'),
        (
            {"proxy_extra_server_config": "return 204;\r\n"},
            'proxy_extra_server_config = "return 204;\\r\\n": contains a',
        ),
        ({"proxy_env": "Prod"}, 'proxy_env = "Prod"'),
    ],
)
def test_bad_option_is_refused(overrides, expected):
    found = problems(**overrides)
    assert any(expected in p for p in found), found


@pytest.mark.parametrize(
    ("cert", "key", "expected"),
    [
        ("", KEY, "proxy_tls_certificate is empty"),
        ("not a cert", KEY, "proxy_tls_certificate is not a PEM certificate"),
        (CERT.replace("\n", "\r\n"), KEY, "(Windows line ends: convert them to \\n)"),
        (CERT, "", "proxy_tls_key is empty (value not shown)"),
        (CERT, "secret-key-material", "proxy_tls_key is not a PEM private key"),
        (CERT, KEY.replace("PRIVATE KEY-----\n", "PRIVATE KEY-----\x00", 1), "proxy_tls_key contains a NUL"),
    ],
)
def test_provided_tls_material(cert, key, expected):
    found = problems(True, proxy_tls_mode="provided", proxy_tls_certificate=cert, proxy_tls_key=key)
    assert any(expected in p for p in found), found
    assert all("secret-key-material" not in p and "MIGHAgEA" not in p for p in found)


def test_tls_material_is_checked_only_where_it_is_written():
    assert problems(False, proxy_tls_mode="provided", proxy_tls_certificate="", proxy_tls_key="") == []


def test_validate_command():
    routes = [{"upstream": "sms:8003"}, {"upstream": "api:8000"}, {"upstream": "api:8001"}]
    command = pc.validate_command("docker", "assistant/nginx:1.26", routes, "/etc/assistant/tls/prod", True)
    assert shlex.split(command) == [
        "docker", "run", "--rm", "--network", "none", "-v", "%s:/etc/nginx/nginx.conf:ro",
        "-v", "/etc/assistant/tls/prod:/etc/nginx/tls:ro",
        "--add-host", "sms:127.0.0.1", "--add-host", "api:127.0.0.1",
        "assistant/nginx:1.26", "nginx", "-t", "-q", "-c", "/etc/nginx/nginx.conf",
    ]  # fmt: skip
    assert "/etc/nginx/tls" not in pc.validate_command("docker", "nginx:1.26", routes)
    assert (command % "/new/file").startswith("docker run --rm --network none -v /new/file:/etc/nginx/nginx.conf:ro")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("127.0.0.11", None),
        ("127.0.0.11:53", None),
        ("[::1]", None),
        ("[::1]:5353", None),
        ("[::1", "is not [address] or [address]:port"),
        ("[::1]x", "is not [address] or [address]:port"),
        ("[::1]:0", "has an invalid port"),
        ("::1", "is an IPv6 address without brackets"),
        ("dns.local", "is not an IP address"),
    ],
)
def test_resolver(value, problem):
    assert pc.resolver(value) == problem

# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible_collections.assistant.containers.plugins.module_utils.docker_client import (
    DOCKER_COMMON_ARGS,
    DockerConnectionError,
    client_kwargs,
    connection_settings,
    version_lt,
)

UNSET = {name: None for name in DOCKER_COMMON_ARGS}


def _settings(environ=None, **params):
    return connection_settings(dict(UNSET, **params), environ or {})


class RecordingTLS:
    def __init__(self, **kwargs):
        self.kwargs = kwargs

    def __eq__(self, other):
        return isinstance(other, RecordingTLS) and other.kwargs == self.kwargs

    def __repr__(self):
        return f"TLS({self.kwargs})"


@pytest.mark.parametrize(
    ("version", "other", "expected"),
    [
        ("1.24", "1.25", True),
        ("1.25", "1.25", False),
        ("1.100", "1.41", False),
        ("6.0.0", "6.1.0", True),
        ("7.1.0", "6.1.0", False),
        ("7.0.0b1", "7.0.0", False),
    ],
)
def test_version_lt(version, other, expected):
    assert version_lt(version, other) is expected


@pytest.mark.parametrize(
    ("environ", "params", "expected"),
    [
        (
            {},
            {},
            {"docker_host": "unix:///var/run/docker.sock", "api_version": "auto", "timeout": 60, "tls": False},
        ),
        ({"DOCKER_HOST": "tcp://h:2375"}, {}, {"docker_host": "tcp://h:2375", "tls_hostname": "h"}),
        ({"DOCKER_HOST": "tcp://h:2375"}, {"docker_host": "unix:///x.sock"}, {"docker_host": "unix:///x.sock"}),
        ({"DOCKER_TIMEOUT": "15"}, {}, {"timeout": 15}),
        ({"DOCKER_TIMEOUT": "15"}, {"timeout": 300.0}, {"timeout": 300}),
        ({"DOCKER_TLS": "yes"}, {"docker_host": "tcp://h:2376"}, {"docker_host": "https://h:2376", "uses_tls": True}),
        ({"DOCKER_TLS_VERIFY": "1"}, {}, {"validate_certs": True, "uses_tls": True}),
        ({}, {"tls": "no", "validate_certs": "false"}, {"tls": False, "validate_certs": False, "uses_tls": False}),
        (
            {"DOCKER_CERT_PATH": "/certs"},
            {},
            {"ca_path": "/certs/ca.pem", "client_cert": "/certs/cert.pem", "client_key": "/certs/key.pem"},
        ),
        ({"DOCKER_CERT_PATH": "/certs"}, {"ca_path": "/mine/ca.pem"}, {"ca_path": "/mine/ca.pem"}),
        ({}, {"tls_hostname": "docker.example"}, {"tls_hostname": "docker.example", "tls_hostname_given": True}),
        ({"DOCKER_API_VERSION": "1.41"}, {}, {"api_version": "1.41"}),
    ],
)
def test_connection_settings_precedence(environ, params, expected):
    settings = _settings(environ, **params)
    assert {key: settings[key] for key in expected} == expected


def test_a_timeout_that_is_not_a_number_names_the_option():
    with pytest.raises(DockerConnectionError, match=r"timeout: expected a whole number of seconds .* found 'soon'"):
        _settings({"DOCKER_TIMEOUT": "soon"})


@pytest.mark.parametrize(
    ("params", "sdk", "expected"),
    [
        ({}, "7.1.0", {"base_url": "unix:///var/run/docker.sock", "version": "auto", "timeout": 60}),
        (
            {"docker_host": "tcp://h:2376", "tls": True},
            "7.1.0",
            {"base_url": "https://h:2376", "version": "auto", "timeout": 60, "tls": RecordingTLS(verify=False)},
        ),
        (
            {"docker_host": "tcp://h:2376", "tls": True, "client_cert": "/c.pem", "client_key": "/k.pem"},
            "7.1.0",
            {
                "base_url": "https://h:2376",
                "version": "auto",
                "timeout": 60,
                "tls": RecordingTLS(client_cert=("/c.pem", "/k.pem"), verify=False),
            },
        ),
        (
            {"docker_host": "tcp://h:2376", "validate_certs": True, "ca_path": "/ca.pem"},
            "7.1.0",
            {
                "base_url": "https://h:2376",
                "version": "auto",
                "timeout": 60,
                "tls": RecordingTLS(verify=True, ca_cert="/ca.pem"),
            },
        ),
        (
            {"docker_host": "tcp://h:2376", "validate_certs": True, "tls_hostname": "docker.example"},
            "6.1.3",
            {
                "base_url": "https://h:2376",
                "version": "auto",
                "timeout": 60,
                "tls": RecordingTLS(verify=True, assert_hostname="docker.example"),
            },
        ),
        (
            {"docker_host": "ssh://u@h", "use_ssh_client": True},
            "7.1.0",
            {"base_url": "ssh://u@h", "version": "auto", "timeout": 60, "use_ssh_client": True},
        ),
    ],
)
def test_client_kwargs(params, sdk, expected):
    assert client_kwargs(_settings(**params), sdk, tls_config=RecordingTLS) == expected


def test_tls_hostname_with_sdk_7_is_refused_not_ignored():
    settings = _settings(docker_host="tcp://h:2376", validate_certs=True, tls_hostname="docker.example")
    with pytest.raises(DockerConnectionError, match=r"^tls_hostname: .*7\.1\.0.*found tls_hostname='docker.example'"):
        client_kwargs(settings, "7.1.0", tls_config=RecordingTLS)


def test_the_connection_options_match_the_documentation():
    """The doc fragment documents exactly the options the client accepts, with the same types and defaults."""
    import yaml
    from ansible_collections.assistant.containers.plugins.doc_fragments.docker import ModuleDocFragment

    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    assert set(documented) == set(DOCKER_COMMON_ARGS)
    for name, spec in DOCKER_COMMON_ARGS.items():
        doc = documented[name]
        assert doc["type"] == spec["type"], name
        assert doc.get("default") == spec.get("default"), name
        assert sorted(doc.get("aliases", [])) == sorted(spec.get("aliases", [])), name

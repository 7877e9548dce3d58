# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""How this collection's modules reach the Docker engine: the Docker SDK for Python's public APIClient.

The modules used to borrow community.docker's API client (``common_api``), which community.docker 5.0
made private. The connection options keep their names, aliases, environment variables and defaults
(documented in the ``assistant.containers.docker`` doc fragment), so a task that worked keeps working.
Only public SDK methods are called; tests/unit/test_public_interfaces.py keeps it that way.
"""

from __future__ import annotations

import os
import traceback
from urllib.parse import urlparse

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.parsing.convert_bool import BOOLEANS_FALSE, BOOLEANS_TRUE

try:
    import docker
    from docker.errors import DockerException, NotFound
    from docker.tls import TLSConfig
    from requests.exceptions import RequestException

    HAS_DOCKER = True
    DOCKER_IMPORT_ERROR = None
except ImportError:
    HAS_DOCKER = False
    DOCKER_IMPORT_ERROR = traceback.format_exc()

    class DockerException(Exception):
        """Stand-in so that except clauses work when the SDK is absent (the module fails before any call)."""

    class NotFound(DockerException):
        """Stand-in for docker.errors.NotFound."""

    class RequestException(Exception):
        """Stand-in for requests.exceptions.RequestException."""


# What the modules import; DockerException and NotFound are the SDK's (or stand-ins without it).
__all__ = [
    "DOCKER_COMMON_ARGS",
    "AnsibleDockerClient",
    "DockerConnectionError",
    "DockerException",
    "NotFound",
    "RequestException",
    "client_kwargs",
    "connection_settings",
    "run_module",
    "version_lt",
]

DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock"
DEFAULT_TIMEOUT_SECONDS = 60
MIN_DOCKER_API_VERSION = "1.25"
MIN_DOCKER_SDK_VERSION = "5.0.0"
# The SDK's pip name and the Debian package that ships it, for missing_required_lib().
DOCKER_SDK_REQUIREMENT = "docker (Docker SDK for Python; python3-docker on Debian)"

DOCKER_COMMON_ARGS = dict(
    docker_host=dict(
        type="str", default=DEFAULT_DOCKER_HOST, fallback=(env_fallback, ["DOCKER_HOST"]), aliases=["docker_url"]
    ),
    tls_hostname=dict(type="str", fallback=(env_fallback, ["DOCKER_TLS_HOSTNAME"])),
    api_version=dict(
        type="str", default="auto", fallback=(env_fallback, ["DOCKER_API_VERSION"]), aliases=["docker_api_version"]
    ),
    timeout=dict(type="int", default=DEFAULT_TIMEOUT_SECONDS, fallback=(env_fallback, ["DOCKER_TIMEOUT"])),
    ca_path=dict(type="path", aliases=["ca_cert", "tls_ca_cert", "cacert_path"]),
    client_cert=dict(type="path", aliases=["tls_client_cert", "cert_path"]),
    client_key=dict(type="path", aliases=["tls_client_key", "key_path"]),
    tls=dict(type="bool", default=False, fallback=(env_fallback, ["DOCKER_TLS"])),
    use_ssh_client=dict(type="bool", default=False),
    validate_certs=dict(
        type="bool", default=False, fallback=(env_fallback, ["DOCKER_TLS_VERIFY"]), aliases=["tls_verify"]
    ),
    debug=dict(type="bool", default=False),
)

DOCKER_REQUIRED_TOGETHER = [("client_cert", "client_key")]

# Where a connection option is read from when the task leaves it out: (environment variable, default).
# DOCKER_CERT_PATH names a directory; the file inside it is given here.
_ENVIRONMENT = {
    "docker_host": ("DOCKER_HOST", DEFAULT_DOCKER_HOST),
    "tls_hostname": ("DOCKER_TLS_HOSTNAME", None),
    "api_version": ("DOCKER_API_VERSION", "auto"),
    "ca_path": ("DOCKER_CERT_PATH", None),
    "client_cert": ("DOCKER_CERT_PATH", None),
    "client_key": ("DOCKER_CERT_PATH", None),
    "tls": ("DOCKER_TLS", False),
    "validate_certs": ("DOCKER_TLS_VERIFY", False),
    "timeout": ("DOCKER_TIMEOUT", DEFAULT_TIMEOUT_SECONDS),
    "use_ssh_client": (None, False),
}
_CERT_FILES = {"ca_path": "ca.pem", "client_cert": "cert.pem", "client_key": "key.pem"}
_BOOLS = ("tls", "validate_certs", "use_ssh_client")


class DockerConnectionError(Exception):
    """A connection option that cannot work; the message names the option and what to do."""


def _version_tuple(version):
    """'1.45' -> (1, 45); '7.1.0' -> (7, 1, 0); parts that are not numbers count as 0."""
    parts = []
    for part in str(version).split("."):
        digits = "".join(c for c in part if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def version_lt(version, other):
    """Whether dotted version ``version`` is older than ``other``."""
    return _version_tuple(version) < _version_tuple(other)


def _to_bool(value):
    if value in BOOLEANS_TRUE:
        return True
    if value in BOOLEANS_FALSE:
        return False
    return bool(value)


def connection_settings(params, environ=None):
    """The connection options after precedence: task parameter, then environment variable, then default.

    Same precedence and meaning as community.docker's modules: DOCKER_CERT_PATH gives ca.pem, cert.pem and
    key.pem; a TLS connection turns tcp:// into https://; tls_hostname defaults to the host of docker_host.
    """
    environ = os.environ if environ is None else environ
    settings = {}
    for name, (variable, default) in _ENVIRONMENT.items():
        value = params.get(name)
        if value is None and variable is not None and environ.get(variable) is not None:
            value = environ[variable]
            if name in _CERT_FILES:
                value = os.path.join(value, _CERT_FILES[name])
        if value is None:
            value = default
        if name in _BOOLS:
            value = _to_bool(value)
        elif name == "timeout":
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise DockerConnectionError(
                    f"timeout: expected a whole number of seconds (task option or DOCKER_TIMEOUT), found {value!r}."
                ) from None
        settings[name] = value
    settings["uses_tls"] = settings["tls"] or settings["validate_certs"]
    if settings["uses_tls"]:
        settings["docker_host"] = settings["docker_host"].replace("tcp://", "https://")
    settings["tls_hostname_given"] = settings["tls_hostname"] is not None
    if settings["tls_hostname"] is None:
        settings["tls_hostname"] = urlparse(settings["docker_host"]).netloc.rsplit(":", 1)[0]
    return settings


def client_kwargs(settings, sdk_version, tls_config=None):
    """Keyword arguments for docker.APIClient from connection_settings().

    ``tls_config`` builds the SDK's TLSConfig (injected for tests). The SDK 7 TLSConfig has no
    assert_hostname: a given tls_hostname is refused there instead of silently ignored.
    """
    tls_config = tls_config or TLSConfig
    kwargs = {"base_url": settings["docker_host"], "version": settings["api_version"], "timeout": settings["timeout"]}
    if settings["uses_tls"]:
        tls = {}
        if settings["client_cert"] and settings["client_key"]:
            tls["client_cert"] = (settings["client_cert"], settings["client_key"])
        if settings["validate_certs"]:
            tls["verify"] = True
            if settings["ca_path"]:
                tls["ca_cert"] = settings["ca_path"]
            if settings["tls_hostname_given"]:
                if not version_lt(sdk_version, "7.0.0"):
                    raise DockerConnectionError(
                        f"tls_hostname: the Docker SDK for Python {sdk_version} always checks the certificate against "
                        f"the host of docker_host and cannot take another name; found tls_hostname="
                        f"{settings['tls_hostname']!r}. Leave tls_hostname (and DOCKER_TLS_HOSTNAME) unset and "
                        "connect by the name in the certificate."
                    )
                tls["assert_hostname"] = settings["tls_hostname"]
        else:
            tls["verify"] = False
        kwargs["tls"] = tls_config(**tls)
    if settings["use_ssh_client"]:
        kwargs["use_ssh_client"] = True
    return kwargs


class AnsibleDockerClient:
    """An AnsibleModule with the Docker connection options and a connected docker.APIClient (``api``).

    ``fail()`` adds ``fail_results`` to the failure, so a module can return its partial result with the message.
    """

    def __init__(
        self,
        argument_spec,
        supports_check_mode=False,
        mutually_exclusive=None,
        required_together=None,
        required_one_of=None,
        fail_results=None,
        min_docker_api_version=MIN_DOCKER_API_VERSION,
    ):
        # A module's own option of the same name wins (stack_health_info's timeout is also the API timeout).
        spec = dict(DOCKER_COMMON_ARGS)
        spec.update(argument_spec)
        self.module = AnsibleModule(
            argument_spec=spec,
            supports_check_mode=supports_check_mode,
            mutually_exclusive=mutually_exclusive or [],
            required_together=DOCKER_REQUIRED_TOGETHER + list(required_together or []),
            required_one_of=required_one_of or [],
        )
        self.fail_results = dict(fail_results or {})
        if not HAS_DOCKER:
            self.fail(missing_required_lib(DOCKER_SDK_REQUIREMENT), exception=DOCKER_IMPORT_ERROR)
        sdk_version = getattr(docker, "__version__", "0")
        if version_lt(sdk_version, MIN_DOCKER_SDK_VERSION):
            self.fail(
                f"The Docker SDK for Python on the target is {sdk_version}; these modules need "
                f"{MIN_DOCKER_SDK_VERSION} or newer. Upgrade it ({DOCKER_SDK_REQUIREMENT})."
            )
        try:
            self.api = docker.APIClient(**client_kwargs(connection_settings(self.module.params), sdk_version))
        except DockerConnectionError as exc:
            self.fail(to_native(exc))
        except (DockerException, RequestException) as exc:
            self.fail(f"Error connecting: {to_native(exc)}", exception=traceback.format_exc())
        self.api_version = self.api.api_version
        if version_lt(self.api_version, min_docker_api_version):
            self.fail(
                f"Docker API version is {self.api_version}. Minimum version required is {min_docker_api_version}."
            )

    def fail(self, msg, **kwargs):
        self.fail_results.update(kwargs)
        self.module.fail_json(msg=msg, **self.fail_results)


def run_module(client, checker_class):
    """Run checker_class(client).run() and exit with its result; Docker and transport errors fail the task."""
    try:
        client.module.exit_json(**checker_class(client).run())
    except DockerException as e:
        client.fail(f"An unexpected Docker error occurred: {to_native(e)}", exception=traceback.format_exc())
    except RequestException as e:
        client.fail(
            f"An unexpected requests error occurred when trying to talk to the Docker daemon: {to_native(e)}",
            exception=traceback.format_exc(),
        )

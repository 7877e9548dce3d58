# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """How this collection's Docker API modules connect (module_utils/docker_client.py).

    The options, aliases, environment variables and defaults are those of community.docker's API modules,
    so a task or module_defaults entry written for those works here too.
    """

    DOCUMENTATION = r"""
options:
  docker_host:
    description:
      - The URL or Unix socket path used to connect to the Docker API. To connect to a remote host, give the TCP
        connection string, for example V(tcp://192.0.2.23:2376). With TLS, C(tcp://) is replaced by C(https://).
      - When the task does not set it, the environment variable E(DOCKER_HOST) is used, and when that is not set
        either, the default.
    type: str
    default: unix:///var/run/docker.sock
    aliases:
      - docker_url
  tls_hostname:
    description:
      - The name the Docker host's certificate must carry, when O(validate_certs=true). Default is the host of
        O(docker_host).
      - When the task does not set it, the environment variable E(DOCKER_TLS_HOSTNAME) is used.
      - The Docker SDK for Python 7.0.0 and newer always checks the certificate against the host of O(docker_host);
        with it, setting this option is an error instead of being ignored.
    type: str
  api_version:
    description:
      - The version of the Docker API to speak. V(auto) asks the engine for the version it supports.
      - When the task does not set it, the environment variable E(DOCKER_API_VERSION) is used, and when that is not
        set either, the default.
    type: str
    default: auto
    aliases:
      - docker_api_version
  timeout:
    description:
      - Seconds to wait for one answer of the Docker API.
      - When the task does not set it, the environment variable E(DOCKER_TIMEOUT) is used, and when that is not set
        either, the default.
    type: int
    default: 60
  ca_path:
    description:
      - A CA certificate file to verify the Docker host's certificate with.
      - When the task does not set it and the environment variable E(DOCKER_CERT_PATH) is set, the file C(ca.pem)
        in that directory is used.
    type: path
    aliases:
      - ca_cert
      - tls_ca_cert
      - cacert_path
  client_cert:
    description:
      - The client's TLS certificate file.
      - When the task does not set it and the environment variable E(DOCKER_CERT_PATH) is set, the file C(cert.pem)
        in that directory is used.
    type: path
    aliases:
      - tls_client_cert
      - cert_path
  client_key:
    description:
      - The client's TLS key file.
      - When the task does not set it and the environment variable E(DOCKER_CERT_PATH) is set, the file C(key.pem)
        in that directory is used.
    type: path
    aliases:
      - tls_client_key
      - key_path
  tls:
    description:
      - Connect with TLS without verifying the Docker host's certificate. O(validate_certs=true) takes precedence.
      - When the task does not set it, the environment variable E(DOCKER_TLS) is used, and when that is not set
        either, the default.
    type: bool
    default: false
  use_ssh_client:
    description:
      - For V(ssh://) hosts, use the C(ssh) command instead of paramiko.
    type: bool
    default: false
  validate_certs:
    description:
      - Connect with TLS and verify the Docker host's certificate.
      - When the task does not set it, the environment variable E(DOCKER_TLS_VERIFY) is used, and when that is not
        set either, the default.
    type: bool
    default: false
    aliases:
      - tls_verify
  debug:
    description:
      - Accepted for compatibility with community.docker's modules; it changes nothing.
    type: bool
    default: false

notes:
  - Connect to the Docker engine with options on each task, with C(module_defaults) for the group
    C(group/assistant.containers.docker), or with the environment variables E(DOCKER_HOST), E(DOCKER_TLS_HOSTNAME),
    E(DOCKER_API_VERSION), E(DOCKER_CERT_PATH), E(DOCKER_TLS), E(DOCKER_TLS_VERIFY) and E(DOCKER_TIMEOUT).
  - The module talks to the engine through the L(Docker SDK for Python,https://docker-py.readthedocs.io/en/stable/)
    on the target, using its public C(docker.APIClient) only.

requirements:
  - Docker SDK for Python >= 5.0.0 (C(docker) on PyPI, C(python3-docker) on Debian 12 and 13)
  - paramiko (for V(ssh://) hosts without O(use_ssh_client))
"""

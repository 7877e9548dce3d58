# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The proxy role's decisions as filters; the logic and its tests are in module_utils/proxy_config.py."""

from __future__ import annotations

from ansible_collections.assistant.containers.plugins.module_utils import proxy_config


def proxy_problems(options, check_tls_material=False):
    return proxy_config.problems(options, check_tls_material)


def proxy_validate_command(docker_cli, image, routes, tls_dir="", tls=False):
    return proxy_config.validate_command(docker_cli, image, routes, tls_dir, tls)


class FilterModule:
    """The proxy role's filters."""

    def filters(self):
        return {"proxy_problems": proxy_problems, "proxy_validate_command": proxy_validate_command}

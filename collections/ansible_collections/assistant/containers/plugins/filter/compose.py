# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The compose role's decisions as filters; the logic and its tests are in module_utils/compose_render.py."""

from __future__ import annotations

from ansible_collections.assistant.containers.plugins.module_utils import compose_render


def compose_problems(options, services, default_resources=None):
    return compose_render.compose_problems(options, services, default_resources)


def compose_secret_problems(secrets, required):
    return compose_render.secret_problems(secrets, required)


def compose_plan(services, images, manifest_text="", manifest_path="", seed=False, monitoring="profile", optional=()):
    return compose_render.plan(services, images, manifest_text, manifest_path, seed, monitoring, optional)


def compose_secret_files(services, active, env):
    return compose_render.secret_files(services, active, env)


def compose_config_files(files, env, active, **by_service):
    return compose_render.config_files(files, env, active, by_service)


def compose_file_writes(rendered, validate=True):
    return compose_render.file_writes(rendered, validate)


def compose_check_files(rendered, on_disk=False):
    return compose_render.check_files(rendered, on_disk)


def compose_secret_writes(files, values, purpose="write"):
    return compose_render.secret_writes(files, values, purpose)


def compose_published_problems(document, ports):
    return compose_render.published_problems(document, ports)


class FilterModule:
    """The compose role's filters."""

    def filters(self):
        return {
            "compose_problems": compose_problems,
            "compose_secret_problems": compose_secret_problems,
            "compose_plan": compose_plan,
            "compose_secret_files": compose_secret_files,
            "compose_config_files": compose_config_files,
            "compose_file_writes": compose_file_writes,
            "compose_check_files": compose_check_files,
            "compose_secret_writes": compose_secret_writes,
            "compose_published_problems": compose_published_problems,
        }

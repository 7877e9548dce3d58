# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The run-and-report step every Docker API module of this collection ends with."""

from __future__ import annotations

import traceback

from ansible.module_utils.common.text.converters import to_native
from ansible_collections.community.docker.plugins.module_utils._api.errors import DockerException
from ansible_collections.community.docker.plugins.module_utils.common_api import RequestException


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

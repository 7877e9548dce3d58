# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The secret rotation filters: postgres_password_rotation and secret_readers.

Their documentation is in postgres_password_rotation.yml and secret_readers.yml beside this
file; the logic is in module_utils/postgres_password.py.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible_collections.assistant.containers.plugins.module_utils.postgres_password import (
    PostgresPasswordError,
    password_rotation,
)
from ansible_collections.assistant.containers.plugins.module_utils.postgres_password import (
    secret_readers as _secret_readers,
)


def postgres_password_rotation(current, password, role="", salt=None):
    try:
        return password_rotation(current or "", password, role, salt=salt)
    except PostgresPasswordError as exc:
        raise AnsibleFilterError(f"postgres_password_rotation: {exc}") from exc


def secret_readers(compose, secret):
    try:
        return _secret_readers(compose, secret)
    except PostgresPasswordError as exc:
        raise AnsibleFilterError(f"secret_readers: {exc}") from exc


class FilterModule:
    def filters(self):
        return {
            "postgres_password_rotation": postgres_password_rotation,
            "secret_readers": secret_readers,
        }

# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The secret rotation filter secret_readers.

Its documentation is in secret_readers.yml beside this file; the logic is in
module_utils/postgres_password.py (whose rotation the compose_postgres_password module uses).
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible_collections.assistant.containers.plugins.module_utils.postgres_password import (
    PostgresPasswordError,
)
from ansible_collections.assistant.containers.plugins.module_utils.postgres_password import (
    secret_readers as _secret_readers,
)


def secret_readers(compose, secret):
    try:
        return _secret_readers(compose, secret)
    except PostgresPasswordError as exc:
        raise AnsibleFilterError(f"secret_readers: {exc}") from exc


class FilterModule:
    def filters(self):
        return {
            "secret_readers": secret_readers,
        }

# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures to run a module's main() in-process and read its JSON result."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile

import pytest
from ansible.module_utils.testing import patch_module_args

sys.path.insert(0, os.path.dirname(__file__))

from fake_engine import FakeEngine


@pytest.fixture
def engine():
    # A short directory: a Unix socket path may not be longer than about 100 bytes.
    directory = tempfile.mkdtemp(prefix="fe-", dir="/tmp")
    try:
        with FakeEngine(os.path.join(directory, "docker.sock")) as fake:
            yield fake
    finally:
        shutil.rmtree(directory)


@pytest.fixture
def run(capsys, monkeypatch):
    """run(module, args) -> (failed, result): main() of the module with these arguments."""

    def _run(module, args):
        for variable in ("DOCKER_HOST", "DOCKER_TLS", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_TIMEOUT"):
            monkeypatch.delenv(variable, raising=False)
        with patch_module_args(args), pytest.raises(SystemExit) as exited:
            module.main()
        result = json.loads(capsys.readouterr().out)
        return exited.value.code != 0, result

    return _run

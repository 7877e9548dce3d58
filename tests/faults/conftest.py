"""Registers the reliability suite's plugin (tests/faults/faultsuite.py) once for tests/faults and tests/security."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "faults"))

import faultsuite


def pytest_configure(config):
    if not config.pluginmanager.is_registered(faultsuite):
        config.pluginmanager.register(faultsuite, "assistant_faultsuite")

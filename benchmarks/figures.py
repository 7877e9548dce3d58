"""The figures the guides quote, in one file: benchmarks/figures.json.

Each benchmark records its section when it runs (``record("deploy", {...})``): the values,
when and on what machine. A guide that quotes a figure marks it right after the number,
``30.2 s<!-- figure: deploy.empty_host_s -->``, and tests/docs checks that the number
equals the recorded one (rounded as the guide writes it) and that a benchmark writes that
key. Re-run the benchmark, then update the guides the test points at.

Standard library only (the benchmarks import it).
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

FILE = Path(__file__).resolve().with_name("figures.json")


def load() -> dict:
    try:
        return json.loads(FILE.read_text())
    except (OSError, ValueError):
        return {}


def record(section: str, values: dict[str, float], by: str, note: str = "") -> None:
    """Replace one section of figures.json with this run's values."""
    data = load()
    load1 = os.getloadavg()[0]
    data[section] = {
        "by": by,
        "measured": time.strftime("%Y-%m-%d %H:%M", time.localtime()),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, load {load1:.1f}",
        "note": note,
        "values": {k: round(float(v), 3) for k, v in sorted(values.items())},
    }
    FILE.write_text(json.dumps(dict(sorted(data.items())), indent=2) + "\n")
    print(f"recorded in {FILE.relative_to(FILE.parents[1])}: {section}")

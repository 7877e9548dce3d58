"""The guides' facts against their single source of truth.

- figures: a number a guide quotes from a benchmark carries a marker right after it,
  ``30.2 s<!-- figure: deploy.empty_host_s -->``; it must equal the value in
  benchmarks/figures.json (rounded as the guide writes it), and a benchmark must write
  that key (benchmarks/figures.py records what each benchmark measured);
- defaults: ``var: value`` in inline code (``compose_healthcheck.timeout: 10s``) must be the
  role's default (defaults/main.yml) or what an inventory sets; "`var` (default `value`)"
  must be the role's default;
- paths: inline code naming a file of the repository (``docker/Dockerfile``,
  ``roles/compose/vars/main.yml``, ``plugins/modules/file_set.py``) must exist;
- inventory lists: every module and filter plugin is in README.md and docs/architecture.md,
  and every Molecule scenario a guide names exists.

Run: .venv/bin/python -m pytest -q tests/docs
"""

from __future__ import annotations

import json
import re
import subprocess
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COLLECTION = ROOT / "collections" / "ansible_collections" / "assistant" / "containers"
GUIDES = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md", *sorted(COLLECTION.glob("roles/*/README.md"))]
FIGURES = ROOT / "benchmarks" / "figures.json"
ROLE_PREFIXES = (
    "docker_engine",
    "offline_images",
    "compose",
    "image_build",
    "registry",
    "deploy",
    "swarm",
    "proxy",
    "monitoring",
    "backup",
)


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def prose(text: str) -> str:
    """The text without fenced blocks (they are commands and files, checked elsewhere)."""
    return re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)


# ------------------------------------------------------------------------------ figures

# The number, then a unit or none (s, MB, x, %), then the marker.
FIGURE_MARK = re.compile(r"(-?\d+(?:\.\d+)?)\s*(?:[A-Za-z%]+)?\s*<!-- figure: ([\w.]+) -->")


def _figure_marks() -> list[tuple[str, str, str]]:
    marks = []
    for guide in GUIDES:
        for number, key in FIGURE_MARK.findall(guide.read_text()):
            marks.append((rel(guide), number, key))
    return marks


def _figure(key: str):
    section, _, name = key.partition(".")
    return json.loads(FIGURES.read_text()).get(section, {}).get("values", {}).get(name)


def test_guides_mark_the_figures_they_quote():
    # A parser that finds nothing would make the next test pass vacuously.
    marks = _figure_marks()
    assert len(marks) >= 10, marks
    unmatched = [
        f"{rel(g)}: {m}"
        for g in GUIDES
        for m in re.findall(r".{0,20}<!-- figure:[^>]*-->", g.read_text())
        if not FIGURE_MARK.search(m)
    ]
    assert not unmatched, f"figure markers with no number right before them: {unmatched}"


@pytest.mark.parametrize("guide, number, key", _figure_marks(), ids=lambda v: str(v))
def test_quoted_figure_equals_the_benchmark(guide, number, key):
    value = _figure(key)
    assert value is not None, f"{guide}: figure {key} is not in benchmarks/figures.json"
    places = len(number.partition(".")[2])
    expected = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    assert Decimal(number) == expected, (
        f"{guide} quotes {number} for {key}; benchmarks/figures.json has {value} "
        f"({json.loads(FIGURES.read_text())[key.split('.')[0]]['measured']}). Update the guide."
    )


def test_every_figure_is_written_by_a_benchmark():
    data = json.loads(FIGURES.read_text())
    sources = {p.name: p.read_text() for p in (ROOT / "benchmarks").glob("*.py")}
    missing = []
    for section, entry in data.items():
        script = entry["by"].split()[0].rpartition("/")[2]
        assert script in sources, f"figures.json section {section}: {entry['by']} is not a benchmark"
        missing += [
            f"{section}.{k} ({script})"
            for k in entry["values"]
            if f'"{k}"' not in sources[script] and f"{k}=" not in sources[script]
        ]
    assert not missing, f"figures no benchmark writes: {missing}"


# ------------------------------------------------------------------------------ defaults


def _render(value, defaults: dict, depth: int = 5):
    """A default that is only other defaults ("{{ offline_images_state_dir }}/images.json"), filled in."""
    if not isinstance(value, str) or depth == 0:
        return value

    def fill(match: re.Match) -> str:
        other = defaults.get(match.group(1))
        return str(_render(other, defaults, depth - 1)) if isinstance(other, (str, int)) else match.group(0)

    return re.sub(r"\{\{\s*([a-z_]+)\s*\}\}", fill, value)


def _role_defaults() -> dict:
    defaults = {}
    for path in sorted(COLLECTION.glob("roles/*/defaults/main.yml")):
        defaults.update(yaml.safe_load(path.read_text()) or {})
    return {name: _render(value, defaults) for name, value in defaults.items()}


def _lookup(mapping: dict, dotted: str):
    name, *keys = dotted.split(".")
    if name not in mapping:
        raise KeyError(name)
    value = mapping[name]
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            raise KeyError(dotted)
        value = value[key]
    return value


def _same(stated, actual) -> bool:
    return stated == actual or str(stated).lower() == str(actual).lower()


VAR = r"((?:" + "|".join(ROLE_PREFIXES) + r")_[a-z0-9_]*[a-z0-9](?:\.[a-z0-9_]+)*)"
# What a role defaults to: "`var` (default `value`)", "`var` defaults to `value`",
# "`var: value` (the default)", "`var: value` by default".
STATED_DEFAULT = re.compile(r"`" + VAR + r"`[^`.;]{0,20}?\bdefaults? (?:is |to )?`([^`]+)`")
INLINE_DEFAULT = re.compile(r"`" + VAR + r": ([^`]+)`,? (?:\(the default|\(default\)|by default)")
# What an environment sets: "dev sets `var: value`", "prod sets `var: value`".
INVENTORY_SETTING = re.compile(r"\b(dev|stage|prod) sets `" + VAR + r": ([^`]+)`")


def _claims() -> list[tuple[str, str, str, str]]:
    found = []
    for guide in GUIDES:
        text = " ".join(prose(guide.read_text()).split())  # a claim may wrap across lines
        found += [(rel(guide), "default", n, v) for n, v in STATED_DEFAULT.findall(text)]
        found += [(rel(guide), "default", n, v) for n, v in INLINE_DEFAULT.findall(text)]
        found += [(rel(guide), env, n, v) for env, n, v in INVENTORY_SETTING.findall(text)]
    return found


def test_guides_state_values_to_check():
    claims = _claims()
    kinds = {kind for _g, kind, _n, _v in claims}
    assert len(claims) >= 10 and "default" in kinds and kinds - {"default"}, claims


def _inventory(env: str) -> dict:
    values: dict = {}
    for path in sorted((ROOT / "inventories" / env / "group_vars" / "all").glob("*.yml")):
        if not path.name.startswith("vault"):
            values.update(yaml.safe_load(path.read_text()) or {})
    return values


@pytest.mark.parametrize("guide, kind, name, stated", _claims(), ids=lambda v: str(v))
def test_stated_value_is_the_code(guide, kind, name, stated):
    stated_value = yaml.safe_load(stated)
    if kind == "default":
        try:
            actual = _lookup(_role_defaults(), name)
        except KeyError:
            pytest.fail(f"{guide}: {name} has no default in any role's defaults/main.yml")
        assert _same(stated_value, actual), f"{guide} says {name} defaults to {stated!r}; the role has {actual!r}"
        return
    # An environment's value: its inventory's, else the role's default it keeps.
    try:
        actual = _lookup(_inventory(kind), name)
        where = f"inventories/{kind}"
    except KeyError:
        actual, where = _lookup(_role_defaults(), name), "the role's default (the inventory does not set it)"
    assert _same(stated_value, actual), f"{guide} says {kind} sets `{name}: {stated}`; {where} has {actual!r}"


# ------------------------------------------------------------------------------ paths

TOP_DIRS = (
    "app",
    "benchmarks",
    "collections",
    "docker",
    "docs",
    "inventories",
    "molecule",
    "playbooks",
    "scripts",
    "tests",
)
INLINE_PATH = re.compile(r"`((?:" + "|".join(TOP_DIRS) + r"|roles|plugins)/[\w./-]*[\w/])`")


def _resolve(path: str) -> Path:
    """The repository's file, else the collection's (roles/, plugins/, tests/unit/ are named from there)."""
    if path.startswith(("roles/", "plugins/")) or (not (ROOT / path).exists() and (COLLECTION / path).exists()):
        return COLLECTION / path
    return ROOT / path


def _named_paths() -> list[tuple[str, str]]:
    return [(rel(g), p) for g in GUIDES for p in INLINE_PATH.findall(prose(g.read_text()))]


def test_named_paths_exist():
    named = _named_paths()
    assert len(named) >= 20, named
    # Files the code generates (git-ignored, e.g. docker/secrets/dev/) exist only after a run.
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin"],  # noqa: S607
        input="\n".join(str(_resolve(p).relative_to(ROOT)) for _g, p in named),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    ).stdout.split()
    missing = sorted({f"{g}: {p}" for g, p in named if not _resolve(p).exists() and p.rstrip("/") not in ignored})
    assert not missing, f"files the guides name that do not exist: {missing}"


# ------------------------------------------------------------------------------ lists


def test_every_plugin_is_listed():
    modules = [p.stem for p in sorted((COLLECTION / "plugins" / "modules").glob("*.py"))]
    # A filter file holds several filters, each documented by a <name>.yml beside it.
    filters = [p.stem for p in sorted((COLLECTION / "plugins" / "filter").glob("*.yml"))]
    files = [p.name for p in sorted((COLLECTION / "plugins" / "filter").glob("*.py"))]
    assert modules and filters, "no plugins found: the test would pass vacuously"
    lists = {"README.md": modules + files, "docs/architecture.md": modules + filters}
    for guide, names in lists.items():
        text = (ROOT / guide).read_text()
        missing = [name for name in names if f"`{name}`" not in text]
        assert not missing, f"{guide} does not list {missing}"


def test_named_scenarios_exist():
    scenarios = {p.name for p in (ROOT / "molecule").iterdir() if (p / "molecule.yml").exists()}
    named = {
        (rel(g), s)
        for g in GUIDES
        for s in re.findall(r"(?:\bmolecule/([a-z_]+)/|molecule test -s ([a-z_]+))", g.read_text())
        for s in s
        if s
    }
    unknown = sorted(f"{g}: {s}" for g, s in named if s not in scenarios)
    assert not unknown, f"Molecule scenarios that do not exist: {unknown}"

"""The guides' commands, links and names against the code.

- every ```sh / ```bash block of docs/*.md and README.md parses (`bash -n`);
- the blocks marked `<!-- run -->` on the line before the fence (read-only
  commands: make help, syntax checks, ansible-doc, docker compose config) run
  from the repository root and exit 0;
- every `make` target, playbook and inventory named in a block exists;
- every role variable a guide names (docker_engine_*, compose_*, ...) exists
  in the code, so a renamed variable breaks this test rather than a reader;
- every relative link (and #anchor) between the guides resolves.

Run: .venv/bin/python -m pytest -q tests/docs
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDES = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
FENCE = re.compile(r"^```([A-Za-z]*)\s*$")
RUN_MARK = "<!-- run -->"
BASH = shutil.which("bash") or "/bin/bash"
CODE_SUFFIXES = (".yml", ".yaml", ".py", ".j2", ".sh", "")
ROLE_PREFIXES = ("docker_engine", "offline_images", "compose", "image_build", "registry", "deploy", "swarm", "backup")
# Where names a guide may mention are defined or used (never the guides themselves).
CODE_DIRS = ("collections", "inventories", "playbooks", "molecule", "scripts", "benchmarks", "tests/compose")
CODE_FILES = ("Makefile", "deploy.yml", "ansible.cfg")


@dataclass
class Block:
    path: Path
    line: int
    lang: str
    text: str
    run: bool

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def _blocks(path: Path) -> list[Block]:
    blocks, lines = [], path.read_text().splitlines()
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        start, lang = i, match.group(1)
        end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("```")), None)
        assert end is not None, f"{path.relative_to(ROOT)}:{start + 1}: fence never closed"
        previous = next((lines[j].strip() for j in range(start - 1, -1, -1) if lines[j].strip()), "")
        blocks.append(Block(path, start + 1, lang, "\n".join(lines[start + 1 : end]) + "\n", previous == RUN_MARK))
        i = end + 1
    return blocks


ALL_BLOCKS = [b for guide in GUIDES for b in _blocks(guide)]
SHELL_BLOCKS = [b for b in ALL_BLOCKS if b.lang in ("sh", "bash")]
RUN_BLOCKS = [b for b in SHELL_BLOCKS if b.run]


def test_the_guides_have_commands_to_check():
    # A parser that finds nothing would make every other test pass vacuously.
    assert len(SHELL_BLOCKS) >= 30, [b.id for b in SHELL_BLOCKS]
    assert len(RUN_BLOCKS) >= 8, [b.id for b in RUN_BLOCKS]
    marked = [b.id for b in ALL_BLOCKS if b.run and b.lang not in ("sh", "bash")]
    assert not marked, f"<!-- run --> marks a block that is not sh/bash: {marked}"


@pytest.mark.parametrize("block", SHELL_BLOCKS, ids=lambda b: b.id)
def test_block_parses(block):
    result = subprocess.run([BASH, "-n"], input=block.text, capture_output=True, text=True, check=False)  # noqa: S603
    assert result.returncode == 0, f"{block.id}: bash -n failed:\n{result.stderr}\n{block.text}"


def _docker_compose_works() -> bool:
    if not shutil.which("docker"):
        return False
    probe = subprocess.run([shutil.which("docker"), "compose", "version"], capture_output=True, check=False)  # noqa: S603
    return probe.returncode == 0


@pytest.mark.parametrize("block", RUN_BLOCKS, ids=lambda b: b.id)
def test_marked_block_runs(block):
    if "docker " in block.text and not _docker_compose_works():
        pytest.skip("needs the docker CLI with the compose plugin")
    # The guides' own commands, marked safe to run by their author (read-only).
    result = subprocess.run(  # noqa: S603
        [BASH, "-euo", "pipefail", "-c", block.text],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, (
        f"{block.id} exited {result.returncode}:\n{block.text}\n"
        f"stdout:\n{result.stdout[-2000:]}\nstderr:\n{result.stderr[-2000:]}"
    )


def _make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(), flags=re.M))


def test_make_targets_exist():
    targets = _make_targets()
    missing = [
        f"{b.id}: make {name}"
        for b in SHELL_BLOCKS
        for name in re.findall(r"(?:^|[;&|(]\s*|\s)make\s+([a-z][a-z-]*)", b.text, flags=re.M)
        if name not in targets
    ]
    assert not missing, f"targets not in the Makefile: {missing}"


PATH_PATTERN = re.compile(
    r"(?<![\w/.-])((?:playbooks/[\w.-]+\.yml)|(?:inventories/[a-z]+)|deploy\.yml|(?:benchmarks/[\w.-]+)"
    r"|(?:tests/vault/[\w.-]+)|(?:docker/docker-compose\.[a-z]+\.yml)|(?:scripts/[\w.-]+))"
)


def test_named_files_exist():
    missing = [f"{b.id}: {p}" for b in ALL_BLOCKS for p in PATH_PATTERN.findall(b.text) if not (ROOT / p).exists()]
    assert not missing, f"paths named in commands do not exist: {missing}"


def _code_words() -> set[str]:
    words: set[str] = set()
    files = [ROOT / f for f in CODE_FILES]
    for d in CODE_DIRS:
        files += [p for p in (ROOT / d).rglob("*") if p.is_file() and p.suffix in CODE_SUFFIXES]
    for f in files:
        try:
            words.update(re.findall(r"[A-Za-z0-9_]+", f.read_text(errors="ignore")))
        except OSError:
            continue
    return words


VARIABLE = re.compile(r"(?<![\w.-])((?:" + "|".join(ROLE_PREFIXES) + r")_[a-z0-9_]*[a-z0-9])\b")


def test_named_variables_exist():
    words = _code_words()
    unknown = sorted(
        {
            f"{guide.relative_to(ROOT)}: {name}"
            for guide in GUIDES
            if guide.parent.name == "docs"
            for name in VARIABLE.findall(guide.read_text())
            if name not in words
        }
    )
    assert not unknown, f"names in the guides that the code does not know: {unknown}"


def _anchors(path: Path) -> set[str]:
    text = path.read_text()
    anchors = set(re.findall(r'<a id="([^"]+)"', text))
    for heading in re.findall(r"^#+\s+(.*)$", text, flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", "")).replace(" ", "-")
        anchors.add(slug)
    return anchors


def test_links_resolve():
    broken = []
    for guide in GUIDES:
        for target in re.findall(r"\]\(([^)\s]+)\)", guide.read_text()):
            if re.match(r"^[a-z]+:", target):
                continue
            file_part, _, anchor = target.partition("#")
            dest = (guide.parent / file_part).resolve() if file_part else guide
            if not dest.exists():
                broken.append(f"{guide.relative_to(ROOT)}: {target} (no such file)")
            elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
                broken.append(f"{guide.relative_to(ROOT)}: {target} (no such anchor)")
    assert not broken, broken

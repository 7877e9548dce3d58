#!/usr/bin/env python3
"""Write docs/reference/ from the collection's own metadata, so it cannot drift.

Roles: meta/argument_specs.yml of every role. Modules: the DOCUMENTATION
string of every module, with the options of the collection's own doc fragments
it extends, and of every lookup plugin. Filter and test plugins: each plugin
file's filters (tests) with their documentation (a DOCUMENTATION YAML next to
the plugin, as ansible-doc reads it, or else the function's docstring). `make reference` writes the pages;
`--check` fails (exit 1) when a committed page differs from what the code says.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import importlib
import inspect
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COLLECTION = ROOT / "collections/ansible_collections/assistant/containers"
OUT = ROOT / "docs/reference"
OWN_FRAGMENT = "assistant.containers."
# Plugin directory -> (page title, class name, method listing the plugins).
JINJA_PLUGINS = {"filter": ("Filter", "FilterModule", "filters"), "test": ("Test", "TestModule", "tests")}


def _cell(value) -> str:
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    text = " ".join(str(value).split()) if value is not None else ""
    # Ansible's markup: L(text,url), U(url); C(code), V(value), O(option), RV(return value), E(environment
    # variable), M(module), I(italic), B(bold) as code.
    text = re.sub(r"\bL\(([^(),]*),\s*([^()]*)\)", r"[\1](\2)", text)
    text = re.sub(r"\bU\(([^()]*)\)", r"<\1>", text)
    text = re.sub(r"\b(?:RV|[CVOMIBE])\(([^()]*)\)", r"`\1`", text)
    return text.replace("|", "\\|")


def _default(option: dict) -> str:
    if "default" not in option:
        return "required" if option.get("required") else ""
    return (
        "`"
        + yaml.safe_dump(option["default"], default_flow_style=True, width=10_000).strip().removesuffix("...").strip()
        + "`"
    )


def _options_table(options: dict, prefix: str = "") -> list[str]:
    rows = []
    for name, option in sorted(options.items()):
        kind = option.get("type", "str")
        if option.get("elements"):
            kind += f" of {option['elements']}"
        choices = f" Choices: {', '.join(f'`{c}`' for c in option['choices'])}." if option.get("choices") else ""
        rows.append(f"| `{prefix}{name}` | {kind} | {_default(option)} | {_cell(option.get('description'))}{choices} |")
        if option.get("suboptions"):
            rows.extend(_options_table(option["suboptions"], prefix=f"{prefix}{name}."))
    return rows


def _table(options: dict) -> list[str]:
    return ["| option | type | default | description |", "| --- | --- | --- | --- |", *_options_table(options)]


def role_page(role: Path) -> str:
    specs = yaml.safe_load((role / "meta/argument_specs.yml").read_text())["argument_specs"]
    lines = [
        f"# Role `assistant.containers.{role.name}`",
        "",
        "Generated from `meta/argument_specs.yml` by `make reference`; do not edit.",
        "",
    ]
    for entry, spec in specs.items():
        title = "main entry point" if entry == "main" else f"entry point `{entry}` (`tasks_from: {entry}`)"
        lines += [f"## {title}", "", _cell(spec.get("short_description")), ""]
        for paragraph in spec.get("description", []) if isinstance(spec.get("description"), list) else []:
            lines += [_cell(paragraph), ""]
        lines += [*_table(spec.get("options", {})), ""]
    return "\n".join(lines).rstrip() + "\n"


class DocumentationError(Exception):
    """Documentation that cannot be turned into a page; the message names the file."""


def _yaml(text: str, where: Path | str):
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DocumentationError(f"{where}: its documentation is not valid YAML: {exc}") from None


def _assigned_string(tree: ast.AST, name: str) -> str | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == name for t in node.targets):
            return node.value.value
    return None


def fragment_doc(fragment: str) -> dict:
    """The documentation of one of this collection's doc fragments (assistant.containers.NAME[.VARIANT])."""
    name, _, variant = fragment.removeprefix(OWN_FRAGMENT).partition(".")
    tree = ast.parse((COLLECTION / "plugins/doc_fragments" / f"{name}.py").read_text())
    return _yaml(_assigned_string(tree, (variant or "documentation").upper()), f"doc fragment {fragment}") or {}


def module_page(module: Path, kind: str = "module") -> str:
    doc = _assigned_string(ast.parse(module.read_text()), "DOCUMENTATION")
    if not doc:
        raise DocumentationError(f"{module.relative_to(ROOT)}: no DOCUMENTATION")
    spec = _yaml(doc, module.relative_to(ROOT))
    lines = [
        f"# {kind.capitalize()} `assistant.containers.{spec.get('module') or spec['name']}`",
        "",
        f"Generated from the {kind}'s `DOCUMENTATION` by `make reference`; do not edit.",
        "",
    ]
    lines += [_cell(spec.get("short_description")), ""]
    for paragraph in spec.get("description", []):
        lines += [f"- {_cell(paragraph)}"]
    lines += ["", "## Options", "", *_table(spec.get("options", {})), ""]
    fragments = spec.get("extends_documentation_fragment") or []
    requirements = list(spec.get("requirements") or [])
    notes = list(spec.get("notes") or [])
    for fragment in fragments:
        if not fragment.startswith(OWN_FRAGMENT):
            lines += [f"Also takes the options of the documentation fragment `{fragment}`.", ""]
            continue
        doc = fragment_doc(fragment)
        requirements += doc.get("requirements") or []
        notes += doc.get("notes") or []
        options = {k: v for k, v in (doc.get("options") or {}).items() if k not in spec.get("options", {})}
        if options:
            lines += [f"## Options from `{fragment}`", "", *_table(options), ""]
    if requirements:
        lines += ["## Requirements", "", *[f"- {_cell(r)}" for r in requirements], ""]
    if notes:
        lines += ["## Notes", "", *[f"- {_cell(n)}" for n in notes], ""]
    return "\n".join(lines).rstrip() + "\n"


def _jinja_plugin_doc(path: Path, name: str, function) -> dict:
    """A filter's or test's documentation: <name>.yml next to the plugin (ansible-doc's place) or its docstring."""
    sidecar = path.parent / f"{name}.yml"
    if sidecar.is_file():
        return (_yaml(sidecar.read_text(), sidecar.relative_to(ROOT)) or {}).get("DOCUMENTATION") or {}
    docstring = inspect.getdoc(function) or ""
    if not docstring:
        raise DocumentationError(
            f"{path.relative_to(ROOT)}: {name} has no documentation; write {sidecar.name} beside it "
            "(DOCUMENTATION, as ansible-doc reads it) or give the function a docstring"
        )
    summary, _, rest = docstring.partition("\n\n")
    return {"short_description": summary, "description": [p for p in rest.split("\n\n") if p.strip()]}


def jinja_plugin_page(path: Path, kind: str) -> str:
    title, class_name, method = JINJA_PLUGINS[kind]
    if str(ROOT / "collections") not in sys.path:
        sys.path.insert(0, str(ROOT / "collections"))
    plugin = importlib.import_module(f"ansible_collections.assistant.containers.plugins.{kind}.{path.stem}")
    functions = getattr(getattr(plugin, class_name)(), method)()
    lines = [
        f"# {title} plugins in `plugins/{kind}/{path.name}`",
        "",
        f"Generated from the {kind} plugins' documentation by `make reference`; do not edit.",
        "",
    ]
    for name, function in sorted(functions.items()):
        doc = _jinja_plugin_doc(path, name, function)
        lines += [f"## `assistant.containers.{name}`", "", _cell(doc.get("short_description")), ""]
        description = doc.get("description") or []
        for paragraph in description if isinstance(description, list) else [description]:
            lines += [f"- {_cell(paragraph)}"]
        if description:
            lines += [""]
        if doc.get("options"):
            lines += [*_table(doc["options"]), ""]
    return "\n".join(lines).rstrip() + "\n"


def pages() -> dict[Path, str]:
    out = {}
    for role in sorted((COLLECTION / "roles").iterdir()):
        if (role / "meta/argument_specs.yml").is_file():
            out[OUT / "roles" / f"{role.name}.md"] = role_page(role)
    for module in sorted((COLLECTION / "plugins/modules").glob("*.py")):
        if module.name != "__init__.py":
            out[OUT / "modules" / f"{module.stem}.md"] = module_page(module)
    for lookup in sorted((COLLECTION / "plugins/lookup").glob("*.py")):
        if lookup.name != "__init__.py":
            out[OUT / "lookups" / f"{lookup.stem}.md"] = module_page(lookup, "lookup")
    for kind in JINJA_PLUGINS:
        for plugin in sorted((COLLECTION / "plugins" / kind).glob("*.py")):
            if plugin.name != "__init__.py":
                out[OUT / f"{kind}s" / f"{plugin.stem}.md"] = jinja_plugin_page(plugin, kind)
    index = ["# Reference", "", "Generated by `make reference`; do not edit.", ""]
    index += [f"- [{path.stem}]({path.relative_to(OUT)})" for path in sorted(out)]
    out[OUT / "README.md"] = "\n".join(index) + "\n"
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when a committed page differs from the code")
    args = parser.parse_args()
    try:
        expected = pages()
    except DocumentationError as exc:
        print(f"gen-reference: {exc}", file=sys.stderr)
        return 1
    present = set(OUT.rglob("*.md")) if OUT.exists() else set()
    if args.check:
        drift = []
        for path, text in expected.items():
            old = path.read_text() if path.exists() else ""
            if old != text:
                drift.append(path)
                sys.stdout.writelines(
                    difflib.unified_diff(old.splitlines(True), text.splitlines(True), str(path), "generated")
                )
        drift += sorted(present - set(expected))
        if drift:
            print(
                f"\n{len(drift)} reference page(s) differ from the code: run `make reference` and commit.",
                file=sys.stderr,
            )
            return 1
        print(f"{len(expected)} reference pages match the code.")
        return 0
    for stale in present - set(expected):
        stale.unlink()
    for path, text in expected.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    print(f"wrote {len(expected)} pages under {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

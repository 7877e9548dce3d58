#!/usr/bin/python
#
# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: image_build_info

short_description: Read what an image build depends on, and the images its tags name now

version_added: 0.1.0

description:
  - Reads, in one call, what the image_build role needs before it builds, without changing anything.
  - The build inputs (they must exist), the gate tools, the version in C(pyproject.toml), the last git commit that
    changed the build inputs (and whether they have uncommitted changes), the base image's ID, whether the CA bundle
    exists, the last gated build's record.
  - A digest of the build context as Docker sends it (the files the Dockerfile's C(.dockerignore) lets through, their
    paths and contents) and of the Dockerfile, so that the role builds only when one of them changed.
  - The image's tags (C(<version>), C(<revision>), C(<environment>)) and the image ID, size and labels each of them
    names now.

extends_documentation_fragment:
  - assistant.containers.docker
  - assistant.containers.attributes
  - assistant.containers.attributes.actiongroup_docker
  - assistant.containers.attributes.info_module

options:
  context:
    description:
      - The build context directory.
    type: path
    required: true
  dockerfile:
    description:
      - The Dockerfile. C(<dockerfile>.dockerignore) next to it is used when present, else C(.dockerignore) in
        O(context), as BuildKit does.
    type: path
    required: true
  inputs:
    description:
      - Files that must exist; each is returned with its SHA-1 checksum (as M(ansible.builtin.stat) gives it).
    type: list
    elements: path
    default: []
  pyproject:
    description:
      - The C(pyproject.toml) whose C([project]) table gives the version. Empty means C(<context>/pyproject.toml).
    type: path
  project_dir:
    description:
      - The git repository that holds the build inputs.
    type: path
    required: true
  git_paths:
    description:
      - The paths whose last commit gives the revision and the creation time. Empty means O(context) and O(dockerfile)
        with its C(.dockerignore).
    type: list
    elements: path
    default: []
  tools_dir:
    description:
      - The directory that holds O(tools).
    type: path
  tools:
    description:
      - Executables that must exist in O(tools_dir).
    type: list
    elements: str
    default: []
  base_image:
    description:
      - The base image; its ID is returned (null when it is not on the Docker host).
    type: str
    required: true
  repository:
    description:
      - The image's repository; it is tagged C(<version>), C(<revision>) (C(-dirty) when the inputs have uncommitted
        changes) and C(<environment>).
    type: str
    required: true
  environment:
    description:
      - The environment tag.
    type: str
    required: true
  ca_bundle:
    description:
      - The CA bundle to pass to the build; only whether it exists is returned.
    type: path
  record:
    description:
      - The last gated build's record (JSON); its content and mode are returned.
    type: path

requirements:
  - git on the target

author:
  - Personal Assistant platform team (@assistant-platform)

seealso:
  - module: community.docker.docker_image_build
  - module: community.docker.docker_image_info
"""

EXAMPLES = r"""
---
- name: Read the build's inputs and the current images
  assistant.containers.image_build_info:
    context: "{{ playbook_dir }}/../app"
    dockerfile: "{{ playbook_dir }}/../docker/Dockerfile"
    project_dir: "{{ playbook_dir }}/.."
    inputs: ["{{ playbook_dir }}/../docker/Dockerfile"]
    base_image: python:3.13-slim-trixie
    repository: assistant/app
    environment: dev
  register: __info
"""

RETURN = r"""
inputs:
  description: Each of O(inputs) with whether it exists and its SHA-1 checksum (null when it is not a file).
  returned: always
  type: list
  elements: dict
  sample: [{"path": "/src/docker/Dockerfile", "exists": true, "checksum": "0a1b..."}]
missing_tools:
  description: The names of O(tools) not found in O(tools_dir).
  returned: always
  type: list
  elements: str
  sample: []
version:
  description: The version in the C([project]) table of the C(pyproject.toml) ("" when absent).
  returned: always
  type: str
  sample: 0.1.0
git:
  description:
    - The last commit that changed O(git_paths) (C(revision), C(created), C(source_date_epoch)) and C(dirty), whether
      they have uncommitted changes; or C(error) when git found none.
  returned: always
  type: dict
  sample: {"revision": "3c48076", "created": "2026-12-01T10:00:00+00:00", "source_date_epoch": "1796119200",
           "dirty": false}
base:
  description: The base image's reference and ID (null when it is not on the Docker host).
  returned: always
  type: dict
  sample: {"ref": "python:3.13-slim-trixie", "id": "sha256:..."}
context_digest:
  description: SHA-256 over the context's files that the build would send (paths and contents) and the Dockerfile.
  returned: always
  type: str
  sample: 9c1d...
result:
  description:
    - The image's repository, version, revision, environment, created time (the commit's), source_date_epoch, tags,
      refs (C(repository:tag)) and base image; empty when git found no commit (see RV(git)).
  returned: always
  type: dict
  sample: {"repository": "assistant/app", "version": "0.1.0", "revision": "3c48076", "environment": "dev",
           "tags": ["0.1.0", "3c48076", "dev"], "refs": ["assistant/app:0.1.0", "assistant/app:3c48076",
           "assistant/app:dev"], "base_image": "python:3.13-slim-trixie"}
images:
  description: The image each ref of RV(result) names now (refs that name none are left out), with ID, size, labels.
  returned: always
  type: dict
  sample: {"assistant/app:dev": {"id": "sha256:...", "size": 180000000, "labels": {}}}
ca_bundle:
  description: Whether O(ca_bundle) exists.
  returned: always
  type: bool
  sample: true
record:
  description: The last gated build (C(data), null when absent or not JSON) and the file's mode (C(mode)).
  returned: always
  type: dict
  sample: {"data": null, "mode": null}
"""

import hashlib
import json
import os
import traceback

from ansible.module_utils.common.text.converters import to_native
from ansible_collections.assistant.containers.plugins.module_utils.digests import combined_digest, tree_digests
from ansible_collections.assistant.containers.plugins.module_utils.docker_client import (
    AnsibleDockerClient,
    DockerException,
    NotFound,
    RequestException,
)
from ansible_collections.assistant.containers.plugins.module_utils.image_build import (
    image_result,
    parse_git_log,
    pyproject_version,
)

try:
    from docker.utils.build import exclude_paths
except ImportError:  # the SDK is missing: AnsibleDockerClient fails the task before this is needed
    exclude_paths = None


def _read(path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def _inputs(paths):
    found = []
    for path in paths:
        content = _read(path) if os.path.isfile(path) else None
        checksum = hashlib.sha1(content).hexdigest() if content is not None else None  # noqa: S324 (stat's checksum)
        found.append({"path": path, "exists": os.path.exists(path), "checksum": checksum})
    return found


def _ignore_patterns(context, dockerfile):
    """The .dockerignore patterns BuildKit applies: <Dockerfile>.dockerignore, else <context>/.dockerignore."""
    for path in (dockerfile + ".dockerignore", os.path.join(context, ".dockerignore")):
        content = _read(path)
        if content is not None:
            lines = content.decode("utf-8", "replace").splitlines()
            return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return []


def _context_digest(context, dockerfile):
    included = [p for p in exclude_paths(context, _ignore_patterns(context, dockerfile)) if p != "."]
    files = tree_digests(context, included)
    parts = {"file " + name: value for name, value in files.items()}
    parts["dockerfile"] = hashlib.sha256(_read(dockerfile) or b"").hexdigest()
    parts["dockerignore"] = "\n".join(_ignore_patterns(context, dockerfile))
    return combined_digest(parts)


def _git(module, project_dir, paths):
    rc, out, err = module.run_command(
        ["git", "-C", project_dir, "log", "-1", "--format=%h%n%cI%n%ct", "--", *paths], environ_update={"LC_ALL": "C"}
    )
    found = parse_git_log(out) if rc == 0 else None
    if not found:
        return {"error": (err.strip() or "no commit touches " + ", ".join(paths))[-500:]}
    rc, out, err = module.run_command(["git", "-C", project_dir, "status", "--porcelain", "--", *paths])
    if rc != 0:
        return {"error": err.strip()[-500:]}
    return {**found, "dirty": bool(out.strip())}


def _record(path):
    if not path:
        return {"data": None, "mode": None}
    content = _read(path)
    if content is None:
        return {"data": None, "mode": None}
    try:
        data = json.loads(content)
    except ValueError:
        data = None
    return {"data": data, "mode": f"{os.stat(path).st_mode & 0o7777:04o}"}


def _image(api, ref):
    try:
        found = api.inspect_image(ref)
    except NotFound:
        return None
    labels = dict((found.get("Config") or {}).get("Labels") or {})
    return {"id": found["Id"], "size": found.get("Size"), "labels": labels}


def main():
    client = AnsibleDockerClient(
        argument_spec=dict(
            context=dict(type="path", required=True),
            dockerfile=dict(type="path", required=True),
            inputs=dict(type="list", elements="path", default=[]),
            pyproject=dict(type="path"),
            project_dir=dict(type="path", required=True),
            git_paths=dict(type="list", elements="path", default=[]),
            tools_dir=dict(type="path"),
            tools=dict(type="list", elements="str", default=[]),
            base_image=dict(type="str", required=True),
            repository=dict(type="str", required=True),
            environment=dict(type="str", required=True),
            ca_bundle=dict(type="path"),
            record=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    module, api = client.module, client.api
    p = module.params
    context, dockerfile = p["context"], p["dockerfile"]
    git_paths = p["git_paths"] or [context, dockerfile, dockerfile + ".dockerignore"]
    result = {
        "changed": False,
        "inputs": _inputs(p["inputs"]),
        "missing_tools": [t for t in p["tools"] if not os.path.exists(os.path.join(p["tools_dir"] or "", t))],
        "version": pyproject_version(
            (_read(p["pyproject"] or os.path.join(context, "pyproject.toml")) or b"").decode("utf-8", "replace")
        ),
        "git": _git(module, p["project_dir"], git_paths),
        "context_digest": _context_digest(context, dockerfile) if os.path.isdir(context) else "",
        "ca_bundle": bool(p["ca_bundle"]) and os.path.exists(p["ca_bundle"]),
        "record": _record(p["record"]),
    }
    git = result["git"]
    result["result"] = (
        {}
        if "error" in git
        else image_result(p["repository"], result["version"], git, p["environment"], p["base_image"])
    )
    try:
        result["base"] = {"ref": p["base_image"], "id": (_image(api, p["base_image"]) or {}).get("id")}
        images = {}
        for ref in result["result"].get("refs", []):
            found = _image(api, ref)
            if found:
                images[ref] = found
        result["images"] = images
    except (DockerException, RequestException) as exc:
        client.fail(
            f"The Docker engine at {p['docker_host']} did not answer as expected: {to_native(exc)}. "
            "Check that it runs (make engine) and that docker_host names it.",
            exception=traceback.format_exc(),
        )
    finally:
        api.close()
    module.exit_json(**result)


if __name__ == "__main__":
    main()

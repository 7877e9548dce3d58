#!/usr/bin/python
#
# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: image_budget_info

short_description: Check a local Docker image against a size and content budget

version_added: 0.1.0

description:
  - Inspects a local image through the Docker API and reports its total size, its size above a named base image,
    its layer count, user, exposed ports, health check and labels, and which forbidden tools (by default pip,
    setuptools, wheel, uv and C compilers) it contains.
  - Compares those facts with a budget and returns every violation, each with what was expected and what was found.
  - Fails when there is at least one violation, unless O(report_only=true).
  - To look for forbidden paths the module creates a container from the image without starting it, streams its
    file system through the export endpoint and removes the container again. Nothing of it remains afterwards.

extends_documentation_fragment:
  - assistant.containers.docker
  - assistant.containers.attributes
  - assistant.containers.attributes.actiongroup_docker
  - assistant.containers.attributes.info_module

options:
  name:
    description:
      - The image to check, as V(name:tag), V(name@digest) or an image ID. It must be present on the Docker host.
    type: str
    required: true
  base_image:
    description:
      - The image O(name) is built on. Its layers must be the first layers of O(name).
      - Needed for O(max_size_above_base); without it no size above base is reported.
    type: str
  max_size:
    description:
      - Largest allowed total image size.
      - A number of bytes or a number with a unit. V(kB), V(MB), V(GB), V(TB) are powers of 1000 (as C(docker images)
        prints sizes); V(KiB), V(MiB), V(GiB), V(TiB) are powers of 1024. For example V(200MB) or V(1.5GiB).
      - A malformed value is an error.
    type: str
  max_size_above_base:
    description:
      - Largest allowed size the image adds on top of O(base_image), in the same units as O(max_size).
    type: str
  required_labels:
    description:
      - Labels the image must carry, as V(key) (set and not empty) or V(key=value) (exactly this value).
    type: list
    elements: str
    default: []
  non_root:
    description:
      - Require the image's user to be something other than root (UID 0).
      - A user name is looked up in the image's C(/etc/passwd); a name that is not found is a violation.
    type: bool
    default: false
  healthcheck_required:
    description:
      - Require the image to define a health check.
    type: bool
    default: false
  forbidden:
    description:
      - Tools that must not be present in the image, each with the paths that reveal it.
      - When not given, the built-in list is used. It finds V(pip), V(setuptools), V(wheel) and V(uv) as executables
        in any C(bin) directory and as packages in any C(site-packages) or C(dist-packages) directory (any Python
        version, system or virtual environment), pip, setuptools and wheel wheels in C(/usr/share/python-wheels) and
        C(ensurepip), and the C compilers V(gcc) (C(gcc), C(g++), C(cc1)) and V(cc) (C(cc), C(c++), C(c89), C(c99),
        C(clang), C(tcc)).
      - Set to V([]) to skip the file system scan.
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - Name of the tool, as reported in violations.
        type: str
        required: true
      paths:
        description:
          - Absolute glob patterns. V(*) and V(?) match within one path segment, V([...]) a character class,
            and a V(**) segment any number of directories, as in V(/**/bin/pip).
        type: list
        elements: str
        required: true
  report_only:
    description:
      - Only report violations in RV(violations) and do not fail.
    type: bool
    default: false

requirements:
  - "Docker API >= 1.25"

notes:
  - The forbidden-path scan reads the whole file system of the image once; on a 200 MB image that takes a second
    or two on a local engine.

author:
  - Personal Assistant platform team (@assistant-platform)

seealso:
  - module: community.docker.docker_image_info
  - module: assistant.containers.stack_health_info
"""

EXAMPLES = r"""
---
- name: Check the API image against its budget
  assistant.containers.image_budget_info:
    name: assistant/app:1.4.0
    base_image: assistant/python:3.13-slim-trixie
    max_size: 250MB
    max_size_above_base: 120MB
    required_labels:
      - org.opencontainers.image.version
      - org.opencontainers.image.revision
    non_root: true
    healthcheck_required: true

- name: Only report, with an extra forbidden tool next to pip
  assistant.containers.image_budget_info:
    name: assistant/app:1.4.0
    max_size: 1.5GiB
    report_only: true
    forbidden:
      - name: pip
        paths:
          - /**/bin/pip
          - /**/site-packages/pip
      - name: curl
        paths:
          - /**/bin/curl
  register: __budget

- name: Show what is over budget
  ansible.builtin.debug:
    msg: "{{ __budget.violations | map(attribute='message') | list }}"
"""

RETURN = r"""
passed:
  description: Whether the image is within its budget (no violation).
  returned: success
  type: bool
  sample: false
violations:
  description: Every way the image breaks its budget. Empty when it passes.
  returned: always
  type: list
  elements: dict
  contains:
    check:
      description: >-
        The budget item: V(max_size), V(max_size_above_base), V(base_image), V(required_labels), V(non_root),
        V(healthcheck_required) or V(forbidden).
      type: str
      sample: max_size
    expected:
      description: What the budget asks for.
      type: str
      sample: <= 200 MB (200000000 bytes)
    found:
      description: What the image has.
      type: str
      sample: 231.4 MB (231400000 bytes)
    message:
      description: The violation in one sentence, with what to do.
      type: str
      sample: image is 231.4 MB, over the budget of 200 MB by 31.4 MB
  sample:
    - check: forbidden
      expected: no pip in the image
      found: /usr/local/bin/pip
      message: image contains pip (/usr/local/bin/pip); remove it from the runtime stage
image:
  description: Facts about the image.
  returned: success
  type: dict
  contains:
    id:
      description: Image ID.
      type: str
      sample: sha256:3f1c0b6e5e4c...
    tags:
      description: The image's repository tags.
      type: list
      elements: str
      sample: [assistant/app:1.4.0]
    size:
      description: Total size in bytes.
      type: int
      sample: 187300000
    size_human:
      description: Total size in SI units.
      type: str
      sample: 187.3 MB
    size_above_base:
      description: Bytes added on top of O(base_image); V(null) when the base is not an ancestor.
      type: int
      returned: when O(base_image) is set
      sample: 74000000
    size_above_base_human:
      description: RV(image.size_above_base) in SI units.
      type: str
      returned: when O(base_image) is set
      sample: 74 MB
    layers:
      description: Number of file system layers.
      type: int
      sample: 9
    user:
      description: The image's C(USER), empty for root.
      type: str
      sample: "10001"
    exposed_ports:
      description: Exposed ports.
      type: list
      elements: str
      sample: [8000/tcp]
    healthcheck:
      description: The image's health check (V(test), V(interval), V(timeout), V(start_period), V(start_interval),
        V(retries); durations in nanoseconds), or V(null) when it has none.
      type: dict
      sample: {test: [CMD, assistant, healthcheck], interval: 10000000000, retries: 3}
    labels:
      description: The image's labels.
      type: dict
      sample: {org.opencontainers.image.version: 1.4.0}
    base_image:
      description: The base image (V(name), V(id), V(size), V(is_ancestor), V(layers_above_base)), or V(null).
      type: dict
      sample: {name: assistant/python:3.13-slim-trixie, id: sha256:..., size: 113300000, is_ancestor: true,
        layers_above_base: 4}
    forbidden_found:
      description: For each forbidden tool found, the matching paths. V(null) when the scan was skipped.
      type: dict
      sample: {pip: [/usr/local/bin/pip, /usr/local/lib/python3.13/site-packages/pip]}
"""

import io
import tarfile

from ansible.module_utils.common.text.converters import to_native, to_text
from ansible_collections.assistant.containers.plugins.module_utils.docker_client import (
    AnsibleDockerClient,
    DockerException,
    NotFound,
    run_module,
)
from ansible_collections.assistant.containers.plugins.module_utils.image_budget import (
    DEFAULT_FORBIDDEN,
    BudgetError,
    compile_forbidden,
    evaluate_budget,
    find_forbidden,
    image_facts,
    normalize_archive_path,
    parse_required_labels,
    user_is_root,
    violations_message,
)
from ansible_collections.assistant.containers.plugins.module_utils.sizes import SizeError, parse_size

_SCAN_LABEL = "assistant.containers.image_budget_info"
_CHUNK = 1024 * 1024


class _ChunkReader(io.RawIOBase):
    """A read-only file over an iterator of byte chunks, for streaming tarfile reads."""

    def __init__(self, chunks):
        super().__init__()
        self._chunks = iter(chunks)
        self._buffer = b""

    def readable(self):
        return True

    def readinto(self, target):
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


class ImageBudgetChecker:
    def __init__(self, client):
        self.client = client
        params = client.module.params
        self.name = params["name"]
        self.base_name = params["base_image"]
        self.report_only = params["report_only"]
        try:
            self.budget = {
                "max_size": _size(params, "max_size"),
                "max_size_above_base": _size(params, "max_size_above_base"),
                "required_labels": parse_required_labels(params["required_labels"]),
                "non_root": params["non_root"],
                "healthcheck_required": params["healthcheck_required"],
            }
            rules = DEFAULT_FORBIDDEN if params["forbidden"] is None else params["forbidden"]
            self.rules = compile_forbidden(rules)
        except (SizeError, BudgetError) as exc:
            self.fail(to_native(exc))

    def fail(self, msg, **kwargs):
        self.client.fail(msg, **kwargs)

    def _inspect(self, reference, option):
        try:
            return self.client.api.inspect_image(reference)
        except NotFound:
            self.fail(
                f"{option}: expected a local image {reference!r}, found no such image on the Docker host. "
                "Build or load it first (no registry is contacted)."
            )

    def _scan(self, image_id):
        """Return (paths, /etc/passwd text or None) of the image's file system."""
        api = self.client.api
        container = api.create_container(
            image_id,
            # Never started; an entrypoint is only set because images without CMD cannot be created.
            entrypoint=["image-budget-scan"],
            command=[],
            network_disabled=True,
            labels={_SCAN_LABEL: "scan"},
        )
        container_id = container["Id"]
        try:
            chunks = api.export(container_id, chunk_size=_CHUNK)
            paths = []
            passwd = None
            with tarfile.open(fileobj=io.BufferedReader(_ChunkReader(chunks)), mode="r|") as tar:
                for member in tar:
                    path = normalize_archive_path(member.name)
                    paths.append(path)
                    if path == "/etc/passwd" and member.isfile():
                        passwd = to_text(tar.extractfile(member).read(), errors="surrogate_or_replace")
            return paths, passwd
        finally:
            try:
                api.remove_container(container_id, v=True, force=True)
            except DockerException as exc:
                self.client.module.warn(
                    f"Could not remove the scan container {container_id}: {to_native(exc)}. "
                    f"Remove it with: docker rm -f {container_id}"
                )

    def run(self):
        image = self._inspect(self.name, "name")
        base = self._inspect(self.base_name, "base_image") if self.base_name else None
        if self.budget["max_size_above_base"] is not None and base is None:
            self.fail(
                "max_size_above_base: expected base_image to be set too, found no base_image. "
                "Name the image this one is built FROM in base_image."
            )
        facts = image_facts(image, base, self.base_name)

        forbidden_found = None
        passwd = None
        needs_passwd = self.budget["non_root"] and user_is_root(facts["user"]) is None
        if self.rules or needs_passwd:
            paths, passwd = self._scan(image["Id"])
            if self.rules:
                forbidden_found = find_forbidden(paths, self.rules)
        facts["forbidden_found"] = forbidden_found

        violations = evaluate_budget(facts, self.budget, forbidden_found, root=user_is_root(facts["user"], passwd))
        result = {"changed": False, "passed": not violations, "violations": violations, "image": facts}
        if violations and not self.report_only:
            self.client.fail_results.update(result)
            self.fail(violations_message(self.name, violations))
        return result


def _size(params, option):
    value = params[option]
    return None if value is None else parse_size(value, option)


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        base_image=dict(type="str"),
        max_size=dict(type="str"),
        max_size_above_base=dict(type="str"),
        required_labels=dict(type="list", elements="str", default=[]),
        non_root=dict(type="bool", default=False),
        healthcheck_required=dict(type="bool", default=False),
        forbidden=dict(
            type="list",
            elements="dict",
            options=dict(
                name=dict(type="str", required=True),
                paths=dict(type="list", elements="str", required=True),
            ),
        ),
        report_only=dict(type="bool", default=False),
    )

    client = AnsibleDockerClient(
        argument_spec=argument_spec,
        supports_check_mode=True,
        fail_results={"violations": []},
    )

    run_module(client, ImageBudgetChecker)


if __name__ == "__main__":
    main()

#!/usr/bin/python
#
# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: image_pull_first

short_description: For each of several images, pull the first of its candidate references that a registry serves

version_added: 0.1.0

description:
  - For each image of O(images), tries its candidate references O(images[].refs) in order (for example the official
    image, then an internal mirror's copy) and stops at the first that pulls.
  - Nothing is pulled for an image whose official reference is present as the real image, or whose other candidate is
    present. An image that carries O(local_label) under the official name is a local stand-in, not the official
    image, so the official image is still tried.
  - Each pull is bounded by O(pull_timeout). A registry that times out or cannot be reached is not asked again during
    the run, so an unreachable registry costs one timeout, not one per image; a registry that answers "not found"
    is still asked for the next image.
  - In check mode nothing is pulled. Each candidate is looked up in its registry instead (the engine's distribution
    endpoint, which downloads nothing); what the registry serves is reported in RV(pulled) as what would be pulled,
    and the task reports a change.
  - Returns the engine's images after the pulls (RV(images)), so that a role needs no second call to list them.
  - Pull failures are reported in RV(failures) and do not fail the task; the caller decides what an image it could not
    pull means (a fallback, or an error with what to do).

extends_documentation_fragment:
  - assistant.containers.docker
  - assistant.containers.attributes
  - assistant.containers.attributes.actiongroup_docker

attributes:
  check_mode:
    support: full
    details:
      - Asks each registry whether it serves the candidate instead of pulling it.
  diff_mode:
    support: none
  idempotent:
    support: full
    details:
      - A second run finds the pulled images present and pulls nothing.

options:
  images:
    description:
      - The images to supply, in order.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - A short name of the image, used in the results.
        type: str
        required: true
      official:
        description:
          - The official reference. When the real image is present under it, nothing is pulled for this image.
        type: str
        required: true
      refs:
        description:
          - The candidate references to pull, in the order to try them. May include O(images[].official).
          - An empty list pulls nothing for this image.
        type: list
        elements: str
        required: true
  local_label:
    description:
      - The label that marks a locally built stand-in. An image with this label is never taken for the official image.
    type: str
    default: io.assistant.offline-images.fingerprint
  pull_timeout:
    description:
      - Seconds one pull (or, in check mode, one registry lookup) may take before its registry counts as unreachable.
      - It is also the time the Docker API may take for one answer during the run (the image list and, in check
        mode, the registry lookups), instead of O(timeout).
    type: int
    default: 20

requirements:
  - Docker API >= 1.30 (the distribution endpoint used in check mode)

author:
  - Personal Assistant platform team (@assistant-platform)

seealso:
  - module: community.docker.docker_image_pull
  - module: community.docker.docker_image_info
"""

EXAMPLES = r"""
---
- name: Pull the official images, else the mirror's copies
  assistant.containers.image_pull_first:
    images:
      - name: postgres
        official: postgres:17
        refs: [postgres:17, mirror.example:5000/library/postgres:17]
      - name: python
        official: python:3.13-slim-trixie
        refs: [python:3.13-slim-trixie]
    pull_timeout: 20
  register: __pulls

- name: Show what could not be pulled
  ansible.builtin.debug:
    msg: "{{ __pulls.failures | map(attribute='ref') | list }}"
"""

RETURN = r"""
pulled:
  description:
    - The reference pulled per image name (in check mode, the reference that a registry serves and would be pulled).
  returned: always
  type: dict
  sample: {"postgres": "postgres:17"}
failures:
  description:
    - The candidates that could not be pulled, in the order tried. C(unreachable) says the registry did not answer
      (then it was not asked again); C(error) is the engine's message.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "postgres", "ref": "postgres:17", "registry": "docker.io", "unreachable": true,
            "error": "timed out after 20 s"}]
not_tried:
  description:
    - Candidates not tried because their registry was found unreachable earlier in the run.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "redis", "ref": "redis:8.0", "registry": "docker.io"}]
images:
  description:
    - The engine's images after the pulls, by tag, each with its image ID and labels.
  returned: always
  type: dict
  sample: {"postgres:17": {"id": "sha256:...", "labels": {}}}
"""

import time
import traceback

from ansible.module_utils.common.text.converters import to_native
from ansible_collections.assistant.containers.plugins.module_utils.docker_client import (
    AnsibleDockerClient,
    DockerException,
    RequestException,
)
from ansible_collections.assistant.containers.plugins.module_utils.offline_images import (
    index_images,
    pull_error_means_unreachable,
    pull_plan,
    registry_of,
    repository_and_tag,
)


class _PullTimeout(Exception):
    """A pull ran past its time limit."""


class ImagePuller:
    def __init__(self, module, api):
        self.module = module
        self.api = api
        self.params = module.params
        self.check_mode = module.check_mode

    def _pull(self, ref):
        """Pull ``ref`` within the time limit; raises _PullTimeout or a Docker error."""
        repository, tag = repository_and_tag(ref)
        deadline = time.monotonic() + self.params["pull_timeout"]
        stream = self.api.pull(repository, tag=tag, stream=True, decode=True)
        try:
            for event in stream:
                if isinstance(event, dict) and event.get("error"):
                    raise DockerException(event["error"])
                if time.monotonic() > deadline:
                    raise _PullTimeout()
        finally:
            stream.close()

    def _lookup(self, ref):
        """Ask the registry about ``ref`` without downloading it (check mode)."""
        self.api.inspect_distribution(ref)

    def run(self):
        engine = index_images(self.api.images())
        plan = pull_plan(self.params["images"], engine, self.params["local_label"])
        pulled, failed, skipped = {}, [], []
        dead = set()
        for item in plan:
            for ref in item["refs"]:
                registry = registry_of(ref)
                if registry in dead:
                    skipped.append({"name": item["name"], "ref": ref, "registry": registry})
                    continue
                started = time.monotonic()
                try:
                    if self.check_mode:
                        self._lookup(ref)
                    else:
                        self._pull(ref)
                except _PullTimeout:
                    failed.append(self._failure(item, ref, registry, None, True, "timed out", started))
                    dead.add(registry)
                    continue
                except (DockerException, RequestException) as exc:
                    status = getattr(getattr(exc, "response", None), "status_code", None)
                    timed_out = any("Timeout" in cls.__name__ for cls in type(exc).__mro__)
                    unreachable = pull_error_means_unreachable(status, timed_out)
                    failed.append(self._failure(item, ref, registry, status, unreachable, to_native(exc), started))
                    if unreachable:
                        dead.add(registry)
                    continue
                pulled[item["name"]] = ref
                break
        if pulled and not self.check_mode:
            engine = index_images(self.api.images())
        return {
            "changed": bool(pulled),
            "pulled": pulled,
            "failures": failed,
            "not_tried": skipped,
            "images": engine,
        }

    def _failure(self, item, ref, registry, status, unreachable, error, started):
        seconds = round(time.monotonic() - started, 1)
        return {
            "name": item["name"],
            "ref": ref,
            "registry": registry,
            "status": status,
            "unreachable": unreachable,
            "error": f"{error} (after {seconds} s)"[-500:],
        }


def main():
    client = AnsibleDockerClient(
        argument_spec=dict(
            images=dict(
                type="list",
                elements="dict",
                required=True,
                options=dict(
                    name=dict(type="str", required=True),
                    official=dict(type="str", required=True),
                    refs=dict(type="list", elements="str", required=True),
                ),
            ),
            local_label=dict(type="str", default="io.assistant.offline-images.fingerprint"),
            pull_timeout=dict(type="int", default=20),
        ),
        supports_check_mode=True,
        min_docker_api_version="1.30",
    )
    module = client.module
    timeout = module.params["pull_timeout"]
    if timeout <= 0:
        client.fail(f"pull_timeout: expected a positive number of seconds, found {timeout}.")
    # A registry lookup (check mode) that hangs counts as unreachable after pull_timeout, not the general timeout.
    client.api.timeout = timeout
    try:
        result = ImagePuller(module, client.api).run()
    except (DockerException, RequestException) as exc:
        client.fail(
            f"The Docker engine at {module.params['docker_host']} did not answer as expected: {to_native(exc)}. "
            "Check that it runs (make engine) and that docker_host names it.",
            exception=traceback.format_exc(),
        )
    finally:
        client.api.close()
    module.exit_json(**result)


if __name__ == "__main__":
    main()

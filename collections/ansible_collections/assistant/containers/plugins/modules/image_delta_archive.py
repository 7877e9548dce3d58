#!/usr/bin/python
#
# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: image_delta_archive

short_description: An archive of the images another Docker host lacks, holding only the layers it lacks

version_added: 0.1.0

description:
  - Runs where the images are (the controller that built them). Compares O(names) with O(host_images), the images of
    the host that is to receive them as C(community.docker.docker_image_info) returns them there, and writes to O(path)
    a gzip archive that C(docker load) (C(community.docker.docker_image_load)) turns into every reference of O(names)
    on that host.
  - A reference the host already has as the same image is not sent. Of the rest, only the layers whose chain none of
    the host's images holds travel; C(docker load) takes the others from the host's layer store. With the base image
    and the previous release on the host, a change of the application's code sends only the layers that changed.
  - All of O(names) must name one image (the tags of one build); nothing is written when the host has them all.
  - Registry-less. The archive goes over the connection Ansible already uses (C(ansible.builtin.copy)), so it needs
    no registry, no open port and no SSH port forwarding on the host.

extends_documentation_fragment:
  - assistant.containers.docker
  - assistant.containers.attributes
  - assistant.containers.attributes.actiongroup_docker

attributes:
  check_mode:
    support: full
    details:
      - Says which references and how many layers would be sent, from the images' metadata; writes nothing.
  diff_mode:
    support: none
  idempotent:
    support: full
    details:
      - Once the host has loaded the archive, O(host_images) names the same images and nothing is written.

options:
  names:
    description:
      - The references to bring to the host, all of one image (for example the version, revision and environment tags
        of a build).
    type: list
    elements: str
    required: true
  host_images:
    description:
      - The receiving host's images with their C(Id), C(RepoTags) and C(RootFS) (what
        C(community.docker.docker_image_info) returns there as C(images), asked for O(names) and the images likely to
        share layers with them, such as the base image).
    type: list
    elements: dict
    default: []
  path:
    description:
      - Where to write the archive (gzip). Its directory is made (mode 0700) when missing. Nothing is written when
        nothing is to be sent.
    type: path
    required: true
  compression_level:
    description:
      - gzip level of the archive, 1 (fastest) to 9 (smallest).
    type: int
    default: 6

requirements:
  - "Docker API >= 1.25"
  - "Docker SDK for Python >= 5.0.0"
author:
  - Personal Assistant platform team (@assistant-platform)
seealso:
  - module: community.docker.docker_image_info
  - module: community.docker.docker_image_load
"""

EXAMPLES = r"""
---
- name: Read the images the host has that the new build may share layers with
  community.docker.docker_image_info:
    name: [assistant/app:stage, python:3.13-slim-trixie]
  register: host_images

- name: Write what the host lacks (on the controller)
  assistant.containers.image_delta_archive:
    names: [assistant/app:0.1.0, assistant/app:stage]
    host_images: "{{ host_images.images }}"
    path: /tmp/app-for-stage-1.tar.gz
  delegate_to: localhost
  become: false
  register: archive

- name: Copy it to the host and load it
  when: archive.refs | length > 0
  block:
    - name: Copy
      ansible.builtin.copy:
        src: /tmp/app-for-stage-1.tar.gz
        dest: /var/tmp/app.tar.gz
        mode: "0600"
    - name: Load
      community.docker.docker_image_load:
        path: /var/tmp/app.tar.gz
"""

RETURN = r"""
refs:
  description: The references the host lacks (or has as another image), which the archive carries. Empty when none.
  returned: always
  type: list
  elements: str
  sample: [assistant/app:0.1.0, assistant/app:stage]
image_id:
  description: The image of O(names) on this engine.
  returned: always
  type: str
  sample: sha256:6d55ae155dc5a779954f2b7be63076d17ea7ff916a6ba1e197553bbd4be749f4
layers:
  description: The image's layers.
  returned: always
  type: int
  sample: 12
layers_sent:
  description: The layers the archive carries (0 when nothing is sent).
  returned: always
  type: int
  sample: 2
layer_bytes:
  description: The image's layers, uncompressed, in bytes (as C(docker save) writes them). 0 in check mode.
  returned: always
  type: int
  sample: 201326592
layer_bytes_sent:
  description: The layers the archive carries, uncompressed, in bytes. 0 in check mode.
  returned: always
  type: int
  sample: 1048576
size:
  description: The archive's size in bytes, which is what travels to the host. 0 when nothing is written.
  returned: always
  type: int
  sample: 312345
path:
  description: O(path) when the archive was written, else not returned.
  returned: when written
  type: str
  sample: /tmp/app-for-stage-1.tar.gz
"""

import os
import tempfile
import traceback

from ansible.module_utils.common.text.converters import to_native
from ansible_collections.assistant.containers.plugins.module_utils.docker_client import (
    AnsibleDockerClient,
    NotFound,
    run_module,
)
from ansible_collections.assistant.containers.plugins.module_utils.image_transfer import (
    chain_ids,
    host_chains,
    refs_to_send,
    trim_saved,
)


class DeltaArchive:
    def __init__(self, client):
        self.client = client
        self.module = client.module
        self.params = client.module.params

    def _image_id(self):
        ids = {}
        for ref in self.params["names"]:
            try:
                ids[ref] = self.client.api.inspect_image(ref)
            except NotFound:
                self.client.fail(
                    f"names: {ref} is not on this Docker engine ({self.params['docker_host']}), so it cannot be sent. "
                    "Build it here first (make build), or run this task where the image is."
                )
        found = {image["Id"] for image in ids.values()}
        if len(found) != 1:
            self.client.fail(
                f"names: expected the tags of one image, found {len(found)} images: "
                + ", ".join(f"{ref} = {image['Id'][:19]}" for ref, image in sorted(ids.items()))
                + ". Send each image with its own task."
            )
        return next(iter(ids.values()))

    def run(self):
        level = self.params["compression_level"]
        if not 1 <= level <= 9:
            self.client.fail(f"compression_level: expected a whole number from 1 to 9, found {level}.")
        image = self._image_id()
        image_id = image["Id"]
        refs = refs_to_send({ref: image_id for ref in self.params["names"]}, self.params["host_images"])
        present = host_chains(self.params["host_images"])
        chains = chain_ids((image.get("RootFS") or {}).get("Layers") or [])
        result = {
            "changed": bool(refs),
            "refs": refs,
            "image_id": image_id,
            "layers": len(chains),
            "layers_sent": len([c for c in chains if c not in present]) if refs else 0,
            "layer_bytes": 0,
            "layer_bytes_sent": 0,
            "size": 0,
        }
        if not refs or self.module.check_mode:
            return result
        path = self.params["path"]
        folder = os.path.dirname(path) or "."
        os.makedirs(folder, mode=0o700, exist_ok=True)
        fd, saved = tempfile.mkstemp(prefix=".saved-", suffix=".tar", dir=folder)
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in self.client.api.get_image(image_id):
                    handle.write(chunk)
            sizes = trim_saved(saved, path, present, refs, compresslevel=level)
        except (OSError, ValueError) as exc:
            self.client.fail(
                f"Writing the archive {path} of {image_id} failed: {to_native(exc)}", exception=traceback.format_exc()
            )
        finally:
            os.unlink(saved)
        result.update(sizes)
        result["path"] = path
        return result


def main():
    client = AnsibleDockerClient(
        argument_spec=dict(
            names=dict(type="list", elements="str", required=True),
            host_images=dict(type="list", elements="dict", default=[]),
            path=dict(type="path", required=True),
            compression_level=dict(type="int", default=6),
        ),
        supports_check_mode=True,
    )
    if not client.module.params["names"]:
        client.fail("names: expected at least one image reference, found none.")
    run_module(client, DeltaArchive)


if __name__ == "__main__":
    main()

# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: file_digests
short_description: SHA-256 of every file under directories on the controller
version_added: 0.1.0
description:
  - Returns one dictionary per directory given, mapping each regular file's path (relative to that directory, with
    C(/) separators) to the SHA-256 of its content, for files at any depth.
  - Used to fingerprint build inputs (recipes, Dockerfiles) so that an image is rebuilt when one of them changes.
  - A directory that does not exist gives an empty dictionary.
author:
  - Personal Assistant platform team (@assistant-platform)
options:
  _terms:
    description: Directories on the controller.
    type: list
    elements: path
    required: true
"""

EXAMPLES = r"""
---
- name: Fingerprint the role's build files
  ansible.builtin.debug:
    msg: "{{ lookup('assistant.containers.file_digests', role_path ~ '/files') }}"
"""

RETURN = r"""
_raw:
  description: One dictionary per directory, of relative path to SHA-256.
  type: list
  elements: dict
"""

from ansible.plugins.lookup import LookupBase  # noqa: E402 (documentation first, as Ansible's plugins)
from ansible_collections.assistant.containers.plugins.module_utils.digests import tree_digests  # noqa: E402


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        return [tree_digests(term) for term in terms]

# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The offline_images role's decisions as filters; the logic lives in module_utils/offline_images.py.

Each filter is documented in the YAML file of the same name beside this one.
"""

from __future__ import annotations

from ansible_collections.assistant.containers.plugins.module_utils import offline_images as oi


def offline_images_catalog_problems(catalog, wanted, optional):
    return oi.catalog_problems(catalog, wanted, optional)


def offline_images_wanted(catalog, wanted, optional, mirror):
    return oi.wanted_images(catalog, wanted, optional, mirror)


def offline_images_pull_requests(images, pull_official):
    return oi.pull_requests(images, bool(pull_official))


def offline_images_resolve(images, engine, pulled=None):
    return oi.choose_sources(images, engine, pulled)


def offline_images_build_plan(resolved, base, versions, updates_digest, suite, digests, engine):
    return oi.build_plan(resolved, base, versions, updates_digest, suite, digests, engine)


def offline_images_refresh(engine, inspected):
    return oi.refresh_engine(engine, inspected)


def offline_images_manifest(resolved, engine):
    return oi.manifest(resolved, engine)


def offline_images_manifest_writes(paths, content):
    return oi.manifest_writes(paths, content)


def offline_images_summary(manifest):
    return oi.summary(manifest)


class FilterModule:
    def filters(self):
        return {
            "offline_images_catalog_problems": offline_images_catalog_problems,
            "offline_images_wanted": offline_images_wanted,
            "offline_images_pull_requests": offline_images_pull_requests,
            "offline_images_resolve": offline_images_resolve,
            "offline_images_build_plan": offline_images_build_plan,
            "offline_images_refresh": offline_images_refresh,
            "offline_images_manifest": offline_images_manifest,
            "offline_images_manifest_writes": offline_images_manifest_writes,
            "offline_images_summary": offline_images_summary,
        }

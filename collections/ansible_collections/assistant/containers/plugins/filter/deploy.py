# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The deploy role's decisions as filters: thin shells over module_utils/deploy_release.py and swarm_rollout.py.

Each filter is documented in its own file next to this one (deploy_jobs.yml, ...).
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible_collections.assistant.containers.plugins.module_utils import deploy_release, swarm_rollout


def _guard(function):
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except (deploy_release.ReleaseError, swarm_rollout.SwarmPlanError) as exc:
            raise AnsibleFilterError(f"{function.__name__}: {exc}") from None

    wrapper.__name__ = function.__name__
    wrapper.__doc__ = function.__doc__
    return wrapper


@_guard
def deploy_jobs(current_record, parts, jobs, missing=None):
    """Whether the one-shot jobs must run, and the key they run with: {run, reason, jobs, key}."""
    key = deploy_release.jobs_key(parts)
    decision = deploy_release.jobs_decision(current_record, key, jobs, missing or [])
    decision["key"] = key
    return decision


@_guard
def deploy_serving(rows, release):
    """serving.json's content: the release and the running containers of stack_health_info's rows."""
    return deploy_release.serving_record(release, rows)


@_guard
def deploy_serving_current(serving, current, rows):
    """Whether the project's containers are exactly those recorded serving the current release, all running."""
    return deploy_release.serving_current(serving, current, rows)


@_guard
def deploy_image_ids(refs, images):
    """Each image reference's local image ID, from docker_image_info's images ('' when absent)."""
    return deploy_release.image_ids(refs, images)


@_guard
def deploy_pins(record, images, services=None):
    """The image pins a restore of ``record`` needs (of ``services`` only, when given) and the override file."""
    refs = record.get("refs") or {}
    ids_now = deploy_release.image_ids(sorted(set(refs.values())), images)
    recorded = record.get("images") or {}
    if services is not None:
        recorded = {name: image for name, image in recorded.items() if name in services}
    pins = deploy_release.image_pins(recorded, refs, ids_now)
    comment = f"Written by a rollback to release {record.get('id', '')}; the next deploy removes it."
    return {"pins": pins, "content": deploy_release.pin_file(pins, comment)}


@_guard
def deploy_images_file(images, comment):
    """A Compose override setting each service's image (a Swarm release's digests); '' when empty."""
    return deploy_release.pin_file(images, comment)


@_guard
def deploy_rendered_changes(old, new, services, old_images=None, new_images=None):
    """Which services a deploy of the new render would recreate over the old one, with why."""
    return deploy_release.rendered_changes(old, new, services, old_images, new_images)


@_guard
def deploy_changed_services(before, after):
    """Services whose containers differ between two looks at the project."""
    return deploy_release.changed_services(before, after)


@_guard
def deploy_option_problems(options):
    """One sentence per deploy option out of range."""
    return deploy_release.option_problems(options)


@_guard
def deploy_result(rows, **kwargs):
    """The deploy role's public result deploy_result."""
    return deploy_release.deploy_result(rows, **kwargs)


@_guard
def deploy_summary(result):
    """The summary (or failure message) lines of a deploy_result."""
    return deploy_release.summary_lines(result)


@_guard
def swarm_plan(spec):
    """The Swarm deploy's two steps from the parsed stack file."""
    return swarm_rollout.plan(spec)


@_guard
def swarm_rollout_verdict(state, stack, want):
    """Which services converged to the release, failed or are pending."""
    return swarm_rollout.rollout_verdict(state, stack, want)


@_guard
def swarm_job_verdict(state, stack, jobs):
    """Which jobs completed, failed or are pending."""
    return swarm_rollout.job_verdict(state, stack, jobs)


@_guard
def swarm_node_labels(role_label, is_manager, group_labels, host_groups, own_labels):
    """A node's labels from the role label, its groups' labels and its own, as strings."""
    return swarm_rollout.node_labels(role_label, is_manager, group_labels, host_groups, own_labels)


@_guard
def swarm_secret_conflicts(values_b64, existing):
    """Existing Docker secrets whose value differs from the rendered one."""
    return swarm_rollout.secret_conflicts(values_b64, existing)


class FilterModule:
    def filters(self):
        return {
            f.__name__: f
            for f in (
                deploy_jobs,
                deploy_image_ids,
                deploy_serving,
                deploy_serving_current,
                deploy_pins,
                deploy_images_file,
                deploy_changed_services,
                deploy_rendered_changes,
                deploy_option_problems,
                deploy_result,
                deploy_summary,
                swarm_plan,
                swarm_rollout_verdict,
                swarm_job_verdict,
                swarm_secret_conflicts,
                swarm_node_labels,
            )
        }

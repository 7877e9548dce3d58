# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filters of the backup role: the decisions of module_utils/backup.py on data the play already holds."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible_collections.assistant.containers.plugins.module_utils.backup import (
    BackupError,
    compare_counts,
    delta_seconds,
    job_stack,
    job_state,
    locate_compose,
    locate_swarm,
    parse_meta,
    restore_refusals,
)


def _wrap(func):
    def filter_(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except BackupError as exc:
            raise AnsibleFilterError(str(exc)) from exc

    filter_.__name__ = func.__name__
    filter_.__doc__ = func.__doc__
    return filter_


def backup_locate_compose(containers, project, service):
    return locate_compose(containers, project, service)


def backup_locate_swarm(tasks, node_ids, service_name):
    return locate_swarm(tasks, node_ids, service_name)


def backup_refusals(
    problems, list_result=None, scratch=None, source_counts=None, dump_head=None, migrations=None, release=None
):
    return restore_refusals(
        problems or [],
        list_result=list_result,
        scratch=scratch,
        source_counts=source_counts,
        dump_head=dump_head,
        migrations=migrations,
        release=release,
    )


def backup_count_problems(meta, source_counts):
    return compare_counts(source_counts or {}, parse_meta(meta, "the database")["row_counts"])


def backup_meta(text):
    return parse_meta(text, "the database")


def backup_seconds(delta):
    return delta_seconds(delta)


def backup_job_stack(spec, job, image):
    return job_stack(spec, job, image)


def backup_job_state(swarm_info, name):
    return job_state((swarm_info or {}).get("services"), (swarm_info or {}).get("tasks"), name)


class FilterModule:
    def filters(self):
        return {
            f.__name__: _wrap(f)
            for f in (
                backup_locate_compose,
                backup_locate_swarm,
                backup_refusals,
                backup_count_problems,
                backup_meta,
                backup_seconds,
                backup_job_stack,
                backup_job_state,
            )
        }

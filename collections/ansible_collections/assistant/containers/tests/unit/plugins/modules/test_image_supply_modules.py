# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""image_pull_first, image_build_info and image_os_updates_info end to end against a fake engine."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from ansible_collections.assistant.containers.plugins.modules import (
    image_build_info,
    image_os_updates_info,
    image_pull_first,
)
from fake_engine import tar_of

LABEL = "io.assistant.offline-images.fingerprint"
MIRRORED = "mirror.example:5000/library/postgres:17"
POSTGRES = {"name": "postgres", "official": "postgres:17", "refs": ["postgres:17", MIRRORED]}
REDIS = {"name": "redis", "official": "redis:8", "refs": ["redis:8"]}


def _args(engine, **kwargs):
    return dict(docker_host=f"unix://{engine.socket_path}", **kwargs)


def _listed(tag, image_id, labels=None):
    return {"Id": image_id, "RepoTags": [tag], "Labels": labels}


def _stream(event):
    """The pull's progress answer. The fake engine does not chunk its answers, so the SDK reads one JSON document."""
    return json.dumps(event).encode()


def _pulled(request):
    return f"{request['query']['fromImage'][0]}:{request['query']['tag'][0]}"


class TestImagePullFirst:
    def test_present_official_images_are_not_pulled(self, engine, run):
        engine.routes[("GET", r"/images/json")] = [_listed("postgres:17", "sha256:p"), _listed("redis:8", "sha256:r")]
        failed, result = run(image_pull_first, _args(engine, images=[POSTGRES, REDIS]))
        assert not failed and not result["changed"]
        assert result["pulled"] == {} and result["failures"] == []
        assert result["images"]["postgres:17"] == {"id": "sha256:p", "labels": {}}
        assert engine.calls("POST", r"/images/create") == []

    def test_not_found_upstream_falls_back_to_the_mirror(self, engine, run):
        listing = []
        engine.routes[("GET", r"/images/json")] = lambda m, q, b: listing

        def create(match, query, body):
            if query["fromImage"][0] == "postgres":
                return 404
            listing.append(_listed(MIRRORED, "sha256:m"))
            return _stream({"status": "Downloaded newer image"})

        engine.routes[("POST", r"/images/create")] = create
        failed, result = run(image_pull_first, _args(engine, images=[POSTGRES]))
        assert not failed and result["changed"]
        assert result["pulled"] == {"postgres": MIRRORED}
        assert [(f["ref"], f["status"], f["unreachable"]) for f in result["failures"]] == [("postgres:17", 404, False)]
        assert result["images"][MIRRORED]["id"] == "sha256:m"

    def test_an_unreachable_registry_is_asked_once(self, engine, run):
        engine.routes[("GET", r"/images/json")] = []
        engine.routes[("POST", r"/images/create")] = lambda m, q, b: (
            500 if q["fromImage"][0] in ("postgres", "redis") else _stream({"status": "Downloaded"})
        )
        failed, result = run(image_pull_first, _args(engine, images=[POSTGRES, REDIS]))
        assert not failed
        assert [_pulled(r) for r in engine.calls("POST", r"/images/create")] == [
            "postgres:17",
            MIRRORED,
        ]
        assert result["failures"][0]["unreachable"] and result["failures"][0]["registry"] == "docker.io"
        assert result["not_tried"] == [{"name": "redis", "ref": "redis:8", "registry": "docker.io"}]

    def test_an_error_in_the_pull_stream_is_a_failure(self, engine, run):
        engine.routes[("GET", r"/images/json")] = []
        engine.routes[("POST", r"/images/create")] = _stream({"error": "manifest unknown"})
        failed, result = run(image_pull_first, _args(engine, images=[REDIS]))
        assert not failed and not result["changed"]
        assert result["failures"][0]["error"].startswith("manifest unknown (after ")

    def test_a_local_stand_in_under_the_official_name_is_not_the_official_image(self, engine, run):
        engine.routes[("GET", r"/images/json")] = [_listed("redis:8", "sha256:l", {LABEL: "f" * 64})]
        engine.routes[("POST", r"/images/create")] = 404
        failed, result = run(image_pull_first, _args(engine, images=[REDIS]))
        assert not failed and result["failures"][0]["ref"] == "redis:8"
        assert [_pulled(r) for r in engine.calls("POST", r"/images/create")] == ["redis:8"]

    def test_check_mode_asks_the_registry_and_pulls_nothing(self, engine, run):
        engine.routes[("GET", r"/images/json")] = []
        engine.routes[("GET", r"/distribution/(.+)/json")] = {"Descriptor": {"digest": "sha256:d"}}
        failed, result = run(image_pull_first, _args(engine, images=[REDIS], _ansible_check_mode=True))
        assert not failed and result["changed"]
        assert result["pulled"] == {"redis": "redis:8"}
        assert engine.calls("POST", r"/images/create") == []
        assert engine.calls("GET", r"/distribution/redis:8/json")

    @pytest.mark.parametrize(("options", "message"), [({"pull_timeout": 0}, "pull_timeout: expected a positive")])
    def test_bad_options_are_named(self, engine, run, options, message):
        failed, result = run(image_pull_first, _args(engine, images=[REDIS], **options))
        assert failed and result["msg"].startswith(message)

    def test_an_engine_without_the_distribution_endpoint(self, engine, run):
        engine.routes[("GET", r"/version")]["ApiVersion"] = "1.29"
        failed, result = run(image_pull_first, _args(engine, images=[REDIS]))
        assert failed
        assert result["msg"] == "Docker API version is 1.29. Minimum version required is 1.30."


@pytest.fixture
def project(tmp_path):
    """A git repository with an app context (pyproject.toml, a source file, .dockerignore) and a Dockerfile."""
    app = tmp_path / "app"
    app.mkdir()
    (app / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "1.2.0"\n')
    (app / "main.py").write_text("print('hi')\n")
    (app / "notes.log").write_text("ignored\n")
    (app / ".dockerignore").write_text("*.log\n")
    (tmp_path / "Dockerfile").write_text("FROM python:3.13-slim-trixie AS runtime\nCOPY . /app\n")
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example", "GIT_COMMITTER_NAME": "t"}
    env.update(GIT_COMMITTER_EMAIL="t@example", HOME=str(tmp_path), PATH=os.environ.get("PATH", "/usr/bin:/bin"))
    git = shutil.which("git")
    for argv in (["init", "-q"], ["add", "."], ["commit", "-qm", "app"]):
        subprocess.run([git, "-C", str(tmp_path), *argv], check=True, env=env)  # noqa: S603 (fixed program)
    return tmp_path


def _build_args(engine, project, **kwargs):
    return _args(
        engine,
        context=str(project / "app"),
        dockerfile=str(project / "Dockerfile"),
        inputs=[str(project / "Dockerfile"), str(project / "app" / "pyproject.toml"), str(project / "absent.lock")],
        project_dir=str(project),
        base_image="python:3.13-slim-trixie",
        repository="demo/app",
        environment="dev",
        **kwargs,
    )


class TestImageBuildInfo:
    def test_reads_the_inputs_git_the_base_and_the_tags(self, engine, run, project):
        inspected = {
            "python:3.13-slim-trixie": {"Id": "sha256:base", "Size": 1, "Config": {"Labels": None}},
            "demo/app:dev": {"Id": "sha256:old", "Size": 2, "Config": {"Labels": {"a": "b"}}},
        }
        engine.routes[("GET", r"/images/(.+)/json")] = lambda m, q, b: inspected.get(m.group(1), 404)
        failed, result = run(image_build_info, _build_args(engine, project))
        assert not failed and not result["changed"]
        assert result["version"] == "1.2.0"
        assert [i["exists"] for i in result["inputs"]] == [True, True, False]
        revision = result["git"]["revision"]
        assert result["result"]["tags"] == ["1.2.0", revision, "dev"]
        assert result["base"] == {"ref": "python:3.13-slim-trixie", "id": "sha256:base"}
        assert result["images"] == {"demo/app:dev": {"id": "sha256:old", "size": 2, "labels": {"a": "b"}}}
        asked = {r["path"] for r in engine.calls("GET", r"/images/(.+)/json")}
        assert asked == {f"/images/{ref}/json" for ref in ["python:3.13-slim-trixie", *result["result"]["refs"]]}

    def test_the_context_digest_follows_what_docker_sends(self, engine, run, project):
        engine.routes[("GET", r"/images/(.+)/json")] = 404
        digest = run(image_build_info, _build_args(engine, project))[1]["context_digest"]
        (project / "app" / "notes.log").write_text("changed, but .dockerignore leaves it out\n")
        assert run(image_build_info, _build_args(engine, project))[1]["context_digest"] == digest
        (project / "app" / "main.py").write_text("print('changed')\n")
        changed = run(image_build_info, _build_args(engine, project))[1]
        assert changed["context_digest"] != digest
        assert changed["git"]["dirty"] and changed["result"]["revision"].endswith("-dirty")

    def test_a_missing_base_image_has_no_id(self, engine, run, project):
        engine.routes[("GET", r"/images/(.+)/json")] = 404
        failed, result = run(image_build_info, _build_args(engine, project))
        assert not failed
        assert result["base"]["id"] is None and result["images"] == {}


class TestImageOsUpdatesInfo:
    def _serve(self, engine, files):
        engine.routes[("POST", r"/containers/create")] = {"Id": "probe1", "Warnings": []}
        engine.routes[("GET", r"/containers/probe1/archive")] = lambda m, q, b: (
            tar_of({q["path"][0].rsplit("/", 1)[-1]: files[q["path"][0]]}) if q["path"][0] in files else 404
        )
        engine.routes[("DELETE", r"/containers/probe1")] = 204

    def test_an_image_that_is_not_debian_is_not_checked(self, engine, run, tmp_path):
        self._serve(engine, {"/etc/os-release": b'ID=alpine\nPRETTY_NAME="Alpine Linux v3.20"\n'})
        failed, result = run(image_os_updates_info, _args(engine, image="alpine:3.20", index_dir=str(tmp_path)))
        assert not failed and not result["checked"]
        assert result["why"] == "the image is not Debian-based (Alpine Linux v3.20)"
        (create,) = engine.calls("POST", r"/containers/create")
        assert json.loads(create["body"])["NetworkDisabled"] is True
        assert len(engine.calls("DELETE", r"/containers/probe1")) == 1

    def test_a_debian_image_without_dpkg_status_is_not_checked(self, engine, run, tmp_path):
        self._serve(engine, {"/usr/lib/os-release": b"ID=debian\nVERSION_CODENAME=trixie\n"})
        failed, result = run(image_os_updates_info, _args(engine, image="demo:1", index_dir=str(tmp_path)))
        assert not failed and not result["checked"]
        assert result["why"].startswith("no VERSION_CODENAME in /etc/os-release or no /var/lib/dpkg/status")

    def test_a_missing_image_fails_naming_it(self, engine, run, tmp_path):
        engine.routes[("POST", r"/containers/create")] = 404
        failed, result = run(image_os_updates_info, _args(engine, image="demo:none", index_dir=str(tmp_path)))
        assert failed
        assert result["msg"].startswith(
            "Could not read the files of image demo:none through the Docker engine at unix://"
        )

# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile

import pytest
from ansible_collections.assistant.containers.plugins.module_utils.image_transfer import (
    chain_ids,
    host_chains,
    refs_to_send,
    trim_saved,
)

# Recorded from Docker 26.1.5: an image of an imported layer and one COPY; the second chain ID is the directory
# the engine made under /var/lib/docker/image/overlay2/layerdb/sha256/.
BASE = "sha256:7db636317a8a8dc18bdc6cdf95a3e7f3ca64b9a1be2f1493212c1886a179c210"
TOP = "sha256:0f2b340f6b7051e691163d0dc200bd53aa5e56d4881b687eab0f8c70e1517c65"
TOP_CHAIN = "sha256:76bca65e6104309e075a7f92bb640f44252d582e2b3c4c9fa38413cc691d348c"


def test_chain_ids_match_the_engine():
    assert chain_ids([BASE, TOP]) == [BASE, TOP_CHAIN]
    assert chain_ids([]) == []


def test_a_layer_on_another_parent_is_another_chain():
    # The same diff on top of another base is not in the host's store: it must travel.
    assert chain_ids([TOP, BASE])[1] not in chain_ids([BASE, TOP])


@pytest.mark.parametrize(
    "host, expected",
    [
        ([], ["app:1", "app:2"]),
        ([{"Id": "sha256:a", "RepoTags": ["app:1"]}], ["app:2"]),
        ([{"Id": "sha256:a", "RepoTags": ["app:1", "app:2"]}], []),
        # The tag moved to another build: sent again.
        ([{"Id": "sha256:old", "RepoTags": ["app:1", "app:2"]}], ["app:1", "app:2"]),
        ([None, {"Id": "sha256:a"}], ["app:1", "app:2"]),
    ],
)
def test_refs_to_send(host, expected):
    assert refs_to_send({"app:1": "sha256:a", "app:2": "sha256:a"}, host) == expected


def test_host_chains_of_every_image():
    images = [{"RootFS": {"Layers": [BASE, TOP]}}, {"RootFS": {}}, {"Id": "x"}, None]
    assert host_chains(images) == {BASE, TOP_CHAIN}


def _digest(data):
    return hashlib.sha256(data).hexdigest()


def _saved(path, layers):
    """A docker save archive (Docker 25+ layout) of one image with the given layer contents."""
    blobs = {_digest(data): data for data in layers}
    diff_ids = ["sha256:" + _digest(data) for data in layers]
    config = json.dumps({"rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
    blobs[_digest(config)] = config
    manifest = [
        {
            "Config": "blobs/sha256/" + _digest(config),
            "RepoTags": ["app:old"],
            "Layers": ["blobs/sha256/" + _digest(data) for data in layers],
        }
    ]
    with tarfile.open(path, "w") as tar:
        for name, data in [("blobs/sha256/" + k, v) for k, v in blobs.items()] + [
            ("manifest.json", json.dumps(manifest).encode())
        ]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return diff_ids


def _members(path):
    with gzip.open(path) as raw, tarfile.open(fileobj=raw) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def test_trim_leaves_out_the_layers_the_host_has(tmp_path):
    base, top = b"base layer " * 1000, b"one-line change"
    diff_ids = _saved(tmp_path / "saved.tar", [base, top])
    out = tmp_path / "out.tar.gz"
    sizes = trim_saved(tmp_path / "saved.tar", out, {diff_ids[0]}, ["app:1", "app:stage"])
    members = _members(out)
    assert "blobs/sha256/" + _digest(base) not in members
    assert members["blobs/sha256/" + _digest(top)] == top
    assert json.loads(members["manifest.json"])[0]["RepoTags"] == ["app:1", "app:stage"]
    assert sizes["layers"] == 2 and sizes["layers_sent"] == 1
    assert sizes["layer_bytes"] == len(base) + len(top) and sizes["layer_bytes_sent"] == len(top)
    assert sizes["size"] == out.stat().st_size


def test_trim_keeps_a_layer_whose_parent_differs(tmp_path):
    # The host has the top layer's diff, but on another parent: that chain is not the image's.
    base, top = b"base", b"top"
    diff_ids = _saved(tmp_path / "saved.tar", [base, top])
    sizes = trim_saved(tmp_path / "saved.tar", tmp_path / "out.tar.gz", {diff_ids[1]}, ["app:1"])
    assert sizes["layers_sent"] == 2


def test_trim_of_a_host_with_nothing_sends_everything(tmp_path):
    _saved(tmp_path / "saved.tar", [b"a", b"b", b"c"])
    sizes = trim_saved(tmp_path / "saved.tar", tmp_path / "out.tar.gz", set(), ["app:1"])
    assert sizes["layers_sent"] == 3
    assert len(_members(tmp_path / "out.tar.gz")) == 5


def test_trim_refuses_an_archive_without_manifest(tmp_path):
    with tarfile.open(tmp_path / "saved.tar", "w") as tar:
        info = tarfile.TarInfo("other")
        tar.addfile(info, io.BytesIO(b""))
    with pytest.raises(ValueError, match=r"no manifest\.json"):
        trim_saved(tmp_path / "saved.tar", tmp_path / "out.tar.gz", set(), ["app:1"])

# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Which images a Docker host lacks, and an archive of only the layers it lacks (image_delta_archive).

``docker load`` skips a layer whose chain is already in the engine's layer store without opening the
layer's file, so an archive of ``docker save`` with those layer files left out loads as the whole image
(measured on Docker 26: a left-out layer the engine lacks fails the load with "no such file"). The host's
chains come from the RootFS of the images it has (``community.docker.docker_image_info``): the base image and
the previous release share most layers with a new build, so only what changed travels.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import posixpath
import tarfile


def chain_ids(diff_ids):
    """The chain IDs of a stack of layers: the first is its diff ID, each next one sha256("<parent> <diff>")."""
    chains = []
    for diff_id in diff_ids:
        if chains:
            chains.append("sha256:" + hashlib.sha256(f"{chains[-1]} {diff_id}".encode()).hexdigest())
        else:
            chains.append(diff_id)
    return chains


def host_chains(host_images):
    """Every layer chain the host's images hold (``docker_image_info``'s ``images``: each with RootFS.Layers)."""
    present = set()
    for image in host_images or []:
        present.update(chain_ids(((image or {}).get("RootFS") or {}).get("Layers") or []))
    return present


def refs_to_send(wanted, host_images):
    """The references of ``wanted`` ({ref: image ID}) that the host does not have as that same image, sorted."""
    on_host = {}
    for image in host_images or []:
        for tag in (image or {}).get("RepoTags") or []:
            on_host[tag] = image.get("Id")
    return sorted(ref for ref, image_id in wanted.items() if on_host.get(ref) != image_id)


def _name(member_name):
    return posixpath.normpath(member_name.lstrip("/"))


def trim_saved(saved_path, out_path, skip_chains, refs, compresslevel=6):
    """Write ``out_path``: the ``docker save`` archive at ``saved_path`` (gzip) without the layers in ``skip_chains``.

    Every image of the archive is tagged with ``refs`` (manifest.json's RepoTags), so one load makes every tag.
    A layer file that several positions use is left out only when every position's chain is in ``skip_chains``.
    Returns the counts and sizes: layers, layers_sent, layer_bytes (all layers, uncompressed), layer_bytes_sent,
    size (the archive's bytes).
    """
    skip = set(skip_chains)
    with tarfile.open(saved_path, "r:*") as saved:
        members = saved.getmembers()
        by_name = {_name(m.name): m for m in members}
        if "manifest.json" not in by_name:
            raise ValueError(f"{saved_path} has no manifest.json: not an archive of docker save")
        manifest = json.load(saved.extractfile(by_name["manifest.json"]))
        layer_paths, needed = set(), set()
        for entry in manifest:
            config = json.load(saved.extractfile(by_name[_name(entry["Config"])]))
            chains = chain_ids(config.get("rootfs", {}).get("diff_ids", []))
            if len(chains) != len(entry.get("Layers", [])):
                raise ValueError(
                    f"{saved_path}: {entry['Config']} lists {len(chains)} layers, the manifest {len(entry['Layers'])}"
                )
            for path, chain in zip(entry["Layers"], chains, strict=True):
                layer_paths.add(_name(path))
                if chain not in skip:
                    needed.add(_name(path))
            entry["RepoTags"] = list(refs)
        left_out = layer_paths - needed
        manifest_bytes = json.dumps(manifest).encode()
        with gzip.open(out_path, "wb", compresslevel=compresslevel) as gz, tarfile.open(fileobj=gz, mode="w") as out:
            for member in members:
                name = _name(member.name)
                if name in left_out:
                    continue
                if name == "manifest.json":
                    info = tarfile.TarInfo("manifest.json")
                    info.size = len(manifest_bytes)
                    info.mode = 0o644
                    out.addfile(info, io.BytesIO(manifest_bytes))
                elif member.isfile():
                    out.addfile(member, saved.extractfile(member))
                else:
                    out.addfile(member)
    layer_sizes = {name: by_name[name].size for name in layer_paths if name in by_name}
    return {
        "layers": len(layer_paths),
        "layers_sent": len(needed),
        "layer_bytes": sum(layer_sizes.values()),
        "layer_bytes_sent": sum(layer_sizes.get(name, 0) for name in needed),
        "size": os.path.getsize(out_path),
    }

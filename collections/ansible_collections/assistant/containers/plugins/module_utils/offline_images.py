# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The offline_images role's decisions, as plain functions over plain data.

Which images are wanted and where each may come from (the official image, an
internal mirror's copy, a local build from Debian packages), which references to
pull, which source each image resolves to, the local builds' input fingerprints,
and the manifest other roles read. The module ``image_pull_first`` and the
filters of ``plugins/filter/offline_images.py`` call these; nothing here talks to
Docker, so every rule has a unit test.

An engine listing (``engine``) is a dict ``{tag: {"id": image ID, "labels": {...}}}``,
as ``index_images()`` makes it from the Docker API's image list.
"""

from __future__ import annotations

import hashlib

FINGERPRINT_LABEL = "io.assistant.offline-images.fingerprint"
PACKAGES_LABEL = "io.assistant.offline-images.packages"
OFFICIAL_LABEL = "io.assistant.offline-images.official"

DEFAULT_REGISTRY = "docker.io"


def split_reference(ref):
    """(registry, path) of an image reference, Docker's way: ``postgres:17`` is docker.io's ``library/postgres:17``.

    The first component names a registry only when it has a dot or a colon or is ``localhost``.
    """
    parts = ref.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        return parts[0], "/".join(parts[1:])
    if len(parts) == 1:
        return DEFAULT_REGISTRY, "library/" + ref
    return DEFAULT_REGISTRY, ref


def registry_of(ref):
    """The registry that serves ``ref`` (``docker.io`` when it names none)."""
    return split_reference(ref)[0]


def repository_and_tag(ref):
    """(repository, tag or digest) of a reference, as the pull API takes them; no tag means ``latest``."""
    if "@" in ref:
        repository, digest = ref.split("@", 1)
        return repository, digest
    head, sep, tag = ref.rpartition(":")
    if sep and "/" not in tag:
        return head, tag
    return ref, "latest"


def mirror_reference(mirror, official):
    """Where an internal mirror keeps its copy of ``official``: ``<mirror>/<path>`` ("" when no mirror is set)."""
    if not mirror:
        return ""
    return mirror.rstrip("/") + "/" + split_reference(official)[1]


def catalog_problems(catalog, wanted, optional):
    """What is wrong with the catalog and the names that refer to it, as {"unknown": [...], "incomplete": [...]}.

    ``unknown``: names in ``wanted`` or ``optional`` that the catalog lacks. ``incomplete``: entries that have no
    ``official`` reference, or neither a recipe with a ``ref`` and ``packages`` nor an empty recipe with a ``why``.
    """
    unknown = [name for name in list(wanted) + list(optional) if name not in catalog]
    incomplete = []
    for name in sorted(catalog):
        img = catalog[name] or {}
        official = img.get("official") or ""
        buildable = bool(img.get("recipe")) and bool(img.get("ref")) and bool(img.get("packages"))
        explained = not img.get("recipe") and bool(img.get("why"))
        if not (isinstance(official, str) and official and (buildable or explained)):
            incomplete.append(name)
    return {"unknown": sorted(set(unknown)), "incomplete": incomplete}


def wanted_images(catalog, wanted, optional, mirror):
    """The wanted images in order, each with its official, mirror and local references and how to build it."""
    images = []
    for name in wanted:
        img = catalog[name]
        images.append(
            {
                "name": name,
                "official": img["official"],
                "mirror_ref": mirror_reference(mirror, img["official"]),
                "ref": img.get("ref") or "",
                "aliases": list(img.get("aliases") or []),
                "recipe": img.get("recipe") or "",
                "packages": list(img.get("packages") or []),
                "why": img.get("why") or "",
                "optional": name in optional,
            }
        )
    return images


def pull_requests(images, pull_official):
    """What to ask the pull module for, per image: the official image (when pulls of it are on), then the mirror's."""
    requests = []
    for img in images:
        refs = ([img["official"]] if pull_official else []) + ([img["mirror_ref"]] if img["mirror_ref"] else [])
        requests.append({"name": img["name"], "official": img["official"], "refs": refs})
    return requests


def index_images(api_images):
    """The engine listing ``{tag: {"id", "labels"}}`` of the Docker API's ``GET /images/json`` answer."""
    engine = {}
    for image in api_images or []:
        for tag in image.get("RepoTags") or []:
            if tag and tag != "<none>:<none>":
                engine[tag] = {"id": image.get("Id") or "", "labels": dict(image.get("Labels") or {})}
    return engine


def is_local_build(entry, label=FINGERPRINT_LABEL):
    """Whether an engine entry is one of this role's local builds (it carries the fingerprint ``label``).

    A local stand-in may also carry the official name (python:3.13-slim-trixie, so that Dockerfiles build FROM it
    unchanged); it is still a local build, not the official image.
    """
    return bool(entry) and bool((entry.get("labels") or {}).get(label))


def has_official(engine, ref, label=FINGERPRINT_LABEL):
    """Whether the engine holds the real image ``ref`` (present, and not a local stand-in under that name)."""
    return ref in engine and not is_local_build(engine[ref], label)


def pull_plan(images, engine, label=FINGERPRINT_LABEL):
    """Which references to try, per image, in order: [{"name", "refs"}] (images with nothing to pull left out).

    ``images``: [{"name", "official", "refs"}], ``refs`` the candidates in the order to try (the official image,
    then the mirror's copy). An image is skipped when the real official image is present, or when one of its
    candidates other than the official name is present; a candidate already present is not pulled again.
    """
    plan = []
    for img in images:
        refs = list(img.get("refs") or [])
        if has_official(engine, img["official"], label):
            continue
        if any(ref in engine for ref in refs if ref != img["official"]):
            continue
        todo = [ref for ref in refs if ref == img["official"] or ref not in engine]
        if todo:
            plan.append({"name": img["name"], "refs": todo})
    return plan


def pull_error_means_unreachable(status_code, timed_out):
    """Whether a failed pull says the registry cannot be reached (then it is not asked again in the run).

    A timeout or a server-side error (HTTP 5xx from the engine: DNS, TCP or TLS failure on the way to the registry)
    means unreachable; a 4xx (not found, denied) means the registry answered, so other images may still be there.
    """
    if timed_out:
        return True
    if status_code is None:
        return True
    return not 400 <= int(status_code) < 500


def choose_sources(images, engine, pulled=None):
    """Each image with its ``source`` (official, mirror, local or unavailable) and ``resolved`` reference.

    ``pulled`` ({name: ref}) counts as present: in check mode it holds what would be pulled.
    """
    pulled = pulled or {}
    resolved = []
    for img in images:
        got = pulled.get(img["name"])
        if has_official(engine, img["official"]) or got == img["official"]:
            choice = {"source": "official", "resolved": img["official"]}
        elif img["mirror_ref"] and (img["mirror_ref"] in engine or got == img["mirror_ref"]):
            choice = {"source": "mirror", "resolved": img["mirror_ref"]}
        elif img["recipe"]:
            choice = {"source": "local", "resolved": img["ref"]}
        else:
            choice = {"source": "unavailable", "resolved": ""}
        resolved.append({**img, **choice})
    return resolved


def pin(packages, versions):
    """(``"pkg=version ..."``, [packages with no version]) of ``packages`` against ``versions`` ({pkg: version})."""
    pinned = []
    missing = []
    for package in packages:
        version = versions.get(package)
        if version:
            pinned.append(f"{package}={version}")
        else:
            missing.append(package)
    return " ".join(pinned), missing


def _digest(lines):
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _files_lines(files):
    """``name sha256`` lines of a {relative path: sha256} dict, in a stable order."""
    return [f"{name} {files[name]}" for name in sorted(files)]


def files_under(digests, directory):
    """The entries of ``digests`` ({relative path: sha256}) under ``directory``, with paths relative to it."""
    prefix = directory.rstrip("/") + "/"
    return {path[len(prefix) :]: value for path, value in digests.items() if path.startswith(prefix)}


def base_fingerprint(suite, updates_digest, options, files, pinned):
    """The base image's input fingerprint: suite, updates digest, mmdebstrap options, its files, pinned packages."""
    return _digest([f"debian {suite}", f"updates {updates_digest}", *options, *_files_lines(files), pinned])


def image_fingerprint(recipe, parent, pinned, files):
    """A local image's input fingerprint: its recipe's name and files, the parent's fingerprint, pinned packages."""
    return _digest([f"recipe {recipe}", f"parent {parent}", pinned, *_files_lines(files)])


def _label(engine, ref, label):
    return ((engine.get(ref) or {}).get("labels") or {}).get(label, "")


def build_plan(resolved, base, versions, updates_digest, suite, digests, engine):
    """What the local builds need: {"base", "builds", "missing"}.

    ``base``: the offline_images_base option. ``digests``: {path: sha256} of the role's build files, paths
    relative to ``files/`` (``recipes/<recipe>/<file>``; the base's helpers are ``recipes/debian/*``).
    The answer's ``base`` gets ``fingerprint``, ``pinned`` and ``current`` (the engine's image carries that
    fingerprint); each build (the ``local`` images) gets ``pinned``, ``fingerprint``, ``current`` and
    ``aliases_current`` (the image is current and every alias names it). ``missing``: packages with no
    version in the suite, sorted.
    """
    base_pinned, missing = pin(base.get("packages") or [], versions)
    base_files = files_under(digests, "recipes/debian")
    base_fp = base_fingerprint(suite, updates_digest, base.get("mmdebstrap_options") or [], base_files, base_pinned)
    plan_base = {
        "ref": base["ref"],
        "official": base.get("official") or "",
        "fingerprint": base_fp,
        "pinned": base_pinned,
        "current": _label(engine, base["ref"], FINGERPRINT_LABEL) == base_fp,
    }
    builds = []
    for img in resolved:
        if img["source"] != "local":
            continue
        pinned, lacking = pin(img["packages"], versions)
        missing.extend(lacking)
        fp = image_fingerprint(img["recipe"], base_fp, pinned, files_under(digests, "recipes/" + img["recipe"]))
        current = _label(engine, img["ref"], FINGERPRINT_LABEL) == fp
        image_id = (engine.get(img["ref"]) or {}).get("id", "")
        aliases_current = current and all((engine.get(a) or {}).get("id", "") == image_id for a in img["aliases"])
        builds.append(
            {**img, "pinned": pinned, "fingerprint": fp, "current": current, "aliases_current": aliases_current}
        )
    return {"base": plan_base, "builds": builds, "missing": sorted(set(missing))}


def to_provide(official):
    """What a user does to provide an image this host cannot get or build."""
    return (
        f"docker load -i a tarball of {official} (docker save on a machine that can pull it),"
        " or set offline_images_mirror to a registry that has it"
    )


def manifest(resolved, engine):
    """The manifest other roles read: {"schema_version": 1, "images": {...}, "unavailable": {...}}.

    An image not in the engine (check mode, before it is pulled or built) gets an empty ``id``.
    """
    images = {}
    unavailable = {}
    for img in resolved:
        if img["source"] == "unavailable":
            unavailable[img["name"]] = {
                "official": img["official"],
                "optional": img["optional"],
                "why": img["why"],
                "to_provide": to_provide(img["official"]),
            }
            continue
        entry = engine.get(img["resolved"]) or {}
        labels = entry.get("labels") or {}
        images[img["name"]] = {
            "ref": img["resolved"],
            "source": img["source"],
            "official": img["official"],
            "id": entry.get("id", ""),
            "packages": labels.get(PACKAGES_LABEL, "") if img["source"] == "local" else "",
            "fingerprint": labels.get(FINGERPRINT_LABEL, ""),
        }
    return {"schema_version": 1, "images": images, "unavailable": unavailable}


_SOURCE_WORDS = {"official": "official image", "mirror": "from the mirror"}


def summary(doc):
    """One line per image of a manifest, saying where it comes from; unavailable ones say how to provide them."""
    lines = []
    for name in sorted(doc["images"]):
        img = doc["images"][name]
        where = _SOURCE_WORDS.get(img["source"]) or f"local build of Debian packages {img['packages']}".rstrip()
        lines.append(f"{name}: {img['ref']} ({where})")
    for name in sorted(doc["unavailable"]):
        img = doc["unavailable"][name]
        lines.append(
            f"{name}: UNAVAILABLE, optional, the deploy runs without it ({img['why']}). "
            f"To provide {img['official']}: {img['to_provide']}."
        )
    return lines


def refresh_engine(engine, inspected):
    """``engine`` updated with images read after builds or tags (Docker's inspect answers: Id, RepoTags, Config)."""
    updated = dict(engine)
    for image in inspected or []:
        labels = (image.get("Config") or {}).get("Labels") or {}
        for tag in image.get("RepoTags") or []:
            updated[tag] = {"id": image.get("Id") or "", "labels": dict(labels)}
    return updated


def manifest_writes(paths, content):
    """file_set's ``directories`` and ``files`` (root ``/``) that write ``content`` to every path of ``paths``."""
    rel = []
    for path in paths:
        path = path.lstrip("/")
        if path and path not in rel:
            rel.append(path)
    directories = []
    for path in rel:
        parent = path.rpartition("/")[0] or "."
        if parent not in [d["path"] for d in directories]:
            directories.append({"path": parent, "mode": "0755"})
    files = [{"path": path, "content": content, "mode": "0644"} for path in rel]
    return {"directories": directories, "files": files}

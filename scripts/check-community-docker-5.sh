#!/usr/bin/env bash
# Checks the collection against the newest community.docker 5.x (the collection
# README, "community.docker 5.x", says why). The ansible 13 package bundles it
# but installs only on Python 3.12+, so its wheel is downloaded, not installed,
# and community.docker is unpacked from it. For the run,
# collections/ansible_collections/community/docker (the link `make sanity` makes
# to the bundled 4.8.x) points to 5.x, so ansible-test, ansible-lint,
# ansible-doc, ansible-playbook and molecule load 5.x (ansible-lint prefers the
# bundled copy in site-packages); the link is put back at the end.
#
# Usage: scripts/check-community-docker-5.sh [molecule scenario...]
#   e.g. scripts/check-community-docker-5.sh modules
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/.venv/bin
export PATH="$bin:$PATH" ANSIBLE_CONFIG="$root/ansible.cfg"
export SSL_CERT_FILE="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"
cache=$root/.cache/community-docker-5
collection=$root/collections/ansible_collections/assistant/containers
link=$root/collections/ansible_collections/community/docker

mkdir -p "$cache/wheel"
"$bin/pip" download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  --python-version 3.12 --dest "$cache/wheel" 'ansible>=13,<14'
version=$("$bin/python" - "$cache/wheel" "$cache/collections" <<'PY'
import json, pathlib, shutil, sys, zipfile

wheels = sorted(pathlib.Path(sys.argv[1]).glob("ansible-13.*-py3-none-any.whl"))
dest = pathlib.Path(sys.argv[2])
prefix = "ansible_collections/community/docker/"
shutil.rmtree(dest, ignore_errors=True)
with zipfile.ZipFile(wheels[-1]) as wheel:
    wheel.extractall(dest, [n for n in wheel.namelist() if n.startswith(prefix)])
print(json.loads((dest / prefix / "MANIFEST.json").read_text())["collection_info"]["version"])
PY
)
case $version in
  5.*) echo "community.docker $version (from the ansible 13 wheel)" ;;
  *) echo "check-community-docker-5: expected community.docker 5.x in the ansible 13 wheel, found $version" >&2; exit 1 ;;
esac

"$root/scripts/ansible-test-bootstrap.sh"
trap '"$root/scripts/ansible-test-bootstrap.sh"' EXIT
ln -sfn "$cache/collections/ansible_collections/community/docker" "$link"

# The collection a task would run: where ansible-doc finds a module, and that collection's MANIFEST.json.
loaded=$(cd "$root" && "$bin/ansible-doc" -t module community.docker.docker_compose_v2 --json | "$bin/python" -c '
import json, pathlib, sys
module = pathlib.Path(json.load(sys.stdin)["community.docker.docker_compose_v2"]["doc"]["filename"])
print(json.loads((module.parents[2] / "MANIFEST.json").read_text())["collection_info"]["version"])
')
if [ "$loaded" != "$version" ]; then
  echo "check-community-docker-5: ansible loads community.docker $loaded first, not $version" >&2
  exit 1
fi

unit() (cd "$collection" && "$bin/python" -m pytest -q -p no:cacheprovider tests/unit)
sanity() (cd "$collection" && "$bin/ansible-test" sanity --python 3.11 --local --requirements)
lint() (cd "$root" && "$bin/ansible-lint")
# Every community.docker task's options against the loaded collection's documentation (ansible-lint's args
# rule cannot see them: community.docker builds its AnsibleModule in module_utils).
task_args() (cd "$root" && "$bin/python" scripts/check-task-args.py community.docker.)
scenario() (cd "$root" && "$bin/molecule" test -s "$1")

failed=()
step() {
  local name=$1
  shift
  echo "=== $name"
  if ! "$@"; then failed+=("$name"); fi
}
step "unit tests" unit
step "ansible-test sanity" sanity
step "ansible-lint" lint
step "task arguments" task_args
for name in "$@"; do
  step "molecule test -s $name" scenario "$name"
done
if [ ${#failed[@]} -gt 0 ]; then
  printf 'community.docker %s: failed: %s\n' "$version" "$(IFS=,; echo "${failed[*]}")" >&2
  exit 1
fi
echo "community.docker $version: all checks passed"

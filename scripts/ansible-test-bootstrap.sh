#!/usr/bin/env bash
# ansible-test downloads a pip bootstrap script from a host that may be
# unreachable; put our stand-in (scripts/ansible-test-get-pip.py) where it looks.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(python -c 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))')/_internal/python_requirements.py
version=$(sed -n "s/^ *pip='\([0-9.]*\)',*$/\1/p" "$src" | head -n1)
if [ -z "$version" ]; then
  echo "ansible-test-bootstrap: cannot read ansible-test's pip version from $src" >&2
  exit 1
fi
mkdir -p ~/.ansible/test/cache
install -m 0644 "$here/ansible-test-get-pip.py" ~/.ansible/test/cache/"get_pip_${version//./_}.py"

# ansible-test resolves other collections only next to this one: link
# community.docker (bundled in the ansible package in .venv) beside it.
site=$(python -c 'import ansible, os; print(os.path.dirname(os.path.dirname(ansible.__file__)))')
docker_collection=$site/ansible_collections/community/docker
mkdir -p "$here/../collections/ansible_collections/community"
ln -sfn "$docker_collection" "$here/../collections/ansible_collections/community/docker"

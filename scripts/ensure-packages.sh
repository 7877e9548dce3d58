#!/usr/bin/env bash
# Installs the Debian packages given as arguments when they are missing
# (test-only host dependencies, such as the PostgreSQL and Redis servers the
# app's tests start themselves). Needs root; uses the host's own apt sources.
set -euo pipefail
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing test dependencies: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"

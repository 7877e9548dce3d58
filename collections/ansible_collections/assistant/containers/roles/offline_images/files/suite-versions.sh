#!/usr/bin/env bash
# suite-versions.sh STATE_DIR SUITE KEYRING MIRROR MAX_AGE PACKAGE...
# Prints "mirror URI" and one "version PACKAGE VERSION" line per package found in
# SUITE/main, read from a private apt index of that suite alone (under
# STATE_DIR/apt), so the host's own sources and pins do not matter. An empty
# MIRROR is read from the host's /etc/apt/sources.list.d/*.sources: a stanza for
# the suite if there is one, else the first non-security stanza. The index is
# refreshed when it is older than MAX_AGE seconds (0: every time).
set -euo pipefail
state=$1 suite=$2 keyring=$3 mirror=$4 max_age=$5
shift 5

if [[ -z ${mirror} ]]; then
    mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v suite="${suite}" '
        BEGIN { RS = "" }
        {
            uri = ""; suites = ""; n = split($0, lines, "\n")
            for (i = 1; i <= n; i++) {
                if (lines[i] ~ /^URIs:/) { split(lines[i], f, /[ \t]+/); uri = f[2] }
                if (lines[i] ~ /^Suites:/) { suites = lines[i] " " }
                if (lines[i] ~ /^Enabled:[ \t]*no/) { uri = "" ; break }
            }
            if (uri == "" || uri ~ /security/) next
            if (found == "" && index(suites, " " suite " ")) { found = uri }
            if (fallback == "") { fallback = uri }
        }
        END { print (found != "" ? found : fallback) }')
fi
if [[ -z ${mirror} ]]; then
    echo "No Debian mirror: offline_images_debian_mirror is empty and none was found in" \
        "/etc/apt/sources.list.d/*.sources. Set offline_images_debian_mirror to the mirror's URI." >&2
    exit 3
fi

dir=${state}/apt
mkdir -p "${dir}/lists" "${dir}/cache" "${dir}/empty"
line=$(printf 'deb [signed-by=%s] %s %s main' "${keyring}" "${mirror}" "${suite}")
stamp=${dir}/updated
if [[ $(cat "${dir}/sources.list" 2>/dev/null) != "${line}" ]]; then
    echo "${line}" >"${dir}/sources.list"
    rm -f "${stamp}"
fi
opts=(-o "Dir::Etc::SourceList=${dir}/sources.list" -o "Dir::Etc::SourceParts=${dir}/empty"
      -o "Dir::Etc::Preferences=${dir}/empty/none" -o "Dir::Etc::PreferencesParts=${dir}/empty"
      -o "Dir::State::Lists=${dir}/lists" -o "Dir::Cache=${dir}/cache" -o "APT::Sandbox::User=root")
if [[ ! -e ${stamp} || $(($(date +%s) - $(stat -c %Y "${stamp}"))) -ge ${max_age} ]]; then
    apt-get -qq "${opts[@]}" update >&2
    touch "${stamp}"
fi

echo "mirror ${mirror}"
apt-cache "${opts[@]}" madison "$@" | awk -v want=" ${suite}/main " '
    index($0, want) {
        split($0, f, "|"); gsub(/[ \t]/, "", f[1]); gsub(/[ \t]/, "", f[2])
        if (!(f[1] in seen)) { seen[f[1]] = 1; print "version", f[1], f[2] }
    }'

#!/usr/bin/env bash
# suite-versions.sh STATE_DIR SUITE KEYRING MIRROR SECURITY_MIRROR MAX_AGE PACKAGE...
# Reads a private apt index of SUITE, SUITE-updates (both from MIRROR) and
# SUITE-security (from SECURITY_MIRROR), main only, under STATE_DIR/apt, so the
# host's own sources and pins do not matter. Prints:
#   "mirror URI", "security URI",
#   "updates SHA256" (digest of every package version in SUITE-updates and
#   SUITE-security: a new security update changes it, so the images are rebuilt),
#   one "version PACKAGE VERSION" line per package found (the newest of the
#   three suites, so security fixes are what gets pinned).
# An empty MIRROR is read from the host's /etc/apt/sources.list.d/*.sources: a
# stanza for the suite if there is one, else the first non-security stanza. An
# empty SECURITY_MIRROR is the URI of the host's stanza whose Suites end in
# "-security" (it serves every release's security suite). The index is
# refreshed when it is older than MAX_AGE seconds (0: every time).
set -euo pipefail
state=$1 suite=$2 keyring=$3 mirror=$4 security=$5 max_age=$6
shift 6

# host_uri MODE: MODE "main" or "security"; prints the matching URI or nothing.
host_uri() {
    cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v suite="${suite}" -v mode="$1" '
        BEGIN { RS = "" }
        {
            uri = ""; suites = ""; n = split($0, lines, "\n")
            for (i = 1; i <= n; i++) {
                if (lines[i] ~ /^URIs:/) { split(lines[i], f, /[ \t]+/); uri = f[2] }
                if (lines[i] ~ /^Suites:/) { suites = lines[i] " " }
                if (lines[i] ~ /^Enabled:[ \t]*no/) { uri = "" ; break }
            }
            if (uri == "") next
            if (mode == "security") {
                if (found == "" && suites ~ /-security[ \t]/) { found = uri }
                next
            }
            if (uri ~ /security/ || suites ~ /-security[ \t]/) next
            if (found == "" && index(suites, " " suite " ")) { found = uri }
            if (fallback == "") { fallback = uri }
        }
        END { print (found != "" ? found : fallback) }'
}

if [[ -z ${mirror} ]]; then
    mirror=$(host_uri main)
fi
if [[ -z ${mirror} ]]; then
    echo "No Debian mirror: offline_images_debian_mirror is empty and none was found in" \
        "/etc/apt/sources.list.d/*.sources. Set offline_images_debian_mirror to the mirror's URI." >&2
    exit 3
fi
if [[ -z ${security} ]]; then
    security=$(host_uri security)
fi
if [[ -z ${security} ]]; then
    echo "No Debian security mirror: offline_images_debian_security_mirror is empty and no stanza with" \
        "Suites ending in -security was found in /etc/apt/sources.list.d/*.sources. Set" \
        "offline_images_debian_security_mirror to the security mirror's URI (the one serving ${suite}-security)." >&2
    exit 3
fi

dir=${state}/apt
mkdir -p "${dir}/lists" "${dir}/cache" "${dir}/empty"
sources=$(printf 'deb [signed-by=%s] %s %s main\n' "${keyring}" "${mirror}" "${suite}" \
    "${keyring}" "${mirror}" "${suite}-updates" "${keyring}" "${security}" "${suite}-security")
stamp=${dir}/updated
if [[ $(cat "${dir}/sources.list" 2>/dev/null) != "${sources}" ]]; then
    echo "${sources}" >"${dir}/sources.list"
    rm -f "${stamp}"
fi
# A saved package cache (which hosts with Docker's apt config turn off) makes a
# warm query take milliseconds instead of seconds; apt rebuilds it when the lists change.
opts=(-o "Dir::Etc::SourceList=${dir}/sources.list" -o "Dir::Etc::SourceParts=${dir}/empty"
      -o "Dir::Etc::Preferences=${dir}/empty/none" -o "Dir::Etc::PreferencesParts=${dir}/empty"
      -o "Dir::State::Lists=${dir}/lists" -o "Dir::Cache=${dir}/cache" -o "APT::Sandbox::User=root"
      -o "Dir::Cache::pkgcache=pkgcache.bin" -o "Dir::Cache::srcpkgcache=srcpkgcache.bin")
if [[ ! -e ${stamp} || $(($(date +%s) - $(stat -c %Y "${stamp}"))) -ge ${max_age} ]]; then
    if ! apt-get -qq --error-on=any "${opts[@]}" update >&2; then
        echo "Could not read the index of ${suite}, ${suite}-updates (${mirror}) or ${suite}-security" \
            "(${security}); expected all three to download. Check the mirrors (offline_images_debian_mirror," \
            "offline_images_debian_security_mirror) and the network." >&2
        exit 4
    fi
    touch "${stamp}"
fi

echo "mirror ${mirror}"
echo "security ${security}"
# Every package version the two update suites hold, in a stable order.
mapfile -t updates < <(apt-get "${opts[@]}" indextargets --format '$(CODENAME) $(FILENAME)' 'Identifier: Packages' \
    | awk -v u="${suite}-updates" -v s="${suite}-security" '$1 == u || $1 == s { print $2 }')
if [[ ${#updates[@]} -ne 2 ]]; then
    echo "Expected the indexes of ${suite}-updates and ${suite}-security under ${dir}/lists, found:" \
        "${updates[*]:-none}. Remove ${dir} and run again." >&2
    exit 4
fi
updates_sum=$(for f in "${updates[@]}"; do /usr/lib/apt/apt-helper cat-file "${f}"; done \
    | awk '/^Package:/ { p = $2 } /^Version:/ { print p, $2 }' | LC_ALL=C sort | sha256sum)
echo "updates ${updates_sum%% *}"
# madison lists a package's versions newest first; keep the first from the three suites.
apt-cache "${opts[@]}" madison "$@" | awk -v suite="${suite}" '
    {
        split($0, f, "|"); gsub(/[ \t]/, "", f[1]); gsub(/[ \t]/, "", f[2])
        n = split(f[3], src, /[ \t]+/); ok = 0
        for (i = 1; i <= n; i++) {
            if (src[i] == suite "/main" || src[i] == suite "-updates/main" || src[i] == suite "-security/main") ok = 1
        }
        if (ok && !(f[1] in seen)) { seen[f[1]] = 1; print "version", f[1], f[2] }
    }'

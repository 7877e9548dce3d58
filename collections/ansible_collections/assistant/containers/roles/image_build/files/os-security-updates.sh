# Runs as root in a throwaway container of the built image (never in a layer): lists the
# installed packages for which the Debian security suite has a newer version.
# Input: MAIN_URI and SEC_URI (Debian mirrors), APT_CA (optional CA bundle for https mirrors).
# Output: "codename=", "index-date=" and one "pending=<package> <installed> <candidate>" per update.
# Exit 3: no apt or no codename (not checkable); 5: the mirror's index could not be read.
set -eu
. /etc/os-release
if ! command -v apt-get >/dev/null 2>&1 || [ -z "${VERSION_CODENAME:-}" ]; then
    echo "no apt-get or no VERSION_CODENAME in /etc/os-release (${PRETTY_NAME:-unknown system})"
    exit 3
fi
echo "codename=${VERSION_CODENAME}"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
signed=""
[ -f "$keyring" ] && signed="Signed-By: $keyring"
lists=$(mktemp -d)
sources=$(mktemp)
printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\n%s\n\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\n%s\n' \
    "$MAIN_URI" "$VERSION_CODENAME" "$VERSION_CODENAME" "$signed" "$SEC_URI" "$VERSION_CODENAME" "$signed" > "$sources.sources"
set -- -o "APT::Sandbox::User=root" -o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$(dirname "$sources")" -o "Dir::State::Lists=$lists"
[ -n "${APT_CA:-}" ] && set -- "$@" -o "Acquire::https::CAInfo=$APT_CA"
mkdir -p "$lists/partial"
if ! apt-get "$@" -o APT::Update::Error-Mode=any -qq update 2>&1; then
    echo "apt-get update failed against $MAIN_URI and $SEC_URI"
    exit 5
fi
date=$(sed -n 's/^Date: //p' "$lists"/*security*Release 2>/dev/null | head -n 1)
echo "index-date=${date:-unknown}"
# Pending = the candidate comes from the security suite and is newer than what is installed.
apt-get "$@" -s -o Debug::NoLocking=1 dist-upgrade 2>/dev/null \
    | sed -n 's/^Inst \([^ ]*\) \[\([^]]*\)\] (\([^ ]*\) \(.*\))$/\1 \2 \3 \4/p' \
    | while read -r pkg installed candidate origin; do
        case "$origin" in
            *-security*|*Security*) echo "pending=$pkg $installed $candidate" ;;
        esac
    done

#!/bin/sh
# engine-state.sh SUPERVISOR PATH... -- PACKAGE...
# Reads everything the role decides on in one call (each probe as a task costs
# a module round trip); changes nothing. Prints "KEY VALUE" lines:
#   pkg:NAME STATUS          dpkg's status of each PACKAGE (none when dpkg does not know it)
#   dockerd OUTPUT           dockerd --version, or "-" when there is no dockerd
#   path:PATH TYPE MODE OWNER GROUP SHA256
#                            each PATH (TYPE file, dir or other; SHA256 "-" unless a file),
#                            or "absent"
#   sources BASE64           the host's apt sources (sources.list.d/*.sources and *.list
#                            but this role's own assistant-*, then sources.list)
#   supervisor RC            exit code of "SUPERVISOR status" (0 running, 3 not; 3 when absent)
#   systemd ACTIVE ENABLED   systemctl's view of docker.service, where systemctl exists
#   server VERSION           docker version's server version, or "-" when it does not answer
set -u
supervisor=$1
shift
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
    p=$1
    shift
    if [ -d "$p" ]; then
        echo "path:$p dir $(stat -c '%04a %U %G' "$p") -"
    elif [ -f "$p" ]; then
        sum=$(sha256sum "$p") || sum=-
        echo "path:$p file $(stat -c '%04a %U %G' "$p") ${sum%% *}"
    elif [ -e "$p" ] || [ -L "$p" ]; then
        echo "path:$p other"
    else
        echo "path:$p absent"
    fi
done
[ "$#" -gt 0 ] && shift

if [ "$#" -gt 0 ]; then
    dpkg-query --show --showformat='pkg:${Package} ${db:Status-Status}\n' "$@" 2>/dev/null
fi

if command -v dockerd >/dev/null 2>&1; then
    echo "dockerd $(dockerd --version 2>&1 | head -n 1)"
else
    echo "dockerd -"
fi

echo "sources $(for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list /etc/apt/sources.list; do
    case ${f##*/} in assistant-*) continue ;; esac
    [ -f "$f" ] && cat "$f" && echo
done 2>/dev/null | base64 -w 0)"

if [ -x "$supervisor" ]; then
    "$supervisor" status >/dev/null 2>&1
    echo "supervisor $?"
else
    echo "supervisor 3"
fi

if command -v systemctl >/dev/null 2>&1; then
    echo "systemd $(systemctl is-active docker 2>/dev/null | head -n 1) $(systemctl is-enabled docker 2>/dev/null | head -n 1)"
fi

server=$(docker version --format '{{.Server.Version}}' 2>/dev/null) || server=
echo "server ${server:--}"
exit 0

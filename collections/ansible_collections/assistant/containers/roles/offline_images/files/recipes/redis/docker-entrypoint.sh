#!/usr/bin/env bash
# Entrypoint with the official redis image's interface: arguments starting with
# "-" or a *.conf file are passed to redis-server; as root it drops to redis.
# Addition: REDIS_PASSWORD_FILE, if set, becomes "requirepass" in a generated
# config file, so the password is in neither the command line nor the environment.
set -euo pipefail

if [[ ${1:0:1} == - || ${1} == *.conf ]]; then
    set -- redis-server "$@"
fi

if [[ $1 == redis-server && $(id -u) == 0 ]]; then
    find . \! -user redis -exec chown redis '{}' +
    exec setpriv --reuid=redis --regid=redis --init-groups "${BASH_SOURCE[0]}" "$@"
fi

if [[ $1 == redis-server ]]; then
    # Upstream's build turns protected mode off, so the server is reachable from
    # other containers; keep that unless the arguments say otherwise.
    if [[ " $* " != *protected-mode* ]]; then
        set -- "$@" --protected-mode no
    fi
    if [[ -n ${REDIS_PASSWORD_FILE:-} ]]; then
        conf=$(mktemp /tmp/redis-XXXXXX.conf)
        if [[ ${2:-} == *.conf ]]; then
            printf 'include %s\n' "$2" >"${conf}"
            set -- "$1" "${conf}" "${@:3}"
        else
            set -- "$1" "${conf}" "${@:2}"
        fi
        password=$(<"${REDIS_PASSWORD_FILE}")
        password=${password//\\/\\\\}
        password=${password//\"/\\\"}
        printf 'requirepass "%s"\n' "${password}" >>"${conf}"
        unset password
    fi
fi

exec "$@"

#!/usr/bin/env bash
# Entrypoint of the redis:8.0 look-alike, with the official image's interface
# (redis/docker-library-redis debian/docker-entrypoint.sh, written anew):
# - arguments starting with "-", or a first argument ending in ".conf", get
#   redis-server in front; any other command is executed as given;
# - redis-server (or sentinel) started as root, with setuid and setgid in its
#   capability bounding set: unless SKIP_FIX_PERMS is set, /data is given to
#   redis when it holds nothing but *.rdb files and appendonlydir, and so are
#   the configuration file ($2) and its directory when that holds nothing else;
#   unless SKIP_DROP_PRIVS is set, it drops to redis with setpriv (no new
#   privileges, no capabilities but sys_resource where it had it). Started with
#   --user (any other UID), nothing is changed or dropped;
# - the umask becomes 0077 when it was 0022;
# - modules in /usr/local/lib/redis/modules are loaded (Debian packages none).
# No password variable, no *_FILE handling: as upstream, a password goes in a
# configuration file. One addition, to match upstream's build: upstream
# compiles redis with protected mode off, Debian's redis has it on, so
# "--protected-mode no" is added unless the arguments or the configuration file
# set protected-mode.
set -e

skip_notice="Use SKIP_FIX_PERMS=1 to skip permission changes."
drop=(/usr/bin/setpriv --reuid redis --regid redis --clear-groups)
server=$(readlink -f /usr/local/bin/redis-server)

has_cap() {
    /usr/bin/setpriv -d | grep -q "Capability bounding set:.*\b$1\b"
}

# fix_owner MODE: gives each NUL-separated path of stdin to redis, with u+MODE,
# unless redis can already use it.
fix_owner() {
    local mode=$1 path want
    while IFS= read -r -d '' path; do
        if [[ ${mode} == rw ]] && "${drop[@]}" test -r "${path}" -a -w "${path}"; then
            continue
        elif [[ ${mode} == r ]] && "${drop[@]}" test -r "${path}"; then
            continue
        fi
        want=${mode}
        [[ -d ${path} ]] && want=${mode}x
        chown redis "${path}" 2>/dev/null || echo "Warning: cannot change owner to 'redis' for '${path}'. ${skip_notice}"
        chmod "u+${want}" "${path}" 2>/dev/null || echo "Warning: cannot change mode to 'u+${want}' for '${path}'. ${skip_notice}"
    done
}

fix_data_dir() {
    local other
    other=$(find . -mindepth 1 -maxdepth 1 -not \( -name '*.rdb' -or \( -type d -and -name appendonlydir \) \) -print -quit)
    if [[ -z ${other} ]]; then
        find . -print0 | fix_owner rw
    else
        echo "Notice: Unknown file '${other}' found in data dir. Permissions will not be modified. ${skip_notice}"
    fi
}

fix_config() {
    local config=$1 mode=$2 dir other
    [[ -f ${config} ]] || return 0
    dir=$(dirname "${config}")
    other=$(find "${dir}" -mindepth 1 -maxdepth 1 -not -name "$(basename "${config}" | sed 's/[][?*]/\\&/g')" -print -quit)
    if [[ -z ${other} ]]; then
        printf '%s\0%s\0' "${dir}" "${config}" | fix_owner "${mode}"
    else
        echo "Notice: Unknown file '${other}' found in '${dir}'. Permissions will not be modified. ${skip_notice}"
    fi
}

if [[ ${1#-} != "$1" || ${1%.conf} != "$1" ]]; then
    set -- redis-server "$@"
fi
command=$(command -v "$1" 2>/dev/null || :)
is_server="" is_sentinel="" config=""
if [[ -n ${command} && $(readlink -f "${command}") == "${server}" ]]; then
    is_server=1
    if [[ $(basename "${command}") == redis-sentinel || " ${*:2} " == *" --sentinel "* ]]; then
        is_sentinel=1
    fi
    if [[ -n ${2:-} && ${2#-} == "$2" ]]; then
        config=$2
    fi
fi

if [[ -n ${is_server} && -z ${SKIP_DROP_PRIVS:-} && $(id -u) == 0 ]] && has_cap setuid && has_cap setgid; then
    if [[ -z ${SKIP_FIX_PERMS:-} ]]; then
        if [[ -n ${is_sentinel} ]]; then
            fix_config "${config}" rw
        else
            fix_data_dir
            fix_config "${config}" r
        fi
    fi
    keep=""
    if has_cap sys_resource; then
        keep=",+sys_resource"
    fi
    exec "${drop[@]}" --nnp --inh-caps="-all${keep}" --ambient-caps="-all${keep}" --bounding-set="-all${keep}" "$0" "$@"
fi

if [[ $(umask) == 0022 ]]; then
    umask 0077
fi

if [[ -n ${is_server} && -z ${is_sentinel} ]]; then
    echo "Starting Redis Server"
    if [[ " ${*:2} " != *" --protected-mode "* ]] \
        && ! { [[ -n ${config} && -r ${config} ]] && grep -qiE '^[[:space:]]*protected-mode[[:space:]]' "${config}"; }; then
        set -- "$@" --protected-mode no
    fi
    for module in /usr/local/lib/redis/modules/*.so; do
        [[ -f ${module} && -s ${module} && -r ${module} && -x ${module} ]] || continue
        set -- "$@" --loadmodule "${module}"
    done
fi

exec "$@"

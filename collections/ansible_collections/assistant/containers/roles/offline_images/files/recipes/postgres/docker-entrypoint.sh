#!/usr/bin/env bash
# Entrypoint of the postgres:17 look-alike, with the official image's interface
# (docker-library/postgres@6edb0a8c:17/trixie/docker-entrypoint.sh, written anew):
# - "postgres" (or arguments starting with "-", which get "postgres" in front)
#   runs the server; any other command is executed as given.
# - As root: creates $PGDATA and /var/run/postgresql, gives them to postgres,
#   and runs itself again as postgres with gosu. With --user another UID runs
#   it all; a UID without a passwd entry gets one from nss_wrapper for initdb.
# - On an empty $PGDATA: POSTGRES_PASSWORD (required unless
#   POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_USER (default postgres),
#   POSTGRES_DB (default $POSTGRES_USER), POSTGRES_INITDB_ARGS, each also as
#   NAME_FILE (both set is an error); POSTGRES_INITDB_WALDIR; then
#   /docker-entrypoint-initdb.d/* (*.sh run or sourced, *.sql[.gz|.xz|.zst]
#   through psql) against a temporary server on the Unix socket only.
# Sourcing this file defines the functions without running anything
# (docker-ensure-initdb.sh does that).
set -Eeo pipefail

# file_env VAR [DEFAULT]: VAR from itself or from the file VAR_FILE names.
file_env() {
    local var=$1 file_var="${1}_FILE" default=${2:-} value
    if [[ -n ${!var:-} && -n ${!file_var:-} ]]; then
        printf >&2 'error: both %s and %s are set (but are exclusive)\n' "${var}" "${file_var}"
        exit 1
    fi
    value=${default}
    if [[ -n ${!var:-} ]]; then
        value=${!var}
    elif [[ -n ${!file_var:-} ]]; then
        value=$(<"${!file_var}")
    fi
    export "${var}=${value}"
    unset "${file_var}"
}

_is_sourced() {
    [[ ${#FUNCNAME[@]} -ge 2 && ${FUNCNAME[0]} == _is_sourced && ${FUNCNAME[1]} == source ]]
}

docker_create_db_directories() {
    local uid
    uid=$(id -u)
    mkdir -p "${PGDATA}"
    chmod 00700 "${PGDATA}" || :
    mkdir -p /var/run/postgresql || :
    chmod 03775 /var/run/postgresql || :
    if [[ -n ${POSTGRES_INITDB_WALDIR:-} ]]; then
        mkdir -p "${POSTGRES_INITDB_WALDIR}"
        if [[ ${uid} == 0 ]]; then
            find "${POSTGRES_INITDB_WALDIR}" \! -user postgres -exec chown postgres '{}' +
        fi
        chmod 700 "${POSTGRES_INITDB_WALDIR}"
    fi
    if [[ ${uid} == 0 ]]; then
        find "${PGDATA}" \! -user postgres -exec chown postgres '{}' +
        find /var/run/postgresql \! -user postgres -exec chown postgres '{}' +
    fi
}

docker_init_database_dir() {
    local uid gid wrapper
    uid=$(id -u)
    if ! getent passwd "${uid}" >/dev/null 2>&1; then
        for wrapper in {/usr,}/lib{/*,}/libnss_wrapper.so; do
            if [[ -s ${wrapper} ]]; then
                NSS_WRAPPER_PASSWD=$(mktemp)
                NSS_WRAPPER_GROUP=$(mktemp)
                export LD_PRELOAD=${wrapper} NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP
                gid=$(id -g)
                printf 'postgres:x:%s:%s:PostgreSQL:%s:/bin/false\n' "${uid}" "${gid}" "${PGDATA}" >"${NSS_WRAPPER_PASSWD}"
                printf 'postgres:x:%s:\n' "${gid}" >"${NSS_WRAPPER_GROUP}"
                break
            fi
        done
    fi
    if [[ -n ${POSTGRES_INITDB_WALDIR:-} ]]; then
        set -- --waldir "${POSTGRES_INITDB_WALDIR}" "$@"
    fi
    # POSTGRES_INITDB_ARGS is a string of options, split by the shell as upstream does.
    eval 'initdb --username="${POSTGRES_USER}" --pwfile=<(printf "%s\n" "${POSTGRES_PASSWORD}") '"${POSTGRES_INITDB_ARGS}"' "$@"'
    if [[ ${LD_PRELOAD:-} == */libnss_wrapper.so ]]; then
        rm -f "${NSS_WRAPPER_PASSWD}" "${NSS_WRAPPER_GROUP}"
        unset LD_PRELOAD NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP
    fi
}

docker_verify_minimum_env() {
    if [[ -z ${POSTGRES_PASSWORD} && ${POSTGRES_HOST_AUTH_METHOD} != trust ]]; then
        cat >&2 <<'EOF'
Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE) to a non-empty
       value for the superuser, or POSTGRES_HOST_AUTH_METHOD=trust to allow every
       connection without a password (not recommended).
EOF
        exit 1
    fi
    if [[ ${POSTGRES_HOST_AUTH_METHOD} == trust ]]; then
        echo >&2 'WARNING: POSTGRES_HOST_AUTH_METHOD is "trust": anyone who reaches the port gets in without a password.'
    fi
}

# docker_process_sql [psql options]: psql as POSTGRES_USER on POSTGRES_DB, over the socket.
docker_process_sql() {
    local runner=(psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER}" --no-password --no-psqlrc)
    if [[ -n ${POSTGRES_DB} ]]; then
        runner+=(--dbname "${POSTGRES_DB}")
    fi
    PGHOST='' PGHOSTADDR='' "${runner[@]}" "$@"
}

docker_process_init_files() {
    local f
    printf '\n'
    for f; do
        case ${f} in
            *.sh)
                if [[ -x ${f} ]]; then
                    printf '%s: running %s\n' "$0" "${f}"
                    "${f}"
                else
                    printf '%s: sourcing %s\n' "$0" "${f}"
                    # shellcheck disable=SC1090 # the user's init script
                    . "${f}"
                fi
                ;;
            *.sql) printf '%s: running %s\n' "$0" "${f}"; docker_process_sql -f "${f}"; printf '\n' ;;
            *.sql.gz) printf '%s: running %s\n' "$0" "${f}"; gunzip -c "${f}" | docker_process_sql; printf '\n' ;;
            *.sql.xz) printf '%s: running %s\n' "$0" "${f}"; xzcat "${f}" | docker_process_sql; printf '\n' ;;
            *.sql.zst) printf '%s: running %s\n' "$0" "${f}"; zstd -dc "${f}" | docker_process_sql; printf '\n' ;;
            *) printf '%s: ignoring %s\n' "$0" "${f}" ;;
        esac
        printf '\n'
    done
}

docker_setup_db() {
    local exists db=${POSTGRES_DB}
    exists=$(POSTGRES_DB='' docker_process_sql --dbname postgres --set db="${db}" --tuples-only \
        <<<"SELECT 1 FROM pg_database WHERE datname = :'db';")
    if [[ -z ${exists} ]]; then
        POSTGRES_DB='' docker_process_sql --dbname postgres --set db="${db}" <<<'CREATE DATABASE :"db";'
        printf '\n'
    fi
}

docker_setup_env() {
    file_env POSTGRES_PASSWORD
    file_env POSTGRES_USER postgres
    file_env POSTGRES_DB "${POSTGRES_USER}"
    file_env POSTGRES_INITDB_ARGS
    : "${POSTGRES_HOST_AUTH_METHOD:=}"
    declare -g DATABASE_ALREADY_EXISTS
    : "${DATABASE_ALREADY_EXISTS:=}"
    if [[ -s ${PGDATA}/PG_VERSION ]]; then
        DATABASE_ALREADY_EXISTS=true
    fi
}

# pg_setup_hba_conf [postgres args]: "host all all all <method>", the method by default
# what the server's password_encryption says (scram-sha-256).
pg_setup_hba_conf() {
    if [[ ${1:-} == postgres ]]; then
        shift
    fi
    local auth
    auth=$(postgres -C password_encryption "$@")
    : "${POSTGRES_HOST_AUTH_METHOD:=${auth}}"
    {
        printf '\n'
        if [[ ${POSTGRES_HOST_AUTH_METHOD} == trust ]]; then
            printf '# warning trust is enabled for all connections\n'
        fi
        printf 'host all all all %s\n' "${POSTGRES_HOST_AUTH_METHOD}"
    } >>"${PGDATA}/pg_hba.conf"
}

# The initialisation server listens on the Unix socket only.
docker_temp_server_start() {
    if [[ ${1:-} == postgres ]]; then
        shift
    fi
    set -- "$@" -c listen_addresses='' -p "${PGPORT:-5432}"
    NOTIFY_SOCKET='' PGUSER=${PGUSER:-${POSTGRES_USER}} pg_ctl -D "${PGDATA}" -o "$(printf '%q ' "$@")" -w start
}

docker_temp_server_stop() {
    PGUSER=${PGUSER:-postgres} pg_ctl -D "${PGDATA}" -m fast -w stop
}

_pg_want_help() {
    local arg
    for arg; do
        case ${arg} in
            -'?' | --help | --describe-config | -V | --version) return 0 ;;
        esac
    done
    return 1
}

_main() {
    if [[ ${1:0:1} == - ]]; then
        set -- postgres "$@"
    fi
    if [[ $1 == postgres ]] && ! _pg_want_help "$@"; then
        docker_setup_env
        docker_create_db_directories
        if [[ $(id -u) == 0 ]]; then
            exec gosu postgres "${BASH_SOURCE[0]}" "$@"
        fi
        if [[ -z ${DATABASE_ALREADY_EXISTS} ]]; then
            docker_verify_minimum_env
            ls /docker-entrypoint-initdb.d/ >/dev/null
            docker_init_database_dir
            pg_setup_hba_conf "$@"
            export PGPASSWORD=${PGPASSWORD:-${POSTGRES_PASSWORD}}
            docker_temp_server_start "$@"
            docker_setup_db
            docker_process_init_files /docker-entrypoint-initdb.d/*
            docker_temp_server_stop
            unset PGPASSWORD
            echo 'PostgreSQL init process complete; ready for start up.'
        else
            echo 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
        fi
    fi
    exec "$@"
}

if ! _is_sourced; then
    _main "$@"
fi

#!/usr/bin/env bash
# Entrypoint with the official postgres image's interface (the subset the stack
# uses): on an empty $PGDATA it runs initdb as POSTGRES_USER with the password
# from POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE, creates POSTGRES_DB, runs
# /docker-entrypoint-initdb.d/*.sh|*.sql, then execs the server as postgres.
set -Eeuo pipefail

# file_env VAR [DEFAULT]: VAR or the contents of the file named by VAR_FILE.
file_env() {
    local var=$1 file_var="${1}_FILE" def=${2:-} val
    if [[ -n ${!var:-} && -n ${!file_var:-} ]]; then
        echo >&2 "error: both ${var} and ${file_var} are set; expected one of them. Unset one."
        exit 1
    fi
    val=${def}
    if [[ -n ${!var:-} ]]; then
        val=${!var}
    elif [[ -n ${!file_var:-} ]]; then
        val=$(<"${!file_var}")
    fi
    export "${var}=${val}"
    unset "${file_var}"
}

if [[ ${1:0:1} == - ]]; then
    set -- postgres "$@"
fi

if [[ $1 == postgres && $(id -u) == 0 ]]; then
    # Started as root: give the data and socket directories to postgres, then
    # re-run this script as postgres (the official image uses gosu; setpriv is
    # already in util-linux).
    mkdir -p "${PGDATA}"
    find "${PGDATA}" \! -user postgres -exec chown postgres:postgres '{}' +
    chmod 0700 "${PGDATA}"
    mkdir -p /var/run/postgresql
    chown postgres:postgres /var/run/postgresql
    chmod 3777 /var/run/postgresql
    exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

if [[ $1 == postgres && ! -s ${PGDATA}/PG_VERSION ]]; then
    file_env POSTGRES_PASSWORD
    file_env POSTGRES_USER postgres
    file_env POSTGRES_DB "${POSTGRES_USER}"
    file_env POSTGRES_INITDB_ARGS
    auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
    if [[ -z ${POSTGRES_PASSWORD} && ${auth} != trust ]]; then
        echo >&2 "error: the database is uninitialised and no superuser password is set."
        echo >&2 "  Expected POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE (or POSTGRES_HOST_AUTH_METHOD=trust)."
        exit 1
    fi
    mkdir -p "${PGDATA}"
    chmod 0700 "${PGDATA}"
    # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of options
    initdb --username="${POSTGRES_USER}" --pwfile=<(printf '%s\n' "${POSTGRES_PASSWORD}") \
        --auth-local=trust --auth-host="${auth}" ${POSTGRES_INITDB_ARGS} --pgdata="${PGDATA}" >/dev/null
    printf '\nhost all all all %s\n' "${auth}" >>"${PGDATA}/pg_hba.conf"

    # A server on the socket only, for the initialisation steps.
    pg_ctl --pgdata="${PGDATA}" --wait --silent -o "-c listen_addresses='' -p 5432" start
    export PGUSER=${POSTGRES_USER} PGDATABASE=postgres PGHOST=/var/run/postgresql
    psql=(psql --no-psqlrc --quiet --set ON_ERROR_STOP=1)
    if [[ ${POSTGRES_DB} != postgres ]]; then
        "${psql[@]}" --set db="${POSTGRES_DB}" <<<'CREATE DATABASE :"db";'
    fi
    export PGDATABASE=${POSTGRES_DB}
    shopt -s nullglob
    for f in /docker-entrypoint-initdb.d/*; do
        case ${f} in
            *.sh)
                echo "running ${f}"
                # shellcheck disable=SC1090 # the user's init script
                . "${f}"
                ;;
            *.sql) echo "running ${f}"; "${psql[@]}" -f "${f}" ;;
            *.sql.gz) echo "running ${f}"; gunzip -c "${f}" | "${psql[@]}" ;;
            *) echo "ignoring ${f}" ;;
        esac
    done
    shopt -u nullglob
    pg_ctl --pgdata="${PGDATA}" --wait --silent -m fast stop
    unset PGUSER PGDATABASE PGHOST
    echo "PostgreSQL init process complete; ready for start up."
fi

unset POSTGRES_PASSWORD
exec "$@"

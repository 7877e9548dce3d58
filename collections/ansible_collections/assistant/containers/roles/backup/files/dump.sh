# shellcheck shell=bash
# Run by bash inside the PostgreSQL container (docker exec ... bash -c "$(cat dump.sh)" dump META_FILE META_SQL):
# one REPEATABLE READ transaction exports its snapshot and answers META_SQL (row counts per table, size, schema
# head); pg_dump then dumps that same snapshot, so the counts and the dump agree. The dump (custom format) goes to
# stdout, META_SQL's one-line JSON answer to META_FILE (a small file in the container's /tmp).
# Only the official image's tools: bash, psql, pg_dump.
set -euo pipefail
meta=$1
sql=$2
user=${POSTGRES_USER:-postgres}
db=${POSTGRES_DB:-$user}
errors=$(mktemp)
fail() {
    echo "backup: $1: $(tail -n 5 "${errors}" 2>/dev/null | tr '\n' ' ')" >&2
    rm -f "${errors}"
    exit 1
}
coproc PSQL { exec psql -X -q -A -t -v ON_ERROR_STOP=1 --username="${user}" --dbname="${db}" 2>"${errors}"; }
# shellcheck disable=SC2153 # PSQL_PID is set by coproc
psql_pid=${PSQL_PID}
exec {to_psql}>&"${PSQL[1]}" {from_psql}<&"${PSQL[0]}"
printf '%s\n' 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;' 'SELECT pg_export_snapshot();' >&"${to_psql}"
IFS= read -r -t 60 snapshot <&"${from_psql}" || fail "could not export a snapshot"
printf '%s\n' "${sql}" >&"${to_psql}"
IFS= read -r -t 3600 answer <&"${from_psql}" || fail "could not count the rows"
pg_dump --snapshot="${snapshot}" --format=custom --username="${user}" --dbname="${db}" 2>"${errors}" \
    || fail "pg_dump failed"
printf '%s\n' 'COMMIT;' '\q' >&"${to_psql}"
exec {to_psql}>&-
wait "${psql_pid}" || fail "the snapshot's transaction ended with an error"
printf '%s\n' "${answer}" >"${meta}"
rm -f "${errors}"

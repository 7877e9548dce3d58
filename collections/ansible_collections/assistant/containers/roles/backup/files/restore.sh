# shellcheck shell=bash
# Run by bash inside the live PostgreSQL container, the dump (pg_dump custom format) on stdin
# (docker exec -i ... bash -c "$(cat restore.sh)" restore < DUMP). In ONE transaction: every schema
# outside the system ones is dropped (objects a newer schema added go too), public is created again
# as initdb makes it, and the dump is replayed. COMMIT is sent only when pg_restore read the whole
# dump; any error, or a dump cut short, ends the session without it and the server rolls the
# transaction back: the database is then exactly as it was. Only the image's bash, psql, pg_restore.
set -euo pipefail
user=${POSTGRES_USER:-postgres}
db=${POSTGRES_DB:-$user}
{
    cat <<'SQL'
SET client_min_messages = warning;
BEGIN;
DO $drop$ DECLARE s name; BEGIN
  FOR s IN SELECT nspname FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s);
  END LOOP;
END $drop$;
CREATE SCHEMA public AUTHORIZATION pg_database_owner;
GRANT USAGE ON SCHEMA public TO PUBLIC;
COMMENT ON SCHEMA public IS 'standard public schema';
SQL
    # --clean --if-exists: a dump that carries schema public drops the one created above first.
    if pg_restore --clean --if-exists --file=-; then
        printf '%s\n' 'COMMIT;'
    else
        echo "restore: pg_restore could not read the whole dump; nothing was committed" >&2
        exit 1
    fi
} | psql -X -q -v ON_ERROR_STOP=1 --username="${user}" --dbname="${db}" --file=- >/dev/null

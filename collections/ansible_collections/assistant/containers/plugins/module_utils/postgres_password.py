# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Pure logic of a PostgreSQL password rotation: SCRAM-SHA-256 verifiers, computed and compared.

PostgreSQL keeps a role's password in its data directory as a SCRAM-SHA-256 verifier
(``SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>``, RFC 5802 and RFC 7677); the
official image reads POSTGRES_PASSWORD_FILE only when it creates the database. When the
secret changes, the role must be given the new password: ``ALTER ROLE ... PASSWORD '<verifier>'``
with a verifier computed here, so that the password itself never reaches the server, its logs or
a command line. Whether the role already has the password is decided by recomputing the stored
verifier with its own salt and iteration count. Nothing here talks to PostgreSQL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import stringprep
import unicodedata

ITERATIONS = 4096  # PostgreSQL's scram_iterations default
SALT_BYTES = 16  # PostgreSQL's SCRAM_DEFAULT_SALT_LEN
_VERIFIER = re.compile(
    r"^SCRAM-SHA-256\$(?P<iterations>[0-9]+):(?P<salt>[A-Za-z0-9+/=]+)"
    r"\$(?P<stored>[A-Za-z0-9+/=]+):(?P<server>[A-Za-z0-9+/=]+)$"
)
_PROHIBITED = (
    stringprep.in_table_c12,
    stringprep.in_table_c21,
    stringprep.in_table_c22,
    stringprep.in_table_c3,
    stringprep.in_table_c4,
    stringprep.in_table_c5,
    stringprep.in_table_c6,
    stringprep.in_table_c7,
    stringprep.in_table_c8,
    stringprep.in_table_c9,
)


class PostgresPasswordError(ValueError):
    """The input cannot be used; the message says what was found and what is accepted."""


def saslprep(password):
    """The password as PostgreSQL hashes it (pg_saslprep): SASLprep (RFC 4013), or as is when that fails."""
    if password.isascii():
        # Printable ASCII is unchanged by SASLprep; PostgreSQL takes ASCII with control characters as is.
        return password
    mapped = "".join(" " if stringprep.in_table_c12(c) else c for c in password if not stringprep.in_table_b1(c))
    normalized = unicodedata.normalize("NFKC", mapped)
    if any(check(c) for c in normalized for check in _PROHIBITED) or any(stringprep.in_table_a1(c) for c in normalized):
        return password
    rand_al = [stringprep.in_table_d1(c) for c in normalized]
    # RFC 3454, 6: a string with right-to-left characters has no left-to-right one and starts and ends with one.
    if any(rand_al) and (any(stringprep.in_table_d2(c) for c in normalized) or not (rand_al[0] and rand_al[-1])):
        return password
    return normalized


def scram_keys(password, salt, iterations):
    """(StoredKey, ServerKey) of a password, salt and iteration count."""
    salted = hashlib.pbkdf2_hmac("sha256", saslprep(password).encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    return hashlib.sha256(client_key).digest(), server_key


def scram_verifier(password, salt=None, iterations=ITERATIONS):
    """The SCRAM-SHA-256 verifier PostgreSQL stores for a password (a random salt unless one is given)."""
    if not isinstance(password, str) or password == "":
        raise PostgresPasswordError("expected the new PostgreSQL password as a non-empty string")
    salt = os.urandom(SALT_BYTES) if salt is None else salt
    stored, server = scram_keys(password, salt, iterations)

    def b64(b):
        return base64.b64encode(b).decode("ascii")

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored)}:{b64(server)}"


def verifier_matches(verifier, password):
    """Whether a stored verifier (pg_authid.rolpassword) is one of this password. Not SCRAM (md5, none): False."""
    found = _VERIFIER.match((verifier or "").strip())
    if not found:
        return False
    salt = base64.b64decode(found["salt"])
    stored, server = scram_keys(password, salt, int(found["iterations"]))
    return hmac.compare_digest(stored, base64.b64decode(found["stored"])) and hmac.compare_digest(
        server, base64.b64decode(found["server"])
    )


def quote_ident(name):
    """A PostgreSQL identifier in double quotes."""
    if not isinstance(name, str) or not name or "\x00" in name:
        raise PostgresPasswordError(f"expected the PostgreSQL role as a non-empty string, got {name!r}")
    return '"' + name.replace('"', '""') + '"'


def password_rotation(current, password, role="", salt=None):
    """{rotate, sql}: whether the role's stored verifier is of another password, and the statement that sets it.

    current is pg_authid.rolpassword of the role as psql printed it (empty when the role has none).
    password is the secret file's content; trailing newlines are dropped, as the official image's
    file_env and the app do when they read it. role "" means the role psql connects as (CURRENT_USER).
    The statement holds a verifier, never the password: base64, '$' and ':' only, safe in a literal.
    """
    if isinstance(password, str):
        password = password.rstrip("\n")
    if not isinstance(password, str) or password == "":
        raise PostgresPasswordError("expected the new PostgreSQL password (postgres_password) as a non-empty string")
    target = "CURRENT_USER" if role == "" else quote_ident(role)
    if verifier_matches(current, password):
        return {"rotate": False, "sql": ""}
    return {"rotate": True, "sql": f"ALTER ROLE {target} PASSWORD '{scram_verifier(password, salt)}';"}


def psql_argv(query=None):
    """The argv that runs psql in the official postgres image as the role and database its entrypoint created
    (POSTGRES_USER, POSTGRES_DB), stopping at the first error: ``query`` with unaligned tuples only, or
    without one the statements on standard input (so that they never appear on a command line)."""
    command = (
        'exec psql -X -q -A -t -v ON_ERROR_STOP=1 --username="$POSTGRES_USER" --dbname="${POSTGRES_DB:-$POSTGRES_USER}"'
    )
    if query is None:
        return ["sh", "-c", command]
    return ["sh", "-c", command + ' -c "$1"', "psql", query]


def secret_file(paths, secret):
    """The first of ``paths`` that is the secret's file: named ``secret`` or ``secret.<suffix>`` (the compose
    role writes one copy per reading UID), or None."""
    for path in sorted(paths):
        base = path.rsplit("/", 1)[-1]
        if base == secret or base.startswith(secret + "."):
            return path
    return None


def secret_readers(compose, secret):
    """The services of a rendered compose document that mount a secret (by its target name), in file order."""
    services = (compose or {}).get("services") if isinstance(compose, dict) else None
    if not isinstance(services, dict):
        raise PostgresPasswordError("expected a compose document with a services mapping")
    readers = []
    for name, spec in services.items():
        for entry in (spec or {}).get("secrets") or []:
            target = entry if isinstance(entry, str) else (entry.get("target") or entry.get("source"))
            if target == secret:
                readers.append(name)
                break
    return readers

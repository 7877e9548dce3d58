# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.assistant.containers.plugins.filter.secret_rotation import FilterModule, secret_readers
from ansible_collections.assistant.containers.plugins.module_utils.postgres_password import (
    PostgresPasswordError,
    password_rotation,
    psql_argv,
    quote_ident,
    saslprep,
    scram_keys,
    scram_verifier,
    secret_file,
    verifier_matches,
)

# Verifiers PostgreSQL 15 stored for CREATE ROLE ... PASSWORD '<password>' (pg_authid.rolpassword).
POSTGRES_VERIFIERS = [
    (
        "pencil",
        "SCRAM-SHA-256$4096:Pyz3gqFoMBFRC142lIk/sA==$4XmpVFxQYzTLRH/NSIflYTpLmXJtDCuyI/FQEv3AUH0="
        ":FGJFLo0dwE3mjihhiTKoxufN0I9znINnd6EcVbLf0i0=",
    ),
    (
        "pässwörd ½",
        "SCRAM-SHA-256$4096:jfTpEqgT+iXJjKq6FdJXCw==$GdFIoURI+9aeNpXsiQjvDumrLmDndmrESo23jaq3CQY="
        ":jzmy2B2MHIJu7cmwj6Gh3xxt4qNEDOw7ch4hIldqJMk=",
    ),
    (
        "correct horse battery staple",
        "SCRAM-SHA-256$4096:rWE/8Cop3VEbN8Hj8kKoQA==$vfgKpHYTKPDL7HBL+GAKpdlPmmvAPVGwGWowCgd3g0w="
        ":aDftrHQ7ZDNC91boSkWUdXo7n8wY7/JbI0LGpNY8XM0=",
    ),
]


@pytest.mark.parametrize(("password", "verifier"), POSTGRES_VERIFIERS)
def test_postgres_verifiers_match_their_password_only(password, verifier):
    assert verifier_matches(verifier, password)
    assert not verifier_matches(verifier, password + "x")
    # The same password with the same salt gives PostgreSQL's verifier byte for byte.
    salt = base64.b64decode(verifier.split(":")[1].split("$")[0])
    assert scram_verifier(password, salt=salt) == verifier


def test_rfc7677_exchange():
    """RFC 7677's SCRAM-SHA-256 example: the keys give its ClientProof and ServerSignature."""
    salt = base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ==")
    stored, server = scram_keys("pencil", salt, 4096)
    auth = (
        b"n=user,r=rOprNGfwEbeRWgbNEkqO,"
        b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,"
        b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
    )
    server_signature = hmac.new(server, auth, hashlib.sha256).digest()
    assert base64.b64encode(server_signature).decode() == "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
    # ClientKey = ClientProof XOR ClientSignature; its SHA-256 is StoredKey.
    proof = base64.b64decode("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
    client_signature = hmac.new(stored, auth, hashlib.sha256).digest()
    client_key = bytes(a ^ b for a, b in zip(proof, client_signature, strict=True))
    assert hashlib.sha256(client_key).digest() == stored


@pytest.mark.parametrize(
    ("current", "rotate"),
    [
        (POSTGRES_VERIFIERS[0][1], False),
        (POSTGRES_VERIFIERS[2][1], True),
        ("", True),
        ("md5" + "0" * 32, True),
        ("SCRAM-SHA-256$garbage", True),
        (POSTGRES_VERIFIERS[0][1] + "\n", False),
    ],
)
def test_rotation_only_when_the_stored_verifier_is_of_another_password(current, rotate):
    out = password_rotation(current, "pencil", "assistant", salt=b"0123456789abcdef")
    assert out["rotate"] is rotate
    if rotate:
        assert out["sql"].startswith('ALTER ROLE "assistant" PASSWORD \'SCRAM-SHA-256$4096:')
        assert "pencil" not in out["sql"]
        verifier = out["sql"].split("'")[1]
        assert verifier_matches(verifier, "pencil")
    else:
        assert out["sql"] == ""


def test_current_user_and_trailing_newlines():
    out = password_rotation("", "pencil\n", "", salt=b"0123456789abcdef")
    assert out["sql"].startswith("ALTER ROLE CURRENT_USER PASSWORD 'SCRAM-SHA-256$4096:")
    assert verifier_matches(out["sql"].split("'")[1], "pencil")
    assert password_rotation(POSTGRES_VERIFIERS[0][1], "pencil\n")["rotate"] is False


def test_a_new_verifier_has_a_random_salt():
    a = password_rotation("", "pencil", "assistant")["sql"]
    b = password_rotation("", "pencil", "assistant")["sql"]
    assert a != b


@pytest.mark.parametrize(
    ("name", "quoted"), [("assistant", '"assistant"'), ('we"ird', '"we""ird"'), ("Mixed Case", '"Mixed Case"')]
)
def test_quote_ident(name, quoted):
    assert quote_ident(name) == quoted


@pytest.mark.parametrize(
    ("password", "role", "message"),
    [
        ("", "assistant", "non-empty string"),
        ("\n", "assistant", "non-empty string"),
        (None, "assistant", "non-empty string"),
        ("pencil", None, "PostgreSQL role"),
        ("pencil", "a\x00b", "PostgreSQL role"),
    ],
)
def test_bad_input(password, role, message):
    with pytest.raises(PostgresPasswordError, match=message):
        password_rotation("", password, role)


@pytest.mark.parametrize(
    ("password", "prepared"),
    [
        ("pencil", "pencil"),
        ("tab\tin ascii", "tab\tin ascii"),
        ("I\u00adX", "IX"),  # soft hyphen: mapped to nothing
        ("a\u00a0b", "a b"),  # no-break space: a space
        ("\u2168", "IX"),  # roman numeral nine: NFKC
        ("a\u0007\u00e9", "a\u0007\u00e9"),  # a prohibited control character: as is
    ],
)
def test_saslprep(password, prepared):
    assert saslprep(password) == prepared


COMPOSE = {
    "services": {
        "postgres": {"secrets": [{"source": "postgres_password_999", "target": "postgres_password"}]},
        "redis": {"secrets": [{"source": "redis_conf_999", "target": "redis_conf"}]},
        "api": {"secrets": [{"source": "postgres_password", "target": "postgres_password"}, "app_secret_key"]},
        "nginx": {},
        "worker": {"secrets": ["postgres_password"]},
    }
}


@pytest.mark.parametrize(
    ("secret", "readers"),
    [
        ("postgres_password", ["postgres", "api", "worker"]),
        ("app_secret_key", ["api"]),
        ("redis_conf", ["redis"]),
        ("nothing", []),
    ],
)
def test_secret_readers(secret, readers):
    assert secret_readers(COMPOSE, secret) == readers


@pytest.mark.parametrize("doc", [None, {}, {"services": []}, "services: {}"])
def test_secret_readers_refuse_a_document_without_services(doc):
    with pytest.raises(AnsibleFilterError, match="services mapping"):
        secret_readers(doc, "postgres_password")


def test_filters_are_registered():
    assert set(FilterModule().filters()) == {"secret_readers"}


def test_psql_argv_keeps_the_query_off_the_shell_and_statements_on_stdin():
    query = "SELECT rolpassword FROM pg_authid WHERE rolname = current_user"
    argv = psql_argv(query)
    assert argv[:2] == ["sh", "-c"] and argv[-2:] == ["psql", query]
    # The query is a positional argument of the shell, never spliced into its script.
    assert query not in argv[2] and argv[2].endswith(' -c "$1"')
    assert '--username="$POSTGRES_USER"' in argv[2] and "ON_ERROR_STOP=1" in argv[2]
    assert psql_argv() == ["sh", "-c", argv[2][: -len(' -c "$1"')]]


@pytest.mark.parametrize(
    ("paths", "found"),
    [
        (["/s/postgres_password.999", "/s/postgres_password.70"], "/s/postgres_password.70"),
        (["/s/postgres_password"], "/s/postgres_password"),
        (["/s/postgres_password_old", "/s/redis_password.999"], None),
        ([], None),
    ],
)
def test_secret_file(paths, found):
    assert secret_file(paths, "postgres_password") == found

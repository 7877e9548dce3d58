# Copyright (c) 2026, assistant.containers contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The proxy role's decisions: its options' checks and the command that checks nginx.conf before it lands.

Pure functions, no Ansible; the role calls them through plugins/filter/proxy.py.
"""

from __future__ import annotations

import re
import shlex

from ansible_collections.assistant.containers.plugins.module_utils import input_checks as ic

ROUTE_KEYS = ("name", "location", "upstream", "rate", "burst", "max_body_size")
_ROUTE_NAME_RE = re.compile(r"[a-z][a-z0-9_]*")
_LOCATION_RE = re.compile(r"/[^\s;{}\"'\\]*")
_HEADER_NAME_RE = re.compile(r"[A-Za-z0-9-]+")
_ENV_RE = re.compile(r"[a-z0-9][a-z0-9_-]*")
_PEM_CERT_RE = re.compile(r"\s*(?:-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\s*)+")
_PEM_KEY_RE = re.compile(
    r"\s*-----BEGIN (?P<kind>[A-Z ]*)PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END (?P=kind)PRIVATE KEY-----\s*"
)
_SERVER_NAME_RE = re.compile(r"_|(?:\*\.)?[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?:\.\*)?")
MAX_RATE = 100000
MAX_BURST = 100000
MAX_KEEPALIVE = 1024
MAX_TLS_DAYS = 3650
# nginx: proxy_connect_timeout "usually cannot exceed 75 seconds".
MAX_CONNECT_TIMEOUT = 75
MAX_READ_TIMEOUT = 86400
MAX_HSTS_AGE = 2**31 - 1


def problems(options, check_tls_material=False):
    """Every problem of the proxy role's options, as sentences (empty when all are accepted)."""
    p = ic.Problems()
    o = options
    if "proxy_env" in o:
        p.check(
            "proxy_env",
            o["proxy_env"],
            ic.name,
            "lowercase letters, digits, - and _ (dev, stage, prod)",
            pattern=_ENV_RE,
        )
    _routes(p, o.get("proxy_routes", []))
    _tls(p, o, check_tls_material)
    _server(p, o)
    return list(p)


def _routes(p, routes):
    if not isinstance(routes, (list, tuple)):
        p.add("proxy_routes", routes, f"is {ic._kind(routes)}", "a list of routes")
        return
    if not routes:
        p.append("proxy_routes is empty: expected at least one route (e.g. location / to api:8000).")
    names, locations = {}, {}
    for i, r in enumerate(routes):
        where = f"proxy_routes[{i}]"
        if not isinstance(r, dict):
            p.add(where, r, f"is {ic._kind(r)}", "a mapping with " + ", ".join(ROUTE_KEYS))
            continue
        for key in r:
            if key not in ROUTE_KEYS:
                p.append(f"{where}.{key}: unknown key; expected {', '.join(ROUTE_KEYS)}.")
        if p.check(
            f"{where}.name",
            r.get("name"),
            ic.name,
            "lower-case letters, digits and _, starting with a letter",
            pattern=_ROUTE_NAME_RE,
        ):
            if r["name"] in names:
                p.append(
                    f"{where}.name = {ic.show(r['name'])}: also the name of proxy_routes[{names[r['name']]}];"
                    " expected each name once (each name is a rate limit zone)."
                )
            names.setdefault(r["name"], i)
        if p.check(
            f"{where}.location",
            r.get("location"),
            ic.name,
            "a path prefix starting with /, without spaces, quotes, backslashes or ; { }",
            pattern=_LOCATION_RE,
        ):
            if r["location"] in locations:
                p.append(
                    f"{where}.location = {ic.show(r['location'])}: also the location of"
                    f" proxy_routes[{locations[r['location']]}]; expected each location once."
                )
            locations.setdefault(r["location"], i)
        p.check(f"{where}.upstream", r.get("upstream"), upstream, "host:port (e.g. api:8000), a port from 1 to 65535")
        p.check(
            f"{where}.rate",
            r.get("rate"),
            ic.count,
            f"requests per second, an integer from 1 to {MAX_RATE}",
            low=1,
            high=MAX_RATE,
        )
        p.check(f"{where}.burst", r.get("burst"), ic.count, f"an integer from 0 to {MAX_BURST}", low=0, high=MAX_BURST)
        p.check(f"{where}.max_body_size", r.get("max_body_size"), ic.nginx_size, "an nginx size (e.g. 64k, 1m)")


def upstream(value):
    """host:port as nginx's proxy_pass and Docker's DNS take it."""
    problem = ic.text(value, empty=False)
    if problem:
        return problem
    host, sep, port = value.rpartition(":")
    if not sep or not host:
        return "has no :port"
    if ic.service_host(host):
        return "has an invalid host"
    if ic.port(port):
        return "has an invalid port"
    return None


def _tls(p, o, check_material):
    mode = o.get("proxy_tls_mode", "off")
    if "proxy_tls_dir" in o:
        p.check("proxy_tls_dir", o["proxy_tls_dir"], ic.absolute_path, "an absolute path without control characters")
    if "proxy_tls_common_name" in o:
        p.check(
            "proxy_tls_common_name",
            o["proxy_tls_common_name"],
            ic.hostname,
            "a host name (letters, digits, - and . labels), the certificate's subject",
        )
    names = o.get("proxy_tls_alt_names", [])
    if isinstance(names, (list, tuple)):
        for i, alt in enumerate(names):
            p.check(f"proxy_tls_alt_names[{i}]", alt, alt_name, "DNS:host.name or IP:address")
    else:
        p.add("proxy_tls_alt_names", names, f"is {ic._kind(names)}", "a list")
    if "proxy_tls_days" in o:
        p.check(
            "proxy_tls_days",
            o["proxy_tls_days"],
            ic.count,
            f"a number of days from 1 to {MAX_TLS_DAYS}",
            low=1,
            high=MAX_TLS_DAYS,
        )
    if mode == "provided" and check_material:
        cert, key = o.get("proxy_tls_certificate", ""), o.get("proxy_tls_key", "")
        expected = "set both from Ansible Vault (vault_proxy_tls_certificate, vault_proxy_tls_key)"
        cert_problem = _pem(cert, _PEM_CERT_RE, "a PEM certificate (BEGIN CERTIFICATE ... END CERTIFICATE)")
        key_problem = _pem(key, _PEM_KEY_RE, "a PEM private key (BEGIN ... PRIVATE KEY ... END ... PRIVATE KEY)")
        if cert_problem:
            p.append(f"proxy_tls_mode is provided but proxy_tls_certificate {cert_problem}: {expected}.")
        if key_problem:
            p.append(f"proxy_tls_mode is provided but proxy_tls_key {key_problem} (value not shown): {expected}.")


def _pem(value, pattern, what):
    if not isinstance(value, str) or not value.strip():
        return "is empty"
    problem = ic.control_character(value, allow="\n")
    if problem:
        return problem + (" (Windows line ends: convert them to \\n)" if "\r" in value else "")
    return None if pattern.fullmatch(value) else f"is not {what}"


def alt_name(value):
    problem = ic.text(value, empty=False)
    if problem:
        return problem
    kind, sep, rest = value.partition(":")
    if kind == "DNS" and sep:
        return "has an invalid host name" if ic.name(rest, _SERVER_NAME_RE) else None
    if kind == "IP" and sep:
        return "has an invalid address" if ic.ip_address(rest) else None
    return "does not start with DNS: or IP:"


def _server(p, o):
    if "proxy_server_name" in o:
        value = o["proxy_server_name"]
        problem = ic.text(value, empty=False)
        if not problem:
            bad = [n for n in value.split(" ") if not _SERVER_NAME_RE.fullmatch(n)]
            problem = f"has the name {ic.show(bad[0])}, which is not a host name" if bad else None
        if problem:
            p.add(
                "proxy_server_name",
                value,
                problem,
                "host names separated by single spaces (a leading *. or trailing .* allowed), or _ for any",
            )
    ports = {}
    for var in ("proxy_http_port", "proxy_https_port", "proxy_public_https_port"):
        if var in o and p.check(var, o[var], ic.port, ic.EXPECTED_PORT):
            ports[var] = ic.as_int(o[var])
    if ports.get("proxy_http_port") is not None and ports.get("proxy_http_port") == ports.get("proxy_https_port"):
        p.append(
            f"proxy_http_port and proxy_https_port are both {ports['proxy_http_port']}: expected two different ports."
        )
    if "proxy_rate_limit_status" in o:
        p.check(
            "proxy_rate_limit_status",
            o["proxy_rate_limit_status"],
            ic.count,
            "an HTTP status from 400 to 599",
            low=400,
            high=599,
        )
    if "proxy_upstream_keepalive" in o:
        p.check(
            "proxy_upstream_keepalive",
            o["proxy_upstream_keepalive"],
            ic.count,
            f"an integer from 0 to {MAX_KEEPALIVE}",
            low=0,
            high=MAX_KEEPALIVE,
        )
    if "proxy_resolver" in o:
        p.check(
            "proxy_resolver",
            o["proxy_resolver"],
            resolver,
            "an IPv4 address with an optional :port, or an IPv6 address in brackets (Docker's DNS is 127.0.0.11)",
        )
    if "proxy_resolver_valid" in o:
        p.check("proxy_resolver_valid", o["proxy_resolver_valid"], ic.nginx_time, "an nginx time such as 2s, 10s or 1m")
    for var, high in (("proxy_connect_timeout", MAX_CONNECT_TIMEOUT), ("proxy_read_timeout", MAX_READ_TIMEOUT)):
        if var in o:
            p.check(var, o[var], ic.count, f"seconds, an integer from 1 to {high}", low=1, high=high)
    if "proxy_hsts_max_age" in o:
        p.check(
            "proxy_hsts_max_age",
            o["proxy_hsts_max_age"],
            ic.count,
            f"seconds, from 0 to {MAX_HSTS_AGE}",
            low=0,
            high=MAX_HSTS_AGE,
        )
    headers = o.get("proxy_security_headers", {})
    if isinstance(headers, dict):
        for header, value in headers.items():
            if p.check(
                "proxy_security_headers key",
                header,
                ic.name,
                "a header name of letters, digits and -",
                pattern=_HEADER_NAME_RE,
            ):
                p.check(
                    f"proxy_security_headers.{header}",
                    value,
                    ic.text,
                    "a header value without control characters",
                    empty=False,
                )
    else:
        p.add("proxy_security_headers", headers, f"is {ic._kind(headers)}", "a mapping of header names to values")
    if "proxy_image" in o:
        p.check("proxy_image", o["proxy_image"], ic.image_reference, ic.EXPECTED_IMAGE)
    if "proxy_docker_cli" in o:
        p.check("proxy_docker_cli", o["proxy_docker_cli"], ic.text, "a command without control characters", empty=False)
    if "proxy_extra_server_config" in o:
        p.check(
            "proxy_extra_server_config",
            o["proxy_extra_server_config"],
            ic.text,
            "nginx directives: lines ending in \\n, no other control character (no carriage return)",
            allow="\n\t",
        )


def resolver(value):
    problem = ic.text(value, empty=False)
    if problem:
        return problem
    host, port = value, None
    if value.startswith("["):
        host, bracket, rest = value[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return "is not [address] or [address]:port"
        port = rest[1:] or None
    elif value.count(":") == 1:
        host, port = value.split(":")
    elif ":" in value:
        return "is an IPv6 address without brackets"
    if port is not None and ic.port(port):
        return "has an invalid port"
    return "is not an IP address" if ic.ip_address(host) else None


def validate_command(docker_cli, image, routes, tls_dir="", tls=False):
    """nginx -t in a throwaway container of the very image, with no network (%s: the file about to land).

    ``--add-host`` lets upstream blocks (proxy_upstream_keepalive) resolve the backends' names.
    """
    hosts = []
    for r in routes:
        host = str(r["upstream"]).rpartition(":")[0]
        if host not in hosts:
            hosts.append(host)
    argv = [*shlex.split(docker_cli), "run", "--rm", "--network", "none", "-v", "%s:/etc/nginx/nginx.conf:ro"]
    if tls:
        argv += ["-v", f"{tls_dir}:/etc/nginx/tls:ro"]
    for host in hosts:
        argv += ["--add-host", f"{host}:127.0.0.1"]
    argv += [image, "nginx", "-t", "-q", "-c", "/etc/nginx/nginx.conf"]
    return " ".join(shlex.quote(a) for a in argv)

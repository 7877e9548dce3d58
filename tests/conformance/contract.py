"""The official images' interface, as data, and the checks of an image against it.

One table per image (``CONTRACT``), each fact read in the official image's own
sources, which ``source`` names (repository@commit:path). A look-alike must match both ways: what
the official image has is there (tools on PATH, users and UIDs, entrypoint,
command, working directory, volumes, ports, stop signal, environment), and what
it lacks is absent (no curl/wget/nc where the official image has none, no shell
in a FROM scratch image, no HEALTHCHECK, no other environment variable, none of
our build helpers). The checks here are pure functions over ``docker image
inspect`` output and the image's file listing, so they are unit-tested without
Docker; test_conformance.py feeds them real images and adds behaviour checks
(containers started the way the official documentation starts them).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# Our old look-alikes' additions and today's build helpers: never in any image.
HELPERS = ("http-probe", "healthcheck.sh", "apt-install", "rootfs-copy", "rootfs-busybox")
# Probe tools a health check might use; each image lists which of them the official one has.
PROBES = ("curl", "wget", "nc", "ncat", "netcat", "socat", "telnet", "python3", "perl")
SHELLS = ("sh", "bash", "ash", "dash", "busybox")

# prom/busybox: busybox's applets that matter here (prometheus/busybox@869afd42, docker-library/busybox).
BUSYBOX_TOOLS = (
    "sh",
    "ash",
    "wget",
    "nc",
    "cat",
    "ls",
    "grep",
    "sed",
    "awk",
    "ps",
    "id",
    "env",
    "sleep",
    "vi",
    "busybox",
)
BUSYBOX_LACKS = ("curl", "bash", "dash", "python3", "perl", "apt-get", "dpkg-query", "socat", "ncat")
BUSYBOX_USERS = {"root": (0, 0), "nobody": (65534, 65534)}
BUSYBOX_FILES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/services", "/etc/nsswitch.conf", "/usr/share/zoneinfo/UTC")


@dataclass(frozen=True)
class Image:
    """What the official image offers (``has``) and lacks (``lacks``)."""

    official: str
    source: str
    user: str
    entrypoint: list[str] | None
    cmd: list[str] | None
    workdir: str = ""
    volumes: tuple[str, ...] = ()
    ports: tuple[str, ...] = ()
    stop_signal: str = ""
    # Environment the interface depends on: name -> value.
    env: dict[str, str] = field(default_factory=dict)
    # The official image's other variables: its build's metadata (versions, checksums), not kept here.
    env_build_only: tuple[str, ...] = ()
    tools: tuple[str, ...] = ()
    lacks: tuple[str, ...] = ()
    users: dict[str, tuple[int, int]] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    # What differs from the official image and cannot be otherwise (reported, not failed).
    differences: tuple[str, ...] = ()


CONTRACT: dict[str, Image] = {
    "postgres": Image(
        official="postgres:17",
        source="docker-library/postgres@6edb0a8c:17/trixie/{Dockerfile,docker-entrypoint.sh}",
        user="",
        entrypoint=["docker-entrypoint.sh"],
        cmd=["postgres"],
        volumes=("/var/lib/postgresql/data",),
        ports=("5432/tcp",),
        stop_signal="SIGINT",
        env={
            "PATH": DEFAULT_PATH + ":/usr/lib/postgresql/17/bin",
            "LANG": "en_US.utf8",
            "PG_MAJOR": "17",
            "PGDATA": "/var/lib/postgresql/data",
        },
        env_build_only=("GOSU_VERSION", "PG_VERSION"),
        tools=(
            "bash",
            "sh",
            "pg_isready",
            "psql",
            "postgres",
            "initdb",
            "pg_ctl",
            "gosu",
            "docker-entrypoint.sh",
            "docker-ensure-initdb.sh",
            "docker-enforce-initdb.sh",
            "getent",
            "xz",
            "zstd",
            "gunzip",
            "less",
        ),
        lacks=("curl", "wget", "nc", "ncat", "netcat", "socat", "busybox", "python3"),
        users={"postgres": (999, 999)},
        files=("/docker-entrypoint-initdb.d", "/var/run/postgresql", "/usr/share/postgresql/17/postgresql.conf.sample"),
        differences=(
            "PostgreSQL 17 from Debian (postgresql-17), not from the PGDG repository",
            "gosu from Debian (/usr/sbin/gosu, linked from /usr/local/bin/gosu)",
            "no gnupg (the official image keeps it from adding the PGDG key)",
        ),
    ),
    "redis": Image(
        official="redis:8.0",
        source="redis/docker-library-redis@7f238518:debian/Dockerfile; debian/docker-entrypoint.sh (stored 0d55be9a)",
        user="",
        entrypoint=["docker-entrypoint.sh"],
        cmd=["redis-server"],
        workdir="/data",
        volumes=("/data",),
        ports=("6379/tcp",),
        env={"PATH": DEFAULT_PATH},
        env_build_only=("REDIS_VERSION", "REDIS_DOWNLOAD_URL", "REDIS_DOWNLOAD_SHA", "GOSU_VERSION"),
        tools=(
            "bash",
            "sh",
            "redis-server",
            "redis-cli",
            "redis-sentinel",
            "redis-benchmark",
            "redis-check-aof",
            "redis-check-rdb",
            "setpriv",
            "docker-entrypoint.sh",
            "cat",
            "grep",
        ),
        lacks=("curl", "wget", "nc", "ncat", "netcat", "socat", "busybox", "gosu", "python3"),
        users={"redis": (999, 999)},
        files=("/usr/local/bin/redis-server", "/usr/local/bin/redis-cli", "/usr/local/lib/redis/modules"),
        differences=(
            "Redis 8.0.2 from Debian (the official 8.0 line ends at 8.0.6)",
            "no modules (RediSearch, RedisJSON, time series, Bloom): Debian packages none",
            "protected mode: upstream compiles it off; the entrypoint passes --protected-mode no unless set",
        ),
    ),
    "nginx": Image(
        official="nginx:1.26",
        source="nginxinc/docker-nginx@cffeb933:stable/debian/{Dockerfile,docker-entrypoint.sh,*.sh,*.envsh}",
        user="",
        entrypoint=["/docker-entrypoint.sh"],
        cmd=["nginx", "-g", "daemon off;"],
        ports=("80/tcp",),
        stop_signal="SIGQUIT",
        env={"PATH": DEFAULT_PATH},
        env_build_only=("NGINX_VERSION", "NJS_VERSION", "NJS_RELEASE", "PKG_RELEASE", "DYNPKG_RELEASE"),
        tools=("bash", "sh", "nginx", "curl", "envsubst", "awk", "sed", "find", "sort", "md5sum"),
        lacks=("wget", "nc", "ncat", "netcat", "socat", "busybox", "python3"),
        users={"nginx": (101, 101)},
        files=(
            "/docker-entrypoint.sh",
            "/docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
            "/docker-entrypoint.d/15-local-resolvers.envsh",
            "/docker-entrypoint.d/20-envsubst-on-templates.sh",
            "/docker-entrypoint.d/30-tune-worker-processes.sh",
            "/etc/nginx/nginx.conf",
            "/etc/nginx/conf.d/default.conf",
            "/etc/nginx/mime.types",
            "/usr/share/nginx/html/index.html",
            "/usr/share/nginx/html/50x.html",
            "/var/cache/nginx",
        ),
        differences=(
            "nginx 1.26.3 from Debian, not nginx.org's packages: no njs, xslt, geoip or image-filter modules",
            "Debian's temporary paths (/var/lib/nginx/*) lead into /var/cache/nginx",
        ),
    ),
    "prometheus": Image(
        official="prom/prometheus:v2.53.3",
        source="prometheus/prometheus@v2.53.3:Dockerfile; prometheus/busybox@869afd42",
        user="nobody",
        entrypoint=["/bin/prometheus"],
        cmd=[
            "--config.file=/etc/prometheus/prometheus.yml",
            "--storage.tsdb.path=/prometheus",
            "--web.console.libraries=/usr/share/prometheus/console_libraries",
            "--web.console.templates=/usr/share/prometheus/consoles",
        ],
        workdir="/prometheus",
        volumes=("/prometheus",),
        ports=("9090/tcp",),
        env={"PATH": DEFAULT_PATH},
        tools=("prometheus", "promtool", *BUSYBOX_TOOLS),
        lacks=BUSYBOX_LACKS,
        users=BUSYBOX_USERS,
        files=(*BUSYBOX_FILES, "/etc/prometheus/prometheus.yml", "/usr/share/prometheus/console_libraries"),
        differences=(
            "Prometheus 2.53.3 from Debian: the classic web UI from /usr/share/prometheus/web, not the React one",
            "glibc's loader and libc.so.6 (Debian's binaries are linked dynamically; upstream's statically)",
            "busybox from Debian's busybox-static (glibc) with links for the applets listed here, not every applet",
        ),
    ),
    "node_exporter": Image(
        official="prom/node-exporter:v1.9.0",
        source="prometheus/node_exporter@v1.9.0:Dockerfile; prometheus/busybox@869afd42",
        user="nobody",
        entrypoint=["/bin/node_exporter"],
        cmd=None,
        ports=("9100/tcp",),
        env={"PATH": DEFAULT_PATH},
        tools=("node_exporter", *BUSYBOX_TOOLS),
        lacks=BUSYBOX_LACKS,
        users=BUSYBOX_USERS,
        files=BUSYBOX_FILES,
        differences=("glibc's loader and libc.so.6 (Debian's binary is linked dynamically)",),
    ),
    "postgres_exporter": Image(
        official="prometheuscommunity/postgres-exporter:v0.17.1",
        source="prometheus-community/postgres_exporter@v0.17.1:{Dockerfile,cmd/postgres_exporter/datasource.go}",
        user="nobody",
        entrypoint=["/bin/postgres_exporter"],
        cmd=None,
        ports=("9187/tcp",),
        env={"PATH": DEFAULT_PATH},
        tools=("postgres_exporter", *BUSYBOX_TOOLS),
        lacks=BUSYBOX_LACKS,
        users=BUSYBOX_USERS,
        files=BUSYBOX_FILES,
        differences=("glibc's loader and libc.so.6 (Debian's binary is linked dynamically)",),
    ),
    "redis_exporter": Image(
        official="oliver006/redis_exporter:v1.69.0",
        source="oliver006/redis_exporter@v1.69.0:Dockerfile (target scratch-release), exporter/pwd_file.go",
        user="59000:59000",
        entrypoint=["/redis_exporter"],
        cmd=None,
        ports=("9121/tcp",),
        # BuildKit gives a FROM scratch image the default PATH; nothing else.
        env={"PATH": DEFAULT_PATH},
        tools=(),
        lacks=(*SHELLS, *PROBES),
        users={},
        files=("/redis_exporter", "/etc/ssl/certs/ca-certificates.crt", "/etc/nsswitch.conf"),
        differences=(
            "glibc's loader and libc.so.6 next to /redis_exporter (Debian's binary is linked dynamically; upstream's"
            " is static)",
            "the CA bundle only, not /etc/ssl/certs's single certificates",
        ),
    ),
    "registry": Image(
        official="registry:2.8",
        source="distribution/distribution-library-image@39dd72fe:{Dockerfile,docker-entrypoint.sh,config-example.yml}",
        user="",
        entrypoint=["/entrypoint.sh"],
        cmd=["/etc/docker/registry/config.yml"],
        volumes=("/var/lib/registry",),
        ports=("5000/tcp",),
        env={"PATH": DEFAULT_PATH},
        tools=("registry", *BUSYBOX_TOOLS),
        lacks=(*BUSYBOX_LACKS, "htpasswd"),
        users={"root": (0, 0)},
        files=("/etc/docker/registry/config.yml", "/entrypoint.sh", "/etc/ssl/certs/ca-certificates.crt"),
        differences=(
            "busybox (Debian's busybox-static) instead of Alpine's: no apk",
            "distribution 2.8.3 from Debian (docker-registry), linked dynamically with glibc",
        ),
    ),
    "python": Image(
        official="python:3.13-slim-trixie",
        source="docker-library/python@4f070595:3.13/slim-trixie/Dockerfile",
        user="",
        entrypoint=None,
        cmd=["python3"],
        env={"PATH": "/usr/local/bin:" + DEFAULT_PATH},
        env_build_only=("GPG_KEY", "PYTHON_VERSION", "PYTHON_SHA256"),
        tools=("python3", "python", "pip", "pip3", "pydoc", "pydoc3", "bash", "sh"),
        lacks=("curl", "wget", "nc", "ncat", "netcat", "socat", "busybox"),
        users={"root": (0, 0)},
        files=("/usr/local/bin/python3", "/usr/local/bin/pip", "/etc/ssl/certs/ca-certificates.crt", "/etc/services"),
        differences=(
            "Python 3.13.5 from Debian in /usr/bin (linked from /usr/local/bin), not a build of 3.13.x in /usr/local",
            "pip installs into /usr/local/lib/python3.13/dist-packages (Debian's layout), not site-packages",
            "no idle or python-config (Tk and the headers are not in the slim set)",
        ),
    ),
}


# ---------------------------------------------------------------- file listing


@dataclass(frozen=True)
class Entry:
    """One member of an image's file system: kind is file, dir, link (symlink) or other."""

    kind: str
    mode: int = 0o644
    target: str = ""


def resolve(listing: dict[str, Entry], path: str, hops: int = 40) -> str | None:
    """The path ``path`` leads to inside the image, following symlinks in every component, or None."""
    parts = [p for p in path.split("/") if p]
    current = "/"
    while parts:
        current = posixpath.join(current, parts.pop(0))
        entry = listing.get(current)
        if entry is None:
            return None
        if entry.kind == "link":
            hops -= 1
            if hops < 0:
                return None
            target = (
                entry.target
                if entry.target.startswith("/")
                else posixpath.join(posixpath.dirname(current), entry.target)
            )
            parts = [p for p in posixpath.normpath(target).split("/") if p] + parts
            current = "/"
    return posixpath.normpath(current)


def which(listing: dict[str, Entry], name: str, path_env: str) -> str | None:
    """Where ``name`` is found on PATH (an executable file), like the shell's lookup, or None."""
    for directory in path_env.split(":"):
        candidate = posixpath.join(directory or ".", name)
        real = resolve(listing, candidate)
        if real is not None and listing[real].kind == "file" and listing[real].mode & 0o111:
            return candidate
    return None


def anywhere(listing: dict[str, Entry], name: str) -> list[str]:
    """Every path in the image whose last component is ``name``."""
    return sorted(p for p in listing if posixpath.basename(p) == name)


def parse_ids(text: str) -> dict[str, tuple[int, int]]:
    """/etc/passwd: name -> (uid, gid); /etc/group: name -> (gid, gid)."""
    ids = {}
    for line in text.splitlines():
        fields = line.split(":")
        if len(fields) >= 4 and fields[2].isdigit():
            ids[fields[0]] = (int(fields[2]), int(fields[3]) if fields[3].isdigit() else int(fields[2]))
    return ids


# ---------------------------------------------------------------- checks


def env_of(config: dict) -> dict[str, str]:
    return dict(item.split("=", 1) for item in config.get("Env") or [])


def check_config(image: Image, config: dict) -> list[str]:
    """Differences between the image's configuration and the official one's (empty: conforms)."""
    problems = []
    wanted = {
        "User": image.user,
        "Entrypoint": image.entrypoint,
        "Cmd": image.cmd,
        # "" and "/" both start the process in / (BuildKit writes "/" for FROM scratch).
        "WorkingDir": image.workdir or "/",
        "Volumes": sorted(image.volumes),
        "ExposedPorts": sorted(image.ports),
        "StopSignal": image.stop_signal,
    }
    found = {
        "User": config.get("User") or "",
        "Entrypoint": config.get("Entrypoint") or None,
        "Cmd": config.get("Cmd") or None,
        "WorkingDir": config.get("WorkingDir") or "/",
        "Volumes": sorted(config.get("Volumes") or {}),
        "ExposedPorts": sorted(config.get("ExposedPorts") or {}),
        "StopSignal": config.get("StopSignal") or "",
    }
    for key, want in wanted.items():
        if found[key] != want:
            problems.append(f"{key} is {found[key]!r}, the official image's is {want!r}")
    if config.get("Shell"):
        problems.append(f"SHELL {config['Shell']!r}: the official image keeps the default (/bin/sh -c)")
    test = (config.get("Healthcheck") or {}).get("Test") or []
    if test and test != ["NONE"]:
        problems.append(f"HEALTHCHECK {test!r}: the official image has none")
    return problems


def check_env(image: Image, config: dict) -> list[str]:
    env = env_of(config)
    problems = [
        f"{name}={env.get(name)!r}, the official image has {name}={value!r}"
        for name, value in image.env.items()
        if env.get(name) != value
    ]
    extra = sorted(set(env) - set(image.env) - set(image.env_build_only))
    problems += [f"{name} is set; the official image has no such variable" for name in extra]
    return problems


def check_tools(image: Image, config: dict, listing: dict[str, Entry]) -> list[str]:
    path_env = env_of(config).get("PATH", DEFAULT_PATH)
    problems = [f"{tool} is not on PATH ({path_env})" for tool in image.tools if which(listing, tool, path_env) is None]
    for tool in image.lacks:
        found = which(listing, tool, path_env)
        if found:
            problems.append(f"{tool} is on PATH ({found}); the official image has none")
    for helper in HELPERS:
        if anywhere(listing, helper):
            problems.append(f"build helper {helper} is in the image: {anywhere(listing, helper)}")
    for path in image.files:
        if resolve(listing, path) is None:
            problems.append(f"{path} is missing")
    return problems


def check_users(image: Image, passwd: str, group: str) -> list[str]:
    users, groups = parse_ids(passwd), parse_ids(group)
    problems = []
    for name, ids in image.users.items():
        if users.get(name) != ids:
            problems.append(f"user {name} is {users.get(name)} (uid, gid), the official image's is {ids}")
        if ids[1] not in {gid for gid, _ in groups.values()}:
            problems.append(f"no group with gid {ids[1]} (user {name})")
    return problems

#!/bin/sh
# With NGINX_ENTRYPOINT_WORKER_PROCESSES_AUTOTUNE set, sets worker_processes in
# /etc/nginx/nginx.conf to the CPUs the container may use: the fewest of the
# online CPUs, its cgroup's cpuset and its CPU quota (rounded up), as the
# official image's script of the same name does (cgroup v2 and v1).
set -eu
ME=$(basename "$0")
conf=/etc/nginx/nginx.conf

entrypoint_log() {
    if [ -z "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ]; then
        echo "$@"
    fi
}

[ "${NGINX_ENTRYPOINT_WORKER_PROCESSES_AUTOTUNE:-}" ] || exit 0
touch "$conf" 2>/dev/null || { entrypoint_log "$ME: info: can not modify $conf (read-only file system?)"; exit 0; }

cpus_in_list() { # "0-3,6" -> 5
    echo "$1" | tr ',' '\n' | awk -F- 'NF { n += ($2 == "" ? 1 : $2 - $1 + 1) } END { print n + 0 }'
}
quota_cpus() { # QUOTA PERIOD -> CPUs, rounded up; nothing when unlimited
    case "$1" in "" | max | -1) return 0 ;; esac
    echo $((($1 + $2 - 1) / $2))
}

counts=$(getconf _NPROCESSORS_ONLN 2>/dev/null || nproc)
cg=/sys/fs/cgroup
if [ -r "$cg/cpu.max" ]; then
    # cgroup v2, seen from inside the container's namespace
    # shellcheck disable=SC2046 # "QUOTA PERIOD"
    counts="$counts $(quota_cpus $(cat "$cg/cpu.max"))"
    [ -r "$cg/cpuset.cpus.effective" ] && counts="$counts $(cpus_in_list "$(cat "$cg/cpuset.cpus.effective")")"
else
    for d in "$cg/cpu,cpuacct" "$cg/cpu" "$cg/cpuacct,cpu"; do
        if [ -r "$d/cpu.cfs_quota_us" ]; then
            counts="$counts $(quota_cpus "$(cat "$d/cpu.cfs_quota_us")" "$(cat "$d/cpu.cfs_period_us")")"
            break
        fi
    done
    [ -r "$cg/cpuset/cpuset.effective_cpus" ] && counts="$counts $(cpus_in_list "$(cat "$cg/cpuset/cpuset.effective_cpus")")"
fi
ncpu=$(echo "$counts" | tr ' ' '\n' | grep -E '^[0-9]+$' | sort -n | head -n 1)

sed -i.bak -r 's/^(worker_processes)(.*)$/# Commented out by '"$ME"' on '"$(date)"'\n#\1\2\n\1 '"$ncpu"';/' "$conf"

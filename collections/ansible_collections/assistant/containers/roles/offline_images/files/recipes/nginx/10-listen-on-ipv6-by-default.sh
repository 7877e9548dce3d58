#!/bin/sh
# Adds "listen [::]:80;" to /etc/nginx/conf.d/default.conf when the container has
# IPv6 and the file is still the image's own (as the official image's script of
# the same name does; its checksum is written into this script at build time).
set -e
ME=$(basename "$0")
conf=/etc/nginx/conf.d/default.conf

entrypoint_log() {
    if [ -z "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ]; then
        echo "$@"
    fi
}

if [ ! -f /proc/net/if_inet6 ]; then
    entrypoint_log "$ME: info: ipv6 not available"
    exit 0
fi
if [ ! -f "$conf" ]; then
    entrypoint_log "$ME: info: $conf is not a file or does not exist"
    exit 0
fi
touch "$conf" 2>/dev/null || { entrypoint_log "$ME: info: can not modify $conf (read-only file system?)"; exit 0; }
if grep -q 'listen  \[::]:80;' "$conf"; then
    entrypoint_log "$ME: info: IPv6 listen already enabled"
    exit 0
fi
entrypoint_log "$ME: info: Getting the checksum of $conf"
if [ "$(md5sum <"$conf" | cut -d' ' -f1)" != "@DEFAULT_CONF_MD5@" ]; then
    entrypoint_log "$ME: info: $conf differs from the packaged version"
    exit 0
fi
sed -i -E 's,listen       80;,listen       80;\n    listen  [::]:80;,' "$conf"
entrypoint_log "$ME: info: Enabled listen on IPv6 in $conf"
exit 0

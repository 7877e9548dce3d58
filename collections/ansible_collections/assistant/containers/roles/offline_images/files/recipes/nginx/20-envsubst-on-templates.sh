#!/bin/sh
# Renders templates with envsubst, as the official image's script of the same
# name: each NGINX_ENVSUBST_TEMPLATE_DIR/**/*NGINX_ENVSUBST_TEMPLATE_SUFFIX
# (default /etc/nginx/templates, .template) becomes a file of
# NGINX_ENVSUBST_OUTPUT_DIR (default /etc/nginx/conf.d); *.stream-template files
# (NGINX_ENVSUBST_STREAM_TEMPLATE_SUFFIX) go to NGINX_ENVSUBST_STREAM_OUTPUT_DIR
# (default /etc/nginx/stream-conf.d), with a stream block added to nginx.conf
# when it has none. Only defined variables whose name matches
# NGINX_ENVSUBST_FILTER (a regular expression; default all) are replaced, so
# nginx's own $variables stay. No template directory: nothing to do.
set -e
ME=$(basename "$0")

entrypoint_log() {
    if [ -z "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ]; then
        echo "$@"
    fi
}

render() { # TEMPLATE_DIR SUFFIX OUTPUT_DIR VARIABLES
    find "$1" -follow -type f -name "*$2" -print | while read -r template; do
        relative=${template#"$1/"}
        output="$3/${relative%"$2"}"
        mkdir -p "$(dirname "$output")"
        entrypoint_log "$ME: Running envsubst on $template to $output"
        envsubst "$4" <"$template" >"$output"
    done
}

template_dir=${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}
suffix=${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}
output_dir=${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}
stream_suffix=${NGINX_ENVSUBST_STREAM_TEMPLATE_SUFFIX:-.stream-template}
stream_output_dir=${NGINX_ENVSUBST_STREAM_OUTPUT_DIR:-/etc/nginx/stream-conf.d}
filter=${NGINX_ENVSUBST_FILTER:-}

[ -d "$template_dir" ] || exit 0
# shellcheck disable=SC2016,SC2046 # "${%s}" is envsubst's list; the names are split on purpose
variables=$(printf '${%s} ' $(awk "END { for (name in ENVIRON) { print (name ~ /${filter}/) ? name : \"\" } }" </dev/null))
if [ ! -w "$output_dir" ]; then
    entrypoint_log "$ME: ERROR: $template_dir exists, but $output_dir is not writable"
    exit 0
fi
render "$template_dir" "$suffix" "$output_dir" "$variables"

if [ -n "$(find "$template_dir" -name "*$stream_suffix" -print -quit)" ]; then
    mkdir -p "$stream_output_dir"
    if [ ! -w "$stream_output_dir" ]; then
        entrypoint_log "$ME: ERROR: $template_dir exists, but $stream_output_dir is not writable"
        exit 0
    fi
    conf=/etc/nginx/nginx.conf
    if grep -q -E '\s*stream\s*\{' "$conf"; then
        entrypoint_log "$ME: $conf contains a stream block; include $stream_output_dir/*.conf to enable stream templates"
    elif touch "$conf" 2>/dev/null; then
        entrypoint_log "$ME: Appending stream block to $conf to include $stream_output_dir/*.conf"
        printf '# added by "%s" on "%s"\nstream {\n  include %s/*.conf;\n}\n' "$ME" "$(date)" "$stream_output_dir" >>"$conf"
    else
        entrypoint_log "$ME: info: can not modify $conf (read-only file system?)"
        exit 0
    fi
    render "$template_dir" "$stream_suffix" "$stream_output_dir" "$variables"
fi
exit 0

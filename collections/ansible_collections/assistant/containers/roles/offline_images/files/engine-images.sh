#!/usr/bin/env bash
# engine-images.sh [--no-pull] [--stat PATH]... TIMEOUT [NAME=OFFICIAL=REF]...
# One call for what the role reads from the engine (a module per step costs a
# round trip each). In order:
# 1. "--stat PATH": prints "path:PATH TYPE MODE SHA256" (TYPE file, dir or other;
#    SHA256 "-" unless a file) or "path:PATH absent".
# 2. Tries to pull each REF, unless --no-pull (check mode): NAME is skipped when
#    its OFFICIAL image is present or one of its REFs was pulled, a REF when it
#    is present. At most TIMEOUT seconds per pull; a registry that timed out is
#    not tried again in this run, so an unreachable registry costs one timeout,
#    not one per image. Prints "pulled NAME REF", "failed ..." or "skipped ...".
# 3. Lists every image: one "image {"Id":..,"RepoTags":[..],"Labels":{..}}" line each.
set -uo pipefail
pull=1
stats=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --no-pull) pull=0; shift ;;
        --stat) stats+=("$2"); shift 2 ;;
        *) break ;;
    esac
done
timeout_s=$1
shift

for p in "${stats[@]}"; do
    if [[ -d ${p} ]]; then
        echo "path:${p} dir $(stat -c '%04a' "${p}") -"
    elif [[ -f ${p} ]]; then
        sum=$(sha256sum "${p}") || sum=-
        echo "path:${p} file $(stat -c '%04a' "${p}") ${sum%% *}"
    elif [[ -e ${p} || -L ${p} ]]; then
        echo "path:${p} other"
    else
        echo "path:${p} absent"
    fi
done

if [[ ${pull} == 1 && $# -gt 0 ]]; then
    if ! tags=$(docker image ls --format '{{.Repository}}:{{.Tag}}'); then
        echo "Could not list the engine's images; expected the Docker engine to answer." >&2
        exit 1
    fi
    declare -A present=() done_names=() dead=()
    while read -r t; do [[ -n ${t} ]] && present[${t}]=1; done <<<"${tags}"
    for arg in "$@"; do
        name=${arg%%=*}
        rest=${arg#*=}
        official=${rest%%=*}
        ref=${rest#*=}
        [[ -n ${present[${official}]:-} || -n ${done_names[${name}]:-} || -n ${present[${ref}]:-} ]] && continue
        first=${ref%%/*}
        registry=docker.io
        if [[ ${ref} == */* && (${first} == *.* || ${first} == *:* || ${first} == localhost) ]]; then
            registry=${first}
        fi
        if [[ -n ${dead[${registry}]:-} ]]; then
            echo "skipped ${name} ${ref}: ${registry} timed out earlier in this run"
            continue
        fi
        if out=$(timeout "${timeout_s}" docker pull --quiet "${ref}" 2>&1); then
            echo "pulled ${name} ${ref}"
            done_names[${name}]=1
        else
            rc=$?
            [[ ${rc} == 124 ]] && dead[${registry}]=1
            echo "failed ${name} ${ref} (exit ${rc}): ${out//$'\n'/ }"
        fi
    done
fi

if ! ids=$(docker image ls --quiet --no-trunc); then
    echo "Could not list the engine's images; expected the Docker engine to answer." >&2
    exit 1
fi
# An image removed since the listing is only left out.
sort -u <<<"${ids}" | xargs -r docker image inspect \
    --format 'image {"Id":{{json .Id}},"RepoTags":{{json .RepoTags}},"Labels":{{json .Config.Labels}}}' 2>/dev/null
exit 0

#!/usr/bin/env bash
# pull-images.sh TIMEOUT NAME=REF...
# Tries to pull each REF in order, at most TIMEOUT seconds each, and stops
# trying a NAME once one of its references was pulled. A registry that timed
# out once is not tried again in this run, so an unreachable registry costs one
# timeout, not one per image. Prints "pulled NAME REF" for each pulled image.
set -uo pipefail
timeout_s=$1
shift
declare -A done_names=() dead=()
for pair in "$@"; do
    name=${pair%%=*}
    ref=${pair#*=}
    [[ -n ${done_names[${name}]:-} ]] && continue
    first=${ref%%/*}
    registry=docker.io
    if [[ ${ref} == */* && ( ${first} == *.* || ${first} == *:* || ${first} == localhost ) ]]; then
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
exit 0

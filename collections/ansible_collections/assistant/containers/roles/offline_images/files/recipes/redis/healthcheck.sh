#!/usr/bin/env bash
# Healthy when the server answers PING, or refuses it only because a password is
# required (NOAUTH): that still proves the server is up and serving.
set -euo pipefail
if [[ -n ${REDIS_PASSWORD_FILE:-} && -r ${REDIS_PASSWORD_FILE} ]]; then
    REDISCLI_AUTH=$(<"${REDIS_PASSWORD_FILE}")
    export REDISCLI_AUTH
fi
reply=$(redis-cli -h 127.0.0.1 -p "${REDIS_PORT:-6379}" ping 2>&1)
[[ ${reply} == PONG || ${reply} == NOAUTH* ]]

#!/usr/bin/env bash
# Prints the offline_images role's figures on this machine:
#   - cold run: every local image (Debian base, python, postgres, redis, nginx,
#     prometheus, three exporters, registry) built from scratch, under a
#     namespace of its own so the images other work uses are left alone;
#   - warm run: the same run again (nothing to rebuild; must report changed=0);
#   - each image's size next to the official image's published size;
#   - how many updates (trixie-updates/-security) apt would still install in
#     the python and postgres images (expected 0: builds include them).
# Timings are printed, never asserted. Usage: benchmarks/images.sh
# Environment: BENCH_NAMESPACE (default bench-offline), BENCH_KEEP=1 keeps the
# images afterwards, BENCH_COMPRESSED=0 skips the gzip size (saves ~30 s).
set -euo pipefail
cd "$(dirname "$0")/.."
export ANSIBLE_CONFIG="$PWD/ansible.cfg"

ns=${BENCH_NAMESPACE:-bench-offline}
state=/var/lib/assistant/${ns}
images=(python:3.13-slim-trixie base-python:3.13-trixie postgres:17 redis:8 nginx:1.26 prometheus:2.53
        node-exporter:1.9 postgres-exporter:0.17 redis-exporter:1.69 registry:2.8 debian:trixie)
extra=$(printf '{"offline_images_local_namespace": "%s", "offline_images_state_dir": "%s", "offline_images_optional": ["grafana", "loki", "jaeger"]}' "${ns}" "${state}")

remove_images() {
    for i in "${images[@]}"; do
        docker image rm --force "${ns}/${i}" >/dev/null 2>&1 || true
    done
}

run_role() {  # run_role LOG: runs the images playbook, prints seconds taken
    local start end
    start=$(date +%s.%N)
    if ! .venv/bin/ansible-playbook playbooks/images.yml -e "${extra}" >"$1" 2>&1; then
        echo "The images playbook failed; see $1" >&2
        exit 1
    fi
    end=$(date +%s.%N)
    awk -v s="${start}" -v e="${end}" 'BEGIN { printf "%.1f", e - s }'
}

log_dir=$(mktemp -d /tmp/bench-offline-images.XXXXXX)
remove_images
[[ ${BENCH_KEEP:-0} == 1 ]] || trap remove_images EXIT

cold=$(run_role "${log_dir}/cold.log")
warm=$(run_role "${log_dir}/warm.log")
warm_recap=$(grep -E '^localhost +:' "${log_dir}/warm.log" | sed -E 's/ +/ /g')

echo "offline_images benchmark ($(nproc) cores, engine $(docker version -f '{{.Server.Version}}'), logs in ${log_dir})"
echo
printf '%-44s %8s   %s\n' "run" "seconds" "target"
printf '%-44s %8s   %s\n' "cold: build all 10 local images from scratch" "${cold}" "<= 180"
printf '%-44s %8s   %s\n' "warm: second run, nothing to rebuild" "${warm}" "<= 20"
echo "warm run recap: ${warm_recap}"
echo

# Official sizes (linux/amd64): approximate figures as Docker Hub / quay.io list
# them (compressed) and as `docker images` shows them after a pull
# (uncompressed), written down by hand. They could NOT be fetched or checked
# here (no registry is reachable); treat them as rough (about +/-20 %).
declare -A official_ref=(
    [debian:trixie]="debian:trixie-slim"             [python:3.13-slim-trixie]="python:3.13-slim-trixie"
    [postgres:17]="postgres:17"                      [redis:8]="redis:8.0"
    [nginx:1.26]="nginx:1.26"                        [prometheus:2.53]="prom/prometheus:v2.53.3"
    [node-exporter:1.9]="prom/node-exporter:v1.9.0"  [postgres-exporter:0.17]="prometheuscommunity/postgres-exporter:v0.17.1"
    [redis-exporter:1.69]="oliver006/redis_exporter:v1.69.0" [registry:2.8]="registry:2.8.3")
declare -A official_size=(
    [debian:trixie]="~28 MB / ~78 MB"        [python:3.13-slim-trixie]="~42 MB / ~125 MB"
    [postgres:17]="~150 MB / ~435 MB"        [redis:8]="~50 MB / ~140 MB"
    [nginx:1.26]="~68 MB / ~190 MB"          [prometheus:2.53]="~95 MB / ~270 MB"
    [node-exporter:1.9]="~12 MB / ~25 MB"    [postgres-exporter:0.17]="~10 MB / ~25 MB"
    [redis-exporter:1.69]="~9 MB / ~20 MB"   [registry:2.8]="~10 MB / ~25 MB")

base_mb=$(docker image inspect -f '{{.Size}}' "${ns}/debian:trixie" | awk '{ printf "%.0f", $1 / 1e6 }')
echo "Local sizes are measured (docker image inspect; gzip -1 of docker save). Official sizes are approximate,"
echo "written down by hand, not fetched. Local images share the ${ns}/debian:trixie layers (${base_mb} MB)."
printf '%-32s %10s %12s   %-48s %s\n' "local image" "size" "gzip size" "official image" "published (compressed / uncompressed)"
for i in "${images[@]}"; do
    [[ ${i} == base-python:* ]] && continue  # an alias of the python image
    ref="${ns}/${i}"
    size=$(docker image inspect -f '{{.Size}}' "${ref}")
    if [[ ${BENCH_COMPRESSED:-1} == 1 ]]; then
        gz=$(docker save "${ref}" | gzip -1 | wc -c)
        gz=$(awk -v b="${gz}" 'BEGIN { printf "%.0f MB", b / 1e6 }')
    else
        gz="-"
    fi
    printf '%-32s %10s %12s   %-48s %s\n' "assistant/${i}" "$(awk -v b="${size}" 'BEGIN { printf "%.0f MB", b / 1e6 }')" \
        "${gz}" "${official_ref[${i}]}" "${official_size[${i}]}"
done

echo
for i in python:3.13-slim-trixie postgres:17; do
    sim=$(docker run --rm --user 0 "${ns}/${i}" sh -c 'apt-get update -qq && apt-get -s upgrade')
    pending=$(grep -c '^Inst ' <<<"${sim}" || true)
    printf 'updates apt would still install in %-44s %s\n' "${ns}/${i}:" "${pending}"
done

#!/usr/bin/env bash
# Runs `make <stage>` for each stage given, in order, keeps going after a
# failure (so one CI run shows every broken gate), and prints each stage's
# result and duration at the end. Exits non-zero when any stage failed.
# A CI log is often read from its end: the failures of each failed stage
# (Ansible's fatal lines, pytest's and Molecule's failure lines) are printed
# again just above the table.
set -uo pipefail
declare -a rows=() failures=()
failed=0
start_all=$(date +%s)
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
for stage in "$@"; do
  echo "=== stage: $stage ($(date -u +%H:%M:%S))"
  start=$(date +%s)
  make --no-print-directory "$stage" 2>&1 | tee "$logs/$stage"
  if [ "${PIPESTATUS[0]}" = 0 ]; then result=passed; else result=FAILED; failed=1; failures+=("$stage"); fi
  rows+=("$(printf '%-12s %-7s %5ds' "$stage" "$result" $(( $(date +%s) - start )))")
done
echo
for stage in "${failures[@]}"; do
  echo "=== why $stage failed (its last failure lines)"
  sed 's/\x1b\[[0-9;]*m//g' "$logs/$stage" \
    | grep -E -A12 'fatal: \[|FAILED! =>|^FAILED |^E  |^ERROR|Error [0-9]+$|failed:' | tail -n 80
done
echo "=== stages"
printf '%s\n' "${rows[@]}"
printf '%-12s %-7s %5ds\n' total "$([ $failed = 0 ] && echo passed || echo FAILED)" $(( $(date +%s) - start_all ))
exit $failed

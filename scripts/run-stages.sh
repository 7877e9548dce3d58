#!/usr/bin/env bash
# Runs `make <stage>` for each stage given, in order, keeps going after a
# failure (so one CI run shows every broken gate), and prints each stage's
# result and duration at the end. Exits non-zero when any stage failed.
set -uo pipefail
declare -a rows=()
failed=0
start_all=$(date +%s)
for stage in "$@"; do
  echo "=== stage: $stage ($(date -u +%H:%M:%S))"
  start=$(date +%s)
  if make --no-print-directory "$stage"; then result=passed; else result=FAILED; failed=1; fi
  rows+=("$(printf '%-12s %-7s %5ds' "$stage" "$result" $(( $(date +%s) - start )))")
done
echo
echo "=== stages"
printf '%s\n' "${rows[@]}"
printf '%-12s %-7s %5ds\n' total "$([ $failed = 0 ] && echo passed || echo FAILED)" $(( $(date +%s) - start_all ))
exit $failed

#!/usr/bin/env bash
# Runs `make <stage>` for each stage given, in order, keeps going after a
# failure (so one CI run shows every broken gate), and prints each stage's
# result and duration at the end. Exits non-zero when any stage failed.
#
# --beside "a b c": stages that run one after another in a second lane, beside
# the main one, from the start. They must touch neither the engine nor apt (the
# static checks: lint, sanity, unit); on a 2-core machine they then use the core
# the main lane leaves idle while it waits on downloads and builds. Their output
# is printed whole, each stage at once, after the main stage during which it
# ended, so the log never interleaves.
#
# A CI log is often read from its end: the failures of each failed stage
# (Ansible's fatal lines, pytest's and Molecule's failure lines) are printed
# again just above the table.
set -uo pipefail
beside=()
if [ "${1-}" = --beside ]; then
  read -r -a beside <<<"$2"
  shift 2
fi
declare -a rows=() failures=()
start_all=$(date +%s)
logs=$(mktemp -d)
lane_pid=
trap '[ -n "$lane_pid" ] && kill "$lane_pid" 2>/dev/null; rm -rf "$logs"' EXIT

# One stage: its output to $logs/<stage> (and to the terminal when $2 is "tee"),
# its row to $logs/<stage>.row, its result to $logs/<stage>.rc.
run_stage() {
  local stage=$1 out=$2 start rc
  start=$(date +%s)
  if [ "$out" = tee ]; then
    make --no-print-directory "$stage" 2>&1 | tee "$logs/$stage"
    rc=${PIPESTATUS[0]}
  else
    make --no-print-directory "$stage" >"$logs/$stage" 2>&1
    rc=$?
  fi
  printf '%-17s %-7s %5ds%s\n' "$stage" "$([ "$rc" = 0 ] && echo passed || echo FAILED)" \
    $(($(date +%s) - start)) "$([ "$out" = tee ] || echo '  (beside)')" >"$logs/$stage.row"
  echo "$rc" >"$logs/$stage.rc"
}

# Prints the beside stages that have ended and were not printed yet.
declare -A printed=()
print_beside() {
  local stage
  for stage in "${beside[@]}"; do
    if [ -e "$logs/$stage.rc" ] && [ -z "${printed[$stage]-}" ]; then
      printed[$stage]=1
      echo "=== stage: $stage (beside; output of the whole stage)"
      cat "$logs/$stage"
    fi
  done
}

if [ ${#beside[@]} -gt 0 ]; then
  (for stage in "${beside[@]}"; do run_stage "$stage" quiet; done) &
  lane_pid=$!
fi
for stage in "$@"; do
  echo "=== stage: $stage ($(date -u +%H:%M:%S))"
  run_stage "$stage" tee
  print_beside
done
if [ -n "$lane_pid" ]; then
  wait "$lane_pid"
  lane_pid=
  print_beside
fi

failed=0
echo
for stage in "${beside[@]}" "$@"; do
  rows+=("$(cat "$logs/$stage.row")")
  if [ "$(cat "$logs/$stage.rc")" != 0 ]; then failed=1; failures+=("$stage"); fi
done
for stage in "${failures[@]}"; do
  echo "=== why $stage failed (its last failure lines)"
  sed 's/\x1b\[[0-9;]*m//g' "$logs/$stage" \
    | grep -E -A12 'fatal: \[|FAILED! =>|^FAILED |^E  |^ERROR|Error [0-9]+$|failed:' | tail -n 80
done
echo "=== stages"
printf '%s\n' "${rows[@]}"
printf '%-17s %-7s %5ds\n' total "$([ $failed = 0 ] && echo passed || echo FAILED)" $(($(date +%s) - start_all))
exit $failed

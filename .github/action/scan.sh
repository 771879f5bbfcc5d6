#!/usr/bin/env bash
# Runs the scan for the composite action. Inputs arrive only through the environment (never
# interpolated into the script). Writes the report, a Markdown job summary and the exit code.
set -uo pipefail
read -r -a paths <<< "${NPAUDIT_PATHS:-.}"
read -r -a extra <<< "${NPAUDIT_ARGS:-}"
output="${NPAUDIT_OUTPUT:-npaudit.sarif}"
summary=()
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then summary=(--summary-md "$GITHUB_STEP_SUMMARY"); fi
npaudit scan "${paths[@]}" "${extra[@]}" --format "${NPAUDIT_FORMAT:-sarif}" -o "$output" \
  --fail-on "${NPAUDIT_FAIL_ON:-error}" "${summary[@]}"
code=$?
if [ -s "$output" ]; then written=true; else written=false; fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "exit-code=$code" >> "$GITHUB_OUTPUT"
  echo "report-written=$written" >> "$GITHUB_OUTPUT"
fi
exit 0

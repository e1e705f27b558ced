#!/bin/sh
# One unattended synthaudit run, for a scheduler (systemd timer, cron, Airflow BashOperator).
#
#   examples/scheduled-run.sh PARAMS_FILE [FAIL_ON]
#
# Runs every phase with `synthaudit run`, then, when the run completed and params name an
# evidence bucket (evidence.upload_bucket), copies the sealed run folder to that Object Lock
# bucket with `synthaudit upload`. The exit code is the run's, so the scheduler's alerting works:
#   0  clean: no FAIL finding at or above FAIL_ON
#   1  findings at or above FAIL_ON remain (the evidence is complete; someone must act)
#   2  a phase failed, input was invalid, the hygiene scan found a secret/PHI, or the upload failed
# Set SYNTHAUDIT_HOME to the kit's checkout (default: the folder above this script).
set -u
PARAMS=${1:?usage: scheduled-run.sh PARAMS_FILE [FAIL_ON]}
FAIL_ON=${2:-high}
HOME_DIR=${SYNTHAUDIT_HOME:-$(cd "$(dirname "$0")/.." && pwd)}
BIN="$HOME_DIR/.venv/bin/synthaudit"
cd "$HOME_DIR" || exit 2

OUT=$(mktemp) || exit 2
trap 'rm -f "$OUT"' EXIT
# Progress and phase messages go to stderr (the scheduler's log); the last stdout line is the run folder.
"$BIN" run --params "$PARAMS" --fail-on "$FAIL_ON" >"$OUT"
RC=$?
cat "$OUT"
RUN_DIR=$(tail -n 1 "$OUT")
[ "$RC" -eq 2 ] && exit 2
[ -n "$RUN_DIR" ] && [ -f "$RUN_DIR/manifest.json" ] || { echo "synthaudit: no sealed run folder" >&2; exit 2; }

# Upload only when params name a bucket (the runner's manifest records the params as loaded).
BUCKET=$("$HOME_DIR/.venv/bin/python" -c 'import sys; from synthaudit.config import load_params; print(load_params(sys.argv[1]).evidence.upload_bucket or "")' "$PARAMS") || exit 2
if [ -n "$BUCKET" ]; then
    "$BIN" upload "$RUN_DIR" --params "$PARAMS" || exit 2
fi
exit "$RC"

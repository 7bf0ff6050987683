#!/usr/bin/env bash
# `make run`: the web app, a Celery worker and beat, on the embedded default
# (SQLite database, Celery over SQLite, console SMS). Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv/bin
PORT="${PORT:-5000}"
mkdir -p instance
# Workers build volunteers' personal links outside any request: tell them where we are.
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:${PORT}}"

pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "Stopping…"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap stop INT TERM EXIT

"$VENV/celery" -A tasks.worker worker --loglevel=INFO --concurrency=2 -n "worker@%h" &
pids+=($!)
"$VENV/celery" -A tasks.worker beat --loglevel=INFO \
  --schedule instance/celerybeat-schedule &
pids+=($!)
"$VENV/gunicorn" -c gunicorn.conf.py --workers 2 --threads 4 --bind "127.0.0.1:${PORT}" \
  --access-logfile - wsgi:app &
pids+=($!)

sleep 2
cat <<MSG

  Rescue coordinator is running: http://127.0.0.1:${PORT}/
  Demo login: coordinator@demo.rescue / rescue-demo-2026
  SMS backend: console (messages are logged above, nothing is sent)
  Ctrl-C stops the web app, the worker and beat.

MSG
wait -n "${pids[@]}"

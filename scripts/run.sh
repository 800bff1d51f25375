#!/usr/bin/env bash
# `make run`: the ASGI server (HTTP + websockets) and the job worker, together, in the foreground.
#
# Ctrl-C or SIGTERM stops both gracefully (a second Ctrl-C kills them) and exits 0. If either one
# dies on its own, the other is stopped and the script exits non-zero, so nobody is left with a
# server whose jobs silently never run.
#
# Environment: HOST, PORT (127.0.0.1:8000), WEB_CONCURRENCY (2 uvicorn workers), ACCESS_LOG=1 for
# uvicorn's per-request lines, TRUSTED_PROXY_HEADER (behind a reverse proxy: --proxy-headers, with
# uvicorn's FORWARDED_ALLOW_IPS), STOP_TIMEOUT (seconds before a graceful stop turns into a kill).
set -euo pipefail
cd "$(dirname "$0")/.."

export LANTERN_ENV=${LANTERN_ENV:-development}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
WEB_CONCURRENCY=${WEB_CONCURRENCY:-2}
STOP_TIMEOUT=${STOP_TIMEOUT:-30}
# The metrics of every process (uvicorn workers, the job worker) meet in one directory, emptied at each start
# so that no process of an earlier run is counted (docs/operations.md, "Metrics").
export PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-$PWD/var/prometheus}
mkdir -p "$PROMETHEUS_MULTIPROC_DIR" && find "$PROMETHEUS_MULTIPROC_DIR" -maxdepth 1 -name '*.db' -delete

# shellcheck disable=SC2317  # say and the handlers below run from traps, which shellcheck does not follow
say() { printf '\033[1;34m[run]\033[0m %s\n' "$*"; }
warn() { printf '\033[1;31m[run]\033[0m %s\n' "$*" >&2; }

# A worker that takes longer than uvicorn's 5 s to answer its supervisor is killed and restarted;
# Django's start-up on a busy two-core laptop can take that long. (An environment variable, not a
# flag, so that uvicorn releases older than 0.37 simply ignore it.)
export UVICORN_TIMEOUT_WORKER_HEALTHCHECK=${UVICORN_TIMEOUT_WORKER_HEALTHCHECK:-30}
web_args=(backend.asgi:application --host "$HOST" --port "$PORT" --workers "$WEB_CONCURRENCY"
  --timeout-graceful-shutdown 10)
# uvicorn trusts X-Forwarded-* by default (from loopback); only a declared proxy should be believed.
if [ -n "${TRUSTED_PROXY_HEADER:-}" ]; then web_args+=(--proxy-headers); else web_args+=(--no-proxy-headers); fi
if [ "${ACCESS_LOG:-0}" = 1 ]; then web_args+=(--access-log); else web_args+=(--no-access-log); fi

case $HOST in
  0.0.0.0 | '') shown=127.0.0.1 ;;
  :: | '[::]') shown='[::1]' ;;
  \[*) shown=$HOST ;;
  *:*) shown="[$HOST]" ;;
  *) shown=$HOST ;;
esac
base="http://$shown:$PORT"
listening() { (exec 3<>"/dev/tcp/${shown//[\[\]]/}/$PORT") 2>/dev/null; }
if listening; then
  warn "something already listens on $base (another \`make run\`?); set PORT to use another port"
  exit 1
fi

web_pid=
worker_pid=
stopping=0
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# shellcheck disable=SC2317
stop_children() {
  local pid deadline
  for pid in "$web_pid" "$worker_pid"; do
    if alive "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  deadline=$((SECONDS + STOP_TIMEOUT))
  while alive "$web_pid" || alive "$worker_pid"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      warn "still running after ${STOP_TIMEOUT}s; killing"
      break
    fi
    sleep 0.2
  done
  kill_children
}

# shellcheck disable=SC2317
kill_children() {
  local pid
  # The whole group: uvicorn's worker processes too, should their supervisor have gone first.
  for pid in "$web_pid" "$worker_pid"; do
    [ -z "$pid" ] || kill -KILL -- "-$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}

# shellcheck disable=SC2317
on_signal() {
  set +e
  if [ "$stopping" = 1 ]; then
    warn "second $1: killing"
    kill_children
    exit 130
  fi
  stopping=1
  echo
  say "$1 received: stopping the server and the worker"
  stop_children
  say "stopped"
  exit 0
}

# Whatever happens to our output (`make run | tee log` loses its reader on Ctrl-C too), a failed write
# must not kill this script before the children are stopped: SIGPIPE is ignored (Python ignores it
# anyway, so the children are unaffected), and any exit, even one `set -e` forces, stops them.
trap '' PIPE
trap 'stop_children' EXIT
trap 'on_signal SIGINT' INT
trap 'on_signal SIGTERM' TERM
trap 'on_signal SIGHUP' HUP

# Each child gets a process group of its own (job control on while it starts), so the terminal's
# Ctrl-C reaches only this script, which then signals each child exactly once: the worker treats a
# second signal as "abort the running jobs now".
set -m
.venv/bin/uvicorn "${web_args[@]}" &
web_pid=$!
.venv/bin/python manage.py procrastinate worker &
worker_pid=$!
set +m

# Print the addresses once the server listens, so they are not lost in its start-up lines.
for _ in $(seq 1 120); do
  if ! alive "$web_pid" || ! alive "$worker_pid"; then break; fi
  if listening; then
    cat <<EOF

  Lantern ($LANTERN_ENV) is running at $base/
    API docs   $base/api/docs/
    admin      $base/admin/
    health     $base/api/v1/health/
    schema     $base/api/schema/
  Ctrl-C stops the server and the job worker.

EOF
    break
  fi
  sleep 0.5
done

set +e
wait -n "$web_pid" "$worker_pid"
status=$?
if alive "$web_pid"; then dead=worker; else dead="web server"; fi
stopping=1
warn "the $dead exited (status $status); stopping the rest"
stop_children
exit $((status == 0 ? 1 : status))

#!/usr/bin/env bash
# `make run`: the ASGI server (HTTP + websockets) and the job worker, together, in the foreground.
#
# Ctrl-C or SIGTERM stops both gracefully (a second Ctrl-C kills them) and exits 0. If either one dies on
# its own (a crash, an OOM kill, a worker that could not reach PostgreSQL), it alone is started again, after
# 1, 2, 4 … seconds (at most RESTART_MAX_DELAY), while the other keeps serving; the wait starts again from
# 1 s once a child has run for RESTART_STABLE_SECONDS. The service is never taken down for one child.
# Only a child that dies before the service first answers (a set-up error) stops it all, non-zero.
#
# Environment: HOST, PORT (127.0.0.1:8000), WEB_CONCURRENCY (2 uvicorn workers), ACCESS_LOG=1 for
# uvicorn's per-request lines, TRUSTED_PROXY_HEADER (behind a reverse proxy: --proxy-headers, with
# uvicorn's FORWARDED_ALLOW_IPS), STOP_TIMEOUT (seconds before a graceful stop turns into a kill),
# RESTART_MAX_DELAY (30) and RESTART_STABLE_SECONDS (60).
set -euo pipefail
cd "$(dirname "$0")/.."

export LANTERN_ENV=${LANTERN_ENV:-development}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
WEB_CONCURRENCY=${WEB_CONCURRENCY:-2}
STOP_TIMEOUT=${STOP_TIMEOUT:-30}
RESTART_MAX_DELAY=${RESTART_MAX_DELAY:-30}
RESTART_STABLE_SECONDS=${RESTART_STABLE_SECONDS:-60}
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
start_web() {
  set -m
  .venv/bin/uvicorn "${web_args[@]}" &
  web_pid=$!
  set +m
  web_started=$SECONDS
}
start_worker() {
  set -m
  # jobs_worker: procrastinate's worker, started again in-process when it loses PostgreSQL.
  .venv/bin/python manage.py jobs_worker &
  worker_pid=$!
  set +m
  worker_started=$SECONDS
}

# next_delay PREVIOUS RAN_FOR: 1 s after a stable run, else twice the previous wait, at most RESTART_MAX_DELAY.
next_delay() {
  if [ "$1" -eq 0 ] || [ "$2" -ge "$RESTART_STABLE_SECONDS" ]; then echo 1; return; fi
  local doubled=$(($1 * 2))
  echo $((doubled > RESTART_MAX_DELAY ? RESTART_MAX_DELAY : doubled))
}

start_web
start_worker

# Print the addresses once the server listens, so they are not lost in its start-up lines.
for _ in $(seq 1 120); do
  if listening; then
    cat <<EOF

  Lantern ($LANTERN_ENV) is running at $base/
    API docs   $base/api/docs/
    staff      $base/staff/                (each role's tools, after signing in)
    console    $base/moderation/console/   (moderators)
    map        $base/maps/                 (analysts)
    admin      $base/admin/
    health     $base/api/v1/health/
    schema     $base/api/schema/
  Ctrl-C stops the server and the job worker.

EOF
    break
  fi
  if ! alive "$web_pid" || ! alive "$worker_pid"; then
    # Dying before the service ever answered is a set-up error (settings, port, database), not a fault to
    # ride out: restarting would only repeat it. (Once it listens, the supervision below takes over.)
    set +e
    if alive "$web_pid"; then dead=worker; else dead="web server"; fi
    stopping=1
    warn "the $dead exited before the service started; stopping the rest"
    stop_children
    exit 1
  fi
  sleep 0.5
done

# Supervision. A signal interrupts the `wait` below at once and runs on_signal, which exits.
set +e
web_delay=0 worker_delay=0 web_restart_at='' worker_restart_at=''
while :; do
  if [ -z "$web_restart_at" ] && ! alive "$web_pid"; then
    wait "$web_pid" 2>/dev/null
    status=$?
    # uvicorn's own worker processes would keep the port: the whole group goes before a new start.
    kill -KILL -- "-$web_pid" 2>/dev/null || true
    ran=$((SECONDS - web_started))
    web_delay=$(next_delay "$web_delay" "$ran")
    warn "the web server exited (status $status) after ${ran}s; starting it again in ${web_delay}s"
    web_restart_at=$((SECONDS + web_delay))
  fi
  if [ -z "$worker_restart_at" ] && ! alive "$worker_pid"; then
    wait "$worker_pid" 2>/dev/null
    status=$?
    kill -KILL -- "-$worker_pid" 2>/dev/null || true
    ran=$((SECONDS - worker_started))
    worker_delay=$(next_delay "$worker_delay" "$ran")
    warn "the job worker exited (status $status) after ${ran}s; starting it again in ${worker_delay}s"
    worker_restart_at=$((SECONDS + worker_delay))
  fi
  if [ -n "$web_restart_at" ] && [ "$SECONDS" -ge "$web_restart_at" ]; then
    web_restart_at=''
    start_web
    say "the web server started again (pid $web_pid)"
  fi
  if [ -n "$worker_restart_at" ] && [ "$SECONDS" -ge "$worker_restart_at" ]; then
    worker_restart_at=''
    start_worker
    say "the job worker started again (pid $worker_pid)"
  fi
  # In the background and waited for, so that a signal is handled at once rather than after the sleep.
  sleep 1 &
  wait $!
done

# Lantern's production image. By default it serves HTTP and websockets (uvicorn, ASGI); the same image
# runs the job worker (`python manage.py jobs_worker`) and one-shot commands
# (`python manage.py migrate`). docker-compose.yml wires them to PostGIS and Redis.
#
# Run-time environment: SECRET_KEY (or SECRET_KEY_FILE), DATABASE_URL, REDIS_URL, ALLOWED_HOSTS;
# optional WEB_CONCURRENCY, TRUSTED_PROXY_HEADER (+ uvicorn's FORWARDED_ALLOW_IPS), SECURE_SSL_REDIRECT.
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LANTERN_ENV=production \
    PRIVATE_MEDIA_ROOT=/var/lib/lantern/private \
    WEB_CONCURRENCY=2 \
    UVICORN_TIMEOUT_WORKER_HEALTHCHECK=30

# GeoDjango loads GDAL, GEOS and PROJ with ctypes at run time; Debian 12 ships GDAL 3.6 (gis.W001 is
# silenced in settings for that reason).
RUN apt-get update \
 && apt-get install -y --no-install-recommends gdal-bin libgdal32 libgeos-c1v5 libproj25 \
 && rm -rf /var/lib/apt/lists/*

# A fixed numeric id, so that orchestrators can check "runs as non-root" without reading /etc/passwd.
# Photos are evidence: mount a named volume at PRIVATE_MEDIA_ROOT (docker-compose.yml does). A new named
# volume starts with this directory's owner and mode, so the unprivileged user can write to it.
RUN groupadd --system --gid 10001 lantern \
 && useradd --system --uid 10001 --gid lantern --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin lantern \
 && mkdir -p "$PRIVATE_MEDIA_ROOT" \
 && chown lantern:lantern "$PRIVATE_MEDIA_ROOT" \
 && chmod 0750 "$PRIVATE_MEDIA_ROOT"

WORKDIR /app

# Dependencies first, exactly as locked (hashes checked): a code change then rebuilds only the layers below.
COPY requirements.lock ./
RUN pip install --require-hashes --only-binary :all: -r requirements.lock

COPY . .
# Bytecode compiled once here: PYTHONDONTWRITEBYTECODE keeps the running (read-only) app from trying.
RUN pip install --no-deps . \
 && rm -rf build ./*.egg-info \
 && python -m compileall -q .

# Static files are part of the image (served by WhiteNoise from the hashed manifest). The key is a
# build-time placeholder on this one command only: it never reaches the image's environment.
RUN LANTERN_ENV=production SECRET_KEY=collectstatic-build-only-not-a-secret \
    python manage.py collectstatic --noinput -v 0

USER 10001:10001
EXPOSE 8000

# The Host header is the first of ALLOWED_HOSTS (a ".example.org" entry becomes "health.example.org"),
# since Django answers 400 to any other; /api/v1/health/ is exempt from the HTTPS redirect.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; h = (os.environ.get('ALLOWED_HOSTS') or 'localhost').split(',')[0].strip().lstrip('*') or 'localhost'; h = 'health' + h if h.startswith('.') else h; r.urlopen(r.Request('http://127.0.0.1:8000/api/v1/health/', headers={'Host': h}), timeout=4)"]

# uvicorn reads WEB_CONCURRENCY for its number of workers. It believes X-Forwarded-* only when a proxy
# is declared with TRUSTED_PROXY_HEADER (the same rule as scripts/run.sh); `exec` leaves uvicorn as
# the process that receives SIGTERM.
CMD ["/bin/sh", "-c", "if [ -n \"${TRUSTED_PROXY_HEADER:-}\" ]; then proxy=--proxy-headers; else proxy=--no-proxy-headers; fi; exec uvicorn backend.asgi:application --host 0.0.0.0 --port 8000 --no-access-log --timeout-graceful-shutdown 20 $proxy"]

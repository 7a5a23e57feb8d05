# Podium's image: one image for web (gunicorn), worker and beat; the command picks the role.
# Build: docker build -t podium .   Run the whole set: docker compose up (docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/podium-metrics

WORKDIR /app
# The lock pins every package with its hashes (requirements.txt is its human-edited input).
COPY requirements.lock .
RUN pip install --require-hashes --no-deps -r requirements.lock

COPY . .
# Static files are hashed and compressed at build time (whitenoise serves them); the
# throwaway key only lets settings load for collectstatic.
RUN DEBUG=0 SECRET_KEY=collectstatic-only-never-used-to-sign-anything-0123456789abcdef ALLOWED_HOSTS=build python manage.py collectstatic --noinput -v0 \
    && useradd --system --uid 10001 --home-dir /app podium

USER podium
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["gunicorn", "config.wsgi", "--config", "gunicorn.conf.py"]

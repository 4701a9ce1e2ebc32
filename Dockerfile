# reportgen: one image for the CLI, the API server (`serve`) and the Celery worker (`worker`).
# Same install steps as the Makefile: system packages as in .ci/run, then `pip install ".[all]"`
# (the core plus the pdf, server and celery extras: one image runs every verb).
# (No Docker engine runs where this was written; keep it in step with .ci/run by hand.)
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    REPORTGEN_DATA_DIR=/data

# WeasyPrint (pango, harfbuzz), fonts for accents/CJK/RTL/emoji, tesseract for --ocr.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
      fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji fonts-dejavu-core fonts-liberation2 \
      tesseract-ocr tesseract-ocr-eng poppler-utils \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY reportgen ./reportgen
COPY sops ./sops
COPY templates ./templates
COPY web ./web
COPY migrations ./migrations
COPY alembic.ini ./
RUN pip install ".[all]"

RUN useradd --create-home --uid 10001 reportgen && mkdir -p /data && chown reportgen /data
USER reportgen
VOLUME ["/data"]

EXPOSE 8000
ENTRYPOINT ["reportgen"]
# `docker run IMAGE serve --host 0.0.0.0` for the API (keys required beyond loopback: docs/security.md),
# `docker run IMAGE worker` for a Celery worker (DATABASE_URL + REPORTGEN_BROKER_URL), or the demo:
CMD ["demo", "--out", "/data/demo"]

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VAR_DIR=/srv/fulcrum/var

# WeasyPrint's system libraries and the fonts the PDFs draw with (Latin, Greek, Cyrillic,
# Vietnamese, and CJK as a fallback).
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig \
        fonts-dejavu-core fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 fulcrum

WORKDIR /srv/fulcrum
COPY pyproject.toml ./
COPY practice ./practice
COPY clients ./clients
COPY assessments ./assessments
COPY templates ./templates
COPY static ./static
COPY manage.py ./
RUN pip install --no-cache-dir . \
    && mkdir -p "$VAR_DIR" \
    && DEBUG=false SECRET_KEY=build-only-collectstatic python manage.py collectstatic --noinput \
    && chown -R fulcrum:fulcrum /srv/fulcrum

USER fulcrum
EXPOSE 8000
CMD ["gunicorn", "practice.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-"]

# The web app, Celery worker and beat all run from this image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=knowledge_exchange.settings.production

WORKDIR /app
COPY requirements/base.txt requirements/base.txt
RUN pip install -r requirements/base.txt

COPY . .
RUN useradd --create-home --uid 1000 exchange && mkdir -p /app/staticfiles /app/private-media \
    && chown -R exchange /app/staticfiles /app/private-media
USER exchange

EXPOSE 8000
CMD ["gunicorn", "knowledge_exchange.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]

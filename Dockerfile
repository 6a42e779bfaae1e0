FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bzpeer ./bzpeer
COPY profiles ./profiles
COPY publications ./publications
COPY graph ./graph
RUN pip install .
COPY . .
# collectstatic needs settings, not a real key: this one exists only during the build.
RUN BZPEER_SECRET_KEY=collectstatic-during-the-image-build-only DATABASE_URL=postgresql://unused@localhost/unused \
    python manage.py collectstatic --noinput
RUN useradd --create-home bzpeer && chown -R bzpeer /app
USER bzpeer
EXPOSE 8000
CMD ["gunicorn", "bzpeer.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

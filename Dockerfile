FROM python:3.11-slim

# espeak-ng is the default voiceover engine (§7).
RUN apt-get update \
    && apt-get install -y --no-install-recommends espeak-ng \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md alembic.ini gunicorn.conf.py ./
COPY shared ./shared
COPY web ./web
COPY worker ./worker
COPY migrations ./migrations
COPY samples ./samples
RUN pip install --no-cache-dir -e . && useradd --create-home app && mkdir -p /app/var && chown app /app/var
USER app
ENV PORT=8000
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py"]

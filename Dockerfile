FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# The runtime lock only (pyproject.toml's [project.dependencies]): no test or lint tool in
# the image. Every package pinned with its hashes; tests/test_dependencies.py checks both.
COPY requirements.txt .
RUN pip install --no-cache-dir --require-hashes -r requirements.txt
COPY . .
# Compiled catalogues are build output (gitignored): without them every page is English.
RUN pybabel compile -d translations
RUN useradd --create-home rescue && mkdir -p instance && chown rescue instance
USER rescue
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py", "--workers", "4", "--threads", "2", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "wsgi:app"]

# The EconSim image: one image for web, worker and beat (compose.yaml picks the command).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DATA_DIR=/data PORT=8000
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Built with the production settings (DEBUG=false): the translations' .mo files, and the static
# files with the manifest of hashed names the production storage serves from. The key is a
# placeholder neither command uses; the containers get theirs from the environment.
# ops/tests/test_image.py replays this line and the start commands.
RUN export DEBUG=false SECRET_KEY=build-only-placeholder-key \
    && python manage.py compilemessages --ignore=.venv -v0 \
    && python manage.py collectstatic --no-input -v0
RUN useradd --create-home econsim && mkdir -p /data/media && chown -R econsim /data
USER econsim
EXPOSE 8000
# Workers, bind address and the worker timeout (derived from the LLM limits): the config module.
CMD ["gunicorn", "--config", "python:econsim_project.gunicorn_config", "econsim_project.wsgi:application"]

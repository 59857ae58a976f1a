# The EconSim image: one image for web, worker and beat (compose.yaml picks the command).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DATA_DIR=/data
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN DEBUG=true python manage.py collectstatic --no-input -v0 \
    && useradd --create-home econsim && mkdir -p /data/media && chown -R econsim /data
USER econsim
EXPOSE 8000
CMD ["gunicorn", "econsim_project.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]

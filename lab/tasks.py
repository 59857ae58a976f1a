"""Celery tasks of the strategy lab (names `lab.*`)."""

"""Runs `alembic -c migrations/alembic.ini -n <schema> upgrade head`; the code is the services',
but for what several schemas' revisions do alike (`migrations.messaging`)."""

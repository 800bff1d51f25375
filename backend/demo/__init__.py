"""The demo city that ``manage.py seed_demo`` loads: one small loader per kind of record."""

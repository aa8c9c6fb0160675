"""Alembic environment of the CRM store, shipped inside the package so installs can migrate."""

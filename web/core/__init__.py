"""The application's plumbing: composition root, settings, database boundary, errors, i18n, serving, CLI, migrations."""

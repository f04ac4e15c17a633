"""The advisor itself: question bank, dialog engine, scoring, roadmap and quick check.

Nothing in this package performs I/O beyond reading its own bundled data files, and
nothing here imports discord or a database driver (import-linter checks, in `make lint`).
"""

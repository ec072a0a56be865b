"""The search layer's one-off costs (importing optuna and SQLAlchemy's ORM, Optuna's first
storage set-up), paid ahead on a background thread so the first Run starts at once."""

from __future__ import annotations


def warm_up() -> None:
    """Imports the search layer and creates one throw-away in-memory study. Seconds, once per
    process; call it off the GUI thread."""
    import optuna

    storage = optuna.storages.RDBStorage("sqlite:///:memory:")
    optuna.create_study(storage=storage)

"""The support-line router: `create_app()` for gunicorn, `python app.py` for everyone else."""
from __future__ import annotations

from flask import Flask


def create_app(config: dict | None = None) -> Flask:
    """Build the router. `config` may carry `settings` and test doubles for `redis` and `clock`."""
    from bootstrap import build_app

    return build_app(config)


if __name__ == "__main__":
    from bootstrap import serve

    serve(create_app)

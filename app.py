"""The support-line router: `create_app()` for gunicorn, `python app.py` for everyone else."""
from __future__ import annotations

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from runtime.settings import Settings


def create_app(config: dict | None = None) -> Flask:
    """Build the router. `config` may carry `settings` and test doubles for `redis`, `clock`, `table`."""
    from admin.api import bp as admin_api_bp
    from admin.cli import admins as admins_cli_bp
    from admin.cli import bp as orgs_cli_bp
    from admin.cli import countries as countries_cli_bp
    from admin.cli import data as data_cli_bp
    from admin.countries_api import bp as countries_api_bp
    from admin.countries_api import notices_bp, what_if_bp
    from admin.pages import bp as admin_pages_bp
    from web.sessions import PageSessions, on_loopback, security_headers
    from agents.api import bp as agent_api_bp
    from agents.console import bp as console_bp
    from ivr.agent_views import bp as agent_line_bp
    from ivr.views import bp as ivr_bp
    from public_pages.numbers import bp as numbers_bp
    from runtime.dev_tokens import development_token
    from operations.health import bp as health_bp
    from runtime.logs import configure as configure_logging
    from bootstrap import EXTENSION, build_services
    from runtime.redis_connection import StoreUnavailable

    config = dict(config or {})
    settings = config.pop("settings", None) or Settings.from_env()
    configure_logging(settings.log_level, settings.log_format)
    app = Flask(__name__, instance_path=os.path.abspath(settings.instance_dir), template_folder="templates", static_folder="static")
    app.config.update(SECRET_KEY=settings.secret_key or development_token(settings.dev_secret_key_file))
    if settings.trusted_proxy_hops:  # the client's address as the load balancer saw it, for sign-in throttling
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxy_hops)
    services = build_services(settings, config)
    app.extensions[EXTENSION] = services
    secure = not on_loopback(settings.host, settings.public_base_url)
    app.session_interface = services.page_sessions = PageSessions(services.redis, services.clock, secure=secure)
    app.after_request(security_headers(secure))
    app.register_blueprint(ivr_bp)
    app.register_blueprint(agent_line_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(numbers_bp)
    app.register_blueprint(admin_api_bp)
    app.register_blueprint(countries_api_bp)
    app.register_blueprint(notices_bp)
    app.register_blueprint(what_if_bp)
    app.register_blueprint(admin_pages_bp)
    app.register_blueprint(orgs_cli_bp)
    app.register_blueprint(admins_cli_bp)
    app.register_blueprint(countries_cli_bp)
    app.register_blueprint(data_cli_bp)
    app.register_error_handler(StoreUnavailable, store_unavailable)
    app.register_blueprint(agent_api_bp)
    app.register_blueprint(console_bp)
    return app


def store_unavailable(error):
    """Redis did not answer (or no replica confirmed a write): try again, nothing was promised."""
    from flask import jsonify, request

    if request.path.startswith(("/admin/api", "/agent/api", "/api")):
        return jsonify(error="storage unavailable, try again"), 503
    return "Storage is unavailable; please try again in a moment.\n", 503, {"Content-Type": "text/plain; charset=utf-8"}


if __name__ == "__main__":
    from runtime.startup import main

    main(create_app)

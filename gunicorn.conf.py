"""gunicorn reads this file from the folder it starts in: the router's worker settings.

Override any of them on the command line (`--workers 8`) or with GUNICORN_CMD_ARGS.

gthread gives each request a thread while it is read, so a client that sends
its request slowly holds a thread: in production gunicorn listens on
127.0.0.1 behind nginx (deploy/nginx-site.conf), which reads each request
whole, with header and body timeouts, before passing it on.
"""
import multiprocessing
import sys

from runtime.settings import SettingError, Settings, start_up_faults
from runtime.settle import settle

worker_class = "gthread"
workers = 2 * multiprocessing.cpu_count()
threads = 4
keepalive = 75  # longer than a load balancer's usual 60 s idle timeout, so it is the one to close
bind = "127.0.0.1:8000"  # behind the buffering proxy, never straight on the internet
limit_request_line = 4094  # gunicorn's limits on the request head, named here so they are deliberate
limit_request_fields = 100
limit_request_field_size = 8190


def on_starting(server):
    """Off loopback, refuse to start without PUBLIC_BASE_URL or a shared Redis (runtime.settings.start_up_faults)."""
    listening_on = [address[0] if isinstance(address, tuple) else f"unix:{address}" for address in server.cfg.address]
    try:
        faults = start_up_faults(Settings.from_env(), listening_on)
    except SettingError as error:
        faults = [str(error)]
    if faults:
        print("support router cannot start:\n" + "\n".join(faults), file=sys.stderr)
        sys.exit(2)


def post_worker_init(worker):
    """The app is loaded in this worker: settle it before it takes its first request."""
    settle()

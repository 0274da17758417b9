"""gunicorn reads this file from the folder it starts in: the router's worker settings.

Override any of them on the command line (`--workers 8`) or with GUNICORN_CMD_ARGS.
"""
import multiprocessing

from runtime.settle import settle

worker_class = "gthread"
workers = 2 * multiprocessing.cpu_count()
threads = 4
keepalive = 75  # longer than a load balancer's usual 60 s idle timeout, so it is the one to close


def post_worker_init(worker):
    """The app is loaded in this worker: settle it before it takes its first request."""
    settle()

"""gunicorn's settings for the registry: ``gunicorn -c gunicorn.conf.py wsgi:app`` (docs/deploy.md).

Each setting can be changed from the environment, so that one file serves a laptop and a server.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")  # nginx in front (docs/deploy.md)
# Synchronous workers: each request holds one database connection for its one transaction. Two per core
# plus one is gunicorn's rule of thumb; the pages wait on PostgreSQL more than they compute.
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"
# A request that takes longer is killed and logged: an export of a whole province is the slowest page
# (about a minute at 1,000,000 instruments); anything longer is a fault to see, not to wait for.
timeout = _int("GUNICORN_TIMEOUT", 120)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5  # behind nginx, which keeps its upstream connections alive
# Each worker is replaced after about this many requests (jittered, so they are not all replaced at
# once): a slow leak cannot grow for ever.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10
# Off: each worker imports the application and opens its own connections after the fork, so no database
# connection or scheduler-like thread is shared between processes; and a reload replaces the code.
preload_app = False
# nginx sets X-Forwarded-For/Proto; only trust them from the local proxy.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# The access log on standard output (journald or the container collects it); empty to turn it off.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Client address (the proxy's X-Forwarded-For), request line, status, size, time in microseconds, worker.
access_log_format = '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(B)s %(D)sus pid=%(p)s "%(a)s"'

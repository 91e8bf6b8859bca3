"""gunicorn settings of projet_social, shared by `make serve` and the systemd unit.

Each value can be changed by an environment variable (the unit reads /etc/projet-social/env).
The figures behind the defaults are in the README, « Capacité ».
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Processes: 2 × cores + 1. In the load benchmark (benchmarks/load.py, 100 users on 2 cores)
# 5 processes kept the pages' p95 at 0.5 s where 3 let it reach 1.2 s (measured when a
# catalogue PDF still held a process for 10 to 20 s); 8 did worse than 5 (more CPU per
# request, same 2 cores).
workers = int(os.environ.get("GUNICORN_WORKERS") or 2 * (os.cpu_count() or 1) + 1)
# Threads per process (gthread worker when > 1): measured worse here, first with PDFs rendered
# in the process (3 × 4 threads: p95 4.6 s and dropped connections at 100 users), then with
# PDFs in a child process (5 × 2 threads at 50 users: p95 0.15 s and p99 5.6 s, where single
# threads give 0.07 s and 0.13 s): the pages of a process share its one interpreter lock.
threads = int(os.environ.get("GUNICORN_THREADS") or 1)
worker_class = "gthread" if threads > 1 else "sync"
# PDFs are laid out by a child process watched by a thread, outside the request (a long one
# gets the « en préparation » page): this is a margin for the longest requests of a very large
# plan (the catalogue's HTML, a workbook's import). The proxy's proxy_read_timeout is the same.
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 300)
graceful_timeout = 30
# A worker is replaced after this many requests (with jitter), so a slow leak cannot grow.
max_requests = 2000
max_requests_jitter = 200
# Logs on the standard output and error: journald keeps them (journalctl -u projet-social).
accesslog = "-"
errorlog = "-"
# No control socket (gunicornc): systemd manages the service, and two gunicorns on one host
# (a trial next to the service) would fight over its default path in $HOME.
control_socket_disable = True
# nginx runs on the same host and sets X-Forwarded-For / X-Forwarded-Proto.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def post_worker_init(worker):
    """In each process, before its first request: its database connection and the
    dashboard's figures ready (projet_social/prechauffage.py; PRECHAUFFAGE=0 to skip); then
    what it holds out of the garbage collector's reach."""
    from projet_social.prechauffage import figer_la_memoire, preparer_les_donnees

    if os.environ.get("PRECHAUFFAGE", "1") != "0":
        preparer_les_donnees()
    figer_la_memoire()

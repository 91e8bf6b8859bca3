"""gunicorn settings of projet_social, shared by `make serve` and the systemd unit.

Each value can be changed by an environment variable (the unit reads /etc/projet-social/env).
The figures behind the defaults are in the README, « Capacité ».
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Processes: two per core is where the load benchmark (benchmarks/load.py) levels off.
workers = int(os.environ.get("GUNICORN_WORKERS") or 2 * (os.cpu_count() or 1) + 1)
# Threads per process (gthread worker): a long PDF holds one thread, not a whole process.
threads = int(os.environ.get("GUNICORN_THREADS") or 1)
worker_class = "gthread" if threads > 1 else "sync"
# The catalogue PDF of a very large plan (400 fiches) takes minutes (benchmarks/pdf.py); the
# proxy's proxy_read_timeout has the same value.
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

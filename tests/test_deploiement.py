"""The production setup: settings with DEBUG off (read at import, so each case runs in a fresh
``python`` with its environment), ``check --deploy`` with the documented variables
(deploy/env.exemple), the nginx site checked by ``nginx -t`` and the systemd unit by
``systemd-analyze verify``.

The nginx test is skipped, with the reason shown, when nginx is not installed; CI installs it
and sets NGINX_REQUIRED=1, so that there a missing program fails instead of skipping."""

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
# Variables of the developer's or CI's shell that would change what is measured here.
VARIABLES_DU_SHELL = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_COOKIES",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "STATIC_ROOT",
    "DJANGO_SETTINGS_MODULE",
    # Set by the browser tests' conftest for Playwright; a server never has it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def _environnement(**variables: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if k not in VARIABLES_DU_SHELL}
    environ.update(variables)
    return environ


def _variables_documentees() -> dict[str, str]:
    """deploy/env.exemple, with a real random key in place of its placeholder."""
    variables = {}
    for ligne in (DEPLOY / "env.exemple").read_text(encoding="utf-8").splitlines():
        if ligne.strip() and not ligne.lstrip().startswith("#"):
            nom, _, valeur = ligne.partition("=")
            variables[nom.strip()] = valeur.strip()
    variables["SECRET_KEY"] = secrets.token_urlsafe(50)
    return variables


def _python(code: str, **variables: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_environnement(**variables),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def _reglages(**variables: str) -> dict:
    """The security settings, as the settings module computes them from ``variables``."""
    noms = [
        "SECURE_SSL_REDIRECT",
        "SECURE_REDIRECT_EXEMPT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
    ]
    code = (
        "import json, projet_social.settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {noms!r}}} | "
        "{'static': s.STORAGES['staticfiles']['BACKEND']} | "
        "{'debug_gabarits': s.TEMPLATES[0]['OPTIONS'].get('debug', s.DEBUG)} | "
        "{'chargeurs': s.TEMPLATES[0]['OPTIONS'].get('loaders')}))"
    )
    resultat = _python(code, **variables)
    assert resultat.returncode == 0, resultat.stderr
    return json.loads(resultat.stdout)


def test_check_deploy_is_silent_with_the_documented_production_variables():
    resultat = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env=_environnement(**_variables_documentees()),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    sortie = resultat.stdout + resultat.stderr
    assert resultat.returncode == 0, sortie
    assert "System check identified no issues" in sortie, sortie
    assert "WARNING" not in sortie and "ERROR" not in sortie, sortie


def test_https_and_hsts_are_on_by_default_when_debug_is_off():
    reglages = _reglages(DEBUG="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="ccas.example")
    assert reglages == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_REDIRECT_EXEMPT": ["^healthz$"],
        "SECURE_HSTS_SECONDS": 365 * 24 * 3600,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "static": "whitenoise.storage.CompressedManifestStaticFilesStorage",
        # No loaders of our own: with template debugging off, Django keeps every compiled
        # template in memory (its cached loader), which the load benchmark relies on.
        "debug_gabarits": False,
        "chargeurs": None,
    }


def test_each_https_switch_turns_off_for_a_plain_http_trial():
    reglages = _reglages(
        DEBUG="0",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        SECURE_COOKIES="0",
    )
    assert reglages["SECURE_SSL_REDIRECT"] is False
    assert reglages["SECURE_HSTS_SECONDS"] == 0
    assert reglages["SESSION_COOKIE_SECURE"] is False
    assert reglages["CSRF_COOKIE_SECURE"] is False


def test_development_keeps_plain_http_and_unhashed_static_files():
    reglages = _reglages(DEBUG="1")
    assert reglages["SECURE_SSL_REDIRECT"] is None
    assert reglages["SECURE_HSTS_SECONDS"] is None
    assert reglages["static"] == "django.contrib.staticfiles.storage.StaticFilesStorage"


def _options_de_la_base(**variables: str) -> dict:
    resultat = _python(
        "import json, projet_social.settings as s; "
        "print(json.dumps(s.DATABASES['default'].get('OPTIONS', {})))",
        **variables,
    )
    assert resultat.returncode == 0, resultat.stderr
    return json.loads(resultat.stdout)


def test_postgresql_prepares_the_queries_a_process_repeats_unless_told_not_to():
    base = "postgres://ccas:secret@127.0.0.1:5432/projet_social"
    options = _options_de_la_base(DATABASE_URL=base)
    assert options == {"server_side_binding": True, "prepare_threshold": 5}
    # Behind a pooler in transaction mode (PgBouncer), a prepared query may meet another
    # connection: PREPARER_APRES=0 sends every query as Django does by default.
    assert _options_de_la_base(DATABASE_URL=base, PREPARER_APRES="0") == {}
    assert "prepare_threshold" not in _options_de_la_base(DATABASE_URL="sqlite:///essai.db")


def test_plain_http_redirects_to_https_except_healthz(tmp_path):
    """Through the whole middleware stack: a page over HTTP is sent to HTTPS, /healthz (probed
    over plain HTTP on the server itself) answers, and a request the proxy marks as HTTPS gets
    the HSTS header."""
    code = """
import json, django
django.setup()
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)
client = Client()
sonde = client.get("/healthz")
page = client.get("/plan/")
https = client.get("/healthz", headers={"x-forwarded-proto": "https"})
print(json.dumps({
    "sonde": sonde.status_code,
    "page": [page.status_code, page.headers.get("Location")],
    "hsts": https.headers.get("Strict-Transport-Security"),
}))
"""
    resultat = _python(
        code,
        DEBUG="0",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=f"sqlite:///{tmp_path / 'base.sqlite3'}",
        DJANGO_SETTINGS_MODULE="projet_social.settings",
    )
    assert resultat.returncode == 0, resultat.stderr
    reponses = json.loads(resultat.stdout.strip().splitlines()[-1])
    assert reponses == {
        "sonde": 200,
        "page": [301, "https://testserver/plan/"],
        "hsts": "max-age=31536000",
    }


# --- nginx ------------------------------------------------------------------------------------


@pytest.fixture
def nginx() -> str:
    programme = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if not programme:
        message = "nginx absent : apt-get install nginx (voir .ci/run)"
        if os.environ.get("NGINX_REQUIRED"):
            pytest.fail(message)
        pytest.skip(message)
    return programme


def _certificat(dossier: Path) -> tuple[Path, Path]:
    cle, certificat = dossier / "privkey.pem", dossier / "fullchain.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=projet-social.test", "-keyout", cle, "-out", certificat],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cle, certificat


def test_nginx_site_is_valid(nginx, tmp_path):
    """`nginx -t` on the site, included by a minimal nginx.conf whose files are all in a
    temporary folder; only the certificate paths are replaced (by a self-signed pair)."""
    cle, certificat = _certificat(tmp_path)
    site = (DEPLOY / "nginx-projet-social.conf").read_text(encoding="utf-8")
    assert "ssl_certificate_key" in site and "client_max_body_size 12m;" in site
    assert "proxy_read_timeout 300s;" in site
    site = re.sub(r"ssl_certificate_key\s+[^;]+;", f"ssl_certificate_key {cle};", site)
    site = re.sub(r"ssl_certificate\s+[^;]+;", f"ssl_certificate {certificat};", site)
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    temporaires = "\n".join(
        f"    {nom}_temp_path {tmp_path / nom};"
        for nom in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        f"""pid {tmp_path / "nginx.pid"};
error_log {tmp_path / "error.log"};
events {{}}
http {{
    access_log off;
{temporaires}
    include {tmp_path / "site.conf"};
}}
""",
        encoding="utf-8",
    )
    resultat = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log")]
        + ["-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert resultat.returncode == 0, resultat.stderr
    assert "test is successful" in resultat.stderr


# --- systemd ----------------------------------------------------------------------------------


def test_systemd_unit_is_valid_and_hardened(tmp_path):
    """`systemd-analyze verify` on the unit, the program it starts replaced by one that exists
    here; and the hardening the README promises is in it."""
    unite = (DEPLOY / "projet-social.service").read_text(encoding="utf-8")
    for directive in (
        "User=projet-social",
        "EnvironmentFile=/etc/projet-social/env",
        "Restart=on-failure",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "--config deploy/gunicorn.conf.py",
    ):
        assert directive in unite
    analyse = shutil.which("systemd-analyze")
    if not analyse:
        pytest.skip("systemd-analyze absent : seule la présence des directives est vérifiée")
    copie = tmp_path / "projet-social.service"
    copie.write_text(
        unite.replace("/srv/projet-social/.venv/bin/gunicorn", shutil.which("true")),
        encoding="utf-8",
    )
    resultat = subprocess.run(
        [analyse, "verify", copie], capture_output=True, text=True, check=False, timeout=60
    )
    assert resultat.returncode == 0, resultat.stderr
    assert resultat.stderr.strip() == "", resultat.stderr


# --- gunicorn ---------------------------------------------------------------------------------


def _gunicorn(**variables: str) -> dict:
    code = (
        "import json, runpy; c = runpy.run_path('deploy/gunicorn.conf.py'); "
        "print(json.dumps({k: v for k, v in c.items() if not k.startswith('_') "
        "and isinstance(v, (int, str, bool))}))"
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GUNICORN_")}
    environ.update(variables)
    resultat = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True
    )
    assert resultat.returncode == 0, resultat.stderr
    return json.loads(resultat.stdout)


def test_gunicorn_settings_cover_the_longest_pdf_and_follow_the_environment():
    defaut = _gunicorn()
    assert defaut["timeout"] == 300  # the catalogue of 400 fiches; nginx waits as long
    assert defaut["bind"] == "127.0.0.1:8000"
    assert defaut["worker_class"] == "sync" and defaut["threads"] == 1
    assert defaut["workers"] >= 2
    assert defaut["control_socket_disable"] is True
    assert defaut["accesslog"] == "-" and defaut["errorlog"] == "-"  # to journald

    regle = _gunicorn(GUNICORN_WORKERS="3", GUNICORN_THREADS="4", GUNICORN_BIND="127.0.0.1:9000")
    assert (regle["workers"], regle["threads"], regle["worker_class"]) == (3, 4, "gthread")
    assert regle["bind"] == "127.0.0.1:9000"

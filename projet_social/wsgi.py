import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "projet_social.settings")

application = get_wsgi_application()

# Each gunicorn process compiles the templates and imports the views before its first
# request, so that no user waits for it (projet_social/prechauffage.py).
if os.environ.get("PRECHAUFFAGE", "1") != "0":
    from projet_social.prechauffage import prechauffer

    prechauffer()

"""Views of the actions app, one module per screen family (see urls.py)."""

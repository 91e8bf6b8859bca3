"""Views of the evaluations app, one module per screen family (see urls.py)."""

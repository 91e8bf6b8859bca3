"""Forms of the actions app, one module per screen family."""

"""Forms of the evaluations app, one module per screen family."""

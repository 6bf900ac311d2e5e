"""Console routes, one module per screen."""

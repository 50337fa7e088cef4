"""The service: one queue and one set of models behind the web page, the JSON API and Ray Serve, with its keys,
limits and metrics."""

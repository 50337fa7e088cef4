"""The test suite: tiers by marker (pyproject.toml), shared fixtures in conftest.py, helpers as modules of
this package."""

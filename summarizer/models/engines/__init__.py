"""Engines: the step that turns prompt token ids into generated token ids, one module per family."""

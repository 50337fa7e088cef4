"""Batch jobs: where articles come from (files, tables, URLs), output files that survive a crash, and batches on a
Ray cluster."""

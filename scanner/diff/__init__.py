"""Semantic diff between two revisions: connectivity, workloads, properties, findings."""

"""The in-memory model of namespaces, workloads, services and policies."""

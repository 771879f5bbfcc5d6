"""npaudit: static audit and compliance scanner for Kubernetes NetworkPolicy."""

__version__ = "0.1.0"

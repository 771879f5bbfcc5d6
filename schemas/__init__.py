"""JSON Schemas shipped inside the npaudit package (read with importlib.resources)."""

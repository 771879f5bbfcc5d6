"""Check kinds: the code behind the rules of the catalogue (rules/<id>.yaml names its `kind`).

The registry is explicit: `CHECK_KINDS` maps a kind name to its `CheckKind`; adding a kind means
adding one import and one entry in `scanner/checks/registry.py`.
"""

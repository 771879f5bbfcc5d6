"""npaudit's benchmark suite (not shipped in the wheel): a deterministic generator of synthetic
clusters (`benchmarks.generate`) and a harness that times every phase in a fresh process
(`python -m benchmarks`). See benchmarks/README.md for the measured table."""

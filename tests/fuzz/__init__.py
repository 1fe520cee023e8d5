"""The engine's differential fuzzer (GEOS as the oracle): see README.md."""

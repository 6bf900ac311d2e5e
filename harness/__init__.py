"""What tests and benchmarks share: data factories, bot test contexts, local servers, platform emulators.

Never imported by the application packages; `tests/` and `bench/` import it from the repository root.
"""

"""Host-side helpers shared by tools/flint, the tests and the benchmarks."""

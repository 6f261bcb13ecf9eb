// bitla-bench: one executable holding every benchmark (see README, "Benchmarks").
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();

// bitla-bench: one executable holding every benchmark (docs/performance.md, "The benchmark
// contract"); the limit/ rows are registered last, so they run after the rows they are the
// ceilings of.
#include <benchmark/benchmark.h>

#include "ceilings.hpp"

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    bitla_bench::register_limit_rows();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}

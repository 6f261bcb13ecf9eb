// The limit/<kind>[_2threads]/<isa> rows: every ceiling of every ISA level the host runs,
// with the loop and read pattern that reached it as the label (bench/ceilings.hpp). They run
// after every other row, so a read ceiling includes every read pass of the run.
#include "ceilings.hpp"

namespace bitla_bench {
namespace {

void limit_row(benchmark::State& state, Ceiling c, bitla::isa level, unsigned threads) {
    for (auto _ : state) benchmark::DoNotOptimize(ceiling(c, level, threads));
    state.counters[c == Ceiling::read ? "bytes_per_second" : "items_per_second"] = ceiling(c, level, threads);
    state.counters["of_limit"] = 1.0;
    state.SetLabel(ceiling_source(c, level, threads));
}

}  // namespace

void register_limit_rows() {
    for (Ceiling c : {Ceiling::read, Ceiling::int8_dot, Ceiling::xor_popcount})
        for (bitla::isa level : bitla::available_isas())
            for (unsigned threads : {1u, 2u})
                benchmark::RegisterBenchmark(ceiling_name(c, level, threads).c_str(), limit_row, c, level, threads)
                    ->Iterations(1);
}

}  // namespace bitla_bench

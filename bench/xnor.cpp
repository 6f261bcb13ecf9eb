// xnor_gemm: W1A1 binary GEMM, y = a . w^T with int32 output, against the xor + popcount
// + add peak of the ISA level it runs at, measured in the same process (of_limit; the
// 2-thread run against the peak loops run on both threads at once). Operands are random +-1
// bits; 4096^3 is compute-bound (2 MiB per operand), so nothing is cached away that matters.
#include <benchmark/benchmark.h>
#include <bitla/gemm/xnor.hpp>

#include <random>
#include <string>

#include "ceilings.hpp"

namespace bitla_bench {
namespace {

bitla::BitPacked<bitla::enc::sign> random_bits(std::size_t rows, std::size_t cols, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uint64_t word = 0;
    return bitla::BitPacked<bitla::enc::sign>::generate(rows, cols, [&](std::size_t, std::size_t c) {
        if (c % 64 == 0) word = rng();
        return (word >> (c % 64)) & 1;
    });
}

void xnor_gemm(benchmark::State& state, std::size_t m, std::size_t n, std::size_t k, unsigned threads, bool avx2) {
    const AtLevel level(state, avx2);
    if (!level.ok()) return;
    const auto a = random_bits(m, k, 1), w = random_bits(n, k, 2);
    bitla::Matrix<std::int32_t> y(m, n);
    bitla::ThreadPool pool(threads);
    for (auto _ : state) {
        bitla::xnor_gemm(a, w, y, {&pool});
        benchmark::DoNotOptimize(y.data());
        benchmark::ClobberMemory();
    }
    const double macs = double(m) * double(n) * double(k);
    state.SetItemsProcessed(static_cast<std::int64_t>(double(state.iterations()) * macs));
    // The least a product moves: both operands once, the output once.
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * ((m + n) * k / 8 + 4 * m * n)));
    set_of_limit(state, macs, Ceiling::xor_popcount, threads);
}

const int registered = [] {
    for (std::size_t s : {1024, 4096}) {
        const std::string shape = std::to_string(s) + "x" + std::to_string(s) + "x" + std::to_string(s);
        benchmark::RegisterBenchmark(("xnor_gemm/w1a1/" + shape).c_str(), xnor_gemm, s, s, s, 1u, false)
            ->Unit(benchmark::kMillisecond)->UseRealTime();
    }
    benchmark::RegisterBenchmark("xnor_gemm/w1a1/4096x4096x4096/threads:2", xnor_gemm, 4096, 4096, 4096, 2u, false)
        ->Unit(benchmark::kMillisecond)->UseRealTime();
    // The AVX2 kernel on the same data (what a CPU without AVX-512 runs).
    benchmark::RegisterBenchmark("xnor_gemm/w1a1_avx2/4096x4096x4096", xnor_gemm, 4096, 4096, 4096, 1u, true)
        ->Unit(benchmark::kMillisecond)->UseRealTime();
    return 0;
}();

}  // namespace
}  // namespace bitla_bench

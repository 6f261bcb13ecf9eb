// The generic reference products, for scale: every optimised kernel reports how far above
// these it runs. Weights here are small (they fit in cache): this measures the code, not
// the memory.
#include <benchmark/benchmark.h>
#include <bitla/bitla.hpp>

#include <random>

namespace {

void gemv_reference_ternary(benchmark::State& state) {
    const std::size_t n = 1024, k = 4096;
    std::mt19937 rng(1);
    std::uniform_int_distribution<int> tri(-1, 1), i8(-127, 127);
    bitla::Matrix<std::int8_t> wv(n, k), x(1, k);
    for (auto& v : wv.flat()) v = static_cast<std::int8_t>(tri(rng));
    for (auto& v : x.flat()) v = static_cast<std::int8_t>(i8(rng));
    const auto w = bitla::TernaryPacked<bitla::enc::planes>::from_values(wv);
    bitla::Matrix<std::int32_t> y(1, n);
    for (auto _ : state) {
        bitla::reference::gemm(x, w, y);
        benchmark::DoNotOptimize(y.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n * k));
}
BENCHMARK(gemv_reference_ternary)->Name("gemv/ternary_planes_reference/1x1024x4096")->Unit(benchmark::kMicrosecond);

}  // namespace

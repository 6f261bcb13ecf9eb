// Quantizer speed: HQQ faithful and improved on a 4096 x 4096 float matrix (N(0, 0.02)),
// one thread. Items are weights quantized. The budget: faithful 2-bit g64 <= 1 s,
// improved <= 2x faithful.
#include <benchmark/benchmark.h>
#include <bitla/quant/quant.hpp>

#include <random>

namespace {

const bitla::Matrix<float>& weights_4096() {
    static const bitla::Matrix<float> w = [] {
        bitla::Matrix<float> m(4096, 4096);
        std::mt19937_64 g(1);
        std::normal_distribution<float> d(0.0f, 0.02f);
        for (auto& v : m.flat()) v = d(g);
        return m;
    }();
    return w;
}

void hqq(benchmark::State& state, float nbits, std::size_t group_size, bitla::HqqMode mode) {
    const auto& w = weights_4096();
    for (auto _ : state) {
        auto q = bitla::quantize_hqq(w, {.nbits = nbits, .group_size = group_size, .mode = mode});
        benchmark::DoNotOptimize(q.scale.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * w.rows() * w.cols()));
}

void low_rank(benchmark::State& state) {
    const auto& w = weights_4096();
    for (auto _ : state) {
        auto lr = bitla::fit_low_rank(w, 32);
        benchmark::DoNotOptimize(lr.a.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * w.rows() * w.cols()));
}

using bitla::HqqMode;
BENCHMARK_CAPTURE(hqq, faithful2, 2.0f, 64, HqqMode::faithful)
    ->Name("quantize/hqq2_g64/4096x4096")->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_CAPTURE(hqq, improved2, 2.0f, 64, HqqMode::improved)
    ->Name("quantize/hqq2_g64_improved/4096x4096")->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_CAPTURE(hqq, faithful4, 4.0f, 64, HqqMode::faithful)
    ->Name("quantize/hqq4_g64/4096x4096")->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_CAPTURE(hqq, improved4, 4.0f, 64, HqqMode::improved)
    ->Name("quantize/hqq4_g64_improved/4096x4096")->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(low_rank)->Name("quantize/low_rank_r32/4096x4096")->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

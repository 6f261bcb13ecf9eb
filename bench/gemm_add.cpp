// Add-only GEMM (gemm/add.hpp) with ternary weights, K = N = 4096, M = 128 and 512, int8
// activations with per-row scales, float output; of_limit = MAC/s over the int8 dot peak of
// the ISA level it runs at, measured in this process (limit/int8_dot/<isa>). In the same
// binary, the float baselines on the dequantized weights (docs/design.md §11): OpenBLAS sgemm for
// the same shapes (of_limit: its float MAC/s over the host's best int8 dot peak) and sgemv
// over >= 256 MiB of float weights (of_limit against reads of the same matrices interleaved
// with the loop, like gemv/, with the host's widest loads: OpenBLAS picks its own kernels).
// gemm/ternary2_f32 is the same product with float activations (no of_limit: float tiles).
// Everything here runs on one thread (the pools and OpenBLAS are set to 1).
#include <benchmark/benchmark.h>
#include <bitla/bitla.hpp>
#include <bitla/gemm/add.hpp>
#if BITLA_BENCH_OPENBLAS
#include <cblas.h>
#endif

#include <random>
#include <string>
#include <vector>

#include "ceilings.hpp"
#include "read_limits.hpp"

namespace bitla_bench {
namespace {

constexpr std::size_t gemm_k = 4096, gemm_n = 4096;

/// Ternary values (N x K) and their per-row scales, generated once.
struct Ternary {
    bitla::Matrix<int> values{gemm_n, gemm_k};
    std::vector<float> scale = std::vector<float>(gemm_n);
    Ternary() {
        std::mt19937 rng(11);
        for (auto& e : values.flat()) e = int(rng() % 3) - 1;
        for (auto& s : scale) s = 0.01f + 0.001f * float(rng() % 100);
    }
};
const Ternary& ternary() {
    static const Ternary t;
    return t;
}

// The baselines' float weights (unused where OpenBLAS is not found).
[[maybe_unused]] bitla::Matrix<float> dequantized() {
    const auto& t = ternary();
    bitla::Matrix<float> w(gemm_n, gemm_k);
    for (std::size_t n = 0; n < gemm_n; ++n)
        for (std::size_t k = 0; k < gemm_k; ++k) w(n, k) = t.scale[n] * float(t.values(n, k));
    return w;
}

void gemm_ternary(benchmark::State& state, unsigned threads, bool avx2) {
    const AtLevel level(state, avx2);
    if (!level.ok()) return;
    const std::size_t m = static_cast<std::size_t>(state.range(0));
    const auto& t = ternary();
    static const bitla::AddWeights w = bitla::pack_add(bitla::TernaryPacked<bitla::enc::planes>::from_values(t.values),
                                                       bitla::WeightScales::per_row(t.scale));
    std::mt19937 rng(5);
    bitla::Matrix<std::int8_t> x(m, gemm_k);
    for (auto& e : x.flat()) e = static_cast<std::int8_t>(int(rng() % 255) - 127);
    std::vector<float> xs(m, 0.02f);
    bitla::Matrix<float> y(m, gemm_n);
    bitla::ThreadPool pool(threads);
    bitla::AddOptions opt;
    opt.pool = &pool;
    for (auto _ : state) {
        bitla::gemm(bitla::Int8Rows{x, xs}, w, y, opt);
        benchmark::DoNotOptimize(y.data());
    }
    const double macs = double(m) * gemm_n * gemm_k;
    state.SetItemsProcessed(static_cast<std::int64_t>(double(state.iterations()) * macs));
    // The least a product moves: the packed weights, the activations and the output once.
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * (w.bytes() + m * gemm_k + 4 * m * gemm_n)));
    set_of_limit(state, macs, Ceiling::int8_dot, threads);
}

/// The same product with float activations (the dot_f32 tiles): M = 128 only.
void gemm_ternary_f32(benchmark::State& state) {
    const std::size_t m = static_cast<std::size_t>(state.range(0));
    const auto& t = ternary();
    static const bitla::AddWeights w = bitla::pack_add(bitla::TernaryPacked<bitla::enc::planes>::from_values(t.values),
                                                       bitla::WeightScales::per_row(t.scale));
    std::mt19937 rng(5);
    std::normal_distribution<float> nd(0, 1);
    bitla::Matrix<float> x(m, gemm_k), y(m, gemm_n);
    for (auto& e : x.flat()) e = nd(rng);
    bitla::ThreadPool pool(1);
    bitla::AddOptions opt;
    opt.pool = &pool;
    for (auto _ : state) {
        bitla::gemm(bitla::MatrixView<const float>(x), w, y, opt);
        benchmark::DoNotOptimize(y.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(double(state.iterations()) * double(m) * gemm_n * gemm_k));
}

#if BITLA_BENCH_OPENBLAS
void openblas_sgemm_add(benchmark::State& state) {
    openblas_set_num_threads(1);
    const std::size_t m = static_cast<std::size_t>(state.range(0));
    static const bitla::Matrix<float> w = dequantized();
    std::mt19937 rng(5);
    std::normal_distribution<float> nd(0, 1);
    bitla::Matrix<float> x(m, gemm_k), y(m, gemm_n);
    for (auto& e : x.flat()) e = nd(rng);
    const int M = int(m), N = int(gemm_n), K = int(gemm_k);
    for (auto _ : state) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, x.data(), K, w.data(), K, 0.0f, y.data(), N);
        benchmark::DoNotOptimize(y.data());
    }
    const double macs = double(m) * gemm_n * gemm_k;
    state.SetItemsProcessed(static_cast<std::int64_t>(double(state.iterations()) * macs));
    if (const double peak = ceiling(Ceiling::int8_dot, bitla::best_isa()); peak > 0)
        state.counters["of_limit"] = benchmark::Counter(macs / peak, benchmark::Counter::kIsIterationInvariantRate);
    state.SetLabel("float MACs over " + ceiling_name(Ceiling::int8_dot, bitla::best_isa()));
}

void openblas_sgemv_add(benchmark::State& state) {
    openblas_set_num_threads(1);
    constexpr std::size_t total = std::size_t{256} << 20, one = gemm_n * gemm_k * sizeof(float);
    static const std::vector<bitla::Matrix<float>> ws = [] {
        std::vector<bitla::Matrix<float>> v;
        v.push_back(dequantized());
        for (std::size_t i = 1; i < (total + one - 1) / one; ++i) v.push_back(v[0].clone());
        return v;
    }();
    std::mt19937 rng(5);
    std::normal_distribution<float> nd(0, 1);
    std::vector<float> x(gemm_k), y(gemm_n);
    for (auto& e : x) e = nd(rng);
    std::vector<ReadRegion> regions;
    for (const auto& w : ws) regions.push_back({w.data(), one});
    InterleavedRead reads(regions, nullptr, bitla::best_isa());
    stream_loop(state, ws.size(), reads, [&](std::size_t i) {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, int(gemm_n), int(gemm_k), 1.0f, ws[i].data(), int(gemm_k), x.data(),
                    1, 0.0f, y.data(), 1);
        benchmark::DoNotOptimize(y.data());
    });
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * gemm_n * gemm_k));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * one));
    set_read_counters(state, double(one), reads);
}
#endif

const int registered = [] {
    for (long m : {128L, 512L}) {
        const auto name = [m](const char* op) {
            std::string s(op);
            s += '/';
            s += std::to_string(m);
            s += "x4096x4096";
            return s;
        };
        benchmark::RegisterBenchmark(name("gemm/ternary2").c_str(), gemm_ternary, 1u, false)
            ->Arg(m)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
        benchmark::RegisterBenchmark(name("gemm/ternary2_2threads").c_str(), gemm_ternary, 2u, false)
            ->Arg(m)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
        // The AVX2 tiles on the same data (what a CPU without AVX-512 runs).
        benchmark::RegisterBenchmark(name("gemm/ternary2_avx2").c_str(), gemm_ternary, 1u, true)
            ->Arg(m)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
#if BITLA_BENCH_OPENBLAS
        benchmark::RegisterBenchmark(name("baseline/openblas_sgemm").c_str(), openblas_sgemm_add)
            ->Arg(m)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
#endif
    }
    benchmark::RegisterBenchmark("gemm/ternary2_f32/128x4096x4096", gemm_ternary_f32)
        ->Arg(128)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
#if BITLA_BENCH_OPENBLAS
    benchmark::RegisterBenchmark("baseline/openblas_sgemv/1x4096x4096", openblas_sgemv_add)
        ->Unit(benchmark::kMicrosecond)->UseRealTime()->MinTime(1.0);
#endif
    return 0;
}();

}  // namespace
}  // namespace bitla_bench

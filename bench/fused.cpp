// The fused HQQ+ layer of issue 5: 2-bit HQQ g64 codes with the zero fold, a rank-16
// low-rank correction and a bias, y = x·Ŵᵀ + b for one int8 activation row (decode),
// K = N = 4096, cycling through enough distinct layers (>= 256 MiB: codes, fp16 group
// metadata, B and A) that the L3 cannot hold them.
//
//   fused/hqq2_g64_r16_bias/1x4096x4096            evaluate(linear(x, compiled) + bias(b)):
//                                                  one pass over codes + metadata, then the
//                                                  low-rank epilogue
//   fused/hqq2_g64_r16_bias_separate/1x4096x4096   the same terms one after another, each as
//                                                  its own pass: x·(Wq·s), then Σ_g u·xsum
//                                                  (u in float), then the low-rank product,
//                                                  then the bias
//   fused/hqq2_g64_r16_bias_vs_separate/1x4096x4096   both alternating call by call: time of
//                                                  the fused calls, counter speedup = the
//                                                  separate calls' time over the fused ones'
//   baseline/openblas_sgemv/hqq2_dequantized_4096x4096   OpenBLAS on the dequantized float Ŵ
//
// of_limit: bytes read per second (every byte of codes, scales, zeros, factors and bias the
// evaluation reads) over the 1-thread read bandwidth of the same buffers with the read loop
// of the ISA level it runs at (the baseline: the host's widest), sampled between the
// benchmark's passes over them (InterleavedRead; of_peak: over the best read seen).
#include <benchmark/benchmark.h>
#include <bitla/expr/expr.hpp>
#if BITLA_BENCH_OPENBLAS
#include <cblas.h>
#endif

#include <chrono>
#include <random>
#include <vector>

#include "read_limits.hpp"

namespace bitla_bench {
namespace {

using namespace bitla::expr;
constexpr std::size_t n = 4096, k = 4096, g = 64, r = 16;
constexpr std::size_t total_bytes = std::size_t{256} << 20;

struct Layer {
    bitla::Matrix<float> s, z, u, b_lr, a_lr;  // scale, zero, u = -z·s, B, A
    std::vector<float> bias;
};

struct Set {
    std::vector<Layer> layers;
    std::vector<bitla::expr::Compiled> fused;
    std::vector<bitla::AddWeights> codes_scale_only;  // for the separate passes
    std::size_t fused_bytes = 0, separate_bytes = 0;
};

const bitla::BitPlanes& codes() {
    static const bitla::BitPlanes wq = [] {
        bitla::Matrix<std::uint8_t> q(n, k);
        std::mt19937 rng(5);
        for (auto& v : q.flat()) v = static_cast<std::uint8_t>(rng() & 3);
        return bitla::BitPlanes::from_values(q, 2);
    }();
    return wq;
}

Set& data() {
    static Set set = [] {
        Set st;
        std::mt19937 rng(9);
        std::normal_distribution<float> gauss(0.0f, 1.0f);
        const auto fill = [&](bitla::Matrix<float>& m, float scale, float offset) {
            for (auto& v : m.flat()) v = offset + scale * gauss(rng);
        };
        const std::size_t per_layer = n * k / 4 + 2 * 2 * n * (k / g) + 4 * (n * r + r * k) + 4 * n;
        const std::size_t copies = (total_bytes + per_layer - 1) / per_layer;
        st.layers.resize(copies);
        for (auto& l : st.layers) {
            l.s = bitla::Matrix<float>(n, k / g), l.z = bitla::Matrix<float>(n, k / g);
            l.b_lr = bitla::Matrix<float>(n, r), l.a_lr = bitla::Matrix<float>(r, k);
            fill(l.s, 0.001f, 0.01f), fill(l.z, 0.3f, 1.5f), fill(l.b_lr, 0.01f, 0), fill(l.a_lr, 0.01f, 0);
            l.u = bitla::Matrix<float>(n, k / g);
            for (std::size_t i = 0; i < l.u.flat().size(); ++i) l.u.flat()[i] = -l.z.flat()[i] * l.s.flat()[i];
            l.bias.resize(n);
            for (auto& v : l.bias) v = gauss(rng);
            st.fused.push_back(compile(packed(codes()) * group_scale(l.s, g) + group_zero_point(l.z, l.s, g) +
                                       low_rank(l.b_lr, l.a_lr)));
            st.codes_scale_only.push_back(bitla::pack_add(codes(), bitla::WeightScales::per_group(l.s.view(), g)));
        }
        st.fused_bytes = st.fused[0].bytes() + 4 * n;
        st.separate_bytes = st.codes_scale_only[0].bytes() + 4 * (n * (k / g) + n * r + r * k + n);
        return st;
    }();
    return set;
}

bitla::Matrix<std::int8_t> activations() {
    bitla::Matrix<std::int8_t> x(1, k);
    std::mt19937 rng(3);
    for (auto& v : x.flat()) v = static_cast<std::int8_t>(int(rng() % 255) - 127);
    return x;
}

/// The memory the fused layers occupy: codes and metadata, factors, bias.
std::vector<ReadRegion> layer_regions() {
    std::vector<ReadRegion> r;
    const Set& st = data();
    for (std::size_t i = 0; i < st.fused.size(); ++i) {
        for (const auto& w : st.fused[i].packed()) r.push_back({w.data(), w.bytes()});
        for (const auto& f : st.fused[i].factors()) {
            r.push_back({f.b.data, 4 * f.b.rows * f.b.cols});
            if (!f.ones()) r.push_back({f.a.data, 4 * f.a.rows * f.a.cols});
        }
        r.push_back({st.layers[i].bias.data(), 4 * n});
    }
    return r;
}

void report(benchmark::State& state, std::size_t bytes, InterleavedRead& reads) {
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n * k));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
    set_read_counters(state, double(bytes), reads);
}

/// One int8 activation row and what a pass needs to evaluate a layer fused or term by term.
class Runner {
public:
    Runner() : st_(data()), x_(activations()), y_(1, n), one_(1), factors_(1) { opt_.pool = &one_; }

    /// evaluate(linear(x, compiled) + bias(b)): one pass over codes and metadata.
    void fused(std::size_t i) {
        evaluate(linear(int8_rows(x_, sx_), st_.fused[i]) + bias(st_.layers[i].bias), y_.view(), {&one_});
        benchmark::DoNotOptimize(y_.data());
    }
    /// The same terms one after another, each its own pass.
    void separate(std::size_t i) {
        const Layer& l = st_.layers[i];
        // x·(Wq·s)
        bitla::gemm(bitla::Int8Rows{x_.view(), sx_}, st_.codes_scale_only[i], y_.view(), opt_);
        // Σ_g u[n, g]·xsum[g]
        float xsum[k / g] = {};
        for (std::size_t kk = 0; kk < k; ++kk) xsum[kk / g] += float(x_(0, kk));
        for (std::size_t nn = 0; nn < n; ++nn) {
            float acc = 0;
            for (std::size_t gg = 0; gg < k / g; ++gg) acc += l.u(nn, gg) * xsum[gg];
            y_(0, nn) += sx_[0] * acc;
        }
        // (x·Aᵀ)·Bᵀ
        factors_[0] = {l.b_lr.view(), l.a_lr.view()};
        bitla::expr::detail::low_rank_epilogue(factors_, r, bitla::MatrixView<const std::int8_t>(x_.view()), sx_,
                                               y_.view());
        // + b
        for (std::size_t nn = 0; nn < n; ++nn) y_(0, nn) += l.bias[nn];
        benchmark::DoNotOptimize(y_.data());
    }

private:
    Set& st_;
    bitla::Matrix<std::int8_t> x_;
    std::vector<float> sx_ = {0.01f};
    bitla::Matrix<float> y_;
    bitla::ThreadPool one_;
    bitla::AddOptions opt_;
    std::vector<bitla::expr::PlanFactor> factors_;
};

void fused(benchmark::State& state) {
    Runner run;
    InterleavedRead reads(layer_regions());
    stream_loop(state, data().fused.size(), reads, [&](std::size_t i) { run.fused(i); });
    report(state, data().fused_bytes, reads);
}

void separate(benchmark::State& state) {
    Runner run;
    InterleavedRead reads(layer_regions());
    stream_loop(state, data().layers.size(), reads, [&](std::size_t i) { run.separate(i); });
    report(state, data().separate_bytes, reads);
}

/// Fused and separate alternating, layer by layer (the two runs above meet different
/// minutes of this host's drifting bandwidth: their time ratio moved from 1.21x to 1.60x
/// within an hour). Timed: the fused call; `speedup` = separate time / fused time, both
/// summed over the same iterations.
void fused_vs_separate(benchmark::State& state) {
    Runner run;
    const std::size_t count = data().fused.size();
    double fused_s = 0, separate_s = 0;
    std::size_t i = 0;
    using clock = std::chrono::steady_clock;
    for (auto _ : state) {
        const auto t0 = clock::now();
        run.fused(i);
        const auto t1 = clock::now();
        run.separate((i + count / 2) % count);  // another layer: nothing of this one cached
        const auto t2 = clock::now();
        const double f = std::chrono::duration<double>(t1 - t0).count();
        state.SetIterationTime(f);
        fused_s += f;
        separate_s += std::chrono::duration<double>(t2 - t1).count();
        i = (i + 1) % count;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n * k));
    state.counters["speedup"] = fused_s > 0 ? separate_s / fused_s : 0.0;
}

#if BITLA_BENCH_OPENBLAS
void openblas_dequantized(benchmark::State& state) {
    // The dense Ŵ of one layer (64 MiB of floats), in 4 copies: 256 MiB, more than the L3.
    static const std::vector<bitla::Matrix<float>> dense = [] {
        const Layer& l = data().layers[0];
        std::vector<bitla::Matrix<float>> v;
        v.push_back(dequantize(packed(codes()) * group_scale(l.s, g) + group_zero_point(l.z, l.s, g) + low_rank(l.b_lr, l.a_lr)));
        for (int c = 1; c < 4; ++c) v.push_back(v[0].clone());
        return v;
    }();
    openblas_set_num_threads(1);
    std::vector<float> x(k), y(n);
    for (std::size_t kk = 0; kk < k; ++kk) x[kk] = 0.01f * float(int(kk % 255) - 127);
    std::vector<ReadRegion> regions;
    for (const auto& d : dense) regions.push_back({d.data(), 4 * n * k});
    InterleavedRead reads(regions, nullptr, bitla::best_isa());
    stream_loop(state, dense.size(), reads, [&](std::size_t i) {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, int(n), int(k), 1.0f, dense[i].data(), int(k), x.data(), 1, 0.0f,
                    y.data(), 1);
        benchmark::DoNotOptimize(y.data());
    });
    report(state, n * k * 4, reads);
}
#endif

BENCHMARK(fused)->Name("fused/hqq2_g64_r16_bias/1x4096x4096")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(separate)->Name("fused/hqq2_g64_r16_bias_separate/1x4096x4096")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(fused_vs_separate)->Name("fused/hqq2_g64_r16_bias_vs_separate/1x4096x4096")->UseManualTime()->Unit(benchmark::kMicrosecond);
#if BITLA_BENCH_OPENBLAS
BENCHMARK(openblas_dequantized)->Name("baseline/openblas_sgemv/hqq2_dequantized_4096x4096")->UseRealTime()->Unit(benchmark::kMicrosecond);
#endif

}  // namespace
}  // namespace bitla_bench

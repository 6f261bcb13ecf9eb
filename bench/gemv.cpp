// GEMV with packed binary / ternary / HQQ weights (gemm/add.hpp), K = 4096, N = 4096, cycling
// through enough weight matrices (>= 256 MiB in all) that the L3 (32 MiB) cannot hold them:
// these measure DRAM streaming. of_limit = bytes the kernel reads per second (codes, every
// scale and zero term; gemv of one matrix reads all of it once) / the read bandwidth of the
// same matrices with the same threads and the read loop of the ISA level the kernel runs at,
// sampled between the benchmark's passes over them (InterleavedRead, counter limit_GBps);
// of_peak divides by the best read seen instead (peak_GBps; bench/read_limits.hpp).
#include <benchmark/benchmark.h>
#include <bitla/bitla.hpp>
#include <bitla/gemm/add.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "ceilings.hpp"
#include "read_limits.hpp"

namespace bitla_bench {

namespace {

constexpr std::size_t gemv_n = 4096, gemv_k = 4096, total_bytes = std::size_t{256} << 20;

enum class Format { binary, ternary2, ternary_base3, hqq2_g64 };

/// One packed matrix of the format (random values, realistic scales).
bitla::AddWeights make_weights(Format f, std::size_t n, std::size_t k) {
    std::mt19937 rng(7);
    std::vector<float> rs(n);
    for (auto& v : rs) v = 0.01f + 0.001f * float(rng() % 100);
    bitla::Matrix<int> v(n, k);
    switch (f) {
        case Format::binary: {
            for (auto& e : v.flat()) e = (rng() & 1) ? 1 : -1;
            return bitla::pack_add(bitla::BitPacked<bitla::enc::sign>::from_values(v), bitla::WeightScales::per_row(rs));
        }
        case Format::ternary2: {
            for (auto& e : v.flat()) e = int(rng() % 3) - 1;
            return bitla::pack_add(bitla::TernaryPacked<bitla::enc::planes>::from_values(v),
                                   bitla::WeightScales::per_row(rs));
        }
        case Format::ternary_base3: {
            for (auto& e : v.flat()) e = int(rng() % 3) - 1;
            return bitla::pack_add(bitla::TernaryPacked<bitla::enc::base3>::from_values(v),
                                   bitla::WeightScales::per_row(rs));
        }
        case Format::hqq2_g64: {
            for (auto& e : v.flat()) e = int(rng() % 4);
            bitla::Matrix<float> s(n, k / 64), z(n, k / 64);
            for (auto& e : s.flat()) e = 0.01f + 0.0001f * float(rng() % 100);
            for (auto& e : z.flat()) e = 1.5f + 0.01f * float(rng() % 50);
            return bitla::pack_add(bitla::BitPlanes::from_values(v, 2), bitla::WeightScales::hqq(s, z, 64));
        }
    }
    return {};
}

/// The memory a benchmark's matrices occupy (for read_limit).
std::vector<ReadRegion> regions_of(const std::vector<bitla::AddWeights>& ws) {
    std::vector<ReadRegion> r;
    for (const auto& w : ws) r.push_back({w.data(), w.bytes()});
    return r;
}

/// Copies of one matrix filling >= 256 MiB (distinct memory: each gemv streams from DRAM).
const std::vector<bitla::AddWeights>& matrices(Format f) {
    static std::vector<bitla::AddWeights> cache[4];
    auto& m = cache[static_cast<int>(f)];
    if (m.empty()) {
        m.push_back(make_weights(f, gemv_n, gemv_k));
        const std::size_t copies = (total_bytes + m[0].bytes() - 1) / m[0].bytes();
        for (std::size_t i = 1; i < copies; ++i) m.push_back(m[0].clone());
    }
    return m;
}

/// The part every GEMV benchmark shares: an AVX2 run limits the dispatch to AVX2 (no limit
/// otherwise); gemv_one(w) runs one product on the next matrix; the counters come from the
/// bytes of one matrix and the reads of the same matrices, by `pool`'s threads (those of
/// gemv_one), interleaved with the loop.
template <class Gemv>
void run_gemv(benchmark::State& state, Format f, bool avx2, bitla::ThreadPool& pool, Gemv&& gemv_one) {
    const auto& ws = matrices(f);
    const AtLevel level(state, avx2);
    if (!level.ok()) return;
    InterleavedRead reads(regions_of(ws), &pool);
    stream_loop(state, ws.size(), reads, [&](std::size_t i) { gemv_one(ws[i]); });
    const double bytes = double(ws[0].bytes());
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * gemv_n * gemv_k));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
    state.counters["bits_per_weight"] = bytes * 8 / double(gemv_n * gemv_k);
    set_read_counters(state, bytes, reads);
}

/// One int8 activation row with a scale and the product gemv_add and gemv_in_l3 time (the
/// rows kernel where the layout has one, else the tiles).
class Int8Gemv {
public:
    explicit Int8Gemv(unsigned threads) : pool_(threads), x_(1, gemv_k), y_(gemv_n) {
        std::mt19937 rng(3);
        for (auto& e : x_.flat()) e = static_cast<std::int8_t>(int(rng() % 255) - 127);
        opt_.pool = &pool_;
    }
    void operator()(const bitla::AddWeights& w) {
        bitla::gemv(bitla::Int8Vector{x_.row(0), 0.02f}, w, std::span<float>(y_), opt_);
        benchmark::DoNotOptimize(y_.data());
    }
    bitla::ThreadPool& pool() { return pool_; }

private:
    bitla::ThreadPool pool_;
    bitla::Matrix<std::int8_t> x_;
    std::vector<float> y_;
    bitla::AddOptions opt_;
};

void gemv_add(benchmark::State& state, Format f, unsigned threads, bool avx2) {
    Int8Gemv gemv_one(threads);
    run_gemv(state, f, avx2, gemv_one.pool(), gemv_one);
}

/// One float activation row and the product gemv_add_f32 and gemv_in_l3_f32 time (the
/// dot_f32 path): same weights, same bytes read.
class Float32Gemv {
public:
    Float32Gemv() : pool_(1), x_(gemv_k), y_(gemv_n) {
        std::mt19937 rng(3);
        std::normal_distribution<float> nd(0.0f, 1.0f);
        for (auto& e : x_) e = nd(rng);
        opt_.pool = &pool_;
    }
    void operator()(const bitla::AddWeights& w) {
        bitla::gemv(std::span<const float>(x_), w, std::span<float>(y_), opt_);
        benchmark::DoNotOptimize(y_.data());
    }
    bitla::ThreadPool& pool() { return pool_; }

private:
    bitla::ThreadPool pool_;
    std::vector<float> x_, y_;
    bitla::AddOptions opt_;
};

void gemv_add_f32(benchmark::State& state, Format f, bool avx2) {
    Float32Gemv gemv_one;
    run_gemv(state, f, avx2, gemv_one.pool(), gemv_one);
}

/// The same product on one of those matrices, read again and again, so it stays in
/// the L3 (2-5 MiB of 32; the L3 reads at about 100 GB/s on one core here): the kernel's
/// rate with DRAM out of the way, the same per-call costs included. over_dram = those
/// bytes/s over the 1-thread read ceiling of the level (limit/read/<isa>): the compute
/// headroom a streaming kernel has (not an of_limit: above 1 is the point). (A 512-row matrix in the L2 was tried first: base-3 ran
/// slower per row there than from the L3, unexplained, so it would understate headroom.)
void gemv_in_l3(benchmark::State& state, Format f) {
    const bitla::AddWeights& w = matrices(f)[0];
    Int8Gemv gemv_one(1);
    for (auto _ : state) gemv_one(w);
    const double bytes = double(w.bytes());
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * gemv_n * gemv_k));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
    state.counters["over_dram"] =
        benchmark::Counter(bytes / ceiling(Ceiling::read, bitla::active_isa()), benchmark::Counter::kIsIterationInvariantRate);
    state.SetLabel(ceiling_name(Ceiling::read, bitla::active_isa()));
}

/// gemv_in_l3 with float activations: the float kernels' own rate (they are compute-bound).
void gemv_in_l3_f32(benchmark::State& state, Format f) {
    const bitla::AddWeights& w = matrices(f)[0];
    Float32Gemv gemv_one;
    for (auto _ : state) gemv_one(w);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * gemv_n * gemv_k));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * double(w.bytes())));
    state.SetLabel(std::string(bitla::name(bitla::active_isa())));
}

const char* format_name(Format f) {
    switch (f) {
        case Format::binary: return "binary";
        case Format::ternary2: return "ternary2";
        case Format::ternary_base3: return "ternary_base3";
        case Format::hqq2_g64: return "hqq2_g64";
    }
    return "?";
}

const int registered = [] {
    const std::string shape = "/1x" + std::to_string(gemv_n) + "x" + std::to_string(gemv_k);
    for (Format f : {Format::ternary2, Format::binary, Format::ternary_base3, Format::hqq2_g64}) {
        const std::string n = format_name(f);
        benchmark::RegisterBenchmark(("gemv/" + n + shape).c_str(), gemv_add, f, 1u, false)
            ->Unit(benchmark::kMicrosecond)->MinTime(1.0)->UseRealTime();
        benchmark::RegisterBenchmark(("gemv/" + n + "_2threads" + shape).c_str(), gemv_add, f, 2u, false)
            ->Unit(benchmark::kMicrosecond)->MinTime(1.0)->UseRealTime();
        benchmark::RegisterBenchmark(("gemv/" + n + "_f32" + shape).c_str(), gemv_add_f32, f, false)
            ->Unit(benchmark::kMicrosecond)->MinTime(1.0)->UseRealTime();
        benchmark::RegisterBenchmark(("gemv/" + n + "_f32_avx2" + shape).c_str(), gemv_add_f32, f, true)
            ->Unit(benchmark::kMicrosecond)->MinTime(1.0)->UseRealTime();
        benchmark::RegisterBenchmark(("gemv/" + n + "_in_l3" + shape).c_str(), gemv_in_l3, f)
            ->Unit(benchmark::kMicrosecond)->MinTime(0.5)->UseRealTime();
        benchmark::RegisterBenchmark(("gemv/" + n + "_f32_in_l3" + shape).c_str(), gemv_in_l3_f32, f)
            ->Unit(benchmark::kMicrosecond)->MinTime(0.5)->UseRealTime();
        // The AVX2 kernels on the same data (what a CPU without AVX-512 runs).
        benchmark::RegisterBenchmark(("gemv/" + n + "_avx2" + shape).c_str(), gemv_add, f, 1u, true)
            ->Unit(benchmark::kMicrosecond)->MinTime(1.0)->UseRealTime();
        benchmark::RegisterBenchmark(("gemv/" + n + "_avx2_2threads" + shape).c_str(), gemv_add, f, 2u, true)
            ->Unit(benchmark::kMicrosecond)->MinTime(1.0)->UseRealTime();
    }
    return 0;
}();

}  // namespace
}  // namespace bitla_bench

// hamming_topk: the 10 nearest of nb = 100000 binary codes of 1024 bits for each of
// nq = 1000 queries, one thread, top-10 selection included; and FAISS's exhaustive binary
// index (Debian libfaiss-dev, faiss::IndexBinaryFlat) on the same codes, one OpenMP
// thread. FAISS runs the first 100 of the same queries (at its rate a full run takes
// seconds); both report pairs per second. of_limit divides bitla's pair rate by the
// xor + popcount + add peak of its ISA level in pairs (peak MACs / 1024).
#include <benchmark/benchmark.h>
#include <bitla/gemm/hamming.hpp>
#include <bitla/gemm/xnor.hpp>
#if BITLA_BENCH_FAISS
#include <faiss/IndexBinaryFlat.h>
#include <omp.h>
#endif

#include <random>
#include <vector>

#include "ceilings.hpp"

namespace bitla_bench {
namespace {

constexpr std::size_t bits = 1024, nb = 100000, nq = 1000, k = 10, faiss_nq = 100;

struct Data {
    std::vector<std::uint8_t> base, queries;  // FAISS layout: bits / 8 bytes per code
    bitla::BitPacked<bitla::enc::zero_one> base_bits, query_bits;
};

bitla::BitPacked<bitla::enc::zero_one> pack(const std::vector<std::uint8_t>& bytes, std::size_t rows) {
    return bitla::BitPacked<bitla::enc::zero_one>::generate(rows, bits, [&](std::size_t r, std::size_t c) {
        return (bytes[r * (bits / 8) + c / 8] >> (c % 8)) & 1;
    });
}

const Data& data() {
    static const Data d = [] {
        Data x;
        std::mt19937_64 rng(11);
        x.base.resize(nb * bits / 8);
        x.queries.resize(nq * bits / 8);
        for (auto& b : x.base) b = static_cast<std::uint8_t>(rng());
        for (auto& b : x.queries) b = static_cast<std::uint8_t>(rng());
        x.base_bits = pack(x.base, nb);
        x.query_bits = pack(x.queries, nq);
        return x;
    }();
    return d;
}

void hamming_topk(benchmark::State& state, bool avx2) {
    const AtLevel level(state, avx2);
    if (!level.ok()) return;
    const Data& d = data();
    bitla::Matrix<std::size_t> index(nq, k);
    bitla::Matrix<std::uint32_t> dist(nq, k);
    bitla::ThreadPool pool(1);
    for (auto _ : state) {
        bitla::hamming_topk(d.query_bits, d.base_bits, index.cols(), dist, index, {&pool});
        benchmark::DoNotOptimize(index.data());
        benchmark::ClobberMemory();
    }
#if BITLA_BENCH_FAISS
    // The same answers as FAISS for a few queries (distances; FAISS breaks ties its own way).
    faiss::IndexBinaryFlat flat(bits);
    flat.add(nb, d.base.data());
    std::vector<std::int32_t> fd(4 * k);
    std::vector<faiss::IndexBinary::idx_t> fl(4 * k);
    flat.search(4, d.queries.data(), k, fd.data(), fl.data());
    for (std::size_t i = 0; i < 4 * k; ++i)
        if (static_cast<std::uint32_t>(fd[i]) != dist(i / k, i % k)) state.SkipWithError("distances differ from FAISS");
#endif
    const double pairs = double(nq) * double(nb);
    state.SetItemsProcessed(static_cast<std::int64_t>(double(state.iterations()) * pairs));
    set_of_limit(state, pairs * bits, Ceiling::xor_popcount);
}
BENCHMARK_CAPTURE(hamming_topk, native, false)->Name("hamming_topk/1024b/1000x100000/k10")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(hamming_topk, avx2, true)->Name("hamming_topk/1024b_avx2/1000x100000/k10")->Unit(benchmark::kMillisecond)->UseRealTime();

#if BITLA_BENCH_FAISS
void faiss_binary_flat(benchmark::State& state) {
    const Data& d = data();
    omp_set_num_threads(1);
    faiss::IndexBinaryFlat flat(bits);
    flat.add(nb, d.base.data());
    std::vector<std::int32_t> dist(faiss_nq * k);
    std::vector<faiss::IndexBinary::idx_t> labels(faiss_nq * k);
    for (auto _ : state) {
        flat.search(faiss_nq, d.queries.data(), k, dist.data(), labels.data());
        benchmark::DoNotOptimize(labels.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(double(state.iterations()) * double(faiss_nq) * double(nb)));
}
BENCHMARK(faiss_binary_flat)->Name("baseline/faiss_binary_flat/1024b/100x100000/k10")->Unit(benchmark::kMillisecond)
    ->UseRealTime();
#endif

}  // namespace
}  // namespace bitla_bench

// baseline/openblas_sgemm on xnor_gemm's square shapes: the dense float product a binary
// GEMM replaces, one OpenBLAS thread, items = multiply-accumulates (compare with
// xnor_gemm's binary MACs).
#include <benchmark/benchmark.h>
#include <bitla/core/matrix.hpp>
#include <cblas.h>

#include <random>
#include <string>

namespace bitla_bench {
namespace {

void openblas_sgemm(benchmark::State& state, std::size_t s) {
    openblas_set_num_threads(1);
    bitla::Matrix<float> a(s, s), w(s, s), y(s, s);
    std::mt19937 rng(3);
    std::normal_distribution<float> nd;
    for (auto& v : a.flat()) v = nd(rng);
    for (auto& v : w.flat()) v = nd(rng);
    const int n = static_cast<int>(s);
    for (auto _ : state) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, n, 1.0f, a.data(), n, w.data(), n, 0.0f, y.data(), n);
        benchmark::DoNotOptimize(y.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(double(state.iterations()) * double(s) * double(s) * double(s)));
}

const int registered = [] {
    for (std::size_t s : {1024, 4096}) {
        const std::string shape = std::to_string(s) + "x" + std::to_string(s) + "x" + std::to_string(s);
        benchmark::RegisterBenchmark(("baseline/openblas_sgemm/" + shape).c_str(), openblas_sgemm, s)
            ->Unit(benchmark::kMillisecond)->UseRealTime();
    }
    return 0;
}();

}  // namespace
}  // namespace bitla_bench

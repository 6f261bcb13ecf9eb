#include "limits.hpp"

#include <benchmark/benchmark.h>
#include <bitla/core/aligned_buffer.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace bitla_bench {
namespace {

constexpr std::size_t stream_bytes = std::size_t{1} << 30;  // 1 GiB: 32x the L3

// Sums the buffer as 64-bit words, 8 independent accumulators so the loop is bound by
// loads, not by the add chain. The compiler vectorises it at the target's width.
std::uint64_t read_all(const std::uint64_t* p, std::size_t words) {
    std::uint64_t acc[8] = {};
    for (std::size_t i = 0; i < words; i += 8)
        for (std::size_t j = 0; j < 8; ++j) acc[j] += p[i + j];
    std::uint64_t s = 0;
    for (auto a : acc) s += a;
    return s;
}

const bitla::AlignedBuffer<std::uint64_t>& stream_buffer() {
    static const auto buf = [] {
        bitla::AlignedBuffer<std::uint64_t> b(stream_bytes / 8);
        for (std::size_t i = 0; i < b.size(); i += 512) b[i] = i;  // fault every page in
        return b;
    }();
    return buf;
}

}  // namespace

double dram_read_bytes_per_second() {
    static const double rate = [] {
        const auto& b = stream_buffer();
        double best = 0;
        for (int rep = 0; rep < 3; ++rep) {
            const auto t0 = std::chrono::steady_clock::now();
            benchmark::DoNotOptimize(read_all(b.data(), b.size()));
            const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
            best = std::max(best, double(b.bytes()) / dt.count());
        }
        return best;
    }();
    return rate;
}

namespace {

void limit_dram_read(benchmark::State& state) {
    const auto& b = stream_buffer();
    for (auto _ : state) benchmark::DoNotOptimize(read_all(b.data(), b.size()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(b.bytes()));
    state.counters["of_limit"] = 1.0;
}
BENCHMARK(limit_dram_read)->Name("limit/dram_read")->Unit(benchmark::kMillisecond)->MinTime(0.5);

}  // namespace
}  // namespace bitla_bench

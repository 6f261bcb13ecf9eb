// The read-bandwidth limits of the streaming benchmarks (bench/limits_add.hpp): timed read
// passes over a benchmark's own buffers, 1 or 2 threads, with and without prefetch; the
// process-wide limits; the vpdpbusd peak.
#include <benchmark/benchmark.h>
#include <bitla/arch/dispatch.hpp>
#include <bitla/core/aligned_buffer.hpp>
#include <bitla/gemm/thread_pool.hpp>

#include <algorithm>
#include <chrono>
#include <vector>

#include "limits_add.hpp"

namespace bitla_bench {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t read_bytes = std::size_t{1} << 30;
constexpr std::size_t read_prefetch = 8192;  // the GEMV kernels' prefetch distance

const bitla::AlignedBuffer<std::uint64_t>& read_buffer() {
    static const auto buf = [] {
        bitla::AlignedBuffer<std::uint64_t> b(read_bytes / 8);
        for (std::size_t i = 0; i < b.size(); i += 512) b[i] = i;
        return b;
    }();
    return buf;
}

bool wide_reads() { return bitla::is_available(bitla::isa::avx512_vnni); }

/// One thread's pass over its share of every region.
std::uint64_t read_share(const std::vector<ReadRegion>& regions, unsigned t, unsigned threads, std::size_t prefetch) {
    std::uint64_t s = 0;
    for (const ReadRegion& r : regions) {
        const std::size_t part = r.bytes / threads / 64 * 64;
        const auto* p = static_cast<const char*>(r.data) + t * part;
        if (wide_reads()) {
            s += add_limits::read_avx512(p, part, prefetch);
        } else {
            const auto* w = reinterpret_cast<const std::uint64_t*>(p);
            for (std::size_t i = 0; i < part / 8; ++i) s += w[i];
        }
    }
    return s;
}

std::size_t share_bytes(const std::vector<ReadRegion>& regions, unsigned threads) {
    std::size_t bytes = 0;
    for (const ReadRegion& r : regions) bytes += r.bytes / threads / 64 * 64 * threads;
    return bytes;
}

/// The pool the limits read with when a benchmark gives none (2 threads, made on first use).
bitla::ThreadPool& read_pool() {
    static bitla::ThreadPool pool(2);
    return pool;
}

/// Seconds for one read pass of `threads` threads: 1 on the calling thread, 2 on the pool
/// (the benchmark's own, so the limit is read by the threads its kernel runs on, placed as
/// they are; bitla/gemm/thread_pool.hpp). The clock includes waking the helper, as the
/// kernel's calls do; the pass ends when the last thread ends.
double timed_pass(const std::vector<ReadRegion>& regions, unsigned threads, std::size_t prefetch,
                  bitla::ThreadPool* pool) {
    const auto t0 = Clock::now();
    if (threads < 2) {
        benchmark::DoNotOptimize(read_share(regions, 0, 1, prefetch));
    } else {
        bitla::ThreadPool& p = pool != nullptr ? *pool : read_pool();
        p.run(threads, [&](unsigned t) { benchmark::DoNotOptimize(read_share(regions, t, threads, prefetch)); });
    }
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

double read_regions(const std::vector<ReadRegion>& regions, unsigned threads) {
    const double bytes = double(share_bytes(regions, threads));
    double best = 0;
    for (std::size_t prefetch : {std::size_t{0}, read_prefetch}) {
        if (!wide_reads() && prefetch != 0) continue;
        for (int rep = 0; rep < 3; ++rep) best = std::max(best, bytes / timed_pass(regions, threads, prefetch, nullptr));
    }
    return best;
}

double dram_read_add(unsigned threads) {
    static const auto measure = [](unsigned t) {
        const auto& b = read_buffer();
        std::vector<ReadRegion> regions;
        for (std::size_t o = 0; o < b.bytes(); o += std::size_t{4} << 20)
            regions.push_back({reinterpret_cast<const char*>(b.data()) + o, std::size_t{4} << 20});
        return read_regions(regions, t);
    };
    static const double one = measure(1), two = measure(2);
    return threads >= 2 ? two : one;
}

double read_limit(const std::vector<ReadRegion>& regions, unsigned threads) {
    return std::max(dram_read_add(threads), read_regions(regions, threads));
}

InterleavedRead::InterleavedRead(std::vector<ReadRegion> regions, bitla::ThreadPool* pool)
    : regions_(std::move(regions)),
      threads_(pool != nullptr ? pool->size() : 1),
      pool_(pool),
      bytes_(share_bytes(regions_, threads_)) {}

void InterleavedRead::sample() {
    const int loop = wide_reads() ? static_cast<int>(samples_ % 2) : 0;
    seconds_[loop] += timed_pass(regions_, threads_, loop == 1 ? read_prefetch : 0, pool_);
    ++passes_[loop];
    ++samples_;
}

double InterleavedRead::bytes_per_second() {
    while (passes_[0] == 0 || (wide_reads() && passes_[1] == 0)) sample();
    double best = 0;
    for (int loop = 0; loop < 2; ++loop)
        if (passes_[loop] != 0) best = std::max(best, double(bytes_) * double(passes_[loop]) / seconds_[loop]);
    return best;
}

void set_read_counters(benchmark::State& state, double bytes_per_iteration, InterleavedRead& reads) {
    const double limit = reads.bytes_per_second();
    const double peak = std::max(limit, read_limit(reads.regions(), reads.threads()));
    state.counters["of_limit"] = benchmark::Counter(bytes_per_iteration / limit, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["limit_GBps"] = limit / 1e9;
    state.counters["of_peak"] = benchmark::Counter(bytes_per_iteration / peak, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["peak_GBps"] = peak / 1e9;
}

double vnni_macs_per_second() {
    static const double rate = [] {
        if (!bitla::is_available(bitla::isa::avx512_vnni)) return 0.0;
        const std::int64_t iters = 20'000'000;
        double best = 0;
        for (int rep = 0; rep < 3; ++rep) {
            const auto t0 = Clock::now();
            benchmark::DoNotOptimize(add_limits::vnni_loop(iters));
            const std::chrono::duration<double> dt = Clock::now() - t0;
            best = std::max(best, double(iters) * 12 * 64 / dt.count());
        }
        return best;
    }();
    return rate;
}

}  // namespace bitla_bench

// Timed read passes over a benchmark's own buffers (bench/read_limits.hpp).
#include "read_limits.hpp"

#include <algorithm>
#include <chrono>

namespace bitla_bench {

namespace {

using Clock = std::chrono::steady_clock;

/// One thread's pass over its share of every region.
std::uint64_t read_share(const std::vector<ReadRegion>& regions, unsigned t, unsigned threads, loops::ReadLoop loop,
                         ReadPattern p) {
    std::uint64_t s = 0;
    for (const ReadRegion& r : regions) {
        const std::size_t part = r.bytes / threads / 64 * 64;
        s += loop(static_cast<const char*>(r.data) + t * part, part, p.streams, p.prefetch);
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
double timed_pass(const std::vector<ReadRegion>& regions, unsigned threads, loops::ReadLoop loop, ReadPattern p,
                  bitla::ThreadPool* pool) {
    const auto t0 = Clock::now();
    if (threads < 2) {
        benchmark::DoNotOptimize(read_share(regions, 0, 1, loop, p));
    } else {
        bitla::ThreadPool& tp = pool != nullptr ? *pool : read_pool();
        tp.run(threads, [&](unsigned t) { benchmark::DoNotOptimize(read_share(regions, t, threads, loop, p)); });
    }
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

double read_regions(const std::vector<ReadRegion>& regions, unsigned threads, bitla::isa level, ReadPattern* best) {
    const double bytes = double(share_bytes(regions, threads));
    const loops::ReadLoop loop = read_loop(level);
    double rate = 0;
    ReadPattern fastest{};
    for (const ReadPattern& p : read_patterns)
        for (int rep = 0; rep < 3; ++rep)
            if (const double r = bytes / timed_pass(regions, threads, loop, p, nullptr); r > rate) rate = r, fastest = p;
    note_read(level, threads, rate, fastest);
    if (best != nullptr) *best = fastest;
    return rate;
}

InterleavedRead::InterleavedRead(std::vector<ReadRegion> regions, bitla::ThreadPool* pool, bitla::isa level)
    : regions_(std::move(regions)),
      threads_(pool != nullptr ? pool->size() : 1),
      pool_(pool),
      level_(level),
      bytes_(share_bytes(regions_, threads_)) {}

void InterleavedRead::sample() {
    const std::size_t p = samples_++ % patterns;
    const double seconds = timed_pass(regions_, threads_, read_loop(level_), read_patterns[p], pool_);
    note_read(level_, threads_, double(bytes_) / seconds, read_patterns[p]);
    seconds_[p] += seconds;
    ++passes_[p];
}

double InterleavedRead::bytes_per_second() {
    while (samples_ < patterns) sample();
    double best = 0;
    for (std::size_t p = 0; p < patterns; ++p) best = std::max(best, double(bytes_) * double(passes_[p]) / seconds_[p]);
    return best;
}

void set_read_counters(benchmark::State& state, double bytes_per_iteration, InterleavedRead& reads) {
    const double limit = reads.bytes_per_second();
    const double peak = std::max({limit, ceiling(Ceiling::read, reads.level(), reads.threads()),
                                  read_regions(reads.regions(), reads.threads(), reads.level())});
    state.counters["of_limit"] = benchmark::Counter(bytes_per_iteration / limit, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["limit_GBps"] = limit / 1e9;
    state.counters["of_peak"] = benchmark::Counter(bytes_per_iteration / peak, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["peak_GBps"] = peak / 1e9;
    state.SetLabel(ceiling_name(Ceiling::read, reads.level(), reads.threads()));
}

}  // namespace bitla_bench

// The read limits of the streaming benchmarks (bench/gemv.cpp, bench/fused.cpp, the
// OpenBLAS sgemv baselines): read passes over a benchmark's own buffers (allocated like the
// weights: 2 MiB aligned, MADV_HUGEPAGE), by the threads its kernel runs on, with the read
// loop of the ISA level it runs at, in every ReadPattern (bench/ceilings.hpp).
//
// A streaming benchmark's `of_limit` divides its bytes/s by `InterleavedRead`: read passes
// that its timed loop interleaves with its own passes (timing paused), so both rates average
// over the same minutes of this shared machine, whose bandwidth drifts by a third within a
// day; the pattern whose passes average fastest is the limit. `of_peak` divides by the best
// single read instead (the level's read ceiling, or a pass over the benchmark's buffers right
// after its loop, whichever is larger): a ratio of a mean to a maximum, lower under noise.
#pragma once

#include <benchmark/benchmark.h>
#include <bitla/arch/dispatch.hpp>
#include <bitla/gemm/thread_pool.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ceilings.hpp"

namespace bitla_bench {

/// A range of memory a benchmark streams (one weight matrix, say).
struct ReadRegion {
    const void* data;
    std::size_t bytes;
};

/// Bytes/s of the best single pass of `threads` threads (1 or 2) over the regions at
/// `level`, over every ReadPattern, three passes each (the fastest pattern in *best). Each
/// thread streams its contiguous share of every region in turn (the GEMV driver's split).
double read_regions(const std::vector<ReadRegion>& regions, unsigned threads, bitla::isa level,
                    ReadPattern* best = nullptr);

/// Read passes over a benchmark's buffers taken between its own passes: sample() reads every
/// region once in the next ReadPattern, round robin.
class InterleavedRead {
public:
    /// Read by the threads of `pool`, the benchmark's own (nullptr: the calling thread), with
    /// the read loop of `level` (a baseline outside bitla's dispatch passes bitla::best_isa()).
    explicit InterleavedRead(std::vector<ReadRegion> regions, bitla::ThreadPool* pool = nullptr,
                             bitla::isa level = bitla::active_isa());
    void sample();
    /// Mean bytes/s of the pattern that averages fastest (samples each first if needed).
    double bytes_per_second();
    [[nodiscard]] const std::vector<ReadRegion>& regions() const { return regions_; }
    [[nodiscard]] unsigned threads() const { return threads_; }
    [[nodiscard]] bitla::isa level() const { return level_; }

private:
    static constexpr std::size_t patterns = std::size(read_patterns);
    std::vector<ReadRegion> regions_;
    unsigned threads_;
    bitla::ThreadPool* pool_;
    bitla::isa level_;
    std::size_t bytes_;
    double seconds_[patterns] = {};
    std::size_t passes_[patterns] = {}, samples_ = 0;
};

/// The timed loop of a streaming benchmark: body(i) for i = 0 .. count - 1, again and again;
/// after each whole pass over the count buffers, one read sample with the timing paused.
template <class Body>
void stream_loop(benchmark::State& state, std::size_t count, InterleavedRead& reads, Body&& body) {
    std::size_t i = 0;
    for (auto _ : state) {
        body(i);
        if (++i == count) {
            i = 0;
            state.PauseTiming();
            reads.sample();
            state.ResumeTiming();
        }
    }
}

/// of_limit, limit_GBps (interleaved) and of_peak, peak_GBps (best read) for a benchmark
/// that reads bytes_per_iteration per iteration; the label names the level's read ceiling.
void set_read_counters(benchmark::State& state, double bytes_per_iteration, InterleavedRead& reads);

}  // namespace bitla_bench

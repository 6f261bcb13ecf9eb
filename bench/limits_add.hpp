// Limits the add-only benchmarks divide by (bench/gemv.cpp, bench/fused.cpp,
// bench/gemm_add.cpp), measured in the same process (bench/read_limits.cpp): the read
// bandwidth of the benchmark's own buffers (allocated like the weights: 2 MiB aligned,
// MADV_HUGEPAGE) with 512-bit loads for 1 and 2 threads, and the vpdpbusd peak (the u8·s8
// dot product the GEMM kernels run on).
//
// A streaming benchmark's `of_limit` divides its bytes/s by `InterleavedRead`: read passes
// over the same buffers that its timed loop interleaves with its own passes (timing paused),
// so both rates average over the same minutes of this shared machine, whose bandwidth drifts
// by a third within a day. `of_peak` divides by the best single read seen instead (the
// larger of the process-start read of 1 GiB and read passes right after the loop): a ratio
// of a mean to a maximum, lower under noise, reported beside it.
#pragma once

#include <benchmark/benchmark.h>
#include <bitla/gemm/thread_pool.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace bitla_bench {

/// A range of memory a benchmark streams (one weight matrix, say).
struct ReadRegion {
    const void* data;
    std::size_t bytes;
};

/// Bytes/s read by `threads` threads (1 or 2) from the regions, each thread streaming its
/// contiguous share of every region in turn (the split the GEMV driver makes), no sync
/// between regions. The best of three passes, with and without software prefetch.
double read_regions(const std::vector<ReadRegion>& regions, unsigned threads);

/// read_regions over one 1 GiB buffer in 4 MiB regions, measured once per process.
double dram_read_add(unsigned threads);

/// The best single read (of_peak): the larger of dram_read_add(threads) and read_regions
/// of the benchmark's own buffers measured right after its timed loop.
double read_limit(const std::vector<ReadRegion>& regions, unsigned threads);

/// Read passes over a benchmark's buffers taken between its own passes: sample() reads every
/// region once, alternating a plain and a prefetching 512-bit loop (whichever averages
/// faster is the limit).
class InterleavedRead {
public:
    /// Read by the threads of `pool`, the benchmark's own (nullptr: the calling thread).
    explicit InterleavedRead(std::vector<ReadRegion> regions, bitla::ThreadPool* pool = nullptr);
    void sample();
    /// Mean bytes/s of the faster loop over its samples (samples both loops first if needed).
    double bytes_per_second();
    [[nodiscard]] const std::vector<ReadRegion>& regions() const { return regions_; }
    [[nodiscard]] unsigned threads() const { return threads_; }

private:
    std::vector<ReadRegion> regions_;
    unsigned threads_;
    bitla::ThreadPool* pool_;
    std::size_t bytes_;
    double seconds_[2] = {0, 0};
    std::size_t passes_[2] = {0, 0}, samples_ = 0;
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
/// that reads bytes_per_iteration per iteration.
void set_read_counters(benchmark::State& state, double bytes_per_iteration, InterleavedRead& reads);

/// vpdpbusd MACs per second, one thread (0 without AVX-512 VNNI).
double vnni_macs_per_second();

namespace add_limits {
std::uint64_t read_avx512(const void* data, std::size_t bytes, std::size_t prefetch);  // peak_add_avx512.cpp
std::int64_t vnni_loop(std::int64_t iters);                      // peak_add_avx512.cpp
}  // namespace add_limits

}  // namespace bitla_bench

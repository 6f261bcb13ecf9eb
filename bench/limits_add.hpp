// Limits the add-only benchmarks divide by (bench/gemv.cpp, bench/gemm_add.cpp), measured
// in the same process: DRAM read bandwidth with 512-bit loads for 1 and 2 threads over a
// 1 GiB buffer allocated like the weights (AlignedBuffer: 2 MiB aligned, MADV_HUGEPAGE),
// and the vpdpbusd peak (the u8·s8 dot product the GEMM kernels run on).
#pragma once

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

/// The limit a streaming benchmark divides by: the larger of dram_read_add(threads) and
/// read_regions(its own buffers) measured right after its timed loop (the machine's
/// bandwidth drifts while a run goes on; the larger limit is the stricter ratio).
double read_limit(const std::vector<ReadRegion>& regions, unsigned threads);

/// vpdpbusd MACs per second, one thread (0 without AVX-512 VNNI).
double vnni_macs_per_second();

namespace add_limits {
std::uint64_t read_avx512(const void* data, std::size_t bytes, std::size_t prefetch);  // peak_add_avx512.cpp
std::int64_t vnni_loop(std::int64_t iters);                      // peak_add_avx512.cpp
}  // namespace add_limits

}  // namespace bitla_bench

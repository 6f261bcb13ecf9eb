// Limits the add-only benchmarks divide by (bench/gemv.cpp, bench/gemm_add.cpp), measured
// in the same process: DRAM read bandwidth with 512-bit loads for 1 and 2 threads over a
// 1 GiB buffer allocated like the weights (AlignedBuffer: 2 MiB aligned, MADV_HUGEPAGE),
// and the vpdpbusd peak (the u8·s8 dot product the GEMM kernels run on).
#pragma once

#include <cstddef>
#include <cstdint>

namespace bitla_bench {

/// Bytes/s read by `threads` threads (1 or 2), each streaming its half of one 1 GiB buffer.
/// Falls back to the baseline loop of limits.cpp where AVX-512 is missing.
double dram_read_add(unsigned threads);

/// vpdpbusd MACs per second, one thread (0 without AVX-512 VNNI).
double vnni_macs_per_second();

namespace add_limits {
std::uint64_t read_avx512(const void* data, std::size_t bytes);  // peak_add_avx512.cpp
std::int64_t vnni_loop(std::int64_t iters);                      // peak_add_avx512.cpp
}  // namespace add_limits

}  // namespace bitla_bench

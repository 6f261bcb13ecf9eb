// The xor + popcount + add peak (DESIGN §10: the limit every binary GEMM and Hamming
// benchmark is divided by), measured once per process on one core and on two.
#pragma once

namespace bitla_bench {

/// Binary multiply-accumulates per second one core sustains in the xnor microkernel's own
/// instruction mix: one 512-bit word pair = vpxorq + vpopcntq + vpaddq = 512 MACs, from
/// registers and L1 broadcasts, 16 independent accumulators. On CPUs without AVX-512
/// VPOPCNTDQ the same loop with the best bit_ops bitla has for the host (scalar popcnt).
/// threads = 2: the sum over two threads running the loop at once (the all-core clock and
/// whatever else the host runs bound it; it is the limit of the 2-thread benchmarks).
double xor_popcount_peak(unsigned threads = 1);

}  // namespace bitla_bench

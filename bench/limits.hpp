// The machine limits every kernel benchmark is divided by (counter `of_limit`), measured
// once per process on the spot: this machine is shared and noisy, so only ratios taken in
// the same run mean anything.
#pragma once

namespace bitla_bench {

/// Single-thread DRAM read bandwidth in bytes/s, measured by streaming a buffer far larger
/// than the last-level cache, allocated like bitla's weights (2 MiB aligned, huge pages).
double dram_read_bytes_per_second();

}  // namespace bitla_bench

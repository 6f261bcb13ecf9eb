// The loops the ceilings time (bench/ceilings.hpp), one file per ISA level:
// ceiling_loops_<isa>.cpp, compiled with that level's flags (bench/CMakeLists.txt) and
// called only where the CPU runs the level. Each file holds only non-inline functions and
// instantiates the template below with a type of its own (internal linkage), so no inline
// symbol compiled with wide flags is shared with the baseline code.
#pragma once

#include <cstddef>
#include <cstdint>

namespace bitla_bench::loops {

/// Reads every 64-byte line of [data, data + bytes) with the level's widest loads: the range
/// split into `streams` (1, 2 or 4) equal parts read side by side, as a kernel walking
/// several rows at once does; with `prefetch` != 0 each line is also prefetched that many
/// bytes ahead. Returns a checksum.
using ReadLoop = std::uint64_t (*)(const void* data, std::size_t bytes, unsigned streams, std::size_t prefetch);

/// `steps` steps of one instruction mix from registers and L1 (`words`: 512 random words).
using PeakLoop = std::uint64_t (*)(const std::uint64_t* words, std::size_t steps);

/// A peak loop and the operations one step performs (u8·s8 MACs or binary MACs).
struct Peak {
    PeakLoop run = nullptr;
    double ops_per_step = 0;
    const char* mix = "";
};

/// What one level adds: null members come from its parent (bench/ceilings.cpp).
struct Level {
    ReadLoop read = nullptr;
    const char* load = "";
    Peak int8_dot[2], xor_popcount[2];
};

Level generic();
#if defined(__x86_64__)
Level avx2();
Level avx512bw();
Level avx512_vpopcnt();
Level avx512_vnni();
#elif defined(__aarch64__)
Level neon();
Level neon_dotprod();
#endif

/// The read loop over a type V of the level: reg, zero(), load(p), add(a, b), sum(r).
template <class V, unsigned S>
std::uint64_t read_streams(const char* p, std::size_t bytes, std::size_t prefetch) {
    constexpr std::size_t w = sizeof(typename V::reg), step = 128, regs = step / w;
    const std::size_t part = bytes / 64 / S / 2 * step;  // each stream's bytes, whole steps
    typename V::reg acc[regs];
    for (auto& a : acc) a = V::zero();
    for (std::size_t o = 0; o < part; o += step)
        for (unsigned s = 0; s < S; ++s) {
            const char* q = p + s * part + o;
            if (prefetch != 0) {
                const auto ahead = reinterpret_cast<std::uintptr_t>(q) + prefetch;
                __builtin_prefetch(reinterpret_cast<const void*>(ahead));
                __builtin_prefetch(reinterpret_cast<const void*>(ahead + 64));
            }
            for (std::size_t j = 0; j < regs; ++j) acc[j] = V::add(acc[j], V::load(q + j * w));
        }
    for (std::size_t o = S * part; o + 64 <= bytes; o += 64)
        for (std::size_t j = 0; j < 64 / w; ++j) acc[j] = V::add(acc[j], V::load(p + o + j * w));
    std::uint64_t total = 0;
    for (const auto& a : acc) total += V::sum(a);
    return total;
}

template <class V>
std::uint64_t read_lines(const void* data, std::size_t bytes, unsigned streams, std::size_t prefetch) {
    const auto* p = static_cast<const char*>(data);
    switch (streams) {
        case 1: return read_streams<V, 1>(p, bytes, prefetch);
        case 2: return read_streams<V, 2>(p, bytes, prefetch);
        default: return read_streams<V, 4>(p, bytes, prefetch);
    }
}

}  // namespace bitla_bench::loops

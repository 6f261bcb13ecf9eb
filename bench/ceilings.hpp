// The machine's ceilings every kernel benchmark divides by (counter of_limit, docs/design.md §11),
// measured on the spot, once per process, for every ISA level the host runs: this machine is
// shared and noisy, so only ratios taken in the same run mean anything. How each is
// measured: docs/performance.md, "Ceilings".
#pragma once

#include <benchmark/benchmark.h>
#include <bitla/arch/dispatch.hpp>

#include <optional>
#include <string>

#include "ceiling_loops.hpp"

namespace bitla_bench {

enum class Ceiling {
    read,          ///< DRAM read, bytes/s
    int8_dot,      ///< u8·s8 multiply-accumulates/s
    xor_popcount,  ///< binary multiply-accumulates/s (xor + popcount + add)
};

/// What `threads` threads (1 or 2, running at once) sustain at `level`: the best of the
/// level's own loops (bench/ceiling_loops_<isa>.cpp; read: every pattern over 1 GiB) and of
/// its parent's ceiling, since a level also runs its parents' code. The read ceiling also
/// takes every read pass noted so far (note_read): the bandwidth drifts over a run, so a
/// read at the start is no ceiling for a kernel an hour later. 0 where no loop of the
/// level's lineage runs on this host: such a ceiling gives no ratio.
double ceiling(Ceiling c, bitla::isa level, unsigned threads = 1);

/// Registers the limit/ rows (bench/limits.cpp); main calls it after every other
/// benchmark is registered, so they run last and report the best read of the whole run.
void register_limit_rows();

/// The limit row that reports it: limit/<kind>[_2threads]/<level>.
std::string ceiling_name(Ceiling c, bitla::isa level, unsigned threads = 1);

/// The loop (and read pattern) that reached it, naming the level it comes from if not `level`.
std::string ceiling_source(Ceiling c, bitla::isa level, unsigned threads = 1);

/// Sets of_limit = ops_per_iteration per second over the ceiling at the active ISA level
/// (no counter where it is 0) and labels the row with that ceiling's name.
void set_of_limit(benchmark::State& state, double ops_per_iteration, Ceiling c, unsigned threads = 1);

/// A benchmark run at the AVX2 level (what a CPU without AVX-512 runs), or unlimited:
/// holds the dispatch limit for the run; skips the row where the CPU has no AVX2.
class AtLevel {
public:
    AtLevel(benchmark::State& state, bool avx2) {
        if (!avx2) return;
        if (!bitla::is_available(bitla::isa::avx2)) {
            state.SkipWithError("AVX2 is not available on this CPU");
            ok_ = false;
            return;
        }
        limit_.emplace(bitla::isa::avx2);
    }
    [[nodiscard]] bool ok() const { return ok_; }

private:
    std::optional<bitla::ScopedIsaLimit> limit_;
    bool ok_ = true;
};

/// One way of reading memory: streams side by side, software prefetch distance (0: none).
struct ReadPattern {
    unsigned streams;
    std::size_t prefetch;
};
inline constexpr ReadPattern read_patterns[] = {{1, 0}, {2, 0}, {4, 0}, {1, 8192}, {2, 8192}, {4, 8192}};

/// Records one timed read pass of `threads` threads with `level`'s read loop.
void note_read(bitla::isa level, unsigned threads, double bytes_per_second, ReadPattern pattern);

/// The read loop of `level` (its own or its nearest ancestor's) and its load's name.
loops::ReadLoop read_loop(bitla::isa level);

}  // namespace bitla_bench

// Measures the ceilings (bench/ceilings.hpp), once per process, on first use.
#include "ceilings.hpp"

#include <bitla/core/aligned_buffer.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>
#include <utility>
#include <string>
#include <thread>

#include "read_limits.hpp"

namespace bitla_bench {
namespace {

using bitla::isa;
using Clock = std::chrono::steady_clock;

/// The loops level `i` adds; call only where bitla::is_available(i).
loops::Level own_loops(isa i) {
    switch (i) {
        case isa::generic: return loops::generic();
#if defined(__x86_64__)
        case isa::avx2: return loops::avx2();
        case isa::avx512bw: return loops::avx512bw();
        case isa::avx512_vpopcnt: return loops::avx512_vpopcnt();
        case isa::avx512_vnni: return loops::avx512_vnni();
#elif defined(__aarch64__)
        case isa::neon: return loops::neon();
        case isa::neon_dotprod: return loops::neon_dotprod();
#endif
        default: return {};
    }
}

const loops::Level& level_loops(isa i) {
    static std::optional<loops::Level> table[bitla::isa_count];
    auto& l = table[bitla::index(i)];
    if (!l) l = bitla::is_available(i) ? own_loops(i) : loops::Level{};
    return *l;
}

const std::uint64_t* peak_words() {
    static const auto buf = [] {
        bitla::AlignedBuffer<std::uint64_t> b(512);
        std::mt19937_64 rng(7);
        for (std::size_t i = 0; i < b.size(); ++i) b[i] = rng();
        return b;
    }();
    return buf.data();
}

/// Ops/s of `threads` copies of the loop running at once, each timing itself: the best of
/// 25 runs of about 10 ms (on a shared machine some runs get whole cores).
double measure_peak(const loops::Peak& p, unsigned threads) {
    const auto seconds = [&](std::size_t steps) {
        const auto t0 = Clock::now();
        benchmark::DoNotOptimize(p.run(peak_words(), steps));
        return std::chrono::duration<double>(Clock::now() - t0).count();
    };
    std::size_t steps = 1024;
    while (seconds(steps) < 0.01) steps *= 2;
    double best = 0;
    for (int rep = 0; rep < 25; ++rep) {
        double other = 0;
        std::thread helper;
        if (threads == 2) helper = std::thread([&] { other = seconds(steps); });
        const double own = seconds(steps);
        if (helper.joinable()) helper.join();
        best = std::max(best, threads * double(steps) * p.ops_per_step / std::max(own, other));
    }
    return best;
}

/// The level's own read loop over 1 GiB in 4 MiB regions, every pattern.
double measure_read(isa level, unsigned threads, ReadPattern& best) {
    static const auto buf = [] {
        bitla::AlignedBuffer<std::uint64_t> b((std::size_t{1} << 30) / 8);
        for (std::size_t i = 0; i < b.size(); i += 512) b[i] = i;  // fault every page in
        return b;
    }();
    std::vector<ReadRegion> regions;
    for (std::size_t o = 0; o < buf.bytes(); o += std::size_t{4} << 20)
        regions.push_back({reinterpret_cast<const char*>(buf.data()) + o, std::size_t{4} << 20});
    return read_regions(regions, threads, level, &best);
}

/// A read pattern in words: "256-bit vmovdqu, 2 streams, no prefetch".
std::string describe(isa level, ReadPattern p) {
    isa owner = level;
    while (level_loops(owner).read == nullptr && owner != isa::generic) owner = bitla::parent(owner);
    return std::string(level_loops(owner).load) + ", " + std::to_string(p.streams) + " stream" +
           (p.streams > 1 ? "s" : "") + (p.prefetch != 0 ? ", prefetch " + std::to_string(p.prefetch) : ", no prefetch");
}

struct Measured {
    double rate = 0;
    std::string how;  ///< the loop (and pattern) that reached it
    isa level = isa::generic;  ///< the level whose loop it is
};

Measured own_ceiling(Ceiling c, isa level, unsigned threads) {
    const loops::Level& l = level_loops(level);
    Measured m;
    if (c == Ceiling::read) {
        if (l.read == nullptr) return m;
        ReadPattern p{};
        m.rate = measure_read(level, threads, p);
        m.level = level;
        m.how = describe(level, p) + ", over 1 GiB";
        return m;
    }
    for (const loops::Peak& p : c == Ceiling::int8_dot ? l.int8_dot : l.xor_popcount)
        if (p.run != nullptr)
            if (const double r = measure_peak(p, threads); r > m.rate) m = {r, p.mix, level};
    return m;
}

/// The ceiling and how it was reached, measured on first use.
const Measured& measured(Ceiling c, isa level, unsigned threads) {
    static std::optional<Measured> cache[3][bitla::isa_count][2];
    auto& v = cache[static_cast<int>(c)][bitla::index(level)][threads >= 2 ? 1 : 0];
    if (!v) {
        v = Measured{};
        if (bitla::is_available(level)) {
            Measured own = own_ceiling(c, level, threads);
            if (level != isa::generic) {
                const Measured& up = measured(c, bitla::parent(level), threads);
                if (up.rate > own.rate) own = {up.rate, up.how, up.level};
            }
            v = own;
        }
    }
    return *v;
}

const char* kind_name(Ceiling c) {
    switch (c) {
        case Ceiling::read: return "read";
        case Ceiling::int8_dot: return "int8_dot";
        case Ceiling::xor_popcount: return "xor_popcount";
    }
    return "?";
}

/// The fastest read pass noted per level and thread count, and its pattern.
struct Pass {
    double rate = 0;
    ReadPattern pattern{};
};
Pass& seen(isa level, unsigned threads) {
    static Pass best[bitla::isa_count][2] = {};
    return best[bitla::index(level)][threads >= 2 ? 1 : 0];
}

/// The fastest pass noted at the level or an ancestor, and that level.
std::pair<Pass, isa> seen_in_lineage(isa level, unsigned threads) {
    std::pair<Pass, isa> r{seen(level, threads), level};
    for (isa l = level; l != isa::generic;)
        if (l = bitla::parent(l); seen(l, threads).rate > r.first.rate) r = {seen(l, threads), l};
    return r;
}


}  // namespace

void note_read(isa level, unsigned threads, double bytes_per_second, ReadPattern pattern) {
    if (Pass& p = seen(level, threads); bytes_per_second > p.rate) p = {bytes_per_second, pattern};
}

double ceiling(Ceiling c, isa level, unsigned threads) {
    const double m = measured(c, level, threads).rate;
    return c == Ceiling::read && m > 0 ? std::max(m, seen_in_lineage(level, threads).first.rate) : m;
}

std::string ceiling_name(Ceiling c, isa level, unsigned threads) {
    return std::string("limit/") + kind_name(c) + (threads >= 2 ? "_2threads/" : "/") + std::string(bitla::name(level));
}

void set_of_limit(benchmark::State& state, double ops_per_iteration, Ceiling c, unsigned threads) {
    const isa level = bitla::active_isa();
    const double limit = ceiling(c, level, threads);
    if (limit > 0)
        state.counters["of_limit"] = benchmark::Counter(ops_per_iteration / limit, benchmark::Counter::kIsIterationInvariantRate);
    state.SetLabel(ceiling_name(c, level, threads));
}

loops::ReadLoop read_loop(isa level) {
    while (level_loops(level).read == nullptr && level != isa::generic) level = bitla::parent(level);
    return level_loops(level).read;
}

std::string ceiling_source(Ceiling c, isa level, unsigned threads) {
    const Measured& m = measured(c, level, threads);
    if (c == Ceiling::read)
        if (const auto [pass, l] = seen_in_lineage(level, threads); pass.rate > m.rate)
            return describe(l, pass.pattern) + ", over a benchmark's own buffers" +
                   (l == level ? "" : " [" + std::string(bitla::name(l)) + "'s loop]");
    return m.level == level ? m.how : m.how + " [" + std::string(bitla::name(m.level)) + "'s loop]";
}

}  // namespace bitla_bench

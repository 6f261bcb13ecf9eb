// bitla/arch/dispatch.hpp — which kernels run: chosen once per kernel family from what is
// compiled in, what the CPU and OS support, and an optional limit.
//
// Two modes, both first-class:
//   header-only (default)  the kernels this translation unit's flags enable (-mavx2,
//                          -march=native, ...), plus generic. No CMake helper needed.
//   runtime dispatch       `bitla_enable_runtime_dispatch(target)` (CMake) compiles one
//                          translation unit per ISA with that ISA's flags and defines
//                          BITLA_RUNTIME_DISPATCH and BITLA_DISPATCH_ISAS (their names);
//                          a binary built for the platform's baseline then runs the best
//                          kernels the CPU and OS allow.
// Use one mode per program: the mode decides what the inline dispatch functions see.
//
// A kernel family is a struct of function pointers with a member template
// `template <class Arch> static Family make() noexcept` (see kernels/families.hpp). For
// each family bitla builds, once, a table with one entry per compiled ISA; a call then
// costs one atomic load and an index.
//
// Override (tests, debugging, comparing ISAs on one machine):
//   environment  BITLA_ISA=avx2            read once, at the first kernel call
//   API          bitla::set_isa_limit(isa::avx2) / clear_isa_limit(), or ScopedIsaLimit
// The limit must name an ISA this binary has and this CPU supports (`available_isas()`),
// else bitla::error. The limit and its ancestors may run (arch/isa.hpp: `extends`). Changing the limit while
// another thread is inside bitla is not supported.
#pragma once

#include <array>
#include <bit>
#include <atomic>
#include <cstdlib>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "cpu.hpp"
#include "table.hpp"

#if !defined(BITLA_RUNTIME_DISPATCH)
#define BITLA_RUNTIME_DISPATCH 0
#endif
#if BITLA_RUNTIME_DISPATCH && !defined(BITLA_DISPATCH_ISAS)
#define BITLA_DISPATCH_ISAS ""
#endif
#if !defined(BITLA_DISPATCH_EMULATED)
#define BITLA_DISPATCH_EMULATED ""
#endif

BITLA_BEGIN_NAMESPACE

namespace detail {

/// The family's kernels for Arch. Declared here, defined (explicitly instantiated) only in
/// the per-ISA translation unit that was compiled with Arch's flags (kernels/instantiate.hpp).
template <class Family, class Arch>
Family family_for() noexcept;

/// True when `list` (names separated by commas) holds `item`.
[[nodiscard]] constexpr bool in_list(std::string_view list, std::string_view item) noexcept {
    while (!list.empty()) {
        const std::size_t comma = list.find(',');
        if (list.substr(0, comma) == item) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

/// True when this program contains kernels for `i`: in runtime-dispatch mode the ISAs
/// whose units CMake added (BITLA_DISPATCH_ISAS, comma-separated), else those this
/// translation unit's flags enable.
[[nodiscard]] constexpr bool compiled_in(isa i) noexcept {
#if BITLA_RUNTIME_DISPATCH
    return i == isa::generic || (on_build_platform(i) && in_list(BITLA_DISPATCH_ISAS, name(i)));
#else
    return arch::flags_enable(i);
#endif
}

/// True when the program's unit for `i` emulates it (SIMDe, compiled with its nearest
/// non-emulated ancestor's flags: BITLA_EMULATE_ISAS in cmake/bitlaDispatch.cmake).
[[nodiscard]] constexpr bool emulated(isa i) noexcept {
#if BITLA_RUNTIME_DISPATCH
    return compiled_in(i) && in_list(BITLA_DISPATCH_EMULATED, name(i));
#else
    (void)i;
    return false;
#endif
}

/// The ISA whose instructions the unit for `i` really executes.
[[nodiscard]] constexpr isa executes(isa i) noexcept {
    while (emulated(i)) i = parent(i);
    return i;
}

template <class Family, class Arch>
Family make_entry() noexcept {
    if constexpr (!compiled_in(Arch::id)) return Family{};
#if BITLA_RUNTIME_DISPATCH
    else if constexpr (Arch::id != isa::generic) return family_for<Family, Arch>();
#endif
    else return Family::template make<Arch>();
}

inline const CpuFeatures& cpu() {
    static const CpuFeatures f = detect_cpu();
    return f;
}

inline constexpr int no_limit = -1;

/// The limit set through the API, or no_limit.
inline std::atomic<int>& api_limit() {
    static std::atomic<int> v{no_limit};
    return v;
}

}  // namespace detail

namespace detail {
/// Bit i set when ISA i is compiled in and supported; computed once.
inline unsigned available_mask() {
    static const unsigned mask = [] {
        unsigned m = 0;
        for (isa i : all_isas)
            if (compiled_in(i) && cpu_supports(cpu(), detail::executes(i))) m |= 1u << index(i);
        return m;
    }();
    return mask;
}
}  // namespace detail

[[nodiscard]] inline bool is_available(isa i) { return (detail::available_mask() >> index(i)) & 1u; }

/// The ISAs this binary has kernels for and this CPU supports, ascending. Never empty.
[[nodiscard]] inline std::vector<isa> available_isas() {
    std::vector<isa> v;
    for (isa i : all_isas)
        if (is_available(i)) v.push_back(i);
    return v;
}

/// The best ISA available, ignoring any limit.
[[nodiscard]] inline isa best_isa() { return available_isas().back(); }

namespace detail {

inline std::string available_list() {
    std::string s;
    for (isa i : available_isas()) s += (s.empty() ? "" : ", ") + std::string(name(i));
    return s;
}

inline std::string isa_names() {
    std::string s;
    for (isa i : all_isas) s += (s.empty() ? "" : ", ") + std::string(name(i));
    return s;
}

inline void check_available(isa i, std::string_view argument) {
    require(is_available(i), argument, "ISA ", name(i), " is not available here (available: ", available_list(), ")");
}

/// BITLA_ISA from the environment, checked once.
inline int env_limit() {
    static const int v = [] {
        const char* s = std::getenv("BITLA_ISA");
        if (s == nullptr || *s == '\0') return no_limit;
        const auto i = parse_isa(s);
        require(i.has_value(), "BITLA_ISA", "BITLA_ISA = '", s, "' names no ISA (", isa_names(), ")");
        check_available(*i, "BITLA_ISA");
        return static_cast<int>(*i);
    }();
    return v;
}

}  // namespace detail

namespace detail {
/// Bit j set when ISA j is `limit` or one of its ancestors.
constexpr unsigned lineage_mask(isa limit) noexcept {
    unsigned m = 1u << index(isa::generic);
    for (isa i = limit; i != isa::generic; i = parent(i)) m |= 1u << index(i);
    return m;
}
}  // namespace detail

/// The ISA whose kernels run now: the most preferred available one that is the limit or
/// one of its ancestors.
[[nodiscard]] inline isa active_isa() {
    int limit = detail::api_limit().load(std::memory_order_relaxed);
    if (limit == detail::no_limit) limit = detail::env_limit();
    unsigned allowed = detail::available_mask();
    if (limit != detail::no_limit) allowed &= detail::lineage_mask(static_cast<isa>(limit));
    return static_cast<isa>(std::bit_width(allowed) - 1);  // generic (bit 0) is always set
}

/// Limits kernels to `i` and its ancestors (overrides BITLA_ISA).
inline void set_isa_limit(isa i) {
    detail::check_available(i, "isa");
    detail::api_limit().store(static_cast<int>(i), std::memory_order_relaxed);
}

/// Back to BITLA_ISA, or to the best available.
inline void clear_isa_limit() noexcept { detail::api_limit().store(detail::no_limit, std::memory_order_relaxed); }

/// Sets a limit for a scope and restores the previous one (tests iterate ISAs with it).
class ScopedIsaLimit {
public:
    explicit ScopedIsaLimit(isa i) : previous_(detail::api_limit().load()) { set_isa_limit(i); }
    ~ScopedIsaLimit() { detail::api_limit().store(previous_); }
    ScopedIsaLimit(const ScopedIsaLimit&) = delete;
    ScopedIsaLimit& operator=(const ScopedIsaLimit&) = delete;

private:
    int previous_;
};

/// The family's kernels for an available ISA.
template <class Family>
[[nodiscard]] const Family& kernels_for(isa i) {
    static const std::array<Family, isa_count> table = {
#define BITLA_DETAIL_ISA_ENTRY(name, parent, platform, simd, flags, needs) detail::make_entry<Family, arch::name>(),
        BITLA_ISA_TABLE(BITLA_DETAIL_ISA_ENTRY)
#undef BITLA_DETAIL_ISA_ENTRY
    };
    if (!is_available(i)) [[unlikely]]
        detail::check_available(i, "isa");
    return table[index(i)];
}

/// The family's kernels for the active ISA.
template <class Family>
[[nodiscard]] const Family& active_kernels() {
    return kernels_for<Family>(active_isa());
}

BITLA_END_NAMESPACE

// Dispatch, compiled twice: test-dispatch-runtime (baseline flags + per-ISA units) and
// test-dispatch-header (header-only, built with AVX2 flags: generic and avx2 only).
#include <bitla/arch/dispatch.hpp>
#include <bitla/kernels/families.hpp>

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

using namespace bitla;

namespace {

std::size_t expected_bits(isa i) {
    if (i == isa::generic) return 64;
    if (extends(i, isa::avx512bw)) return 512;
    if (extends(i, isa::avx2)) return 256;
    if (extends(i, isa::neon)) return 128;
    return 64;
}

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
// The compiler runtime's own CPU probe, as an independent check of bitla's.
bool builtin_supports(isa i) {
    __builtin_cpu_init();
    const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                      __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("popcnt");
    const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    const bool vpop = avx512 && __builtin_cpu_supports("avx512vpopcntdq") && __builtin_cpu_supports("avx512bitalg");
    switch (i) {
        case isa::generic: return true;
        case isa::avx2: return avx2;
#if !defined(__clang__)  // clang 14's runtime knows no "avxvnni"
        case isa::avx_vnni: return avx2 && __builtin_cpu_supports("avxvnni");
#endif
        case isa::avx512bw: return avx512;
        case isa::avx512_vpopcnt: return vpop;
        case isa::avx512_vnni: return vpop && __builtin_cpu_supports("avx512vnni");
        default: return cpu_supports(detect_cpu(), i);  // other platforms' ISAs (false) and unknown names
    }
}
#endif

}  // namespace

TEST_CASE("ISA names round-trip", "[dispatch]") {
    for (isa i : all_isas) REQUIRE(parse_isa(name(i)) == i);
    REQUIRE_FALSE(parse_isa("avx3").has_value());
}

TEST_CASE("the CPU probe agrees with the compiler runtime", "[dispatch]") {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    const CpuFeatures f = detect_cpu();
    for (isa i : all_isas) {
        INFO("isa " << name(i));
        REQUIRE(cpu_supports(f, i) == builtin_supports(i));
    }
#endif
}

TEST_CASE("ISA families: parents, lineage and preference order", "[dispatch]") {
    for (isa i : all_isas) {
        INFO("isa " << name(i));
        REQUIRE(extends(i, i));
        REQUIRE(extends(i, isa::generic));
        REQUIRE(index(parent(i)) <= index(i));  // a parent's row comes first
        if (i != isa::generic) REQUIRE((platform(i) == platform(parent(i) == isa::generic ? i : parent(i))));
    }
    REQUIRE(extends(isa::avx512_vnni, isa::avx2));
    REQUIRE(extends(isa::avx_vnni, isa::avx2));
    REQUIRE_FALSE(extends(isa::avx_vnni, isa::avx512bw));  // a branch, not a level of the chain
    REQUIRE_FALSE(extends(isa::avx512bw, isa::avx_vnni));
    REQUIRE(extends(isa::neon_i8mm, isa::neon));
    REQUIRE_FALSE(extends(isa::neon, isa::avx2));
    // Tags inherit as the table says.
    REQUIRE(arch::extends_v<arch::avx512_vnni, arch::avx512bw>);
    REQUIRE(arch::extends_v<arch::avx_vnni, arch::avx2>);
    REQUIRE_FALSE(arch::extends_v<arch::avx_vnni, arch::avx512bw>);
    REQUIRE(arch::extends_v<arch::neon_dotprod, arch::generic>);
}

TEST_CASE("each ISA needs every feature of its row and of its ancestors'", "[dispatch]") {
    CpuFeatures all;
    all.popcnt = all.avx2 = all.fma = all.bmi2 = all.avx_vnni = true;
    all.avx512f = all.avx512bw = all.avx512dq = all.avx512vl = true;
    all.avx512_vpopcntdq = all.avx512_bitalg = all.avx512_vnni = true;
    all.os_ymm = all.os_zmm = true;
    all.neon = all.dotprod = all.i8mm = true;
    for (isa i : all_isas) REQUIRE(has_features(all, i));
    // Each feature taken away: the first ISA that needs it, and every ISA that extends it, go.
    struct Need {
        bool CpuFeatures::*feature;
        isa first;
    };
    const Need needs[] = {{&CpuFeatures::avx2, isa::avx2},           {&CpuFeatures::bmi2, isa::avx2},
                          {&CpuFeatures::os_ymm, isa::avx2},         {&CpuFeatures::avx_vnni, isa::avx_vnni},
                          {&CpuFeatures::avx512bw, isa::avx512bw},   {&CpuFeatures::os_zmm, isa::avx512bw},
                          {&CpuFeatures::avx512_bitalg, isa::avx512_vpopcnt},
                          {&CpuFeatures::avx512_vnni, isa::avx512_vnni}, {&CpuFeatures::neon, isa::neon},
                          {&CpuFeatures::dotprod, isa::neon_dotprod}, {&CpuFeatures::i8mm, isa::neon_i8mm}};
    for (const Need& n : needs) {
        CpuFeatures f = all;
        f.*n.feature = false;
        for (isa i : all_isas) {
            INFO("isa " << name(i) << ", feature needed from " << name(n.first));
            REQUIRE(has_features(f, i) == !extends(i, n.first));
        }
    }
    // Only the build's own platform's ISAs can run here.
    for (isa i : all_isas) REQUIRE(cpu_supports(all, i) == (platform(i) == "any" || platform(i) == build_platform));
}

TEST_CASE("every available ISA runs code built for it", "[dispatch]") {
    const auto avail = available_isas();
    REQUIRE(avail.front() == isa::generic);
    REQUIRE(best_isa() == avail.back());
    for (isa i : avail) {
        INFO("isa " << name(i));
        const IsaProbe& probe = kernels_for<IsaProbe>(i);
        REQUIRE(probe.id == i);
        REQUIRE(probe.vector_bits() == expected_bits(i));
    }
}

TEST_CASE("this build has the ISAs its mode promises", "[dispatch]") {
#if BITLA_RUNTIME_DISPATCH
    // Built for the platform's baseline with every per-ISA unit: all the CPU supports is available.
    for (isa i : all_isas) REQUIRE(is_available(i) == cpu_supports(detect_cpu(), detail::executes(i)));
    REQUIRE(detail::in_list(BITLA_DISPATCH_ISAS, "avx2") == (build_platform == "x86_64"));
#else
#if defined(BITLA_TEST_HAS)
    // Header-only with one ISA's flags (avx2 on x86-64): its lineage (if the CPU has it), nothing wider.
    REQUIRE(arch::flags_enable(isa::BITLA_TEST_HAS));
    REQUIRE_FALSE(arch::flags_enable(isa::BITLA_TEST_LACKS));
    REQUIRE_FALSE(is_available(isa::BITLA_TEST_LACKS));
    REQUIRE_THROWS_WITH(kernels_for<IsaProbe>(isa::BITLA_TEST_LACKS), Catch::Contains("is not available"));
#endif
#endif
}

TEST_CASE("an ISA limit selects that ISA or a lower one", "[dispatch]") {
    if (std::getenv("BITLA_ISA") != nullptr) return;  // the environment test below covers that case
    REQUIRE(active_isa() == best_isa());
    for (isa i : available_isas()) {
        ScopedIsaLimit limit(i);
        REQUIRE(active_isa() == i);
        REQUIRE(active_kernels<IsaProbe>().id == i);
    }
    // A limit on a branch never selects a sibling: only the limit's lineage may run.
    for (isa i : available_isas()) {
        ScopedIsaLimit limit(i);
        for (isa j : available_isas())
            if (j != i && !extends(i, j)) REQUIRE(active_isa() != j);
    }
    REQUIRE(active_isa() == best_isa());
    set_isa_limit(isa::generic);
    REQUIRE(active_kernels<IsaProbe>().vector_bits() == 64);
    clear_isa_limit();
    REQUIRE(active_isa() == best_isa());
}

TEST_CASE("a limit this machine cannot honour is an error", "[dispatch][errors]") {
    for (isa i : all_isas)
        if (!is_available(i)) {
            REQUIRE_THROWS_WITH(set_isa_limit(i), Catch::Contains("not available") && Catch::Contains(std::string(name(i))));
        }
}

// Run by ctest with BITLA_ISA set (see tests/CMakeLists.txt), never directly.
TEST_CASE("BITLA_ISA limits the active ISA", "[.env]") {
    const char* want = std::getenv("BITLA_ISA");
    REQUIRE(want != nullptr);
    const auto i = parse_isa(want);
    if (!i) {
        REQUIRE_THROWS_WITH(active_isa(), Catch::Contains("BITLA_ISA = '") && Catch::Contains("names no ISA"));
        return;
    }
    REQUIRE(active_isa() == *i);
    REQUIRE(active_kernels<IsaProbe>().id == *i);
    {
        ScopedIsaLimit api(isa::generic);  // the API overrides the environment
        REQUIRE(active_isa() == isa::generic);
    }
    REQUIRE(active_isa() == *i);
}

// Run by ctest as isa.report: the ISAs every kernel test iterates on this machine.
TEST_CASE("report the ISAs the tests run", "[.report]") {
    const char* emulator = std::getenv("BITLA_TEST_EMULATOR");
    const bool emulated = emulator != nullptr && *emulator != '\0';
    std::string list;
    for (isa i : available_isas())
        list += (list.empty() ? "" : " ") + std::string(name(i)) + (detail::emulated(i) ? " (SIMDe)" : "");
    std::printf("bitla ISAs: %s; %s%s\n", list.c_str(), emulated ? "all emulated by " : "native but where marked",
                emulated ? emulator : "");
    REQUIRE(!list.empty());
}

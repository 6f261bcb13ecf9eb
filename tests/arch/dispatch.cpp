// Dispatch, compiled twice: test-dispatch-runtime (baseline flags + per-ISA units) and
// test-dispatch-header (header-only, built with AVX2 flags: generic and avx2 only).
#include <bitla/arch/dispatch.hpp>
#include <bitla/kernels/families.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

using namespace bitla;

namespace {

std::size_t expected_bits(isa i) {
    switch (i) {
        case isa::generic: return 64;
        case isa::avx2: return 256;
        default: return 512;
    }
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
        case isa::avx512bw: return avx512;
        case isa::avx512_vpopcnt: return vpop;
        case isa::avx512_vnni:
            return vpop && __builtin_cpu_supports("avx512vnni");
    }
    return false;
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

TEST_CASE("each ISA level needs every feature of its row and of the rows before it", "[dispatch]") {
    CpuFeatures all;
    all.popcnt = all.avx2 = all.fma = all.bmi2 = true;
    all.avx512f = all.avx512bw = all.avx512dq = all.avx512vl = true;
    all.avx512_vpopcntdq = all.avx512_bitalg = all.avx512_vnni = true;
    all.os_ymm = all.os_zmm = true;
    for (isa i : all_isas) REQUIRE(cpu_supports(all, i));
    // Each feature taken away: the first level that needs it, and every level above, go.
    struct Need {
        bool CpuFeatures::*feature;
        isa first;
    };
    const Need needs[] = {{&CpuFeatures::avx2, isa::avx2},           {&CpuFeatures::bmi2, isa::avx2},
                          {&CpuFeatures::os_ymm, isa::avx2},         {&CpuFeatures::avx512bw, isa::avx512bw},
                          {&CpuFeatures::os_zmm, isa::avx512bw},     {&CpuFeatures::avx512_bitalg, isa::avx512_vpopcnt},
                          {&CpuFeatures::avx512_vnni, isa::avx512_vnni}};
    for (const Need& n : needs) {
        CpuFeatures f = all;
        f.*n.feature = false;
        for (isa i : all_isas) {
            INFO("isa " << name(i) << ", feature needed from " << name(n.first));
            REQUIRE(cpu_supports(f, i) == (static_cast<int>(i) < static_cast<int>(n.first)));
        }
    }
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
    // Built for baseline x86-64 with every per-ISA unit: all the CPU supports is available.
    for (isa i : all_isas) REQUIRE(is_available(i) == cpu_supports(detect_cpu(), i));
#else
    // Header-only with AVX2 flags: generic and avx2 (if the CPU has it), nothing wider.
    REQUIRE(arch::flags_enable(isa::avx2));
    REQUIRE_FALSE(arch::flags_enable(isa::avx512bw));
    REQUIRE_FALSE(is_available(isa::avx512bw));
    REQUIRE_THROWS_WITH(kernels_for<IsaProbe>(isa::avx512bw), Catch::Contains("ISA avx512bw is not available"));
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

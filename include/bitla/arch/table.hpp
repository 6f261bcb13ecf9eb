// bitla/arch/table.hpp — the tag type of each ISA (what kernels are templated on), made from
// the table in arch/isa_table.hpp, and what this translation unit's flags enable.
//
// Tags inherit from their parents' (arch::avx512_vnni derives from arch::avx512_vpopcnt,
// ..., from arch::generic), so a kernel overload taking a parent's tag serves every child
// that has none of its own: overload resolution picks the most derived match, the way
// xsimd's requires_arch<> does. Kernels test a level with `arch::extends_v<Arch, arch::x>`,
// never by comparing ids. Each tag has `id` (its isa) and `simd` (its xsimd architecture,
// void for generic).
//
// The BITLA_FLAGS_<ISA> macros say the same as flags_enable() for the preprocessor: kernel
// headers include their intrinsics under them. They are checked against the table below.
#pragma once

#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "cpu.hpp"
#include "isa.hpp"

#if defined(__AVX2__) && defined(__FMA__) && defined(__BMI2__) && defined(__POPCNT__)
#define BITLA_FLAGS_AVX2 1
#else
#define BITLA_FLAGS_AVX2 0
#endif
#if BITLA_FLAGS_AVX2 && ((defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512DQ__) && defined(__AVX512VL__)) || \
                         BITLA_EMULATE_AVX512BW)
#define BITLA_FLAGS_AVX512BW 1
#else
#define BITLA_FLAGS_AVX512BW 0
#endif
#if BITLA_FLAGS_AVX512BW && ((defined(__AVX512VPOPCNTDQ__) && defined(__AVX512BITALG__)) || BITLA_EMULATE_AVX512_VPOPCNT)
#define BITLA_FLAGS_AVX512_VPOPCNT 1
#else
#define BITLA_FLAGS_AVX512_VPOPCNT 0
#endif
#if BITLA_FLAGS_AVX512_VPOPCNT && (defined(__AVX512VNNI__) || BITLA_EMULATE_AVX512_VNNI)
#define BITLA_FLAGS_AVX512_VNNI 1
#else
#define BITLA_FLAGS_AVX512_VNNI 0
#endif
#if defined(__aarch64__) && defined(__ARM_NEON)
#define BITLA_FLAGS_NEON 1
#else
#define BITLA_FLAGS_NEON 0
#endif
#if BITLA_FLAGS_NEON && defined(__ARM_FEATURE_DOTPROD)
#define BITLA_FLAGS_NEON_DOTPROD 1
#else
#define BITLA_FLAGS_NEON_DOTPROD 0
#endif
#if BITLA_FLAGS_NEON_DOTPROD && defined(__ARM_FEATURE_MATMUL_INT8)
#define BITLA_FLAGS_NEON_I8MM 1
#else
#define BITLA_FLAGS_NEON_I8MM 0
#endif

BITLA_BEGIN_NAMESPACE
namespace arch {

namespace detail {
struct root {};
template <isa I>
struct tag_of;  ///< the tag type of I
template <isa I>
using parent_tag_t = std::conditional_t<I == isa::generic, root, typename tag_of<parent(I)>::type>;
}  // namespace detail

#define BITLA_DETAIL_TAG_DECLARE(name, parent, platform, simd_arch, flags, needs) struct name;
BITLA_ISA_TABLE(BITLA_DETAIL_TAG_DECLARE)
#undef BITLA_DETAIL_TAG_DECLARE
namespace detail {
#define BITLA_DETAIL_TAG_OF(name, parent, platform, simd_arch, flags, needs) \
    template <>                                                           \
    struct tag_of<isa::name> {                                            \
        using type = arch::name;                                          \
    };
BITLA_ISA_TABLE(BITLA_DETAIL_TAG_OF)
#undef BITLA_DETAIL_TAG_OF
}  // namespace detail

#define BITLA_DETAIL_TAG_DEFINE(name, parent, platform, simd_arch, flags, needs) \
    struct name : detail::parent_tag_t<isa::name> {                               \
        static constexpr isa id = isa::name;                                      \
        using simd = simd_arch;                                                   \
    };
BITLA_ISA_TABLE(BITLA_DETAIL_TAG_DEFINE)
#undef BITLA_DETAIL_TAG_DEFINE

/// The tag type of an ISA.
template <isa I>
using tag = typename detail::tag_of<I>::type;

/// True when tag Arch is Base or one of its descendants (Arch's kernels may use Base's).
template <class Arch, class Base>
inline constexpr bool extends_v = std::is_base_of_v<Base, Arch>;

/// True when this translation unit's compiler flags can build kernels for `i`.
[[nodiscard]] constexpr bool flags_enable(isa i) noexcept {
    return on_build_platform(i) && has_features(compiler_features(), i);
}

static_assert(flags_enable(isa::avx2) == bool(BITLA_FLAGS_AVX2), "BITLA_FLAGS_AVX2 disagrees with the ISA table");
static_assert(flags_enable(isa::avx512bw) == bool(BITLA_FLAGS_AVX512BW), "BITLA_FLAGS_AVX512BW disagrees");
static_assert(flags_enable(isa::avx512_vpopcnt) == bool(BITLA_FLAGS_AVX512_VPOPCNT), "BITLA_FLAGS_AVX512_VPOPCNT disagrees");
static_assert(flags_enable(isa::avx512_vnni) == bool(BITLA_FLAGS_AVX512_VNNI), "BITLA_FLAGS_AVX512_VNNI disagrees");
static_assert(flags_enable(isa::neon) == bool(BITLA_FLAGS_NEON), "BITLA_FLAGS_NEON disagrees");
static_assert(flags_enable(isa::neon_dotprod) == bool(BITLA_FLAGS_NEON_DOTPROD), "BITLA_FLAGS_NEON_DOTPROD disagrees");
static_assert(flags_enable(isa::neon_i8mm) == bool(BITLA_FLAGS_NEON_I8MM), "BITLA_FLAGS_NEON_I8MM disagrees");

}  // namespace arch
BITLA_END_NAMESPACE

// bitla/core/config.hpp — version, namespace and compiler glue shared by every header.
//
// Everything public lives in `bitla::inline v0`, opened and closed by the two macros
// below: the inline namespace versions the ABI the way {fmt} does, so two bitla versions in
// one program are distinct symbols while users keep writing `bitla::`.
#pragma once

#define BITLA_VERSION_MAJOR 0
#define BITLA_VERSION_MINOR 1
#define BITLA_VERSION_PATCH 0

#if defined(__GNUC__) || defined(__clang__)
#define BITLA_ALWAYS_INLINE inline __attribute__((always_inline))
#define BITLA_RESTRICT __restrict__
#else
#define BITLA_ALWAYS_INLINE inline
#define BITLA_RESTRICT
#endif

#define BITLA_BEGIN_NAMESPACE \
    namespace bitla {         \
    inline namespace v0 {
#define BITLA_END_NAMESPACE \
    }                       \
    }

#include <cstddef>

BITLA_BEGIN_NAMESPACE

/// Alignment of every buffer bitla allocates, and the granularity of packed rows: one
/// cache line, one 512-bit register.
inline constexpr std::size_t cache_line = 64;

/// Buffers at least this large are aligned to a 2 MiB boundary and marked for transparent
/// huge pages (where the OS has them): weight streams then cost fewer TLB misses.
inline constexpr std::size_t huge_page = std::size_t{2} << 20;

BITLA_END_NAMESPACE

// bitla/kernels/unrolled.hpp — compile-time unrolling for the kernels' short fixed loops.
#pragma once

#include <type_traits>
#include <utility>

#include "../core/config.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

/// f(integral_constant<int, 0>) .. f(integral_constant<int, N - 1>), unrolled whatever the
/// optimisation level (a rolled loop kept accumulators in memory and shift counts in registers).
template <int N, class F>
BITLA_ALWAYS_INLINE void unrolled(F&& f) noexcept {
    [&]<int... J>(std::integer_sequence<int, J...>) __attribute__((always_inline)) {
        (f(std::integral_constant<int, J>{}), ...);
    }(std::make_integer_sequence<int, N>{});
}

}  // namespace kernels
BITLA_END_NAMESPACE

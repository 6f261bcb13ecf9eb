// bitla/core/concepts.hpp — named requirements on the operands of bitla's products.
#pragma once

#include <concepts>
#include <cstdint>
#include <type_traits>

#include "bit_packed.hpp"
#include "bit_planes.hpp"
#include "matrix.hpp"
#include "ternary_packed.hpp"

BITLA_BEGIN_NAMESPACE

namespace detail {
template <class V> struct is_weight_view : std::false_type {};
template <bit_encoding E> struct is_weight_view<BitView<E>> : std::true_type {};
template <ternary_layout L> struct is_weight_view<TernaryView<L>> : std::true_type {};
template <> struct is_weight_view<BitPlanesView> : std::true_type {};
}  // namespace detail

/// A packed weight matrix (owner or view) whose `view()` is one of bitla's packed views.
template <class W>
concept packed_matrix = requires(const W& w) {
    { w.view() };
} && detail::is_weight_view<std::remove_cvref_t<decltype(std::declval<const W&>().view())>>::value;

template <packed_matrix W>
using packed_view_t = std::remove_cvref_t<decltype(std::declval<const W&>().view())>;

/// Packed +-1 bits (binary activations or weights): BitPacked<enc::sign> or its view.
template <class W>
concept sign_bits = packed_matrix<W> && std::is_same_v<packed_view_t<W>, BitView<enc::sign>>;

/// Activation element types with exact integer accumulation.
template <class T>
concept int_activation = std::is_same_v<T, std::int8_t>;

/// Activation element types bitla multiplies packed weights by.
template <class T>
concept activation = std::is_same_v<T, std::int8_t> || std::is_same_v<T, float>;

/// Largest |w| a packed view can hold (bounds integer accumulators).
template <bit_encoding E>
constexpr int max_abs_value(const BitView<E>&) { return 1; }
template <ternary_layout L>
constexpr int max_abs_value(const TernaryView<L>&) { return 1; }
inline int max_abs_value(const BitPlanesView& v) { return v.max_value(); }

BITLA_END_NAMESPACE

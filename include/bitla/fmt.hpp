// bitla/fmt.hpp — optional {fmt} formatters for bitla's types. The core never includes
// this header and bitla does not depend on {fmt}; include it where you already use {fmt}.
//
//   fmt::format("{}", bitla::isa::avx2)          -> "avx2"
//   fmt::format("{}", packed)                    -> "BitPacked<sign> 3 x 70 (1536 bytes)"
//   fmt::format("{:v}", packed)                  -> the shape line, then the values, one
//                                                   row per line: + and - (sign), 1 and 0
//                                                   (zero_one), +, 0 and - (ternary),
//                                                   digits (bit-planes); long rows are cut
#pragma once

#include <fmt/format.h>

#include <string>

#include "arch/isa.hpp"
#include "core/bit_packed.hpp"
#include "core/bit_planes.hpp"
#include "core/ternary_packed.hpp"

BITLA_BEGIN_NAMESPACE
namespace detail {

template <class T>
struct packed_traits;
template <bit_encoding E>
struct packed_traits<BitPacked<E>> {
    static std::string name() { return std::string("BitPacked<") + E::name + ">"; }
    static char glyph(int v) {
        if constexpr (std::is_same_v<E, enc::sign>) return v > 0 ? '+' : '-';
        else return v ? '1' : '0';
    }
};
template <ternary_layout L>
struct packed_traits<TernaryPacked<L>> {
    static std::string name() { return std::string("TernaryPacked<") + L::name + ">"; }
    static char glyph(int v) { return v > 0 ? '+' : (v < 0 ? '-' : '0'); }
};
template <>
struct packed_traits<BitPlanes> {
    static std::string name() { return "BitPlanes"; }
    static char glyph(int v) { return static_cast<char>(v < 10 ? '0' + v : 'a' + v - 10); }
};

inline constexpr std::size_t fmt_max_rows = 16, fmt_max_cols = 96;

}  // namespace detail
BITLA_END_NAMESPACE

template <>
struct fmt::formatter<bitla::isa> : fmt::formatter<fmt::string_view> {
    template <class Ctx>
    auto format(bitla::isa i, Ctx& ctx) const {
        return fmt::formatter<fmt::string_view>::format(bitla::name(i), ctx);
    }
};

template <class T>
    requires requires { bitla::detail::packed_traits<T>::name(); }
struct fmt::formatter<T> {
    bool values = false;

    constexpr auto parse(fmt::format_parse_context& ctx) {
        auto it = ctx.begin();
        if (it != ctx.end() && *it == 'v') values = true, ++it;
        if (it != ctx.end() && *it != '}') throw fmt::format_error("bitla: the only format option is 'v'");
        return it;
    }
    template <class Ctx>
    auto format(const T& t, Ctx& ctx) const {
        using traits = bitla::detail::packed_traits<T>;
        auto out = fmt::format_to(ctx.out(), "{} {} x {} ({} bytes)", traits::name(), t.rows(), t.cols(), t.bytes());
        if (!values) return out;
        const auto v = t.view();
        for (std::size_t r = 0; r < std::min(t.rows(), bitla::detail::fmt_max_rows); ++r) {
            *out++ = '\n';
            for (std::size_t c = 0; c < std::min(t.cols(), bitla::detail::fmt_max_cols); ++c) *out++ = traits::glyph(v(r, c));
            if (t.cols() > bitla::detail::fmt_max_cols) out = fmt::format_to(out, " …");
        }
        if (t.rows() > bitla::detail::fmt_max_rows) out = fmt::format_to(out, "\n… ({} more rows)", t.rows() - bitla::detail::fmt_max_rows);
        return out;
    }
};

// bitla/core/error.hpp — the one exception type bitla throws for bad input.
//
// Every public entry point validates what it relies on (shapes, group sizes, bit widths,
// value ranges, NaN/Inf, aliasing) *before* it writes any output, and reports a violation
// as `bitla::error`. The message names the argument and the offending values, e.g.
//
//     bitla: w: w.cols = 65 does not match x.cols = 64
//
// `error::argument()` returns the argument's name alone, so tests and callers can check
// which input was rejected without parsing the message.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "config.hpp"

BITLA_BEGIN_NAMESPACE

class error : public std::invalid_argument {
public:
    error(std::string argument, const std::string& message)
        : std::invalid_argument("bitla: " + argument + ": " + message),
          argument_(std::move(argument)) {}

    /// The name of the rejected argument (for example "x", "w", "group_size").
    [[nodiscard]] const std::string& argument() const noexcept { return argument_; }

private:
    std::string argument_;
};

namespace detail {

template <class... Parts>
[[nodiscard]] std::string concat(const Parts&... parts) {
    std::ostringstream out;
    (out << ... << parts);
    return out.str();
}

/// Throws `bitla::error` for `argument` with the message made of `parts`.
template <class... Parts>
[[noreturn]] void fail(std::string_view argument, const Parts&... parts) {
    throw error(std::string(argument), concat(parts...));
}

/// Throws unless `ok`. The message is only built on failure.
template <class... Parts>
void require(bool ok, std::string_view argument, const Parts&... parts) {
    if (!ok) [[unlikely]]
        fail(argument, parts...);
}

}  // namespace detail
BITLA_END_NAMESPACE

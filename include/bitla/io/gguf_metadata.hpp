// bitla/io/gguf_metadata.hpp — GGUF key/value metadata: typed scalars (u8 .. f64, bool,
// string) and arrays of scalars or of strings, in file order.
//
//     GgufMetadata m;
//     m.set("general.architecture", std::string("bitnet-b1.58"));
//     m.set("general.alignment", std::uint32_t{64});
//     m.set("tokenizer.ggml.scores", GgufValue::array(std::span<const float>(scores)));
//     std::uint32_t a = m.at("general.alignment").as<std::uint32_t>();
//
// A scalar keeps its GGUF type (a u32 and an i32 are different values). Numeric arrays keep
// their elements as the file's little-endian bytes (`raw`), so a large array costs its
// size once and is written back byte for byte; `elements<T>()` decodes one. Arrays of
// arrays are not GGUF values bitla reads or writes. Errors: bitla::error, argument "key".
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "byte_stream.hpp"

BITLA_BEGIN_NAMESPACE

enum class GgufValueType : std::uint32_t {
    u8 = 0, i8 = 1, u16 = 2, i16 = 3, u32 = 4, i32 = 5, f32 = 6, boolean = 7, string = 8, array = 9,
    u64 = 10, i64 = 11, f64 = 12,
};

[[nodiscard]] constexpr const char* name(GgufValueType t) noexcept {
    constexpr const char* names[] = {"u8",     "i8",    "u16", "i16", "u32", "i32", "f32",
                                     "bool",   "string", "array", "u64", "i64", "f64"};
    const auto i = static_cast<std::uint32_t>(t);
    return i < 13 ? names[i] : "unknown";
}

/// Bytes of one element of a numeric type in a file (0 for string and array).
[[nodiscard]] constexpr std::size_t value_bytes(GgufValueType t) noexcept {
    switch (t) {
        case GgufValueType::u8: case GgufValueType::i8: case GgufValueType::boolean: return 1;
        case GgufValueType::u16: case GgufValueType::i16: return 2;
        case GgufValueType::u32: case GgufValueType::i32: case GgufValueType::f32: return 4;
        case GgufValueType::u64: case GgufValueType::i64: case GgufValueType::f64: return 8;
        default: return 0;
    }
}

/// A scalar: the alternatives in GgufValueType order, array left out.
using GgufScalar = std::variant<std::uint8_t, std::int8_t, std::uint16_t, std::int16_t, std::uint32_t, std::int32_t,
                                float, bool, std::string, std::uint64_t, std::int64_t, double>;

namespace detail {
[[nodiscard]] constexpr GgufValueType scalar_type(std::size_t variant_index) noexcept {
    return static_cast<GgufValueType>(variant_index < 9 ? variant_index : variant_index + 1);
}
template <class T, std::size_t I = 0>
[[nodiscard]] constexpr GgufValueType type_of() noexcept {
    if constexpr (std::is_same_v<T, std::variant_alternative_t<I, GgufScalar>>) return scalar_type(I);
    else return type_of<T, I + 1>();
}
}  // namespace detail

struct GgufValue {
    GgufValueType type = GgufValueType::u8;     ///< the scalar's type, or array
    GgufScalar scalar;                          ///< type != array
    GgufValueType element = GgufValueType::u8;  ///< arrays: the element type (never array)
    std::uint64_t count = 0;                    ///< arrays: the number of elements
    std::vector<std::byte> raw;                 ///< numeric arrays: count · value_bytes(element), little-endian
    std::vector<std::string> strings;           ///< string arrays

    GgufValue() = default;
    /// A scalar of T's GGUF type (const char* makes a string).
    template <class T>
        requires std::is_constructible_v<GgufScalar, T>
    GgufValue(T v) : scalar(std::move(v)) {  // NOLINT: implicit, as a variant
        type = detail::scalar_type(scalar.index());
    }

    /// An array of numbers or bools, from their values.
    template <class T>
        requires(detail::type_of<T>() != GgufValueType::string)
    [[nodiscard]] static GgufValue array(std::span<const T> items) {
        GgufValue v = array_of(detail::type_of<T>(), items.size());
        v.raw.resize(items.size() * sizeof(T));
        for (std::size_t i = 0; i < items.size(); ++i) detail::store_le(v.raw.data() + i * sizeof(T), items[i]);
        return v;
    }
    [[nodiscard]] static GgufValue array(std::vector<std::string> items) {
        GgufValue v = array_of(GgufValueType::string, items.size());
        v.strings = std::move(items);
        return v;
    }

    [[nodiscard]] bool is_array() const noexcept { return type == GgufValueType::array; }
    /// The scalar as exactly T (a u32 is not an i32): bitla::error otherwise.
    template <class T>
    [[nodiscard]] const T& as() const {
        const T* p = is_array() ? nullptr : std::get_if<T>(&scalar);
        detail::require(p != nullptr, "key", "the value is ", describe(), ", not ", name(detail::type_of<T>()));
        return *p;
    }
    /// The elements of a numeric array of exactly T.
    template <class T>
    [[nodiscard]] std::vector<T> elements() const {
        detail::require(is_array() && element == detail::type_of<T>() && element != GgufValueType::string, "key",
                        "the value is ", describe(), ", not an array of ", name(detail::type_of<T>()));
        std::vector<T> out(static_cast<std::size_t>(count));
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = detail::load_le<T>(raw.data() + i * sizeof(T));
        return out;
    }
    /// "u32", "array of 3 f32", ...
    [[nodiscard]] std::string describe() const {
        if (!is_array()) return name(type);
        return detail::concat("array of ", count, " ", name(element));
    }

    [[nodiscard]] bool operator==(const GgufValue&) const = default;

private:
    [[nodiscard]] static GgufValue array_of(GgufValueType element, std::size_t count) {
        GgufValue v;
        v.type = GgufValueType::array;
        v.element = element;
        v.count = count;
        return v;
    }
};

/// Key/value pairs in file order; keys are unique.
struct GgufMetadata {
    std::vector<std::pair<std::string, GgufValue>> entries;

    [[nodiscard]] const GgufValue* find(std::string_view key) const noexcept {
        for (const auto& [k, v] : entries)
            if (k == key) return &v;
        return nullptr;
    }
    [[nodiscard]] const GgufValue& at(std::string_view key) const {
        const GgufValue* v = find(key);
        detail::require(v != nullptr, "key", "no metadata key '", key, "'");
        return *v;
    }
    /// Sets key to v: replaces the value in place, or appends the pair.
    void set(std::string key, GgufValue v) {
        for (auto& [k, old] : entries)
            if (k == key) {
                old = std::move(v);
                return;
            }
        entries.emplace_back(std::move(key), std::move(v));
    }
    [[nodiscard]] std::size_t size() const noexcept { return entries.size(); }
    [[nodiscard]] bool operator==(const GgufMetadata&) const = default;
};

BITLA_END_NAMESPACE

// bitla/io/gguf_value_io.hpp — reading and writing one GGUF metadata value (detail).
//
// Reading checks, before it allocates: the type id; string lengths against the bytes left;
// an array's element type (scalars and strings only) and its count against the bytes left
// (count · element size, or count · 8 for strings: a claimed 2^40 elements in a small
// file is refused before anything is read); bools are 0 or 1. String arrays grow with the
// strings actually read, never by a reservation from the count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "byte_stream.hpp"
#include "gguf_metadata.hpp"

BITLA_BEGIN_NAMESPACE
namespace detail {

/// Longest key and string bitla reads: GGUF keys are at most 65535 bytes; strings (a chat
/// template, a tokenizer's vocabulary entry) are bounded by the file.
inline constexpr std::uint64_t gguf_max_key = 65535;

[[nodiscard]] inline GgufValueType read_value_type(ByteReader& in, std::string_view key, const char* which) {
    const auto t = in.read<std::uint32_t>("key '", key, "': ", which);
    require(t <= 12, in.file(), "key '", key, "': ", which, " = ", t, " is not a GGUF value type (0..12)");
    return static_cast<GgufValueType>(t);
}

template <class T>
[[nodiscard]] GgufScalar read_number(ByteReader& in, std::string_view key) {
    const T v = in.read<T>("key '", key, "': its ", name(type_of<T>()), " value");
    return v;
}

[[nodiscard]] inline GgufScalar read_scalar(ByteReader& in, GgufValueType t, std::string_view key) {
    switch (t) {
        case GgufValueType::u8: return read_number<std::uint8_t>(in, key);
        case GgufValueType::i8: return read_number<std::int8_t>(in, key);
        case GgufValueType::u16: return read_number<std::uint16_t>(in, key);
        case GgufValueType::i16: return read_number<std::int16_t>(in, key);
        case GgufValueType::u32: return read_number<std::uint32_t>(in, key);
        case GgufValueType::i32: return read_number<std::int32_t>(in, key);
        case GgufValueType::f32: return read_number<float>(in, key);
        case GgufValueType::u64: return read_number<std::uint64_t>(in, key);
        case GgufValueType::i64: return read_number<std::int64_t>(in, key);
        case GgufValueType::f64: return read_number<double>(in, key);
        case GgufValueType::boolean: {
            const auto b = in.read<std::uint8_t>("key '", key, "': its bool value");
            require(b <= 1, in.file(), "key '", key, "': bool value ", +b, " is not 0 or 1");
            return b == 1;
        }
        case GgufValueType::string: return std::string(in.string(UINT64_MAX, "key '", key, "': its string"));
        case GgufValueType::array: break;
    }
    fail(in.file(), "key '", key, "': unexpected type ", name(t));
}

[[nodiscard]] inline GgufValue read_value(ByteReader& in, std::string_view key) {
    const GgufValueType t = read_value_type(in, key, "value type");
    if (t != GgufValueType::array) return GgufValue(read_scalar(in, t, key));
    GgufValue v;
    v.type = GgufValueType::array;
    v.element = read_value_type(in, key, "array element type");
    require(v.element != GgufValueType::array, in.file(), "key '", key,
            "': an array of arrays, which bitla does not read");
    v.count = in.read<std::uint64_t>("key '", key, "': array count");
    const std::uint64_t least = v.element == GgufValueType::string ? 8 : value_bytes(v.element);
    require(v.count <= in.remaining() / least, in.file(), "key '", key, "': array of ", v.count, " ",
            name(v.element), " needs at least ", least, " bytes each but the file has ", in.remaining(),
            " bytes left after offset ", in.offset());
    if (v.element == GgufValueType::string) {
        for (std::uint64_t i = 0; i < v.count; ++i)
            v.strings.emplace_back(in.string(UINT64_MAX, "key '", key, "': array element ", i));
        return v;
    }
    const auto raw = in.bytes(v.count * least, "key '", key, "': array data");
    v.raw.assign(raw.begin(), raw.end());
    if (v.element == GgufValueType::boolean)
        for (std::size_t i = 0; i < v.raw.size(); ++i)
            require(std::to_integer<unsigned>(v.raw[i]) <= 1, in.file(), "key '", key, "': bool element ", i, " is ",
                    std::to_integer<unsigned>(v.raw[i]), ", not 0 or 1");
    return v;
}

template <class T>
void write_number(ByteWriter& out, const GgufScalar& s) {
    out.write(std::get<T>(s));
}

inline void write_value(ByteWriter& out, const GgufValue& v) {
    out.write(static_cast<std::uint32_t>(v.type));
    if (!v.is_array()) {
        std::visit(
            [&](const auto& x) {
                if constexpr (std::is_same_v<std::remove_cvref_t<decltype(x)>, std::string>) out.string(x);
                else out.write(x);
            },
            v.scalar);
        return;
    }
    out.write(static_cast<std::uint32_t>(v.element));
    out.write(v.count);
    if (v.element == GgufValueType::string)
        for (const auto& s : v.strings) out.string(s);
    else out.bytes(v.raw);
}

/// Throws unless v is well formed for writing: scalar type matching the variant, an array
/// of scalars or strings whose storage matches its count.
inline void check_value(const GgufValue& v, std::string_view key) {
    require(!v.is_array() || v.element != GgufValueType::array, "metadata", "key '", key,
            "': arrays of arrays are not written");
    require(v.is_array() || v.type == scalar_type(v.scalar.index()), "metadata", "key '", key, "': type ",
            name(v.type), " does not match the value held (", name(scalar_type(v.scalar.index())), ")");
    const bool strings = v.element == GgufValueType::string;
    require(!v.is_array() || (strings ? v.strings.size() == v.count : v.raw.size() == v.count * value_bytes(v.element)),
            "metadata", "key '", key, "': ", v.describe(), " holds ", strings ? v.strings.size() : v.raw.size(),
            strings ? " strings" : " bytes");
}

}  // namespace detail
BITLA_END_NAMESPACE

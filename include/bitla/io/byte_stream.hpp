// bitla/io/byte_stream.hpp — little-endian reading and writing of untrusted bytes: the one
// place a file's bytes are read, every read bounds-checked first.
//
// `detail::ByteReader` walks a span; a read past its end is a bitla::error whose argument
// is the file's name and whose message says what was being read, where, and how many bytes
// were left. `detail::ByteWriter` appends to a byte vector. Values are assembled from bytes
// (no pointer casts), so neither depends on the host's byte order or on alignment.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "../core/error.hpp"

BITLA_BEGIN_NAMESPACE
namespace detail {

/// The unsigned integer of T's size (float -> uint32_t, double -> uint64_t, bool -> uint8_t).
template <class T>
using bits_of = std::conditional_t<sizeof(T) == 1, std::uint8_t,
                                   std::conditional_t<sizeof(T) == 2, std::uint16_t,
                                                      std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>>;

/// T from sizeof(T) little-endian bytes at p.
template <class T>
[[nodiscard]] T load_le(const std::byte* p) noexcept {
    using U = bits_of<T>;
    U u = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) u = static_cast<U>(u | (U{std::to_integer<std::uint8_t>(p[i])} << (8 * i)));
    if constexpr (std::is_same_v<T, bool>) return u != 0;
    else return std::bit_cast<T>(u);
}

/// Writes v as sizeof(T) little-endian bytes at p.
template <class T>
void store_le(std::byte* p, T v) noexcept {
    using U = bits_of<T>;
    const U u = std::bit_cast<U>(v);
    for (std::size_t i = 0; i < sizeof(T); ++i) p[i] = static_cast<std::byte>((u >> (8 * i)) & 0xffu);
}

class ByteReader {
public:
    ByteReader(std::span<const std::byte> data, std::string_view file) : data_(data), file_(file) {}

    [[nodiscard]] std::size_t offset() const noexcept { return at_; }
    [[nodiscard]] std::size_t remaining() const noexcept { return data_.size() - at_; }
    [[nodiscard]] std::string_view file() const noexcept { return file_; }

    /// Throws unless n more bytes exist; `what` names what they would hold.
    template <class... What>
    void need(std::uint64_t n, const What&... what) const {
        require(n <= remaining(), file_, what..., " needs ", n, " bytes at offset ", at_, " but the file has ",
                remaining(), " left (", data_.size(), " bytes in all)");
    }
    /// A little-endian T.
    template <class T, class... What>
    [[nodiscard]] T read(const What&... what) {
        need(sizeof(T), what...);
        const T v = load_le<T>(data_.data() + at_);
        at_ += sizeof(T);
        return v;
    }
    /// n bytes, viewed.
    template <class... What>
    [[nodiscard]] std::span<const std::byte> bytes(std::uint64_t n, const What&... what) {
        need(n, what...);
        const auto s = data_.subspan(at_, static_cast<std::size_t>(n));
        at_ += s.size();
        return s;
    }
    /// A GGUF string: u64 length, then that many bytes (no terminator), at most max_length.
    template <class... What>
    [[nodiscard]] std::string_view string(std::uint64_t max_length, const What&... what) {
        const auto n = read<std::uint64_t>(what..., "'s length");
        require(n <= max_length, file_, what..., " has length ", n, ", more than the ", max_length, " allowed");
        const auto s = bytes(n, what...);
        return {reinterpret_cast<const char*>(s.data()), s.size()};
    }

private:
    std::span<const std::byte> data_;
    std::string_view file_;
    std::size_t at_ = 0;
};

class ByteWriter {
public:
    template <class T>
    void write(T v) {
        const std::size_t at = out_.size();
        out_.resize(at + sizeof(T));
        store_le(out_.data() + at, v);
    }
    void bytes(std::span<const std::byte> s) { out_.insert(out_.end(), s.begin(), s.end()); }
    void string(std::string_view s) {
        write<std::uint64_t>(s.size());
        bytes(std::as_bytes(std::span<const char>(s.data(), s.size())));
    }
    /// Zero bytes up to the next multiple of `alignment`.
    void pad_to(std::uint64_t alignment) { out_.resize((out_.size() + alignment - 1) / alignment * alignment); }
    [[nodiscard]] std::size_t size() const noexcept { return out_.size(); }
    [[nodiscard]] std::vector<std::byte> take() && { return std::move(out_); }

private:
    std::vector<std::byte> out_;
};

}  // namespace detail
BITLA_END_NAMESPACE

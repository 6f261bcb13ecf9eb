// bitla/core/aligned_buffer.hpp — the owning storage behind every bitla tensor.
//
// A move-only, zero-initialised array of trivially copyable T. Small buffers are 64-byte
// aligned (a cache line, a 512-bit register). Buffers of 2 MiB or more are aligned to
// 2 MiB and, on Linux, advised MADV_HUGEPAGE: a GEMV streams its weights once, and with
// 4 KiB pages the TLB misses cost about a quarter of the DRAM read bandwidth.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <span>
#include <type_traits>
#include <utility>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "config.hpp"
#include "error.hpp"

BITLA_BEGIN_NAMESPACE

namespace detail {

/// A value that a move leaves at T{}: owners hold their shape in these, so a moved-from
/// tensor is an empty 0 x 0 tensor rather than a shape with no storage behind it.
template <class T>
class ResetOnMove {
public:
    constexpr ResetOnMove(T v = T{}) noexcept : v_(v) {}
    constexpr ResetOnMove(ResetOnMove&& o) noexcept : v_(std::exchange(o.v_, T{})) {}
    constexpr ResetOnMove& operator=(ResetOnMove&& o) noexcept {
        v_ = std::exchange(o.v_, T{});
        return *this;
    }
    constexpr ResetOnMove(const ResetOnMove&) = default;
    constexpr ResetOnMove& operator=(const ResetOnMove&) = default;
    constexpr operator T() const noexcept { return v_; }

private:
    T v_;
};

}  // namespace detail

template <class T>
class AlignedBuffer {
    static_assert(std::is_trivially_copyable_v<T>, "AlignedBuffer holds trivially copyable data");

public:
    AlignedBuffer() noexcept = default;

    /// `count` zero-initialised elements.
    explicit AlignedBuffer(std::size_t count) : size_(count) {
        if (count == 0) return;
        detail::require(count <= std::numeric_limits<std::size_t>::max() / sizeof(T) / 2,
                        "count", "AlignedBuffer of ", count, " elements is too large");
        const std::size_t bytes = count * sizeof(T);
        const std::size_t align = bytes >= huge_page ? huge_page : cache_line;
        const std::size_t rounded = (bytes + align - 1) / align * align;
        void* p = std::aligned_alloc(align, rounded);
        if (p == nullptr) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
        if (align == huge_page) (void)::madvise(p, rounded, MADV_HUGEPAGE);
#endif
        std::memset(p, 0, rounded);
        data_ = static_cast<T*>(p);
    }

    AlignedBuffer(AlignedBuffer&& other) noexcept
        : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
    AlignedBuffer& operator=(AlignedBuffer&& other) noexcept {
        if (this != &other) {
            std::free(data_);
            data_ = std::exchange(other.data_, nullptr);
            size_ = std::exchange(other.size_, 0);
        }
        return *this;
    }
    AlignedBuffer(const AlignedBuffer&) = delete;
    AlignedBuffer& operator=(const AlignedBuffer&) = delete;
    ~AlignedBuffer() { std::free(data_); }

    /// An explicit deep copy (copies are never implicit).
    [[nodiscard]] AlignedBuffer clone() const {
        AlignedBuffer copy(size_);
        if (size_ != 0) std::memcpy(copy.data_, data_, size_ * sizeof(T));
        return copy;
    }

    [[nodiscard]] T* data() noexcept { return data_; }
    [[nodiscard]] const T* data() const noexcept { return data_; }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] std::size_t bytes() const noexcept { return size_ * sizeof(T); }
    [[nodiscard]] std::span<T> span() noexcept { return {data_, size_}; }
    [[nodiscard]] std::span<const T> span() const noexcept { return {data_, size_}; }
    T& operator[](std::size_t i) noexcept { return data_[i]; }
    const T& operator[](std::size_t i) const noexcept { return data_[i]; }

private:
    T* data_ = nullptr;
    std::size_t size_ = 0;
};

BITLA_END_NAMESPACE

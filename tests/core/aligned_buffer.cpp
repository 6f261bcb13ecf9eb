#include <bitla/core/aligned_buffer.hpp>

#include <catch2/catch.hpp>

#include <cstdint>

using bitla::AlignedBuffer;

TEST_CASE("AlignedBuffer is zeroed and cache-line aligned", "[core]") {
    for (std::size_t n : {1u, 7u, 64u, 1000u}) {
        AlignedBuffer<std::uint64_t> b(n);
        REQUIRE(b.size() == n);
        REQUIRE(b.bytes() == n * 8);
        REQUIRE(reinterpret_cast<std::uintptr_t>(b.data()) % 64 == 0);
        for (auto v : b.span()) REQUIRE(v == 0);
    }
}

TEST_CASE("AlignedBuffer aligns large buffers to 2 MiB", "[core]") {
    AlignedBuffer<std::uint8_t> b(bitla::huge_page + 1);
    REQUIRE(reinterpret_cast<std::uintptr_t>(b.data()) % bitla::huge_page == 0);
    REQUIRE(b[bitla::huge_page] == 0);
}

TEST_CASE("AlignedBuffer moves and clones", "[core]") {
    AlignedBuffer<int> a(5);
    a[3] = 42;
    AlignedBuffer<int> c = a.clone();
    AlignedBuffer<int> b = std::move(a);
    REQUIRE(a.size() == 0);
    REQUIRE(a.data() == nullptr);
    REQUIRE(b[3] == 42);
    b[3] = 7;
    REQUIRE(c[3] == 42);
    c = std::move(b);
    REQUIRE(c[3] == 7);
    STATIC_REQUIRE(!std::is_copy_constructible_v<AlignedBuffer<int>>);
    STATIC_REQUIRE(std::is_nothrow_move_constructible_v<AlignedBuffer<int>>);
}

TEST_CASE("AlignedBuffer rejects sizes that overflow", "[core][errors]") {
    REQUIRE_THROWS_AS(AlignedBuffer<std::uint64_t>(SIZE_MAX / 4), bitla::error);
    try {
        AlignedBuffer<std::uint64_t> b(SIZE_MAX / 4);
    } catch (const bitla::error& e) {
        REQUIRE(e.argument() == "count");
    }
}

TEST_CASE("AlignedBuffer of zero elements holds nothing", "[core]") {
    AlignedBuffer<float> b(0);
    REQUIRE(b.data() == nullptr);
    REQUIRE(b.clone().size() == 0);
}

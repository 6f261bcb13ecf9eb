// HQQ's planar bit packing: hand-computed bytes and round trips for every width and axis.
#include <catch2/catch.hpp>

#include <bitla/quant/quant.hpp>

#include <string>

#include "quant/matrices.hpp"

using bitla::HqqPacking;
using bitla::Matrix;

TEST_CASE("hqq packing: 2-bit slabs, first slab in the high bits", "[quant][hqq_packing]") {
    // 1 x 32, G = 8, axis 1: grouped [4, 8], step 1: byte j = W[0,j]<<6 | W[1,j]<<4 | W[2,j]<<2 | W[3,j]
    Matrix<float> codes(1, 32);
    for (std::size_t c = 0; c < 32; ++c) codes(0, c) = float((c * 7 + c / 8) % 4);
    bitla::HqqQuantized q;
    q.nbits = 2;
    q.group_size = 8;
    q.axis = 1;
    q.values = bitla::BitPlanes::from_values(codes, 2);
    q.scale = Matrix<float>(1, 4);
    q.zero = Matrix<float>(1, 4);
    const auto p = bitla::hqq_pack(q);
    CHECK(p.packing == HqqPacking::bit2_u8);
    CHECK(std::string(name(p.packing)) == "2bit_u8");
    REQUIRE(p.u8.rows() == 1);
    REQUIRE(p.u8.cols() == 8);
    for (std::size_t j = 0; j < 8; ++j) {
        const unsigned expect = unsigned(codes(0, j)) << 6 | unsigned(codes(0, 8 + j)) << 4 |
                                unsigned(codes(0, 16 + j)) << 2 | unsigned(codes(0, 24 + j));
        CHECK(p.u8(0, j) == expect);
    }
}

TEST_CASE("hqq packing: 3-bit pads to ten slabs in an int32", "[quant][hqq_packing]") {
    // 1 x 32, G = 8, axis 1: grouped [4, 8] padded to 10 rows, step 1
    Matrix<float> codes(1, 32);
    for (std::size_t c = 0; c < 32; ++c) codes(0, c) = float((c * 5) % 8);
    bitla::HqqQuantized q;
    q.nbits = 3;
    q.group_size = 8;
    q.axis = 1;
    q.values = bitla::BitPlanes::from_values(codes, 3);
    q.scale = Matrix<float>(1, 4);
    q.zero = Matrix<float>(1, 4);
    const auto p = bitla::hqq_pack(q);
    REQUIRE(p.packing == HqqPacking::bit3_32);
    REQUIRE(p.i32.rows() == 1);
    for (std::size_t j = 0; j < 8; ++j) {
        std::uint32_t expect = 0;
        for (std::size_t s = 0; s < 4; ++s) expect |= std::uint32_t(codes(0, s * 8 + j)) << (27 - 3 * s);
        CHECK(std::uint32_t(p.i32(0, j)) == expect);
    }
}

TEST_CASE("hqq packing: round trips for every width and both axes", "[quant][hqq_packing]") {
    const auto w = bitla_test::gaussian_weights(16, 64, 11);
    for (float nbits : {1.0f, 1.58f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f, 8.0f})
        for (int axis : {0, 1}) {
            const auto q = bitla::quantize_hqq(w, {.nbits = nbits, .group_size = 16, .axis = axis});
            const auto p = bitla::hqq_pack(q);
            const bitla::HqqMeta meta{nbits, 16, axis, 16, 64};
            const auto back = bitla::hqq_unpack(p, q.scale, q.zero, meta);
            CHECK(back.values == q.values);
            CHECK(bitla_test::relative_error(q.dequantize(), back.dequantize()) == 0);
            const auto again = bitla::hqq_pack(back);
            CHECK(again.u8.rows() == p.u8.rows());
            if (p.packing == HqqPacking::bit3_32) {
                for (std::size_t i = 0; i < p.i32.flat().size(); ++i) CHECK(again.i32.flat()[i] == p.i32.flat()[i]);
            } else {
                for (std::size_t i = 0; i < p.u8.flat().size(); ++i) CHECK(again.u8.flat()[i] == p.u8.flat()[i]);
            }
            // HQQ's [N*K/G, 1] scale shape is accepted as well
            const Matrix<float> column(q.scale.flat().size(), 1);
            CHECK_NOTHROW(bitla::hqq_unpack(p, column, column, meta));
        }
}

TEST_CASE("hqq packing: bad tensors are rejected", "[quant][hqq_packing][errors]") {
    const auto w = bitla_test::gaussian_weights(3, 16, 12);
    // axis 1, G = 8: 6 groups, and 1-bit packing needs a multiple of 8 slabs
    const auto q1 = bitla::quantize_hqq(w, {.nbits = 1, .group_size = 8});
    CHECK_THROWS_AS(bitla::hqq_pack(q1), bitla::error);
    const auto q = bitla::quantize_hqq(w, {.nbits = 1.58f, .group_size = 8, .axis = 0});
    auto p = bitla::hqq_pack(q);
    const bitla::HqqMeta meta{1.58f, 8, 0, 3, 16};
    p.u8(0, 0) = 0xff;  // code 3 does not exist at 1.58 bits
    CHECK_THROWS_AS(bitla::hqq_unpack(p, q.scale, q.zero, meta), bitla::error);
    const Matrix<float> short_scale(1, 2);
    p = bitla::hqq_pack(q);
    CHECK_THROWS_AS(bitla::hqq_unpack(p, short_scale, q.zero, meta), bitla::error);
    CHECK_THROWS_AS(bitla::hqq_unpack(p, q.scale, q.zero, bitla::HqqMeta{4, 8, 0, 3, 16}), bitla::error);
    CHECK_THROWS_AS(bitla::hqq_unpack(p, q.scale, q.zero, bitla::HqqMeta{1.58f, 8, 0, 6, 16}), bitla::error);
}

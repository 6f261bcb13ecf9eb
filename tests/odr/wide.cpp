// The second unit of the ODR test, compiled with the avx512_vpopcnt flags (see main.cpp).
#include <bitla/gemm/hamming.hpp>
#include <bitla/gemm/xnor.hpp>
#include <bitla/kernels/generic/reference.hpp>

#include <cstring>

bool odr_check_wide() {
    auto q = bitla::BitPacked<bitla::enc::zero_one>::generate(9, 300, [](std::size_t r, std::size_t c) { return (r * 5 + c * 11) % 7 < 3; });
    auto c = bitla::BitPacked<bitla::enc::zero_one>::generate(40, 300, [](std::size_t r, std::size_t k) { return (r * r + k) % 4 == 1; });
    bitla::Matrix<std::size_t> want_i(9, 5), got_i(9, 5);
    bitla::Matrix<std::uint32_t> want_d(9, 5), got_d(9, 5);
    bitla::reference::hamming_topk(q.view(), c.view(), want_i.cols(), want_d, want_i);
    for (bitla::isa i : bitla::available_isas()) {
        bitla::ScopedIsaLimit limit(i);
        bitla::hamming_topk(q, c, got_i.cols(), got_d, got_i);
        if (std::memcmp(want_i.data(), got_i.data(), want_i.flat().size_bytes()) != 0 ||
            std::memcmp(want_d.data(), got_d.data(), want_d.flat().size_bytes()) != 0)
            return false;
    }
    return true;
}

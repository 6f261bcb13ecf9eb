#include <bitla/bitla.hpp>

int second() {
    auto a = bitla::pack_sign(bitla::Matrix<float>(1, 3));  // all +1
    bitla::Matrix<std::int32_t> y(1, 1);
    bitla::reference::xnor_gemm(a, a, y);
    return y(0, 0);
}

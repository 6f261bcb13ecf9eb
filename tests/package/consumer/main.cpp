#include <bitla/bitla.hpp>

#include <cstdio>

int second();  // second.cpp

int main() {
    bitla::Matrix<float> x(1, 3);
    x(0, 0) = 1.0f;
    x(0, 1) = -2.0f;
    x(0, 2) = 4.0f;
    bitla::Matrix<float> wv(2, 3);
    wv(0, 0) = 1;
    wv(0, 2) = -1;
    wv(1, 1) = 1;
    auto w = bitla::TernaryPacked<bitla::enc::planes>::from_values(wv);
    bitla::Matrix<float> y(1, 2);
    bitla::reference::gemm(x, w, y);
    const bool ok = y(0, 0) == -3.0f && y(0, 1) == -2.0f && second() == 3;
    std::printf("consumer: y = [%g, %g] %s\n", double(y(0, 0)), double(y(0, 1)), ok ? "ok" : "WRONG");
    return ok ? 0 : 1;
}

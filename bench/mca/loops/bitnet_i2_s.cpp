// bitnet.cpp's I2_S x int8 dot product (2-bit codes, one row), compiled from a BitNet
// checkout against ggml's headers (not part of bitla): its NEON loop with dotprod.
// mca: name="bitnet.cpp I2_S" function=ggml_vec_dot_i2_i8_s_1x1 march=armv8.2-a+dotprod marker=sdot weights=16 needs=bitnet
// GCC 12 for aarch64 stops with an internal error vectorising the file's quantizer (a
// double fmax reduction); that function is not measured, so only it loses -ftree-vectorize.
#define quantize_i2_s __attribute__((optimize("no-tree-vectorize"))) quantize_i2_s
#include "src/ggml-bitnet-mad.cpp"

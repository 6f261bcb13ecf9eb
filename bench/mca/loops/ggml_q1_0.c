// ggml's Q1_0 x Q8_0 dot product (sign bits, 128 per block), compiled from a ggml checkout
// (not part of bitla): its NEON loop with dotprod.
// mca: name="ggml Q1_0" function=ggml_vec_dot_q1_0_q8_0 march=armv8.2-a+dotprod marker=sdot weights=16 needs=ggml
#include "ggml-cpu/arch/arm/quants.c"

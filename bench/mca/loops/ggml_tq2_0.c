// ggml's TQ2_0 x Q8_K dot product (2-bit ternary codes, 256 per block), compiled from a
// ggml checkout (not part of bitla): its NEON loop with dotprod.
// mca: name="ggml TQ2_0" function=ggml_vec_dot_tq2_0_q8_K march=armv8.2-a+dotprod marker=sdot weights=16 needs=ggml
#include "ggml-cpu/arch/arm/quants.c"

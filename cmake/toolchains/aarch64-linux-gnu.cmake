# Cross-compiling for aarch64 Linux on a Debian x86-64 machine: Debian's g++-aarch64-linux-gnu,
# the arm64 packages of bitla's dependencies installed as multiarch (.ci/deps aarch64), and
# qemu-aarch64 (qemu-user) to run what is built: ctest runs every test under it. qemu's
# default CPU model executes NEON, dotprod and i8mm, so every aarch64 ISA level runs.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
find_program(BITLA_QEMU_AARCH64 qemu-aarch64 REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR ${BITLA_QEMU_AARCH64})

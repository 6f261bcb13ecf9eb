# Finds Debian's xsimd 8.1. Its exported target is `xsimd` (no namespace) and it links a
# library `xtl` that Debian does not ship; an empty INTERFACE IMPORTED `xtl` target
# satisfies that link. Used by bitla's build and by the installed bitlaConfig.cmake.
if(NOT TARGET xtl)
  add_library(xtl INTERFACE IMPORTED)
endif()
if(NOT TARGET xsimd)
  find_package(xsimd 8 REQUIRED)
endif()

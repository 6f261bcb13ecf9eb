# Finds Debian's xsimd 8.1. Its exported target is `xsimd` (no namespace), and its interface
# links `xtl`, a header-only library that Debian's package neither ships nor finds. xsimd
# needs xtl only when a user defines XSIMD_ENABLE_XTL_COMPLEX, which bitla does not, so when
# no `xtl` target exists the link is dropped from xsimd's interface instead of being
# satisfied by an empty stand-in target (which would shadow a real xtl found later).
# Used by bitla's build and by the installed bitlaConfig.cmake.
if(NOT TARGET xsimd)
  find_package(xsimd 8 REQUIRED)
endif()
if(NOT TARGET xtl)
  get_target_property(_bitla_xsimd_links xsimd INTERFACE_LINK_LIBRARIES)
  if(_bitla_xsimd_links AND "xtl" IN_LIST _bitla_xsimd_links)
    list(REMOVE_ITEM _bitla_xsimd_links xtl)
    set_property(TARGET xsimd PROPERTY INTERFACE_LINK_LIBRARIES "${_bitla_xsimd_links}")
  endif()
  unset(_bitla_xsimd_links)
endif()

# Warnings live on an INTERFACE target that our own targets link PRIVATE, so they never
# leak to consumers of atman_core and never touch third-party code.
add_library(atman_warnings INTERFACE)
target_compile_options(atman_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                                -Wno-unused-parameter)
if(ATMAN_WERROR)
  target_compile_options(atman_warnings INTERFACE -Werror)
endif()

# ATMAN_SANITIZERS, e.g. "address;undefined", instruments our targets only.
add_library(atman_sanitizers INTERFACE)
if(ATMAN_SANITIZERS)
  list(JOIN ATMAN_SANITIZERS "," _atman_sanitizer_list)
  target_compile_options(atman_sanitizers INTERFACE -fsanitize=${_atman_sanitizer_list} -fno-omit-frame-pointer)
  target_link_options(atman_sanitizers INTERFACE -fsanitize=${_atman_sanitizer_list})
endif()

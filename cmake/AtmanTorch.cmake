# What the libtorch found by find_package(Torch) needs and offers:
#   ATMAN_TORCH_IS_SYSTEM  Debian's libtorch under /usr (it reaches BLAS through libblas.so.3)
#   ATMAN_CXX_STANDARD     17, or 20 where libtorch's headers require it (2.13 and later)
#   ATMAN_WITH_CUDA        libtorch has CUDA; atman_cuda (INTERFACE) then links what
#                          src/device/cuda_backend.cpp calls, and keeps libtorch_cuda loaded.
#   ATMAN_SDPA_USABLE      `--attention fused` can call libtorch's scaled_dot_product_attention
if(TORCH_INSTALL_PREFIX MATCHES "^/usr/?$")
  set(ATMAN_TORCH_IS_SYSTEM ON)
else()
  set(ATMAN_TORCH_IS_SYSTEM OFF)
endif()

set(ATMAN_CXX_STANDARD 17)
if(DEFINED Torch_VERSION AND Torch_VERSION VERSION_GREATER_EQUAL 2.13)
  set(ATMAN_CXX_STANDARD 20)
endif()

set(ATMAN_WITH_CUDA OFF)
if(TARGET torch_cuda OR TARGET c10_cuda OR TORCH_CUDA_LIBRARIES)
  set(ATMAN_WITH_CUDA ON)
endif()

add_library(atman_cuda INTERFACE)
if(ATMAN_WITH_CUDA)
  if(NOT TARGET CUDA::cudart)
    find_package(CUDAToolkit REQUIRED)
  endif()
  find_library(ATMAN_C10_CUDA_LIBRARY c10_cuda PATHS "${TORCH_INSTALL_PREFIX}/lib" NO_DEFAULT_PATH REQUIRED)
  find_library(ATMAN_TORCH_CUDA_LIBRARY torch_cuda PATHS "${TORCH_INSTALL_PREFIX}/lib" NO_DEFAULT_PATH REQUIRED)
  # Nothing of ours calls into libtorch_cuda directly, yet it must load: it registers the CUDA
  # kernels. --no-as-needed keeps the linker from dropping it.
  target_link_libraries(atman_cuda INTERFACE CUDA::cudart ${ATMAN_C10_CUDA_LIBRARY}
                                             "-Wl,--push-state,--no-as-needed" ${ATMAN_TORCH_CUDA_LIBRARY}
                                             "-Wl,--pop-state")
  target_compile_definitions(atman_cuda INTERFACE ATMAN_WITH_CUDA)
endif()
message(STATUS "atman: libtorch ${Torch_VERSION} at ${TORCH_INSTALL_PREFIX}, CUDA ${ATMAN_WITH_CUDA}, "
               "C++${ATMAN_CXX_STANDARD}")

# scaled_dot_product_attention exists from libtorch 2.0, and its signature has changed since. The
# one file that calls it is compiled here first: where that fails, `--attention fused` computes
# the same with tensors and the rest of atman still builds (no CPU build here has a libtorch 2.x).
set(ATMAN_SDPA_USABLE OFF)
if(ATMAN_NATIVE_SDPA AND DEFINED Torch_VERSION AND Torch_VERSION VERSION_GREATER_EQUAL 2.0)
  # Compiled, not linked: torch's headers and flags suffice. Linking the imported target `torch`
  # would copy its link interface into the test project, where CMake 4 rejects the protobuf
  # target that PyTorch's torch_cpu names but does not define.
  set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
  separate_arguments(ATMAN_TORCH_FLAGS UNIX_COMMAND "${TORCH_CXX_FLAGS}")
  try_compile(ATMAN_SDPA_COMPILES ${CMAKE_BINARY_DIR}/sdpa-check
              SOURCES ${PROJECT_SOURCE_DIR}/src/model/fused_attention.cpp
              CMAKE_FLAGS "-DINCLUDE_DIRECTORIES=${TORCH_INCLUDE_DIRS}"
              COMPILE_DEFINITIONS ${ATMAN_TORCH_FLAGS}
              CXX_STANDARD ${ATMAN_CXX_STANDARD}
              OUTPUT_VARIABLE ATMAN_SDPA_CHECK_LOG)
  unset(CMAKE_TRY_COMPILE_TARGET_TYPE)
  if(ATMAN_SDPA_COMPILES)
    set(ATMAN_SDPA_USABLE ON)
  else()
    string(REGEX MATCH "[^\n]*error[^\n]*" ATMAN_SDPA_FIRST_ERROR "${ATMAN_SDPA_CHECK_LOG}")
    message(WARNING "atman: src/model/fused_attention.cpp does not compile against libtorch ${Torch_VERSION} "
                    "(${ATMAN_SDPA_FIRST_ERROR}): --attention fused falls back to tensor arithmetic")
  endif()
endif()
message(STATUS "atman: --attention fused through scaled_dot_product_attention: ${ATMAN_SDPA_USABLE}")

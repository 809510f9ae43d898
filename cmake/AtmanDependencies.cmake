# Every dependency comes from Debian packages (tools/setup.sh installs them); libtorch may also
# be another one (tools/setup.sh --torch DIR: a libtorch zip or the torch Python package).
find_package(Torch REQUIRED)
include(AtmanTorch)
find_package(nlohmann_json 3 REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SENTENCEPIECE REQUIRED IMPORTED_TARGET sentencepiece)
# tokenizer.json: PCRE2 runs the pre-tokenizers' Unicode regexes, utf8proc normalises (NFC, ...).
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)

# libtorch reaches BLAS through the libblas.so.3 alternative, which may be Debian's
# reference BLAS (over ten times slower). Linking OpenBLAS directly, ahead of libtorch,
# makes the dynamic linker bind sgemm_ and friends to OpenBLAS whatever the alternative says.
# Other libtorch builds (PyTorch's own) bring MKL or OpenBLAS inside: there OpenBLAS is optional.
add_library(atman_openblas INTERFACE)
if(ATMAN_TORCH_IS_SYSTEM)
  find_library(OPENBLAS_LIBRARY NAMES openblas REQUIRED)
else()
  find_library(OPENBLAS_LIBRARY NAMES openblas)
endif()
if(OPENBLAS_LIBRARY)
  target_link_libraries(atman_openblas INTERFACE "-Wl,--push-state,--no-as-needed" ${OPENBLAS_LIBRARY}
                                                 "-Wl,--pop-state")
endif()

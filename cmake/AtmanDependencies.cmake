# Every dependency comes from Debian packages (tools/setup.sh installs them).
find_package(Torch REQUIRED)
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
find_library(OPENBLAS_LIBRARY NAMES openblas REQUIRED)
add_library(atman_openblas INTERFACE)
target_link_libraries(atman_openblas INTERFACE "-Wl,--push-state,--no-as-needed" ${OPENBLAS_LIBRARY}
                                               "-Wl,--pop-state")

#pragma once
// Finds a file atman ships (the embedded model, the SentencePiece shim) whether the executable
// runs from the build tree or from an installed prefix.
#include <filesystem>

namespace atman {

// <dir of executable>/../`installed_relative` when it exists (an installed prefix: bin/ beside
// share/ and lib/), else the build-tree path `built`.
std::filesystem::path installed_or_built(const std::filesystem::path& installed_relative,
                                         const std::filesystem::path& built);

}  // namespace atman

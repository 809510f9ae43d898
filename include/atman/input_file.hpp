#pragma once
// Opening the files users name as input (prompts, JSONL data sets, shard outputs) so that a
// wrong path fails with one clear message: a directory is refused by name, and whole-file reads
// stop at a size cap, so /dev/zero or a runaway pipe ends in an error instead of exhausting memory.
#include <cstdint>
#include <fstream>
#include <string>

namespace atman {

// Largest prompt or target file: far beyond any context window, small enough to hold in memory.
inline constexpr int64_t kMaxTextFileBytes = int64_t{64} << 20;

// Throws atman::Error "<what>: '<path>' is a directory" or "<what>: cannot read '<path>'".
// Regular files, FIFOs and character devices (/dev/stdin) pass.
void require_readable_file(const std::string& path, const std::string& what);

// The whole file, refused when it holds more than `max_bytes`.
std::string read_file_capped(const std::string& path, const std::string& what, int64_t max_bytes);

// An input stream of `path` after require_readable_file().
std::ifstream open_input_file(const std::string& path, const std::string& what);

}  // namespace atman

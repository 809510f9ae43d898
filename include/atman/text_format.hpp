#pragma once
// Small text helpers shared by the writers of reports (text, HTML, JUnit XML, eval report)
// and by messages that quote numbers.
#include <cstdint>
#include <string>

namespace atman {

// `v` in fixed notation with `precision` decimals ("nan"/"inf" as the stream prints them).
std::string format_fixed(double v, int precision);

// `v` as a user wrote it, in messages about option values: "150", "0.7", "1e-05" rather than
// std::to_string's "150.000000" (up to 9 significant digits).
std::string format_number(double v);

// A memory size in binary units with one decimal: "160.0 MiB", "4.6 GiB".
std::string format_bytes(int64_t bytes);

// Text safe inside HTML or XML elements and attribute values: & < > " ' escaped, and control
// characters other than tab, newline and carriage return (not allowed in XML 1.0) as spaces.
std::string escape_markup(const std::string& text);

// Text safe to print on a terminal: control characters (C0, DEL, C1) as \n, \t, \r or \xNN,
// so untrusted text cannot move the cursor, clear the screen or ring the bell. With
// `keep_line_breaks`, newlines and tabs stay as they are (running text rather than a table cell).
std::string escape_control_characters(const std::string& text, bool keep_line_breaks = false);

}  // namespace atman

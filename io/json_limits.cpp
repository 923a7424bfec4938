// Bounded JSON parsing and short excerpts (io/json_limits.h).
#include "io/json_limits.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "tensor/error.h"

namespace murine {

namespace {

// The deepest nesting of arrays and objects in `text`, outside strings; throws at the first byte
// that goes past `max_depth`. A linear scan: strings (with their escapes) are skipped.
void check_depth(std::string_view text, const std::string& what, int max_depth) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      MURINE_CHECK(++depth <= max_depth, what << ": JSON nested deeper than " << max_depth
                                              << " levels (at byte " << i << ")");
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
}

}  // namespace

nlohmann::json parse_json(std::string_view text, const std::string& what, const JsonLimits& limits) {
  MURINE_CHECK(text.size() <= limits.max_bytes, what << ": JSON of " << text.size()
                                                     << " bytes exceeds the limit of " << limits.max_bytes << " bytes");
  check_depth(text, what, limits.max_depth);
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() quotes the last token read, which may be any length of the file: name the byte only
    MURINE_CHECK(false, what << ": not valid JSON (syntax error near byte " << e.byte << " of " << text.size() << ")");
  } catch (const nlohmann::json::exception& e) {
    // out_of_range 406: a number beyond a double (1e400); its what() quotes the number, of any length
    MURINE_CHECK(false, what << ": not valid JSON (a number out of range, or another error of kind " << e.id << ")");
  }
  return {};
}

nlohmann::json read_json_file(const std::string& path, const JsonLimits& limits) {
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  MURINE_CHECK(!ec, "'" << path << "': cannot read: " << ec.message());
  MURINE_CHECK(size <= limits.max_bytes, "'" << path << "': " << size << " bytes exceeds the limit of "
                                              << limits.max_bytes << " bytes for a JSON file");
  std::ifstream in(path, std::ios::binary);
  MURINE_CHECK(in, "'" << path << "': cannot open: " << std::strerror(errno));
  std::string text((size_t)size, '\0');
  in.read(text.data(), (std::streamsize)size);
  MURINE_CHECK((uintmax_t)in.gcount() == size, "'" << path << "': short read");
  return parse_json(text, "'" + path + "'", limits);
}

namespace {

// `text` cut to at most `max_chars` bytes, not inside a UTF-8 character, with "…" and the full size.
std::string cut(std::string_view text, size_t max_chars) {
  if (text.size() <= max_chars) return std::string(text);
  size_t end = max_chars;
  while (end > 0 && ((unsigned char)text[end] & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "… (" + std::to_string(text.size()) + " characters)";
}

}  // namespace

std::string text_excerpt(std::string_view text, size_t max_chars) { return "'" + cut(text, max_chars) + "'"; }

std::string json_excerpt(const nlohmann::json& value, size_t max_chars) {
  if (value.is_array()) return "an array of " + std::to_string(value.size()) + " elements";
  if (value.is_object()) return "an object of " + std::to_string(value.size()) + " keys";
  if (value.is_binary()) return "binary data";
  return cut(value.dump(), max_chars);  // a scalar: no recursion
}

}  // namespace murine

// JSON read from files, bounded: every JSON murine parses from a file (safetensors headers, the run
// config inside a checkpoint, config.json, case.json, experiment files) goes through parse_json, which
// refuses text beyond a size limit and values nested deeper than a depth limit *before* nlohmann::json
// parses it (its parser recurses once per level, so a few hundred thousand '[' overflow the stack), and
// reports a syntax error by its byte offset without quoting the file. json_excerpt gives error messages
// a short description of a value taken from a file instead of its dump().
#pragma once
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace murine {

struct JsonLimits {
  size_t max_bytes = size_t(1) << 20;  // the text's size
  int max_depth = 32;                  // arrays and objects inside each other
};

// Parses `text` (from the file or field named by `what`, e.g. "checkpoint 'a.safetensors': config")
// under `limits`. Throws murine::Error naming `what` and the size, the depth and where it was
// exceeded, or the byte offset of a syntax error.
nlohmann::json parse_json(std::string_view text, const std::string& what, const JsonLimits& limits = {});

// Reads a whole file of at most `max_bytes` (checked before reading) and parses it with parse_json.
nlohmann::json read_json_file(const std::string& path, const JsonLimits& limits = {});

// A value for an error message, at most about `max_chars` characters: containers by kind and size
// ("an array of 3 elements", "an object of 2 keys"), strings and numbers as JSON, cut with "…".
std::string json_excerpt(const nlohmann::json& value, size_t max_chars = 40);

// A name or text taken from a file, for an error message: quoted, cut to `max_chars` with "…".
std::string text_excerpt(std::string_view text, size_t max_chars = 60);

}  // namespace murine

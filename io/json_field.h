// Reading one field of a JSON object taken from a file, strictly: nlohmann's get<T>() would turn 8.5
// into 8, -1 into 2^64 - 1 and "8" into an exception that names no key. read_json_field checks the
// JSON type against the C++ type first — an integer field takes only an integer within its range, a
// number field any number, a flag a boolean, a string a string, a list of integers just that — and
// its errors name `what` (e.g. "model config") and the key, with a short excerpt of the value.
#pragma once
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>
#include <vector>

#include "io/json_limits.h"
#include "tensor/error.h"

namespace murine {

// Reads j[key] into `value`. A missing key leaves `value` as it is, or, when `required`, is an error.
template <typename T>
void read_json_field(const nlohmann::json& j, const char* key, T& value, const std::string& what, bool required = false) {
  MURINE_CHECK(j.is_object(), what << ": expected a JSON object, got " << json_excerpt(j));
  if (!j.contains(key)) {
    MURINE_CHECK(!required, what << ": key '" << key << "' is missing");
    return;
  }
  const nlohmann::json& v = j.at(key);
  auto integer_fits = [](const nlohmann::json& e, auto lo, auto hi) {
    if (e.is_number_unsigned()) return e.get<uint64_t>() <= (uint64_t)hi;
    if (!e.is_number_integer()) return false;
    const int64_t x = e.get<int64_t>();
    return x < 0 ? x >= (int64_t)lo : (uint64_t)x <= (uint64_t)hi;
  };
  const char* expected = nullptr;
  if constexpr (std::is_same_v<T, bool>) {
    if (!v.is_boolean()) expected = "a boolean";
  } else if constexpr (std::is_integral_v<T>) {
    if (!integer_fits(v, std::numeric_limits<T>::min(), std::numeric_limits<T>::max()))
      expected = std::is_signed_v<T> ? "an integer (within its 64- or 32-bit range)" : "a non-negative integer";
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!v.is_number()) expected = "a number";
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!v.is_string()) expected = "a string";
  } else {
    static_assert(std::is_same_v<T, std::vector<int64_t>>, "read_json_field: unsupported field type");
    bool ok = v.is_array();
    if (ok)
      for (const nlohmann::json& e : v) ok = ok && integer_fits(e, INT64_MIN, INT64_MAX);
    if (!ok) expected = "a list of integers";
  }
  MURINE_CHECK(!expected, what << ": key '" << key << "' must be " << expected << ", got " << json_excerpt(v));
  value = v.get<T>();
}

}  // namespace murine

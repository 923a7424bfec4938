// The fields of a reference case's case.json (tests/reference/README.md), checked before a case is
// built: each known key has one JSON type and, for numbers, bounds, so a float where an integer is
// expected, a negative or absurd count (power_iterations 1e9), a non-finite number or a tolerance that
// would pass anything is an error naming the key, instead of being truncated or run for hours.
#pragma once
#include <nlohmann/json.hpp>

namespace murine {

// Throws murine::Error "case.json: 'KEY' must be …, got …" (a short excerpt) for the first bad field.
// Keys it does not know are left to the layer builders (which ignore what they do not read).
void check_case_fields(const nlohmann::json& c);

}  // namespace murine

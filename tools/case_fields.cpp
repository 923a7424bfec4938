// The field checks of case.json (tools/case_fields.h).
#include "tools/case_fields.h"

#include <cmath>
#include <string>

#include "io/json_limits.h"
#include "tensor/error.h"

namespace murine {

namespace {

using json = nlohmann::json;

// Sizes and counts: channels, features, groups, kernel sizes, strides, grid widths.
constexpr int64_t kMaxSize = int64_t(1) << 20;

enum class Kind { Integer, Number, Boolean, String, IntegerOrPair, PairOrString };

struct Field {
  const char* key;
  Kind kind;
  double lo, hi;  // bounds of numbers (each integer of a pair)
};

// Every key a builder in tools/reference_case.cpp reads, with its type and bounds.
constexpr Field kFields[] = {
    {"layer", Kind::String, 0, 0},
    {"wrapped_layer", Kind::String, 0, 0},
    {"form", Kind::String, 0, 0},
    {"interpolation", Kind::String, 0, 0},
    {"in_features", Kind::Integer, 1, kMaxSize},
    {"out_features", Kind::Integer, 1, kMaxSize},
    {"in_channels", Kind::Integer, 1, kMaxSize},
    {"out_channels", Kind::Integer, 1, kMaxSize},
    {"num_features", Kind::Integer, 1, kMaxSize},
    {"num_channels", Kind::Integer, 1, kMaxSize},
    {"groups", Kind::Integer, 1, kMaxSize},
    {"input2d_width", Kind::Integer, 0, kMaxSize},
    {"output2d_width", Kind::Integer, 0, kMaxSize},
    {"power_iterations", Kind::Integer, 0, 100},
    {"kernel_size", Kind::IntegerOrPair, 1, 1024},
    {"pool_size", Kind::IntegerOrPair, 1, 1024},
    {"size", Kind::IntegerOrPair, 1, 1024},
    {"stride", Kind::IntegerOrPair, 1, 1024},
    {"strides", Kind::IntegerOrPair, 1, 1024},
    {"dilation", Kind::IntegerOrPair, 1, 1024},
    {"output_padding", Kind::IntegerOrPair, 0, 1024},
    {"padding", Kind::PairOrString, 0, 1024},
    {"window2d_width", Kind::Number, 0, 1e3},
    {"param_reduction", Kind::Number, 0, 1},
    {"halfbandwidth", Kind::Number, 0, 1e9},
    {"eps", Kind::Number, 0, 1},
    {"epsilon", Kind::Number, 0, 1},
    {"momentum", Kind::Number, 0, 1},
    {"usage_percent", Kind::Number, 0, 100},
    {"tolerance", Kind::Number, 0, 1},
    {"bias", Kind::Boolean, 0, 0},
    {"center", Kind::Boolean, 0, 0},
    {"scale", Kind::Boolean, 0, 0},
    {"ceil_mode", Kind::Boolean, 0, 0},
    {"keepdims", Kind::Boolean, 0, 0},
    {"training", Kind::Boolean, 0, 0},
    {"window_given", Kind::Boolean, 0, 0},
};

bool integer_in(const json& v, double lo, double hi) {
  if (!v.is_number_integer()) return false;
  if (v.is_number_unsigned()) return (double)v.get<uint64_t>() <= hi && (double)v.get<uint64_t>() >= lo;
  const int64_t i = v.get<int64_t>();
  return (double)i >= lo && (double)i <= hi;
}

bool pair_in(const json& v, double lo, double hi) {
  return v.is_array() && v.size() == 2 && integer_in(v[0], lo, hi) && integer_in(v[1], lo, hi);
}

std::string range(const Field& f) {
  auto n = [](double x) { return x == std::floor(x) && std::fabs(x) < 1e15 ? std::to_string((int64_t)x) : std::to_string(x); };
  return "[" + n(f.lo) + ", " + n(f.hi) + "]";
}

}  // namespace

void check_case_fields(const json& c) {
  MURINE_CHECK(c.is_object(), "case.json: expected a JSON object, got " << json_excerpt(c));
  for (const Field& f : kFields) {
    if (!c.contains(f.key)) continue;
    const json& v = c.at(f.key);
    std::string expected;
    switch (f.kind) {
      case Kind::String:
        if (!v.is_string()) expected = "a string";
        break;
      case Kind::Boolean:
        if (!v.is_boolean()) expected = "true or false";
        break;
      case Kind::Integer:
        if (!integer_in(v, f.lo, f.hi)) expected = "an integer in " + range(f);
        break;
      case Kind::Number:
        if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < f.lo || v.get<double>() > f.hi)
          expected = "a finite number in " + range(f);
        break;
      case Kind::IntegerOrPair:
        if (!integer_in(v, f.lo, f.hi) && !pair_in(v, f.lo, f.hi))
          expected = "an integer or [h, w] of integers in " + range(f);
        break;
      case Kind::PairOrString:
        if (!v.is_string() && !integer_in(v, f.lo, f.hi) && !pair_in(v, f.lo, f.hi))
          expected = "\"same\"/\"valid\", an integer or [h, w] of integers in " + range(f);
        break;
    }
    MURINE_CHECK(expected.empty(), "case.json: '" << f.key << "' must be " << expected << ", got " << json_excerpt(v));
  }
}

}  // namespace murine

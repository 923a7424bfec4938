// JSON read from files is bounded (io/json_limits.h): depth and size are checked before nlohmann
// parses (a deep value used to overflow the stack), syntax errors name a byte offset instead of
// quoting the file, and error messages show short excerpts; case.json's fields are type- and
// range-checked (tools/case_fields.h); model configs refuse a float for an integer; and a checkpoint
// with NaN or Inf weights is named when sampled or resumed (train/checkpoint.h check_finite).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "io/json_field.h"
#include "io/json_limits.h"
#include "io/safetensors.h"
#include "models/trainable.h"
#include "tests/expect_error.h"
#include "tests/io_test_helpers.h"
#include "tools/case_fields.h"
#include "train/checkpoint.h"
#include "train/classifier_trainer.h"

namespace murine {
namespace {

using nlohmann::json;
using testing::expect_error;

// A safetensors file whose header is exactly `header` (8-byte little-endian length, then the text).
std::string safetensors_with_header(const std::string& name, const std::string& header) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = (char)((header.size() >> (8 * i)) & 0xFF);
  const std::string path = io_test::temp_path(name);
  io_test::write_file(path, bytes + header);
  return path;
}

TEST(JsonLimits, DeepNestingIsRefusedBeforeParsing) {
  const std::string deep(200000, '[');  // what overflowed the stack inside nlohmann::json::parse
  expect_error([&] { parse_json(deep, "test input"); }, {"test input", "nested deeper than 32 levels", "at byte 32"});
  expect_error([&] { parse_json(std::string(40, '{'), "x", {1 << 20, 40}); }, {"x: not valid JSON"});
  // brackets inside strings do not count
  const json j = parse_json("[\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"[[[[[[\"]", "x", {1 << 20, 2});
  EXPECT_NE(j[0].get<std::string>().find("\"[[[[[["), std::string::npos);
}

TEST(JsonLimits, SizeLimitAndSyntaxErrorsDoNotQuoteTheFile) {
  expect_error([&] { parse_json(std::string(2000, ' '), "cfg", {1000, 8}); }, {"cfg", "2000 bytes", "limit of 1000"});
  const std::string secret = "{\"a\": " + std::string(100000, 'x') + "}";
  try {
    parse_json(secret, "cfg");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("syntax error near byte"), std::string::npos) << m;
    EXPECT_EQ(m.find("xxxxxxxx"), std::string::npos) << "the message quotes the file";
    EXPECT_LT(m.size(), 200u);
  }
}

// A number beyond a double makes nlohmann throw out_of_range, not parse_error (a fuzz finding: it
// escaped the readers as a foreign exception); it is a murine::Error that does not quote the number.
TEST(JsonLimits, NumbersBeyondADoubleAreErrorsNotForeignExceptions) {
  const std::string huge = "{\"w\": 7" + std::string(3000, '7') + "e23222}";
  expect_error([&] { parse_json(huge, "cfg"); }, {"cfg", "not valid JSON", "number out of range"});
  try {
    parse_json(huge, "cfg");
  } catch (const Error& e) {
    EXPECT_LT(std::string(e.what()).size(), 200u);
  }
  const std::string path = safetensors_with_header("huge_number.safetensors", "{\"w\":1e99999}");
  expect_error([&] { read_safetensors_metadata(path); }, {path, "number out of range"});
}

TEST(JsonLimits, ExcerptsAreShort) {
  EXPECT_EQ(json_excerpt(json::array({1, 2, 3})), "an array of 3 elements");
  EXPECT_EQ(json_excerpt(json{{"a", 1}, {"b", 2}}), "an object of 2 keys");
  EXPECT_EQ(json_excerpt(json(2.5)), "2.5");
  const std::string e = json_excerpt(json(std::string(10'000'000, 'y')));
  EXPECT_LT(e.size(), 80u);
  EXPECT_NE(e.find("10000002 characters"), std::string::npos) << e;  // with its quotes
  EXPECT_LT(text_excerpt(std::string(5000, 'n')).size(), 100u);
}

TEST(JsonLimits, SafetensorsHeadersAreBounded) {
  const std::string deep = safetensors_with_header("deep.safetensors", std::string(200000, '['));
  expect_error([&] { read_safetensors(deep); }, {"read_safetensors", "deep.safetensors", "nested deeper"});
  // a 1 MB dtype string and a 1 MB tensor name: the message quotes neither in full
  const std::string big = std::string(1 << 20, 'Q');
  const std::string path = safetensors_with_header(
      "big.safetensors", "{\"" + big + "\": {\"dtype\": \"" + big + "\", \"shape\": [1], \"data_offsets\": [0, 4]}}");
  try {
    read_safetensors(path);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_LT(std::string(e.what()).size(), 400u) << std::string(e.what()).substr(0, 400);
  }
  const std::string shape = safetensors_with_header(
      "shape.safetensors", "{\"t\": {\"dtype\": \"F32\", \"shape\": [[1]], \"data_offsets\": [0, 4]}}");
  expect_error([&] { read_safetensors(shape); }, {"shape must be a non-negative integer, got an array of 1 elements"});
}

TEST(JsonLimits, CheckpointConfigsAreBounded) {
  Checkpoint c;
  c.architecture = "mlp";
  c.config_json = std::string(100000, '[');
  const std::string path = io_test::temp_path("deep_config.safetensors");
  save_checkpoint(path, c);
  expect_error([&] { load_classifier(path, Device::CPU); }, {"load_classifier", "deep_config.safetensors", "nested deeper"});
}

TEST(JsonLimits, ModelConfigFieldsAreTypeChecked) {
  expect_error([] { ModelConfig::from_json(json{{"ngf", 2.5}}); }, {"'ngf' must be an integer", "2.5"});
  expect_error([] { ModelConfig::from_json(json{{"widths", json::array({16, 32.5})}}); }, {"'widths'", "list of integers"});
  expect_error([] { ModelConfig::from_json(json{{"standard", 1}}); }, {"'standard' must be a boolean"});
  expect_error([] { ModelConfig::from_json(json{{"model", 5}}); }, {"'model' must be a string"});
  EXPECT_EQ(ModelConfig::from_json(json{{"ngf", 16}, {"lr", 1}}).ngf, 16);  // an integer is a number too
}

// A diverged run's weights are named when sampling or resuming, not turned into black pictures.
TEST(CheckpointValues, NonFiniteWeightsAreNamed) {
  Checkpoint c;
  c.architecture = "x";
  Tensor w = Tensor::empty({3});
  w.data()[0] = 1.0f, w.data()[1] = std::nanf(""), w.data()[2] = INFINITY;
  c.parts["generator"]["main.0.weight"] = w;
  c.parts["generator"]["main.0.bias"] = Tensor::empty({0});
  expect_error([&] { check_finite(c, "ck.safetensors"); },
               {"ck.safetensors", "generator/main.0.weight", "2 non-finite values", "of 3"});
  w.data()[1] = w.data()[2] = 0.5f;
  EXPECT_NO_THROW(check_finite(c, "ck.safetensors"));
}

TEST(CaseFields, TypesAndBoundsNameTheKey) {
  expect_error([] { check_case_fields(json{{"power_iterations", 1000000000}}); }, {"'power_iterations'", "[0, 100]"});
  expect_error([] { check_case_fields(json{{"in_features", 2.5}}); }, {"'in_features' must be an integer", "2.5"});
  expect_error([] { check_case_fields(json{{"tolerance", 1e300}}); }, {"'tolerance' must be a finite number in [0, 1]"});
  expect_error([] { check_case_fields(json{{"kernel_size", json::array({3, 3, 3})}}); }, {"'kernel_size'", "an array of 3"});
  expect_error([] { check_case_fields(json{{"bias", "yes"}}); }, {"'bias' must be true or false"});
  expect_error([] { check_case_fields(json::array()); }, {"case.json: expected a JSON object"});
  EXPECT_NO_THROW(check_case_fields(json{{"layer", "Conv2d"}, {"padding", "same"}, {"kernel_size", json::array({3, 1})},
                                         {"stride", 2}, {"tolerance", 1e-5}, {"bias", false}, {"unknown_key", 7}}));
}

// read_json_field: the JSON type must be the field's, integers within the field's range; nothing is
// truncated or wrapped the way nlohmann's get<T>() would.
TEST(JsonField, TypesAndRangesAreCheckedNotConverted) {
  const json j = json::parse(R"({"n": 8, "f": 8.5, "neg": -1, "big": 3000000000, "s": "8", "b": true, "l": [1, 2.5]})");
  int64_t n = 0;
  read_json_field(j, "n", n, "cfg");
  EXPECT_EQ(n, 8);
  expect_error([&] { read_json_field(j, "f", n, "cfg"); }, {"cfg: key 'f' must be an integer", "8.5"});
  expect_error([&] { read_json_field(j, "s", n, "cfg"); }, {"key 's'", "\"8\""});
  int32_t small = 0;
  expect_error([&] { read_json_field(j, "big", small, "cfg"); }, {"key 'big'", "3000000000"});
  uint64_t u = 0;
  expect_error([&] { read_json_field(j, "neg", u, "cfg"); }, {"key 'neg'", "non-negative"});
  bool flag = false;
  expect_error([&] { read_json_field(j, "n", flag, "cfg"); }, {"key 'n' must be a boolean"});
  std::vector<int64_t> list;
  expect_error([&] { read_json_field(j, "l", list, "cfg"); }, {"key 'l' must be a list of integers"});
  double x = 0;
  read_json_field(j, "n", x, "cfg");
  EXPECT_EQ(x, 8.0);
  read_json_field(j, "absent", x, "cfg");  // optional: left as it is
  EXPECT_EQ(x, 8.0);
  expect_error([&] { read_json_field(j, "absent", x, "cfg", true); }, {"cfg: key 'absent' is missing"});
}

}  // namespace
}  // namespace murine

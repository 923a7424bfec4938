// safetensors files: the Python package's files read back exactly and written byte for byte the
// same, round trips of every dtype and shape with metadata, float32 Tensor conversion, and clear
// errors (never a crash) for unsupported or garbled files.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "autograd/ops.h"
#include "io/safetensors.h"
#include "tensor/backend.h"
#include "tests/io_test_helpers.h"

using namespace murine;
using namespace murine::io_test;

namespace {

// A safetensors file: little-endian u64 length, the header text as given, then the data.
std::string safetensors_bytes(const std::string& header, const std::string& data) {
  std::string out;
  for (int i = 0; i < 8; ++i) out += (char)(((uint64_t)header.size() >> (8 * i)) & 0xff);
  return out + header + data;
}

// The arrays of tests/fixtures/io/mixed.safetensors (see gen_io_fixtures.py).
std::map<std::string, HostArray> mixed_arrays() {
  return {
      {"weight", HostArray::from_vector(f4_values(6), {2, 3})},
      {"bias", HostArray::from_vector(f8_values(5), {5})},
      {"pixels", HostArray::from_vector(u1_values(8), {2, 2, 2})},
      {"indices", HostArray::from_vector(i8_values(6), {2, 3})},
      {"scalar", HostArray::from_vector(std::vector<float>{0.1f}, {})},
      {"empty", HostArray::from_vector(std::vector<float>{}, {0, 3})},
      {"empty_u8", HostArray::from_vector(std::vector<uint8_t>{}, {0})},
  };
}

void expect_same_arrays(const std::map<std::string, HostArray>& got,
                        const std::map<std::string, HostArray>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [name, w] : want) {
    ASSERT_TRUE(got.count(name)) << name;
    const HostArray& g = got.at(name);
    EXPECT_EQ(g.dtype, w.dtype) << name;
    EXPECT_EQ(g.shape, w.shape) << name;
    EXPECT_EQ(g.bytes, w.bytes) << name;
  }
}

}  // namespace

TEST(Safetensors, ReadsFilesWrittenByThePythonPackage) {
  const std::string path = fixture_path("mixed.safetensors");
  expect_same_arrays(read_safetensors(path), mixed_arrays());
  EXPECT_EQ(read_safetensors_metadata(path), (SafetensorsMetadata{{"format", "np"}}));
}

TEST(Safetensors, WritesExactlyWhatThePythonPackageWrites) {
  const std::string path = temp_path("mixed.safetensors");
  write_safetensors(path, mixed_arrays(), {{"format", "np"}});
  EXPECT_EQ(read_file(path), read_file(fixture_path("mixed.safetensors")));
}

TEST(Safetensors, RoundTripsEveryDtypeAndShapeWithMetadata) {
  const std::string path = temp_path("roundtrip.safetensors");
  std::map<std::string, HostArray> arrays;
  std::mt19937 rng(7);
  for (DType dtype : {DType::F32, DType::F64, DType::U8, DType::I64}) {
    for (const Shape& shape : {Shape{}, Shape{0}, Shape{3, 0, 2}, Shape{7}, Shape{2, 3, 4}}) {
      HostArray a{dtype, shape, std::vector<uint8_t>(numel(shape) * dtype_size(dtype))};
      for (uint8_t& b : a.bytes) b = (uint8_t)rng();  // any bit pattern, NaN payloads included
      arrays[std::string("layer.") + dtype_name(dtype) + shape_str(shape)] = a;
    }
  }
  const SafetensorsMetadata metadata = {{"format", "pt"}, {"note", "m\u00fcrine \u2713"}, {"", ""}};
  write_safetensors(path, arrays, metadata);
  expect_same_arrays(read_safetensors(path), arrays);
  EXPECT_EQ(read_safetensors_metadata(path), metadata);

  // Header padded to 8 bytes and tensors sorted by element size: every tensor is aligned.
  const std::string bytes = read_file(path);
  uint64_t header_length = 0;
  std::memcpy(&header_length, bytes.data(), 8);
  EXPECT_EQ(header_length % 8, 0u);
  const nlohmann::json header = nlohmann::json::parse(bytes.substr(8, header_length));
  for (const auto& [name, array] : arrays) {
    uint64_t begin = header.at(name).at("data_offsets").at(0).get<uint64_t>();
    EXPECT_EQ((8 + header_length + begin) % dtype_size(array.dtype), 0u) << name;
  }
}

TEST(Safetensors, NoMetadataWritesNoMetadataEntry) {
  const std::string path = temp_path("plain.safetensors");
  write_safetensors(path, {{"a", HostArray::from_vector(std::vector<float>{1, 2}, {2})}});
  const std::string bytes = read_file(path);
  EXPECT_EQ(bytes.substr(8, 56), R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}  )");
  EXPECT_TRUE(read_safetensors_metadata(path).empty());
}

TEST(Safetensors, TensorRoundTripIsExact) {
  const std::string path = temp_path("tensors.safetensors");
  const std::vector<float> values = {1.0f / 3.0f, -0.0f, 1e-45f, 3.4e38f, -7.25f, 0.1f};
  save_safetensors(path, {{"w", from_vector(values, {2, 3})}, {"s", scalar(4.5f)}}, {{"epoch", "3"}});
  std::map<std::string, Tensor> tensors = load_safetensors(path);
  ASSERT_EQ(tensors.size(), 2u);
  EXPECT_EQ(tensors["w"].shape(), (Shape{2, 3}));
  std::vector<float> back = tensors["w"].to_vector();
  EXPECT_EQ(std::memcmp(back.data(), values.data(), values.size() * sizeof(float)), 0);
  EXPECT_EQ(tensors["s"].shape(), Shape{});
  EXPECT_EQ(tensors["s"].item(), 4.5f);
  EXPECT_EQ(read_safetensors_metadata(path).at("epoch"), "3");
}

TEST(Safetensors, LoadConvertsEveryDtypeToFloat32) {
  std::map<std::string, Tensor> t = load_safetensors(fixture_path("mixed.safetensors"));
  EXPECT_EQ(t["weight"].to_vector(), f4_values(6));
  std::vector<float> expected;
  for (double v : f8_values(5)) expected.push_back((float)v);
  EXPECT_EQ(t["bias"].to_vector(), expected);
  expected.clear();
  for (uint8_t v : u1_values(8)) expected.push_back((float)v);
  EXPECT_EQ(t["pixels"].to_vector(), expected);
  expected.clear();
  for (int64_t v : i8_values(6)) expected.push_back((float)v);
  EXPECT_EQ(t["indices"].to_vector(), expected);
  EXPECT_EQ(t["empty"].shape(), (Shape{0, 3}));
}

TEST(Safetensors, LoadRejectsInt64BeyondFloat32Range) {
  const std::string path = temp_path("int64.safetensors");
  const int64_t limit = int64_t(1) << 24;  // float32 holds every integer up to 2^24
  write_safetensors(path, {{"ok", HostArray::from_vector(std::vector<int64_t>{-limit, limit}, {2})}});
  EXPECT_EQ(load_safetensors(path)["ok"].to_vector(), (std::vector<float>{-16777216.0f, 16777216.0f}));
  write_safetensors(path, {{"step", HostArray::from_vector(std::vector<int64_t>{0, limit + 1}, {2})}});
  expect_error([&] { load_safetensors(path); },
               {"load_safetensors", path, "tensor 'step'", "16777217 at flat index 1"});
}

TEST(Safetensors, CudaTensorsSaveAndLoad) {
  if (!device_available(Device::CUDA)) GTEST_SKIP() << "no CUDA device";
  const std::string path = temp_path("cuda.safetensors");
  save_safetensors(path, {{"weight", from_vector(f4_values(6), {2, 3}, Device::CUDA)}});
  std::map<std::string, Tensor> t = load_safetensors(path, Device::CUDA);
  EXPECT_EQ(t["weight"].device(), Device::CUDA);
  EXPECT_EQ(t["weight"].to_vector(), f4_values(6));
}

TEST(Safetensors, TruncatedFileIsAnError) {
  const std::string path = temp_path("truncated.safetensors");
  const std::string bytes = read_file(fixture_path("mixed.safetensors"));
  write_file(path, bytes.substr(0, bytes.size() - 1));
  expect_error([&] { read_safetensors(path); }, {path, "tensor 'pixels'", "out of range", "truncated"});
  write_file(path, bytes.substr(0, 100));
  expect_error([&] { read_safetensors(path); }, {path, "exceeds file size 100"});
  write_file(path, bytes.substr(0, 5));
  expect_error([&] { read_safetensors(path); }, {path, "too short"});
}

TEST(Safetensors, OversizedHeaderLengthIsAnError) {
  const std::string path = temp_path("oversized.safetensors");
  std::string bytes = read_file(fixture_path("mixed.safetensors"));
  const uint64_t huge = uint64_t(1) << 40;
  std::memcpy(bytes.data(), &huge, 8);
  write_file(path, bytes);
  expect_error([&] { read_safetensors(path); },
               {path, "header length 1099511627776 exceeds file size " + std::to_string(bytes.size())});
  // Not a safetensors file at all: its first 8 bytes read as an absurd length.
  write_file(path, "just some plain text, not tensors");
  expect_error([&] { read_safetensors(path); }, {path, "exceeds file size 33"});
}

TEST(Safetensors, HeaderAbove100MBIsAnError) {
  // A sparse 120 MB file whose header length claims 110 MB: within the file, beyond the limit.
  const std::string path = temp_path("huge_header.safetensors");
  std::string length(8, '\0');
  const uint64_t n = 110'000'000;
  std::memcpy(length.data(), &n, 8);
  write_file(path, length);
  std::filesystem::resize_file(path, 120'000'000);
  expect_error([&] { read_safetensors(path); }, {path, "header length 110000000 exceeds the limit"});
  std::filesystem::remove(path);
}

TEST(Safetensors, InvalidJsonIsAnError) {
  const std::string path = temp_path("bad_json.safetensors");
  write_file(path, safetensors_bytes(R"({"a": {"dtype": "F32", "shape": [1], )", "abcd"));
  expect_error([&] { read_safetensors(path); }, {path, "header: not valid JSON"});
  write_file(path, safetensors_bytes("[1, 2]", ""));
  expect_error([&] { read_safetensors(path); }, {path, "header is not a JSON object"});
}

TEST(Safetensors, UnsupportedDtypeIsNamed) {
  const std::string path = temp_path("bf16.safetensors");
  write_file(path, safetensors_bytes(R"({"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}})", "abcd"));
  expect_error([&] { read_safetensors(path); }, {path, "tensor 'w'", "dtype 'BF16' is not supported"});
}

TEST(Safetensors, MalformedEntriesAreErrors) {
  const std::string path = temp_path("malformed.safetensors");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"w":{"shape":[1],"data_offsets":[0,4]}})", "lacks \"dtype\""},
      {R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", "shape must be a non-negative integer"},
      {R"({"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", "shape must be a non-negative integer"},
      {R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}})", "data_offsets must be [begin, end]"},
      {R"({"w":{"dtype":"F32","shape":"1","data_offsets":[0,4]}})", "shape must be an array"},
      {R"({"w":[1,2]})", "entry is not a JSON object"},
      {R"({"__metadata__":{"epoch":3},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
       "value of 'epoch' must be a string"},
  };
  for (const auto& [header, message] : cases) {
    write_file(path, safetensors_bytes(header, "abcd"));
    expect_error([&] { read_safetensors(path); }, {path, message});
  }
}

TEST(Safetensors, BadDataOffsetsAreErrors) {
  const std::string path = temp_path("offsets.safetensors");
  const std::string f32 = R"("dtype":"F32","shape":[1])";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{\"a\":{" + f32 + ",\"data_offsets\":[0,4]},\"b\":{" + f32 + ",\"data_offsets\":[2,6]}}", "overlap"},
      {"{\"a\":{" + f32 + ",\"data_offsets\":[4,8]}}", "leave a gap"},
      {"{\"a\":{" + f32 + ",\"data_offsets\":[4,0]}}", "end before begin"},
      {"{\"a\":{" + f32 + ",\"data_offsets\":[0,8]}}", "needs 4"},
      {"{\"a\":{" + f32 + ",\"data_offsets\":[0,12]}}", "out of range"},
      {"{\"a\":{" + f32 + ",\"data_offsets\":[0,4]}}", "tensors cover only 4"},
  };
  for (const auto& [header, message] : cases) {
    write_file(path, safetensors_bytes(header, "12345678"));
    expect_error([&] { read_safetensors(path); }, {path, message});
  }
}

TEST(Safetensors, EveryTruncationThrowsCleanly) {
  const std::string path = temp_path("cut.safetensors");
  const std::string bytes = read_file(fixture_path("mixed.safetensors"));
  for (size_t size = 0; size < bytes.size(); ++size) {
    write_file(path, bytes.substr(0, size));
    EXPECT_THROW(read_safetensors(path), murine::Error) << "cut at " << size;
  }
}

TEST(Safetensors, CorruptedHeaderBytesNeverCrash) {
  // Random bytes in the length and header: each read returns or throws murine::Error, nothing else.
  const std::string path = temp_path("corrupt.safetensors");
  const std::string original = read_file(fixture_path("mixed.safetensors"));
  uint64_t header_end = 0;
  std::memcpy(&header_end, original.data(), 8);
  header_end += 8;
  std::mt19937 rng(2024);
  for (int trial = 0; trial < 400; ++trial) {
    std::string bytes = original;
    for (int flips = 1 + rng() % 3; flips > 0; --flips) bytes[rng() % header_end] = (char)rng();
    write_file(path, bytes);
    try {
      read_safetensors(path);
    } catch (const murine::Error&) {
    }
  }
}

TEST(Safetensors, WriteIntoMissingDirectoryThrows) {
  const std::string path = temp_path("no_such_dir") + "/x.safetensors";
  expect_error([&] { save_safetensors(path, {{"x", scalar(1.0f)}}); },
               {"write_safetensors", path, "No such file or directory"});
}

TEST(Safetensors, WriteRejectsBadInputAndKeepsTheOldFile) {
  const std::string path = temp_path("keep.safetensors");
  write_safetensors(path, mixed_arrays());
  const std::string before = read_file(path);
  expect_error([&] { write_safetensors(path, {{"__metadata__", mixed_arrays().at("weight")}}); },
               {"cannot be named __metadata__"});
  HostArray short_bytes{DType::F64, {3}, std::vector<uint8_t>(16)};
  expect_error([&] { write_safetensors(path, {{"w", short_bytes}}); }, {"tensor 'w'", "needs 24"});
  EXPECT_EQ(read_file(path), before);
}

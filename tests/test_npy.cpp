// .npy files: numpy.save's files read back exactly and written byte for byte the same, round trips
// of every dtype and shape, float32 Tensor conversion, and clear errors (never a crash) for
// unsupported or garbled files.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "autograd/ops.h"
#include "io/npy.h"
#include "tensor/backend.h"
#include "tests/io_test_helpers.h"

using namespace murine;
using namespace murine::io_test;

namespace {

// An .npy file with the given header dict text (the '\n' is added) and data bytes.
std::string npy_bytes(const std::string& dict, const std::string& data, int major = 1) {
  const std::string header = dict + "\n";
  std::string out("\x93NUMPY", 6);
  out += (char)major;
  out += '\0';
  for (int i = 0; i < (major == 1 ? 2 : 4); ++i) out += (char)((header.size() >> (8 * i)) & 0xff);
  return out + header + data;
}

// `count` pseudo-random bytes: any bit pattern, NaN payloads included, must round-trip.
std::vector<uint8_t> random_bytes(size_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> bytes(count);
  for (uint8_t& b : bytes) b = (uint8_t)rng();
  return bytes;
}

}  // namespace

TEST(Npy, ReadsNumpyFilesOfEveryDtype) {
  HostArray f4 = read_npy(fixture_path("f4_2x3.npy"));
  EXPECT_EQ(f4.dtype, DType::F32);
  EXPECT_EQ(f4.shape, (Shape{2, 3}));
  EXPECT_EQ(f4.to_vector<float>(), f4_values(6));

  HostArray f8 = read_npy(fixture_path("f8_5.npy"));
  EXPECT_EQ(f8.dtype, DType::F64);
  EXPECT_EQ(f8.shape, (Shape{5}));
  EXPECT_EQ(f8.to_vector<double>(), f8_values(5));

  HostArray u1 = read_npy(fixture_path("u1_2x2x2.npy"));
  EXPECT_EQ(u1.dtype, DType::U8);
  EXPECT_EQ(u1.shape, (Shape{2, 2, 2}));
  EXPECT_EQ(u1.to_vector<uint8_t>(), u1_values(8));

  HostArray i8 = read_npy(fixture_path("i8_2x3.npy"));
  EXPECT_EQ(i8.dtype, DType::I64);
  EXPECT_EQ(i8.shape, (Shape{2, 3}));
  EXPECT_EQ(i8.to_vector<int64_t>(), i8_values(6));
}

TEST(Npy, ReadsScalarAndEmptyArrays) {
  HostArray scalar = read_npy(fixture_path("f4_scalar.npy"));
  EXPECT_EQ(scalar.shape, Shape{});
  EXPECT_EQ(scalar.to_vector<float>(), std::vector<float>{0.1f});

  HostArray empty = read_npy(fixture_path("f4_empty_0x3.npy"));
  EXPECT_EQ(empty.shape, (Shape{0, 3}));
  EXPECT_TRUE(empty.bytes.empty());
  EXPECT_EQ(load_npy(fixture_path("f4_empty_0x3.npy")).shape(), (Shape{0, 3}));
}

TEST(Npy, ReadsFormatVersions2And3) {
  for (const char* name : {"f4_2x3_v2.npy", "f4_2x3_v3.npy"}) {
    HostArray a = read_npy(fixture_path(name));
    EXPECT_EQ(a.shape, (Shape{2, 3})) << name;
    EXPECT_EQ(a.to_vector<float>(), f4_values(6)) << name;
  }
}

TEST(Npy, ReadsInt64BeyondFloat32RangeExactly) {
  const std::string path = fixture_path("i8_big.npy");
  const std::vector<int64_t> big = {-(int64_t(1) << 40) - 1, int64_t(1) << 24, (int64_t(1) << 24) + 1,
                                    (int64_t(1) << 62) + 3};
  EXPECT_EQ(read_npy(path).to_vector<int64_t>(), big);
  // As a float32 Tensor the first value cannot be held exactly: the error names it.
  expect_error([&] { load_npy(path); }, {"load_npy", path, "-1099511627777", "2^24"});
}

TEST(Npy, WritesExactlyWhatNumpySaveWrites) {
  const std::vector<std::pair<const char*, HostArray>> cases = {
      {"f4_2x3.npy", HostArray::from_vector(f4_values(6), {2, 3})},
      {"f8_5.npy", HostArray::from_vector(f8_values(5), {5})},
      {"u1_2x2x2.npy", HostArray::from_vector(u1_values(8), {2, 2, 2})},
      {"i8_2x3.npy", HostArray::from_vector(i8_values(6), {2, 3})},
      {"f4_scalar.npy", HostArray::from_vector(std::vector<float>{0.1f}, {})},
      {"f4_empty_0x3.npy", HostArray::from_vector(std::vector<float>{}, {0, 3})},
  };
  for (const auto& [name, array] : cases) {
    const std::string path = temp_path(name);
    write_npy(path, array);
    EXPECT_EQ(read_file(path), read_file(fixture_path(name))) << name;
  }
}

TEST(Npy, RoundTripsEveryDtypeAndShape) {
  const std::string path = temp_path("roundtrip.npy");
  uint32_t seed = 1;
  for (DType dtype : {DType::F32, DType::F64, DType::U8, DType::I64}) {
    for (const Shape& shape : {Shape{}, Shape{0}, Shape{3, 0, 2}, Shape{7}, Shape{2, 3, 4}}) {
      HostArray a{dtype, shape, random_bytes(numel(shape) * dtype_size(dtype), seed++)};
      write_npy(path, a);
      HostArray b = read_npy(path);
      EXPECT_EQ(b.dtype, dtype) << dtype_name(dtype) << " " << shape_str(shape);
      EXPECT_EQ(b.shape, shape) << dtype_name(dtype) << " " << shape_str(shape);
      EXPECT_EQ(b.bytes, a.bytes) << dtype_name(dtype) << " " << shape_str(shape);
    }
  }
}

TEST(Npy, LoadConvertsEveryDtypeToFloat32) {
  EXPECT_EQ(load_npy(fixture_path("f4_2x3.npy")).to_vector(), f4_values(6));
  std::vector<float> expected;
  for (double v : f8_values(5)) expected.push_back((float)v);
  Tensor f8 = load_npy(fixture_path("f8_5.npy"));
  EXPECT_EQ(f8.shape(), (Shape{5}));
  EXPECT_EQ(f8.to_vector(), expected);
  expected.clear();
  for (uint8_t v : u1_values(8)) expected.push_back((float)v);
  EXPECT_EQ(load_npy(fixture_path("u1_2x2x2.npy")).to_vector(), expected);
  expected.clear();
  for (int64_t v : i8_values(6)) expected.push_back((float)v);
  EXPECT_EQ(load_npy(fixture_path("i8_2x3.npy")).to_vector(), expected);
}

TEST(Npy, LoadRoundsFloat64ToNearestFloat32) {
  const std::string path = temp_path("f64.npy");
  const double inf = std::numeric_limits<double>::infinity();
  write_npy(path, HostArray::from_vector(std::vector<double>{0.1, 1.0 / 3.0, 1e300, -1e300, -inf}, {5}));
  const float finf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(load_npy(path).to_vector(), (std::vector<float>{0.1f, 1.0f / 3.0f, finf, -finf, -finf}));
}

TEST(Npy, TensorRoundTripIsExact) {
  const std::string path = temp_path("tensor.npy");
  const std::vector<float> values = {1.0f / 3.0f, -0.0f, 1e-45f, 3.4e38f, -7.25f, 0.1f};
  save_npy(path, from_vector(values, {3, 2}));
  Tensor t = load_npy(path);
  EXPECT_EQ(t.shape(), (Shape{3, 2}));
  std::vector<float> back = t.to_vector();
  EXPECT_EQ(std::memcmp(back.data(), values.data(), values.size() * sizeof(float)), 0);
  save_npy(path, scalar(2.5f));
  EXPECT_EQ(load_npy(path).shape(), Shape{});
  EXPECT_EQ(load_npy(path).item(), 2.5f);
}

TEST(Npy, CudaTensorsSaveAndLoad) {
  if (!device_available(Device::CUDA)) GTEST_SKIP() << "no CUDA device";
  const std::string path = temp_path("cuda.npy");
  save_npy(path, from_vector(f4_values(6), {2, 3}, Device::CUDA));
  EXPECT_EQ(read_file(path), read_file(fixture_path("f4_2x3.npy")));
  Tensor t = load_npy(path, Device::CUDA);
  EXPECT_EQ(t.device(), Device::CUDA);
  EXPECT_EQ(t.to_vector(), f4_values(6));
}

TEST(Npy, FortranOrderIsAnError) {
  const std::string path = fixture_path("f4_fortran_2x3.npy");
  expect_error([&] { read_npy(path); },
               {path, "fortran_order True is not supported; save with np.ascontiguousarray"});
}

TEST(Npy, BigEndianIsAnError) {
  const std::string path = fixture_path("f4_bigendian_2x3.npy");
  expect_error([&] { read_npy(path); }, {path, "big-endian dtype '>f4' is not supported"});
}

TEST(Npy, UnsupportedDtypeIsNamed) {
  const std::string path = fixture_path("i4_2x3.npy");
  expect_error([&] { read_npy(path); }, {path, "unsupported dtype '<i4'"});
  const std::string half = temp_path("f2.npy");
  write_file(half, npy_bytes("{'descr': '<f2', 'fortran_order': False, 'shape': (1,), }", "ab"));
  expect_error([&] { read_npy(half); }, {"unsupported dtype '<f2'"});
  const std::string record = temp_path("record.npy");
  write_file(record, npy_bytes("{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (1,), }", "abcd"));
  expect_error([&] { read_npy(record); }, {"structured dtype"});
}

TEST(Npy, BadMagicIsAnError) {
  const std::string path = temp_path("bad_magic.npy");
  write_file(path, "PK\x03\x04 this is a zip archive, not an npy file");
  expect_error([&] { read_npy(path); }, {path, "bad magic string", "not an .npy file"});
  write_file(path, "tiny");
  expect_error([&] { read_npy(path); }, {path, "too short"});
}

TEST(Npy, TruncatedDataIsAnError) {
  const std::string path = temp_path("truncated.npy");
  std::string bytes = read_file(fixture_path("f4_2x3.npy"));
  write_file(path, bytes.substr(0, bytes.size() - 4));
  expect_error([&] { read_npy(path); }, {path, "truncated data: expected 24 bytes", "file has 20"});
}

TEST(Npy, TrailingBytesAreAnError) {
  const std::string path = temp_path("trailing.npy");
  write_file(path, read_file(fixture_path("f4_2x3.npy")) + "junk");
  expect_error([&] { read_npy(path); }, {path, "shape mismatch", "needs 24 bytes", "file has 28"});
}

TEST(Npy, UnparseableHeaderIsAnError) {
  const std::string path = temp_path("bad_header.npy");
  for (const char* dict : {
           "{'descr': '<f4', 'fortran_order': False, 'shape': [2], }",  // list, not tuple
           "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }",
           "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }",
           "{'descr': '<f4', 'fortran_order': False, }",               // no shape
           "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}",
           "{'descr': '<f4 , 'fortran_order': False, 'shape': (2,), }",  // quote never closes
           "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } trailing",
           "not a dict at all",
       }) {
    write_file(path, npy_bytes(dict, "12345678"));
    expect_error([&] { read_npy(path); }, {path, "header not parseable"});
  }
}

TEST(Npy, HeaderLengthBeyondFileIsAnError) {
  const std::string path = temp_path("short_header.npy");
  write_file(path, read_file(fixture_path("f4_2x3.npy")).substr(0, 30));
  expect_error([&] { read_npy(path); }, {path, "header length 118 exceeds file size 30"});
}

TEST(Npy, AbsurdShapeIsRejectedBeforeAllocating) {
  const std::string path = temp_path("absurd.npy");
  write_file(path, npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000, 1000000), }", "x"));
  expect_error([&] { read_npy(path); }, {path, "truncated data: expected 8000000000000000 bytes"});
  write_file(path, npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", ""));
  expect_error([&] { read_npy(path); }, {path, "too large"});
  write_file(path, npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,), }", ""));
  expect_error([&] { read_npy(path); }, {path, "header not parseable"});
}

TEST(Npy, UnsupportedVersionIsAnError) {
  const std::string path = temp_path("v4.npy");
  write_file(path, npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", "abcd", 4));
  expect_error([&] { read_npy(path); }, {path, "unsupported .npy format version 4.0"});
}

TEST(Npy, MissingFileIsAnError) {
  const std::string path = temp_path("does_not_exist.npy");
  expect_error([&] { read_npy(path); }, {path, "cannot open", "No such file or directory"});
}

TEST(Npy, EveryTruncationThrowsCleanly) {
  const std::string path = temp_path("cut.npy");
  const std::string bytes = read_file(fixture_path("i8_2x3.npy"));
  for (size_t size = 0; size < bytes.size(); ++size) {
    write_file(path, bytes.substr(0, size));
    EXPECT_THROW(read_npy(path), murine::Error) << "cut at " << size;
  }
}

TEST(Npy, CorruptedHeaderBytesNeverCrash) {
  // Random bytes in the prefix and header: each read returns or throws murine::Error, nothing else.
  const std::string path = temp_path("corrupt.npy");
  const std::string original = read_file(fixture_path("f8_5.npy"));
  std::mt19937 rng(2024);
  for (int trial = 0; trial < 400; ++trial) {
    std::string bytes = original;
    for (int flips = 1 + rng() % 3; flips > 0; --flips) bytes[rng() % 128] = (char)rng();
    write_file(path, bytes);
    try {
      read_npy(path);
    } catch (const murine::Error&) {
    }
  }
}

TEST(Npy, WriteIntoMissingDirectoryThrows) {
  const std::string path = temp_path("no_such_dir") + "/x.npy";
  expect_error([&] { save_npy(path, scalar(1.0f)); },
               {"write_npy", path, "No such file or directory"});
}

TEST(Npy, WriteRejectsInconsistentHostArray) {
  HostArray a{DType::F32, {2, 3}, std::vector<uint8_t>(20)};
  expect_error([&] { write_npy(temp_path("bad.npy"), a); }, {"write_npy", "20 bytes", "needs 24"});
}

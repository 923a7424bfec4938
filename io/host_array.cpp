// HostArray: dtype names and sizes, and the conversions to and from float32 Tensors.
#include "io/host_array.h"

#include <bit>
#include <cstdlib>
#include <limits>

#include "tensor/backend.h"

namespace murine {

// Files store little-endian bytes and HostArray keeps them as they are, so the host must be too.
static_assert(std::endian::native == std::endian::little, "murine's file I/O assumes a little-endian host");

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::F32: return "float32";
    case DType::F64: return "float64";
    case DType::U8: return "uint8";
    case DType::I64: return "int64";
  }
  return "?";
}

size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::F32: return 4;
    case DType::F64: return 8;
    case DType::U8: return 1;
    case DType::I64: return 8;
  }
  return 0;
}

uint64_t byte_size(DType dtype, const Shape& shape, const std::string& op) {
  // An empty shape is a 0-d array of one element; any zero dimension makes the array empty. The
  // nonzero dimensions must multiply within 64 bits even then (a tensor of the shape has strides).
  uint64_t n = dtype_size(dtype);
  bool empty = false;
  for (int64_t d : shape) {
    MURINE_CHECK(d >= 0, op << ": " << dtype_name(dtype) << " shape " << shape_str(shape)
                            << " has a negative dimension");
    empty = empty || d == 0;
    if (d == 0) continue;
    MURINE_CHECK(n <= (uint64_t)INT64_MAX / (uint64_t)d,
                 op << ": " << dtype_name(dtype) << " shape " << shape_str(shape)
                    << " is too large (its element or byte count overflows 63 bits)");
    n *= (uint64_t)d;
  }
  if (empty) return 0;
  return n;
}

void HostArray::check(const char* op) const {
  uint64_t expected = byte_size(dtype, shape, op);
  MURINE_CHECK(bytes.size() == expected, op << ": HostArray holds " << bytes.size() << " bytes but "
                                            << dtype_name(dtype) << " shape " << shape_str(shape)
                                            << " needs " << expected);
}

// Elementwise float32 value of each stored element; see host_array.h for the rules.
Tensor to_tensor(const HostArray& array, Device device) {
  array.check("to_tensor");
  const int64_t n = array.numel();
  std::vector<float> values(n);
  const uint8_t* src = array.bytes.data();
  switch (array.dtype) {
    case DType::F32:
      if (n) std::memcpy(values.data(), src, n * sizeof(float));
      break;
    case DType::F64:
      for (int64_t i = 0; i < n; ++i) {
        double v;
        std::memcpy(&v, src + i * sizeof(double), sizeof(double));
        values[i] = (float)v;  // round to nearest even
      }
      break;
    case DType::U8:
      for (int64_t i = 0; i < n; ++i) values[i] = (float)src[i];
      break;
    case DType::I64: {
      constexpr int64_t exact = int64_t(1) << 24;  // float32 has a 24-bit significand
      for (int64_t i = 0; i < n; ++i) {
        int64_t v;
        std::memcpy(&v, src + i * sizeof(int64_t), sizeof(int64_t));
        MURINE_CHECK(v >= -exact && v <= exact,
                     "to_tensor: int64 value " << v << " at flat index " << i << " of shape "
                         << shape_str(array.shape) << " is not exactly representable in float32 "
                         << "(|v| must be at most 2^24 = " << exact << ")");
        values[i] = (float)v;
      }
      break;
    }
  }
  Tensor out = Tensor::empty(array.shape, device);
  if (n) backend(device).copy_from_host(out.data(), values.data(), n * sizeof(float));
  return out;
}

HostArray from_tensor(const Tensor& tensor) {
  MURINE_CHECK(tensor.defined(), "from_tensor: tensor is undefined");
  return HostArray::from_vector(tensor.to_vector(), tensor.shape());
}

}  // namespace murine

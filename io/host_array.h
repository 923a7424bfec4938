// HostArray: a typed N-dimensional array in host memory, exactly as a file stores it (raw
// little-endian, row-major bytes plus a dtype and a shape). The .npy and safetensors readers and
// writers speak HostArray, so files round-trip bit for bit whatever their dtype; to_tensor and
// from_tensor are the only places values are converted to and from murine's float32 Tensors.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "tensor/device.h"
#include "tensor/error.h"
#include "tensor/shape.h"
#include "tensor/tensor.h"

namespace murine {

// The element types a file may hold (NumPy's names, as dtype_name returns them).
enum class DType { F32, F64, U8, I64 };

const char* dtype_name(DType dtype);  // "float32", "float64", "uint8", "int64"
size_t dtype_size(DType dtype);       // bytes per element: 4, 8, 1, 8
// numel(shape) · dtype_size(dtype); throws naming `op` for a negative dimension or when the count
// overflows 64 bits (a garbled file header can claim any shape).
uint64_t byte_size(DType dtype, const Shape& shape, const std::string& op);

// The DType of a C++ element type: float, double, uint8_t, int64_t.
template <class T>
constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, float>) return DType::F32;
  else if constexpr (std::is_same_v<T, double>) return DType::F64;
  else if constexpr (std::is_same_v<T, uint8_t>) return DType::U8;
  else if constexpr (std::is_same_v<T, int64_t>) return DType::I64;
  else static_assert(!sizeof(T), "HostArray holds float, double, uint8_t or int64_t");
}

struct HostArray {
  DType dtype = DType::F32;
  Shape shape;
  std::vector<uint8_t> bytes;  // numel · dtype_size, little-endian, row-major (C order)

  int64_t numel() const { return murine::numel(shape); }

  // A HostArray holding `values` (row-major) with the given shape; the dtype comes from T.
  template <class T>
  static HostArray from_vector(const std::vector<T>& values, const Shape& shape) {
    MURINE_CHECK((int64_t)values.size() == murine::numel(shape),
                 "HostArray::from_vector: " << values.size() << " values do not fill shape "
                                            << shape_str(shape));
    HostArray a{dtype_of<T>(), shape, std::vector<uint8_t>(values.size() * sizeof(T))};
    if (!values.empty()) std::memcpy(a.bytes.data(), values.data(), a.bytes.size());
    return a;
  }
  // The elements as T; T must match the dtype (no conversion happens here).
  template <class T>
  std::vector<T> to_vector() const {
    MURINE_CHECK(dtype_of<T>() == dtype, "HostArray::to_vector: array is " << dtype_name(dtype)
                                             << ", asked for " << dtype_name(dtype_of<T>()));
    check("HostArray::to_vector");
    std::vector<T> values(bytes.size() / sizeof(T));
    if (!values.empty()) std::memcpy(values.data(), bytes.data(), bytes.size());
    return values;
  }
  // Throws naming `op` when bytes.size() is not numel · dtype_size or a dimension is negative.
  void check(const char* op) const;
};

// float32 Tensor on `device` from a HostArray. Conversions: float32 exact; float64 rounds to the
// nearest float32 (overflow gives ±inf, as NumPy's astype(np.float32)); uint8 exact; int64 exact
// when |v| ≤ 2^24, otherwise throws naming the value (float32 cannot hold it exactly).
Tensor to_tensor(const HostArray& array, Device device = Device::CPU);
// float32 HostArray with the tensor's shape and values (copied to the host for CUDA tensors).
HostArray from_tensor(const Tensor& tensor);

}  // namespace murine

// Factories: tensors made from nothing (zeros, ones, full, arange), from host values, or drawn from
// a Generator. None of them requires grad; call requires_grad_() on a parameter.
#include <cmath>

#include "autograd/ops.h"
#include "tensor/backend.h"
#include "tensor/error.h"

namespace murine {

Tensor full(const Shape& shape, float value, Device device) {
  Tensor t = Tensor::empty(shape, device);
  if (t.numel()) backend(device).fill(t.data(), t.numel(), value);
  return t;
}

Tensor zeros(const Shape& shape, Device device) { return full(shape, 0.0f, device); }
Tensor ones(const Shape& shape, Device device) { return full(shape, 1.0f, device); }
Tensor scalar(float value, Device device) { return full({}, value, device); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.device()); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), t.device()); }

// NumPy's arange: ceil((stop - start) / step) values start, start + step, ...
Tensor arange(float start, float stop, float step, Device device) {
  MURINE_CHECK(step != 0.0f, "arange: step must not be zero");
  double count = std::ceil(((double)stop - start) / step);
  Tensor t = Tensor::empty({count > 0 ? (int64_t)count : 0}, device);
  if (t.numel()) backend(device).arange(t.data(), t.numel(), start, step);
  return t;
}

Tensor from_vector(const std::vector<float>& values, const Shape& shape, Device device) {
  MURINE_CHECK((int64_t)values.size() == numel(shape),
               "from_vector: " << values.size() << " values cannot fill shape " << shape_str(shape)
                               << " (" << numel(shape) << " elements)");
  Tensor t = Tensor::empty(shape, device);
  if (!values.empty()) backend(device).copy_from_host(t.data(), values.data(), values.size() * sizeof(float));
  return t;
}

Tensor rand(const Shape& shape, Generator& gen, Device device) {
  Tensor t = Tensor::empty(shape, device);
  uint64_t offset = gen.take(t.numel());
  if (t.numel()) backend(device).rand_uniform(t.data(), t.numel(), gen.seed, offset);
  return t;
}

Tensor randn(const Shape& shape, Generator& gen, Device device) {
  Tensor t = Tensor::empty(shape, device);
  uint64_t offset = gen.take(t.numel());
  if (t.numel()) backend(device).rand_normal(t.data(), t.numel(), gen.seed, offset);
  return t;
}

}  // namespace murine

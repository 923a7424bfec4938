// Tensor: accessors, detach and the autograd fields. The members that record graph nodes (to, clone,
// backward) are defined in autograd/tensor_autograd.cpp.
#include "tensor/tensor.h"

#include "tensor/backend.h"
#include "tensor/error.h"

namespace murine {

Tensor Tensor::empty(const Shape& shape, Device device) {
  for (int64_t d : shape)
    MURINE_CHECK(d >= 0, "empty: negative dimension in shape " << shape_str(shape));
  const int64_t n = murine::numel(shape);
  MURINE_CHECK(n <= (INT64_MAX >> 2), "empty: shape " << shape_str(shape) << " needs more than 2^63 bytes");
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(device, (size_t)n * sizeof(float));
  impl->shape = shape;
  return Tensor(std::move(impl));
}

static const TensorImpl& checked(const std::shared_ptr<TensorImpl>& impl) {
  MURINE_CHECK(impl, "tensor: use of an undefined tensor (default-constructed, or a gradient that "
                     "was never computed)");
  return *impl;
}

const Shape& Tensor::shape() const { return checked(impl_).shape; }
int64_t Tensor::numel() const { return murine::numel(shape()); }
Device Tensor::device() const { return checked(impl_).storage->device; }

int64_t Tensor::size(int64_t axis) const {
  return shape()[normalize_axis(axis, rank(), "size")];
}

float* Tensor::data() {
  checked(impl_);
  return static_cast<float*>(impl_->storage->ptr) + impl_->offset;
}
const float* Tensor::data() const {
  checked(impl_);
  return static_cast<const float*>(impl_->storage->ptr) + impl_->offset;
}

std::vector<float> Tensor::to_vector() const {
  std::vector<float> out(numel());
  if (!out.empty()) backend(device()).copy_to_host(out.data(), data(), out.size() * sizeof(float));
  return out;
}

float Tensor::item() const {
  MURINE_CHECK(numel() == 1, "item: the tensor has shape " << shape_str(shape())
                                                           << "; only one-element tensors have an item");
  return to_vector()[0];
}

Tensor Tensor::detach() const {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = checked(impl_).storage;
  impl->offset = impl_->offset;
  impl->shape = impl_->shape;
  return Tensor(std::move(impl));
}

bool Tensor::requires_grad() const { return checked(impl_).requires_grad; }

Tensor& Tensor::requires_grad_(bool on) {
  checked(impl_);
  MURINE_CHECK(!impl_->grad_fn || on,
               "requires_grad_: cannot turn gradients off for a non-leaf tensor (use detach())");
  impl_->requires_grad = on;
  return *this;
}

bool Tensor::is_leaf() const { return !checked(impl_).grad_fn; }

Tensor Tensor::grad() const { return Tensor(checked(impl_).grad); }

void Tensor::zero_grad() { checked(impl_), impl_->grad.reset(); }

}  // namespace murine

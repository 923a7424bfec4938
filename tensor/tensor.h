// Tensor: an N-dimensional, contiguous, row-major float32 array on one device, with the autograd
// fields (requires_grad, grad, grad_fn). A Tensor is a cheap handle: copies share the same
// TensorImpl, and views (reshape, detach) share the same Storage.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "tensor/device.h"
#include "tensor/shape.h"
#include "tensor/storage.h"

namespace murine {

struct Node;
class Tensor;

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  int64_t offset = 0;  // in elements
  Shape shape;
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;  // accumulated dL/dself (leaves only)
  std::shared_ptr<Node> grad_fn;     // the op that produced this tensor (non-leaves only)
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}
  // Uninitialised memory of the given shape; every op's output starts here.
  static Tensor empty(const Shape& shape, Device device = Device::CPU);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  int rank() const { return (int)shape().size(); }
  int64_t numel() const;
  int64_t size(int64_t axis) const;
  Device device() const;

  // Pointer to the first element on the tensor's device (a device pointer for CUDA tensors).
  float* data();
  const float* data() const;
  // Host copy of the elements (works on every device).
  std::vector<float> to_vector() const;
  // The value of a one-element tensor.
  float item() const;

  // Explicit device transfer; returns *this when already there. Differentiable. (to, clone and
  // backward record graph nodes, so they are defined in autograd/tensor_autograd.cpp.)
  Tensor to(Device device) const;
  // A differentiable copy with its own storage.
  Tensor clone() const;
  // Same storage, cut from the graph: no grad_fn, requires_grad false.
  Tensor detach() const;

  // Autograd.
  bool requires_grad() const;
  Tensor& requires_grad_(bool on = true);
  bool is_leaf() const;
  Tensor grad() const;  // undefined until a backward reaches this leaf
  void zero_grad();     // drops the accumulated gradient (PyTorch's set_to_none)
  // Backward from a one-element tensor (seed 1).
  void backward(bool retain_graph = false) const;
  // Backward from any tensor with an explicit dL/dself of the same shape.
  void backward(const Tensor& grad_output, bool retain_graph = false) const;

  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

}  // namespace murine

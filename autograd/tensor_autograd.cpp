// The Tensor members that touch the graph: the differentiable copies `to` and `clone`, and
// `backward`, the entry into the engine. They are declared with Tensor (tensor/tensor.h) and defined
// here, so that tensor/ holds no autograd code.
#include "autograd/node.h"
#include "tensor/backend.h"
#include "tensor/error.h"
#include "tensor/tensor.h"

namespace murine {

// [to] y = x on another device; dL/dx = (dL/dy) moved back
Tensor Tensor::to(Device target) const {
  if (device() == target) return *this;
  Tensor out = empty(shape(), target);
  size_t bytes = (size_t)numel() * sizeof(float);
  if (bytes) {
    if (device() == Device::CPU) {
      backend(target).copy_from_host(out.data(), data(), bytes);
    } else if (target == Device::CPU) {
      backend(device()).copy_to_host(out.data(), data(), bytes);
    } else {
      std::vector<float> host = to_vector();
      backend(target).copy_from_host(out.data(), host.data(), bytes);
    }
  }
  Device source = device();
  return record(out, "to", {*this}, [source](const Tensor& gy, const std::vector<bool>&) {
    return std::vector<Tensor>{gy.to(source)};
  });
}

// [clone] y = x; dL/dx = dL/dy
Tensor Tensor::clone() const {
  Tensor out = empty(shape(), device());
  if (numel()) backend(device()).copy(out.data(), data(), (size_t)numel() * sizeof(float));
  return record(out, "clone", {*this}, [](const Tensor& gy, const std::vector<bool>&) {
    return std::vector<Tensor>{gy};
  });
}

void Tensor::backward(bool retain_graph) const {
  MURINE_CHECK(numel() == 1, "backward: the tensor has shape "
                                 << shape_str(shape())
                                 << "; backward() without a gradient needs a one-element tensor "
                                    "(pass grad_output for others)");
  Tensor seed = empty(shape(), device());
  backend(device()).fill(seed.data(), 1, 1.0f);
  run_backward(*this, seed, retain_graph);
}

void Tensor::backward(const Tensor& grad_output, bool retain_graph) const {
  run_backward(*this, grad_output, retain_graph);
}

}  // namespace murine

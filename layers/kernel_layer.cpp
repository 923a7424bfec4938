// KernelLayer: building a kernel (and its window), and the window figures.
#include "layers/kernel_layer.h"

#include "tensor/error.h"

namespace murine {

KernelLayer::KernelLayer(std::string name, bool masked, WindowSpec& spec, const char* masked_names,
                         const char* default_form)
    : name_(std::move(name)), masked_(masked) {
  if (!masked_) {
    MURINE_CHECK(spec.form.empty() && !spec.has_given(),
                 name_ << ": form '" << spec.form << "'" << (spec.has_given() ? " (a given window)" : "")
                       << " needs a masked layer (" << masked_names << ")");
  } else if (spec.form.empty() && !spec.has_given()) {
    spec.form = default_form;
  }
}

void KernelLayer::build_kernel(const Shape& shape, const WindowSpec& spec, const Init& init) {
  Generator& gen = global_generator();
  Tensor w = initialize(init.kernel_initializer, shape, gen, device());
  if (masked_) {
    kernel_.emplace(spec, shape, name_, device());
    window = register_buffer("window", kernel_->window());
    w = kernel_->initial_weight(w);
  }
  weight = register_parameter("weight", w);
  if (init.use_bias)
    bias = register_parameter("bias", initial_bias(init.bias_initializer, init.bias_size, compute_fans(shape).fan_in,
                                                   gen, device()));
}

const WindowStats& KernelLayer::window_stats() const {
  MURINE_CHECK(kernel_, name_ << ": window_stats needs a built masked layer");
  return kernel_->stats();
}

void KernelLayer::state_loaded() {
  if (kernel_) kernel_->window_loaded();
}

}  // namespace murine

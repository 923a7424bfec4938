// KernelLayer: what Dense, Conv2D, Conv2DTranspose and their masked twins share: a kernel `weight`
// (PyTorch layout), an optional `bias`, and, in a masked layer, a MaskedKernel whose window is the
// constant buffer `window`. It answers Module's kernel_weight() and masked_kernel() for all of them.
#pragma once
#include <optional>
#include <string>

#include "layers/initializers.h"
#include "layers/masked_kernel.h"
#include "layers/module.h"

namespace murine {

class KernelLayer : public Module {
 public:
  std::string type_name() const override { return name_; }
  Tensor kernel_weight() const override { return weight; }
  const MaskedKernel* masked_kernel() const override { return kernel_ ? &*kernel_ : nullptr; }
  bool built() const { return weight.defined(); }
  bool masked() const { return masked_; }
  // The window's figures (a built masked layer only).
  const WindowStats& window_stats() const;

  Tensor weight, bias;
  Tensor window;  // masked layers: the MaskedKernel's window; undefined otherwise

 protected:
  // A masked layer resolves an empty spec.form to `default_form` (unless the window is given); an
  // unmasked one rejects a window. `spec` is the options' window, updated in place.
  KernelLayer(std::string name, bool masked, WindowSpec& spec, const char* masked_names, const char* default_form);

  // How build() draws the tensors: the kernel from kernel_initializer (then the w_corr rule), the
  // bias (of bias_size, when use_bias) from bias_initializer, both from global_generator().
  struct Init {
    const Initializer& kernel_initializer;
    bool use_bias;
    const Initializer& bias_initializer;
    int64_t bias_size;
  };
  // Registers weight (of `shape`), window (masked) and bias.
  void build_kernel(const Shape& shape, const WindowSpec& spec, const Init& init);
  // W, or W ⊙ window in a masked layer.
  Tensor effective_weight() const { return kernel_ ? kernel_->effective_weight(weight) : weight; }
  // The window's blocks when the products take the window-aware path on the weight's device, else null.
  std::shared_ptr<const WindowBlocks> window_blocks() const {
    return kernel_ ? kernel_->blocks(weight.device()) : nullptr;
  }
  void state_loaded() override;

  const std::string& name() const { return name_; }

 private:
  std::string name_;
  bool masked_;
  std::optional<MaskedKernel> kernel_;
};

}  // namespace murine

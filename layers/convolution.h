// Convolution: the part Conv2D and Conv2DTranspose (and their masked twins) share: the options, their
// checks, the build of the kernel (and window) for the first input's channels, and the input checks
// of forward. Each subclass gives its weight's layout and its convolution.
#pragma once
#include "layers/conv_options.h"
#include "layers/kernel_layer.h"

namespace murine {

class Convolution : public KernelLayer {
 public:
  Tensor forward(const Tensor& x) override;
  // Creates the parameters for `in_channels` inputs (done by the first forward otherwise).
  void build(int64_t in_channels);
  const Conv2DOptions& options() const { return options_; }

 protected:
  // `masked_names` names the masked twins in the error of an unmasked layer given a window.
  Convolution(Conv2DOptions options, bool masked, std::string name, const char* masked_names, const char* default_form);
  // Builds now when the options give in_channels; called by the subclass once its own checks passed.
  void build_if_sized();
  // The weight's shape for `in_channels` inputs, in PyTorch layout.
  virtual Shape weight_shape(int64_t in_channels) const = 0;
  // y = the convolution of x (N, in_channels, H, W) with the effective weight, plus bias.
  virtual Tensor convolve(const Tensor& x, const Tensor& w_eff) const = 0;

 private:
  Conv2DOptions options_;
};

}  // namespace murine

// Convolution: options checks, build and forward shared by Conv2D and Conv2DTranspose.
#include "layers/convolution.h"

#include "layers/activation_fn.h"
#include "tensor/error.h"

namespace murine {

Convolution::Convolution(Conv2DOptions options, bool masked, std::string name, const char* masked_names,
                         const char* default_form)
    : KernelLayer(std::move(name), masked, options.window, masked_names, default_form), options_(std::move(options)) {
  check_conv_options(options_, type_name());
}

void Convolution::build_if_sized() {
  if (options_.in_channels > 0) build(options_.in_channels);
}

void Convolution::build(int64_t in_channels) {
  MURINE_CHECK(!built(), type_name() << ": already built");
  MURINE_CHECK(in_channels > 0 && in_channels % options_.groups == 0,
               type_name() << ": in_channels " << in_channels << " must be positive and divisible by groups "
                           << options_.groups);
  build_kernel(weight_shape(in_channels), options_.window,
               {options_.kernel_initializer, options_.use_bias, options_.bias_initializer, options_.filters});
  options_.in_channels = in_channels;
}

Tensor Convolution::forward(const Tensor& x) {
  MURINE_CHECK(x.rank() == 4, type_name() << ": expects input (N, C, H, W), got " << shape_str(x.shape()));
  if (!built()) build(x.shape()[1]);
  MURINE_CHECK(x.shape()[1] == options_.in_channels,
               type_name() << ": input " << shape_str(x.shape()) << " has " << x.shape()[1]
                           << " channels but the layer was built for " << options_.in_channels);
  return apply_activation(options_.activation, convolve(x, effective_weight()));
}

}  // namespace murine

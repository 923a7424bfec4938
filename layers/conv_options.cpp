// Convolution options: validation and padding resolution.
#include "layers/conv_options.h"

#include "layers/activation_fn.h"
#include "tensor/error.h"

namespace murine {

void check_conv_options(const Conv2DOptions& o, const std::string& layer) {
  MURINE_CHECK(o.filters > 0, layer << ": filters must be positive, got " << o.filters);
  MURINE_CHECK(o.kernel_size.h > 0 && o.kernel_size.w > 0,
               layer << ": kernel_size must be positive, got (" << o.kernel_size.h << ", " << o.kernel_size.w << ")");
  MURINE_CHECK(o.strides.h > 0 && o.strides.w > 0,
               layer << ": strides must be positive, got (" << o.strides.h << ", " << o.strides.w << ")");
  MURINE_CHECK(o.dilation_rate.h > 0 && o.dilation_rate.w > 0,
               layer << ": dilation_rate must be positive, got (" << o.dilation_rate.h << ", "
                     << o.dilation_rate.w << ")");
  bool strided = o.strides.h > 1 || o.strides.w > 1, dilated = o.dilation_rate.h > 1 || o.dilation_rate.w > 1;
  MURINE_CHECK(!(strided && dilated), layer << ": strides > 1 cannot be combined with dilation_rate > 1 (as in Keras)");
  MURINE_CHECK(o.groups > 0 && o.filters % o.groups == 0,
               layer << ": groups " << o.groups << " must be positive and divide filters " << o.filters);
  MURINE_CHECK(o.in_channels >= 0, layer << ": in_channels must be >= 0, got " << o.in_channels);
  MURINE_CHECK(o.padding.mode == "valid" || o.padding.mode == "same" || o.padding.mode == "explicit",
               layer << ": unknown padding '" << o.padding.mode << "' (use \"valid\", \"same\" or explicit pads)");
  if (o.padding.mode == "explicit")
    MURINE_CHECK(o.padding.pad.h >= 0 && o.padding.pad.w >= 0,
                 layer << ": padding must be >= 0, got (" << o.padding.pad.h << ", " << o.padding.pad.w << ")");
  check_activation(o.activation, layer);
}

static void same_pads(int64_t n, int64_t k, int64_t s, int64_t d, int64_t& before, int64_t& after) {
  int64_t out = (n + s - 1) / s;
  int64_t total = std::max<int64_t>((out - 1) * s + d * (k - 1) + 1 - n, 0);
  before = total / 2;
  after = total - before;
}

Pads conv_pads(const Conv2DOptions& o, int64_t h, int64_t w) {
  Pads p;
  if (o.padding.mode == "same") {
    same_pads(h, o.kernel_size.h, o.strides.h, o.dilation_rate.h, p.top, p.bottom);
    same_pads(w, o.kernel_size.w, o.strides.w, o.dilation_rate.w, p.left, p.right);
  } else if (o.padding.mode == "explicit") {
    p.top = p.bottom = o.padding.pad.h;
    p.left = p.right = o.padding.pad.w;
  }
  return p;
}

}  // namespace murine

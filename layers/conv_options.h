// The options shared by Conv2D, Conv2DTranspose and their masked twins (Keras names, PyTorch
// conventions reachable), and the resolution of Keras' "same"/"valid" padding into explicit pads.
#pragma once
#include <cstdint>
#include <string>

#include "layers/initializers.h"
#include "layers/window.h"

namespace murine {

// An (h, w) pair that an int also converts to, as Keras' kernel_size=5 or kernel_size=(3, 5).
struct Pair {
  int64_t h = 0, w = 0;
  Pair() = default;
  Pair(int64_t v) : h(v), w(v) {}  // NOLINT: implicit on purpose, as in Keras
  Pair(int64_t h, int64_t w) : h(h), w(w) {}
};

// "valid", "same" (TensorFlow semantics, the extra pixel at the end), or explicit symmetric
// padding (PyTorch): `.padding = 1` or `.padding = {1, 2}`.
struct Padding {
  std::string mode = "valid";
  Pair pad;
  Padding() = default;
  Padding(const char* m) : mode(m) {}         // NOLINT
  Padding(std::string m) : mode(std::move(m)) {}  // NOLINT
  Padding(int64_t p) : mode("explicit"), pad(p) {}  // NOLINT
  Padding(int64_t h, int64_t w) : mode("explicit"), pad(h, w) {}
};

struct Conv2DOptions {
  int64_t filters = 0;  // output channels
  Pair kernel_size = 0;
  Pair strides = 1;
  Padding padding = "valid";
  Pair output_padding = -1;  // Conv2DTranspose only; -1: derived from padding (Keras' None)
  Pair dilation_rate = 1;
  int64_t groups = 1;
  bool use_bias = true;
  std::string activation = "";
  Initializer kernel_initializer = Initializer::glorot_uniform();
  Initializer bias_initializer = Initializer::zeros();
  int64_t in_channels = 0;  // 0: taken from the first input (Keras); PyTorch passes it
  // Connection window (masked layers only; an unmasked layer rejects one), e.g.
  // .window = {.form = "2d", .input2d_width = 8, .output2d_width = 8, .window2d_width = 0.4}.
  WindowSpec window = {};
};

// Validates the options common to every convolution; `layer` names the layer in errors.
void check_conv_options(const Conv2DOptions& o, const std::string& layer);

// Explicit pads (top, bottom, left, right) of a convolution over an (h, w) input.
// [same padding] total = max((⌈n/s⌉ - 1)·s + d·(k - 1) + 1 - n, 0), before = ⌊total/2⌋, after = the rest
struct Pads {
  int64_t top = 0, bottom = 0, left = 0, right = 0;
};
Pads conv_pads(const Conv2DOptions& o, int64_t h, int64_t w);

}  // namespace murine

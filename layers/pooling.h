// AveragePooling2D over NCHW inputs, with Keras' arguments and semantics: strides default to
// pool_size, padding "valid" (windows that fit) or "same" (TensorFlow padding, output ⌈n/stride⌉,
// extra pixel at the end), and a "same" window's average taken over its valid cells only.
#pragma once
#include <string>

#include "layers/conv_options.h"
#include "layers/module.h"

namespace murine {

struct AveragePooling2DOptions {
  Pair pool_size = 2;
  Pair strides = 0;  // 0: pool_size (Keras' strides=None)
  std::string padding = "valid";  // "valid" | "same"
};

class AveragePooling2D : public Module {
 public:
  explicit AveragePooling2D(AveragePooling2DOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "AveragePooling2D"; }
  const AveragePooling2DOptions& options() const { return options_; }

 private:
  AveragePooling2DOptions options_;
};

}  // namespace murine

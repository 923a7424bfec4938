// UpSampling2D over NCHW inputs, as Keras 3: "nearest" repeats each row size.h times and each column
// size.w times; "bilinear" is the half-pixel-centre linear resize of tf.image.resize /
// jax.image.resize without antialiasing (the same for upsampling): output pixel i reads the input at
// (i + ½)/scale − ½, clamped to the edge pixels.
#pragma once
#include <string>

#include "layers/conv_options.h"
#include "layers/module.h"

namespace murine {

struct UpSampling2DOptions {
  Pair size = 2;  // (rows, columns) factors
  std::string interpolation = "nearest";  // "nearest" | "bilinear"
};

class UpSampling2D : public Module {
 public:
  explicit UpSampling2D(UpSampling2DOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "UpSampling2D"; }
  const UpSampling2DOptions& options() const { return options_; }

 private:
  UpSampling2DOptions options_;
};

// The (n·scale × n) matrix A of 1-D half-pixel linear interpolation: row i holds the weights of
// output i, so a resize along an axis is a product with A. Exposed for tests.
Tensor bilinear_matrix(int64_t n, int64_t scale, Device device = Device::CPU);

}  // namespace murine

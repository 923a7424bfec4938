// The classifiers of the two papers' experiments, built as a Sequential whose output is the logits
// (the reference scripts end in Dense(10, softmax) with categorical cross-entropy; murine keeps the
// softmax inside the loss, layers/losses.h softmax_cross_entropy, which is the same function, computed
// stably). Which layer is constrained is chosen by `layer`:
//
//   mlp    Flatten → Dense(h, relu) … → Dense(classes)                  MNIST_3layersSchizo200905.py
//          sz:    the last hidden Dense is SzDense(h, p, form)          (hidden 512, he_normal)
//          mouse: the last hidden Dense is mDense '2d' (r)              mnist_mouse250717c.ipynb
//                 (hidden 1024, 512: 784-1024-[mLinear 1024→512, 32, 16, r]-10)
//   cnn    C32(same)-C32-MaxPool-Dropout(.25)-C64(same)-C64-MaxPool-    CIFAR10_CNNSchizo200910.py
//          Dropout(.25)-Flatten-Dense(512, relu)-Dense(classes); 3×3 kernels, relu, he_normal
//          sz: the Dense(512) is SzDense;  mouse: it is mDense '2d'
//   lenet  C6(k5)-MaxPool-C16(k5)-MaxPool-Flatten-F120-F84-F(classes)  cifar10classification250710a.ipynb
//          mouse: the C16 is mConv2d(6→16, k5, grids 3 and 4, r);  sz: it is SzConv2D(p, form)
//   vgg16  VGG16 with BatchNorm: 13 3×3 convolutions in 5 blocks,       CIFAR10_VGG16Schizo200921act.py
//          then Dense 4096-4096-1024-classes (relu, he_normal)
//          sz: the last three convolutions are SzConv2D 'individual' (the first two at p = 0,
//              the third at p, as the script);  mouse: they are mConv2D '2d' (r)
//
// Conventions. The Keras scripts' models (mlp standard/sz, cnn, vgg16) use Keras' initialisers
// (he_normal kernels, glorot_uniform for the last Dense, zero biases) and Keras' optimizer conventions;
// the PyTorch notebooks' (mlp mouse, lenet) use PyTorch's (nn.Linear / nn.Conv2d defaults, torch.optim).
// `convention` overrides the choice ("keras" or "torch").
#pragma once
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "layers/module.h"

namespace murine {

struct ClassifierConfig {
  std::string model = "mlp";       // mlp | cnn | lenet | vgg16
  std::string layer = "standard";  // standard | sz | mouse
  std::string form = "";           // window form; "": diagonal (SzDense), the script's form otherwise
  double param_reduction = 0.5;    // p of the schizophrenia-mimicking layer
  double window2d_width = 0.4;     // r of the mouse layer
  std::vector<int64_t> hidden = {};  // mlp hidden widths; empty: {512}, or {1024, 512} for mouse
  double dropout = -1;             // cnn: dropout rate (−1: the script's 0.25)
  int64_t channels = 1, image_size = 28, classes = 10;  // input (N, channels, size, size); classes ≤ 1000
  std::string convention = "";     // keras | torch; "": the reference script's (see above)
  uint64_t window_seed = 0;        // the random window forms' seed

  // The convention after defaults: "keras" or "torch".
  std::string resolved_convention() const;
  // The hidden widths after defaults (mlp).
  std::vector<int64_t> resolved_hidden() const;
  // One line naming every size that fixes a tensor shape, e.g. "mlp sz in=1x28x28 classes=10 hidden=512
  // form=default p=0.7"; a checkpoint loads only into a model with the same line.
  std::string architecture() const;
  // Throws murine::Error naming the option for an unknown model/layer/convention or a nonsense size.
  void check(const std::string& op) const;

  nlohmann::json to_json() const;
  // Reads the keys above; a missing key keeps its default; a key of the wrong type is an error.
  static ClassifierConfig from_json(const nlohmann::json& j);
};

// Builds the network, every layer with its input size, so it is built at once (weights drawn from
// global_generator(); call manual_seed first). Input (N, channels, size, size) in [0, 1]; output: logits
// (N, classes).
std::shared_ptr<Sequential> make_classifier(const ClassifierConfig& config);

}  // namespace murine

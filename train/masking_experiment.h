// The post-training masking experiment of the Front. Neurorobot. paper's MNIST_4layers*Nrm scripts
// (and CIFAR10_DiagNrmCNN200909.py): take a trained network, zero one Dense layer's weights outside
// a pruning mask (layers/pruning_mask.h), divide the kept weights by the kept fraction, evaluate on
// the test set, put the weights back, and sweep the mask's width.
//
// The scripts train Flatten → Dense(512, relu) → Dense(512, relu, no bias) → Dense(10, softmax) on
// MNIST (Adam, batch 32, 20 epochs, two repeats averaged) and mask the second Dense, 512 → 512: the
// last hidden Dense, as in the CIFAR script (its Dense(512) before the output). murine's mlp with
// --hidden 512,512 is that network, with a bias in every layer: the bias of the masked layer is left as
// trained (the scripts' masked layer has none, so they divide only the kernel).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "data/labeled_images.h"
#include "layers/dense.h"
#include "layers/module.h"
#include "tensor/device.h"

namespace murine {

// One evaluation of the masked network.
struct MaskingRow {
  std::string form;
  double width = 0.0;
  double kept_percent = 0.0;  // 100 · kept_fraction(mask)
  double test_loss = 0.0;     // mean softmax cross-entropy
  double test_accuracy = 0.0; // top-1, in [0, 1]
};

struct MaskingOptions {
  std::vector<std::string> forms = {"diagonal", "centered", "gaussian", "random", "striping"};
  std::vector<double> widths = {};  // each in [0, 1]; must not be empty
  uint64_t seed = 0;                // 'random': Philox seed of the mask (the same mask for every run)
  int64_t batch = 500;              // evaluation batch (does not change results)
};

// The index in `net` of the Dense the scripts mask: the last Dense before the output Dense. Throws when
// the network has fewer than two Dense layers.
int64_t default_masked_layer(Sequential& net);

// Layer `index` of `net` as a built, unmasked Dense; errors (naming `op`) say what the layer is instead
// and list the Dense layers' indices.
Dense& dense_layer_at(Sequential& net, int64_t index, const std::string& op);

// (W ⊙ mask) / kept_fraction(mask), as a new CPU tensor (W ⊙ mask when the mask keeps nothing, as the
// scripts' `if fcount > 0`): the weight the masked network is evaluated with.
Tensor pruned_weight(const Tensor& weight, const Tensor& mask);

// For each form, then each width: W ← pruned_weight(W, mask), evaluate on `test` on the layer's device, restore W exactly (also when evaluation throws). The network
// is left as it was. `on_row` (if set) sees each row as it is done. Throws for an empty sweep, an
// unknown form or a width outside [0, 1] before evaluating anything.
std::vector<MaskingRow> run_masking_experiment(Sequential& net, int64_t layer_index, const MaskingOptions& options,
                                               const LabeledImages& test,
                                               const std::function<void(const MaskingRow&)>& on_row = {});

// mask.csv: the header form,width,kept_percent,test_loss,test_accuracy and one line per row (atomic).
void write_masking_csv(const std::string& path, const std::vector<MaskingRow>& rows);

// mask.txt: `title`, then one line per width and a column per form: test accuracy % and (kept %).
std::string masking_table(const std::vector<MaskingRow>& rows, const std::string& title);

}  // namespace murine

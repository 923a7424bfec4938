// Subsets and the seeded train/validation split of a labelled image set (data/labeled_images.h).
#include "data/labeled_images.h"

#include <algorithm>
#include <cmath>

#include "data/image_folder.h"
#include "tensor/error.h"
#include "tensor/random.h"

namespace murine {

void check_labeled_images(const LabeledImages& set, const std::string& op) {
  MURINE_CHECK(set.images.defined() && set.images.rank() == 4 && set.images.device() == Device::CPU,
               op << ": expected images (N, C, H, W) on the CPU; got "
                  << (set.images.defined() ? shape_str(set.images.shape()) : std::string("an undefined tensor")));
  MURINE_CHECK(set.images.size(0) == set.size(),
               op << ": " << set.images.size(0) << " images but " << set.size() << " labels");
  for (int64_t i = 0; i < set.size(); ++i)
    MURINE_CHECK(set.labels[i] >= 0 && set.labels[i] < set.classes(),
                 op << ": label " << set.labels[i] << " of sample " << i << " outside [0, " << set.classes() << ")");
}

LabeledImages subset(const LabeledImages& set, const std::vector<int64_t>& indices) {
  check_labeled_images(set, "subset");
  for (size_t k = 0; k < indices.size(); ++k)
    MURINE_CHECK(indices[k] >= 0 && indices[k] < set.size(),
                 "subset: index " << indices[k] << " (entry " << k << ") out of range for " << set.size() << " samples");
  LabeledImages out;
  out.images = gather_rows(set.images, indices, 0, (int64_t)indices.size());
  out.class_names = set.class_names;
  out.labels.reserve(indices.size());
  for (int64_t i : indices) out.labels.push_back(set.labels[i]);
  return out;
}

std::pair<LabeledImages, LabeledImages> split_validation(const LabeledImages& set, double fraction, uint64_t seed) {
  MURINE_CHECK(fraction >= 0.0 && fraction < 1.0, "split_validation: fraction must be in [0, 1); got " << fraction);
  check_labeled_images(set, "split_validation");
  const int64_t n = set.size();
  const int64_t val_count = (int64_t)std::llround(fraction * (double)n);
  MURINE_CHECK(val_count < n || n == 0, "split_validation: a validation fraction of " << fraction << " of " << n
                                                                                      << " samples leaves no training sample");
  Generator gen(seed);
  std::vector<int64_t> order = random_permutation(n, gen);
  std::vector<int64_t> train(order.begin(), order.end() - val_count), val(order.end() - val_count, order.end());
  std::sort(train.begin(), train.end());
  std::sort(val.begin(), val.end());
  return {subset(set, train), subset(set, val)};
}

}  // namespace murine

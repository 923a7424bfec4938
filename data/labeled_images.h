// LabeledImages: a classification data set held in memory (images in [0, 1], one integer label each,
// the class names), with the two ways the experiments cut one: a subset by index and a seeded
// train/validation split.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace murine {

struct LabeledImages {
  Tensor images;                        // (N, C, H, W) float32 on the CPU, values in [0, 1]
  std::vector<int64_t> labels;          // N entries, each in [0, class_names.size())
  std::vector<std::string> class_names;
  int64_t size() const { return (int64_t)labels.size(); }
  int64_t classes() const { return (int64_t)class_names.size(); }
};

// Throws murine::Error, prefixed with `op`, unless images is a CPU (N, C, H, W) tensor with one label
// per image and every label in [0, classes()).
void check_labeled_images(const LabeledImages& set, const std::string& op);

// The samples at `indices` (in that order, repeats allowed) as a new LabeledImages with the same
// class names. Throws murine::Error naming the first index outside [0, size()).
LabeledImages subset(const LabeledImages& set, const std::vector<int64_t>& indices);

// Shuffles the sample indices with random_permutation (data/image_folder.h) from Generator(seed) and
// splits off the last round(fraction·N) of them as the validation set; returns {train, val}. Within
// each part the samples keep their original order. fraction in [0, 1); 0 gives an empty val. Throws
// murine::Error when fraction is outside [0, 1) or the split would leave no training sample.
std::pair<LabeledImages, LabeledImages> split_validation(const LabeledImages& set, double fraction, uint64_t seed);

}  // namespace murine

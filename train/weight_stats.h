// The reference scripts' end-of-run table of positive, negative and zero weights per layer
// ('pos_neg_weight_stats'): for every parameter named "*weight", the counts of w > 0, w < 0 and
// w == 0 (masked weights are exactly 0, so the zeros show the window at work).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "layers/module.h"

namespace murine {

struct WeightSigns {
  std::string name;
  int64_t positive = 0, negative = 0, zero = 0;
};

std::vector<WeightSigns> weight_signs(const Module& model);
// A text table, one row per weight tensor plus a total row.
std::string weight_sign_table(const Module& model);

}  // namespace murine

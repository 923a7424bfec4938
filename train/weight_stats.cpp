// Positive / negative / zero weight counts per layer.
#include "train/weight_stats.h"

#include <cstdio>

namespace murine {

std::vector<WeightSigns> weight_signs(const Module& model) {
  std::vector<WeightSigns> rows;
  for (const auto& [name, t] : model.named_parameters()) {
    bool is_weight = name == "weight" || (name.size() > 7 && name.compare(name.size() - 7, 7, ".weight") == 0);
    if (!is_weight) continue;
    WeightSigns row{name};
    for (float v : t.to_vector()) {
      if (v > 0) ++row.positive;
      else if (v < 0) ++row.negative;
      else ++row.zero;
    }
    rows.push_back(row);
  }
  return rows;
}

std::string weight_sign_table(const Module& model) {
  std::string out;
  char buf[256];
  std::snprintf(buf, sizeof buf, "%-28s %12s %12s %12s %8s\n", "weight", "positive", "negative", "zero", "zero %");
  out += buf;
  WeightSigns total{"total"};
  auto add_row = [&](const WeightSigns& r) {
    int64_t n = r.positive + r.negative + r.zero;
    std::snprintf(buf, sizeof buf, "%-28s %12lld %12lld %12lld %7.2f%%\n", r.name.c_str(), (long long)r.positive,
                  (long long)r.negative, (long long)r.zero, n ? 100.0 * (double)r.zero / (double)n : 0.0);
    out += buf;
  };
  for (const WeightSigns& r : weight_signs(model)) {
    add_row(r);
    total.positive += r.positive;
    total.negative += r.negative;
    total.zero += r.zero;
  }
  add_row(total);
  return out;
}

}  // namespace murine

// Classification metrics over logits (N, C) and integer labels: predicted classes, accuracy and top-k
// accuracy (Keras' accuracy / top_k_categorical_accuracy), and the confusion matrix.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace murine {

// The most classes a classifier, and so a confusion matrix (classes² counts), may have.
inline constexpr int64_t kMaxClasses = 1000;

// The class of the largest logit of each row (the first one on ties, as argmax does; a row with NaNs
// gives the first largest of its other logits).
std::vector<int64_t> predicted_classes(const Tensor& logits);

// Number of rows whose label is among the k largest logits of the row (k = 1: the prediction is right).
// A label tied with the k-th largest logit counts as hit (Keras' in_top_k); a row holding a NaN is a
// miss. Labels must be in [0, C).
int64_t top_k_hits(const Tensor& logits, const std::vector<int64_t>& labels, int64_t k = 1);

// Fraction of rows that top_k_hits counts; 0 for no rows.
double top_k_accuracy(const Tensor& logits, const std::vector<int64_t>& labels, int64_t k = 1);

// counts(true, predicted): how often a sample of class `true` was predicted as `predicted`.
class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(int64_t classes = 0);
  void add(int64_t true_class, int64_t predicted_class);
  void add(const std::vector<int64_t>& true_classes, const std::vector<int64_t>& predicted_classes);

  int64_t classes() const { return classes_; }
  int64_t count(int64_t true_class, int64_t predicted_class) const;
  int64_t total() const;
  double accuracy() const;  // trace / total (0 when empty)
  // Recall of one class: count(c, c) / samples of class c (0 when there are none).
  double recall(int64_t true_class) const;

  // A table: one row per true class (named by `names`, or its index), one column per prediction, and
  // each row's recall; rows are true classes, columns predictions.
  std::string format(const std::vector<std::string>& names = {}) const;
  // The same as CSV: header "true\predicted,<names…>", one line per true class.
  std::string csv(const std::vector<std::string>& names = {}) const;

 private:
  int64_t classes_;
  std::vector<int64_t> counts_;
};

}  // namespace murine

// Classification metrics (see metrics.h).
#include "train/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "tensor/error.h"

namespace murine {

namespace {

// The logits as rows on the host, checked to be (N, C).
std::vector<float> host_rows(const Tensor& logits, const char* op, int64_t& n, int64_t& c) {
  MURINE_CHECK(logits.defined() && logits.rank() == 2, op << ": logits must be (N, C), got "
                                                         << (logits.defined() ? shape_str(logits.shape()) : "undefined"));
  n = logits.shape()[0];
  c = logits.shape()[1];
  MURINE_CHECK(c > 0, op << ": logits " << shape_str(logits.shape()) << " have no classes");
  return logits.to_vector();
}

}  // namespace

std::vector<int64_t> predicted_classes(const Tensor& logits) {
  int64_t n, c;
  const std::vector<float> v = host_rows(logits, "predicted_classes", n, c);
  std::vector<int64_t> out(n);
  for (int64_t i = 0; i < n; ++i) {
    const float* row = v.data() + i * c;
    out[i] = std::max_element(row, row + c) - row;
  }
  return out;
}

int64_t top_k_hits(const Tensor& logits, const std::vector<int64_t>& labels, int64_t k) {
  int64_t n, c;
  const std::vector<float> v = host_rows(logits, "top_k_hits", n, c);
  MURINE_CHECK((int64_t)labels.size() == n,
               "top_k_hits: " << labels.size() << " labels for logits " << shape_str(logits.shape()));
  MURINE_CHECK(k >= 1, "top_k_hits: k must be >= 1, got " << k);
  int64_t hits = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t y = labels[i];
    MURINE_CHECK(y >= 0 && y < c, "top_k_hits: label " << y << " of row " << i << " is not in [0, " << c << ")");
    const float* row = v.data() + i * c;
    // The label is in the top k when fewer than k logits are strictly larger than its own. A row with a
    // NaN (a diverged network) is a miss, never a hit.
    int64_t larger = 0;
    bool nan = false;
    for (int64_t j = 0; j < c; ++j) larger += row[j] > row[y], nan |= std::isnan(row[j]);
    hits += !nan && larger < k;
  }
  return hits;
}

double top_k_accuracy(const Tensor& logits, const std::vector<int64_t>& labels, int64_t k) {
  const int64_t hits = top_k_hits(logits, labels, k);
  return labels.empty() ? 0.0 : (double)hits / (double)labels.size();
}

ConfusionMatrix::ConfusionMatrix(int64_t classes) : classes_(classes) {
  MURINE_CHECK(classes >= 0 && classes <= kMaxClasses,
               "ConfusionMatrix: classes must be in [0, " << kMaxClasses << "], got " << classes);
  counts_.assign(classes * classes, 0);
}

void ConfusionMatrix::add(int64_t t, int64_t p) {
  MURINE_CHECK(t >= 0 && t < classes_ && p >= 0 && p < classes_,
               "ConfusionMatrix::add: classes (" << t << ", " << p << ") not in [0, " << classes_ << ")");
  ++counts_[t * classes_ + p];
}

void ConfusionMatrix::add(const std::vector<int64_t>& t, const std::vector<int64_t>& p) {
  MURINE_CHECK(t.size() == p.size(),
               "ConfusionMatrix::add: " << t.size() << " true classes but " << p.size() << " predictions");
  for (size_t i = 0; i < t.size(); ++i) add(t[i], p[i]);
}

int64_t ConfusionMatrix::count(int64_t t, int64_t p) const {
  MURINE_CHECK(t >= 0 && t < classes_ && p >= 0 && p < classes_,
               "ConfusionMatrix::count: classes (" << t << ", " << p << ") not in [0, " << classes_ << ")");
  return counts_[t * classes_ + p];
}

int64_t ConfusionMatrix::total() const {
  int64_t s = 0;
  for (int64_t v : counts_) s += v;
  return s;
}

double ConfusionMatrix::accuracy() const {
  int64_t trace = 0;
  for (int64_t i = 0; i < classes_; ++i) trace += counts_[i * classes_ + i];
  const int64_t n = total();
  return n ? (double)trace / (double)n : 0.0;
}

double ConfusionMatrix::recall(int64_t t) const {
  int64_t row = 0;
  for (int64_t p = 0; p < classes_; ++p) row += count(t, p);
  return row ? (double)count(t, t) / (double)row : 0.0;
}

namespace {
std::string class_name(const std::vector<std::string>& names, int64_t i) {
  return i < (int64_t)names.size() ? names[i] : std::to_string(i);
}
}  // namespace

std::string ConfusionMatrix::format(const std::vector<std::string>& names) const {
  size_t name_w = 4, cell_w = 5;
  for (int64_t i = 0; i < classes_; ++i) name_w = std::max(name_w, class_name(names, i).size());
  for (int64_t v : counts_) cell_w = std::max(cell_w, std::to_string(v).size() + 1);
  std::ostringstream s;
  char buf[64];
  s << "rows: true class, columns: predicted class (index)\n";
  s << std::string(name_w, ' ');
  for (int64_t p = 0; p < classes_; ++p) {
    std::snprintf(buf, sizeof buf, "%*lld", (int)cell_w, (long long)p);
    s << buf;
  }
  s << "  recall\n";
  for (int64_t t = 0; t < classes_; ++t) {
    const std::string name = class_name(names, t);
    s << name << std::string(name_w - name.size(), ' ');
    for (int64_t p = 0; p < classes_; ++p) {
      std::snprintf(buf, sizeof buf, "%*lld", (int)cell_w, (long long)count(t, p));
      s << buf;
    }
    std::snprintf(buf, sizeof buf, "  %5.1f %%\n", 100.0 * recall(t));
    s << buf;
  }
  std::snprintf(buf, sizeof buf, "accuracy %.2f %% of %lld\n", 100.0 * accuracy(), (long long)total());
  s << buf;
  return s.str();
}

std::string ConfusionMatrix::csv(const std::vector<std::string>& names) const {
  auto quoted = [](const std::string& n) {
    if (n.find_first_of(",\"\n") == std::string::npos) return n;
    std::string q = "\"";
    for (char ch : n) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    return q + "\"";
  };
  std::ostringstream s;
  s << "true\\predicted";
  for (int64_t p = 0; p < classes_; ++p) s << "," << quoted(class_name(names, p));
  s << "\n";
  for (int64_t t = 0; t < classes_; ++t) {
    s << quoted(class_name(names, t));
    for (int64_t p = 0; p < classes_; ++p) s << "," << count(t, p);
    s << "\n";
  }
  return s.str();
}

}  // namespace murine

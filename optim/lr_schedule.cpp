// Learning-rate schedules (see lr_schedule.h): construction, parsing and evaluation.
#include "optim/lr_schedule.h"

#include <cmath>
#include <cstdlib>
#include <sstream>

#include "tensor/error.h"

namespace murine {

LrSchedule LrSchedule::constant() { return LrSchedule(); }

LrSchedule LrSchedule::step(std::vector<int64_t> milestones, double factor) {
  MURINE_CHECK(!milestones.empty(), "LrSchedule::step: needs at least one milestone epoch");
  for (size_t i = 0; i < milestones.size(); ++i) {
    MURINE_CHECK(milestones[i] >= 0, "LrSchedule::step: milestone epochs must be >= 0, got " << milestones[i]);
    MURINE_CHECK(i == 0 || milestones[i] > milestones[i - 1],
                 "LrSchedule::step: milestone epochs must increase, got " << milestones[i - 1] << " then "
                                                                          << milestones[i]);
  }
  MURINE_CHECK(std::isfinite(factor) && factor > 0, "LrSchedule::step: factor must be > 0, got " << factor);
  LrSchedule s;
  s.kind_ = Kind::Step;
  s.milestones_ = std::move(milestones);
  s.factor_ = factor;
  return s;
}

LrSchedule LrSchedule::inverse_time(double decay) {
  MURINE_CHECK(std::isfinite(decay) && decay >= 0, "LrSchedule::inverse_time: decay must be >= 0, got " << decay);
  LrSchedule s;
  s.kind_ = Kind::InverseTime;
  s.decay_ = decay;
  return s;
}

namespace {

// The whole of `text` as a number, or an error naming `what` and the schedule.
double parse_number(const std::string& text, const char* what, const std::string& schedule) {
  const char* begin = text.c_str();
  char* end = nullptr;
  double v = std::strtod(begin, &end);
  MURINE_CHECK(!text.empty() && end == begin + text.size() && std::isfinite(v),
               "learning-rate schedule '" << schedule << "': " << what << " '" << text << "' is not a number");
  return v;
}

int64_t parse_epoch(const std::string& text, const std::string& schedule) {
  MURINE_CHECK(!text.empty() && text.find_first_not_of("0123456789") == std::string::npos && text.size() < 10,
               "learning-rate schedule '" << schedule << "': milestone '" << text
                                          << "' is not an epoch number (a whole number >= 0)");
  return std::stoll(text);
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, sep)) parts.push_back(part);
  if (!text.empty() && text.back() == sep) parts.push_back("");
  return parts;
}

}  // namespace

LrSchedule LrSchedule::parse(const std::string& text) {
  const char* forms = "(use \"constant\", \"step:EPOCH[,EPOCH...]:FACTOR\" or \"inverse-time:DECAY\")";
  std::vector<std::string> parts = split(text, ':');
  MURINE_CHECK(!parts.empty(), "learning-rate schedule is empty " << forms);
  const std::string& kind = parts[0];
  try {
    if (kind == "constant") {
      MURINE_CHECK(parts.size() == 1, "learning-rate schedule '" << text << "': constant takes no arguments");
      return constant();
    }
    if (kind == "step") {
      MURINE_CHECK(parts.size() == 3, "learning-rate schedule '" << text << "': step takes milestones and a factor, "
                                                                 << "as step:150:0.2 or step:100,150:0.1");
      std::vector<int64_t> milestones;
      for (const std::string& m : split(parts[1], ',')) milestones.push_back(parse_epoch(m, text));
      return step(milestones, parse_number(parts[2], "factor", text));
    }
    if (kind == "inverse-time") {
      MURINE_CHECK(parts.size() == 2, "learning-rate schedule '" << text << "': inverse-time takes one decay, as inverse-time:1e-6");
      return inverse_time(parse_number(parts[1], "decay", text));
    }
  } catch (const Error& e) {
    std::string message = e.what();
    if (message.rfind("learning-rate schedule", 0) == 0) throw;
    throw Error("learning-rate schedule '" + text + "': " + message);
  }
  throw Error("learning-rate schedule '" + text + "': unknown kind '" + kind + "' " + forms);
}

double LrSchedule::lr(double base_lr, int64_t epoch, int64_t iteration) const {
  switch (kind_) {
    case Kind::Constant: return base_lr;
    case Kind::Step: {
      // [lr step decay] lr_e = lr · factor^|{m ∈ milestones : m ≤ e}|
      int64_t passed = 0;
      for (int64_t m : milestones_) passed += m <= epoch;
      return base_lr * std::pow(factor_, (double)passed);
    }
    case Kind::InverseTime:
      // [lr inverse time decay] lr_t = lr / (1 + decay · t), t = steps already taken
      return base_lr / (1.0 + decay_ * (double)iteration);
  }
  return base_lr;
}

std::string LrSchedule::str() const {
  std::ostringstream os;
  os.precision(17);
  switch (kind_) {
    case Kind::Constant: return "constant";
    case Kind::Step:
      os << "step:";
      for (size_t i = 0; i < milestones_.size(); ++i) os << (i ? "," : "") << milestones_[i];
      os << ":" << factor_;
      return os.str();
    case Kind::InverseTime: os << "inverse-time:" << decay_; return os.str();
  }
  return "constant";
}

}  // namespace murine

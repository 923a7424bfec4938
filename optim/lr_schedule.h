// Learning-rate schedules: a small value the training loop asks, before each step, for the
// learning rate at (epoch, iteration), and hands to Optimizer::set_lr. epoch counts from 0;
// iteration is the number of steps already taken (the optimizer's iterations() before the step).
//   constant:       lr
//   step decay:     lr · factor^(number of milestones ≤ epoch)   (PyTorch's MultiStepLR, stepped
//                   once per epoch; e.g. the VGG16 script's "0.0005, divided by 5 from epoch 150"
//                   is milestones {150}, factor 0.2)
//   inverse time:   lr / (1 + decay · iteration)   (Keras 2's legacy `decay` argument: tf.keras 2.x
//                   optimizer_v2 OptimizerV2._decayed_lr, lr_t / (1 + decay_t · iterations), with
//                   iterations read before it is incremented, so the first step uses lr itself)
// As text (the CLI's --schedule): "constant", "step:150:0.2", "step:100,150:0.1",
// "inverse-time:1e-6"; str() writes that form back.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace murine {

class LrSchedule {
 public:
  enum class Kind { Constant, Step, InverseTime };

  LrSchedule() = default;  // constant
  static LrSchedule constant();
  // milestones: epochs, strictly increasing and >= 0; factor > 0.
  static LrSchedule step(std::vector<int64_t> milestones, double factor);
  // decay >= 0 (0 is the constant schedule).
  static LrSchedule inverse_time(double decay);
  // The text forms above; an error names the text and what is wrong with it.
  static LrSchedule parse(const std::string& text);

  // The learning rate at (epoch, iteration) for a base learning rate base_lr.
  double lr(double base_lr, int64_t epoch, int64_t iteration) const;
  std::string str() const;

  Kind kind() const { return kind_; }
  const std::vector<int64_t>& milestones() const { return milestones_; }
  double factor() const { return factor_; }
  double decay() const { return decay_; }

 private:
  Kind kind_ = Kind::Constant;
  std::vector<int64_t> milestones_;
  double factor_ = 1.0;
  double decay_ = 0.0;
};

}  // namespace murine

// The flags that describe a classification run, shared by `murine train classifier` and
// `murine experiment` (tools/cmd_classify.cpp, tools/cmd_experiment.cpp).
#pragma once
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "train/classifier_trainer.h"

namespace murine::cli {

// What the flags fill before they become a ClassifierRunConfig.
struct ClassifierFlags {
  ClassifierRunConfig run;
  std::vector<std::string> data = {"fashion-mnist"};  // KIND [DIR]
  double shift = 0.0;                                  // --shift: width and height shift fraction
  bool window_seed_given = false;
  std::string device = "cpu";
};

// Adds --model, --data, --layer, --form, --param-reduction, --window2d-width, --hidden, --epochs, --batch,
// --optimizer, --lr, ... to `app`. `with_layer`: also the flags that choose the constrained layer (an
// experiment sets those per variant itself).
void add_classifier_flags(CLI::App* app, ClassifierFlags& flags, bool with_layer = true);

// The run config the flags give (the data kind and directory split, the seeds, the device); `op` names the
// command in errors.
ClassifierRunConfig classifier_run_config(const ClassifierFlags& flags, const std::string& op);

}  // namespace murine::cli

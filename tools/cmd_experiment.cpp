// `murine experiment compare|sweep|mask`: the papers' experiments from the command line
// (train/experiment.h). compare trains every --layers variant --runs times with the same seeds and
// data order; sweep trains SzDense models over a list of reduction ratios p. Both write their run
// directories, compare.csv, summary.txt (and sweep.csv) under --out, print the summary, and draw the
// plot (tools/plot_compare.py, tools/plot_sweep.py) when matplotlib is there. Ctrl-C stops after saving
// the current run's checkpoint; the same command again continues from it.
#include <cstdio>
#include <memory>
#include <sstream>

#include "tensor/error.h"
#include "tools/classifier_options.h"
#include "tools/command.h"
#include "tools/plot_script.h"
#include "train/experiment.h"
#include "train/interrupt.h"

namespace murine::cli {

namespace {

struct ExperimentFlags {
  ClassifierFlags classifier;
  std::vector<std::string> layers = {"standard", "sz:0.7"};
  std::vector<double> param_reductions = {0, 0.167, 0.333, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.925};
  std::string form;
  int64_t runs = 3;
  std::string out = "experiment";
};

int finish(const std::vector<ExperimentRun>& runs, bool interrupted, const std::string& dir, const char* plot) {
  std::printf("%s", experiment_summary(runs).c_str());
  if (interrupted) {
    std::fprintf(stderr, "\ninterrupted: the current run's checkpoint is saved; run the same command again to continue\n");
    return 130;
  }
  run_plot_script(plot, dir);
  std::printf("wrote %s: compare.csv, summary.txt and one directory per run\n", dir.c_str());
  return 0;
}

}  // namespace

Command add_experiment_command(CLI::App& app) {
  auto f = std::make_shared<ExperimentFlags>();
  CLI::App* sub = app.add_subcommand("experiment", "the papers' experiments: compare variants, sweep p, mask");
  sub->require_subcommand(1);

  CLI::App* compare = sub->add_subcommand("compare", "train variants of a classifier with the same seeds and data");
  add_classifier_flags(compare, f->classifier, false);
  compare->add_option("--layers", f->layers, "variants: standard, sz:P[:FORM], mouse:R[:FORM], comma-separated")
      ->delimiter(',')
      ->capture_default_str();
  compare->add_option("--runs", f->runs, "runs per variant (seeds --seed, --seed + 1, ...)")->capture_default_str();
  compare->add_option("--out", f->out, "experiment directory")->capture_default_str();

  CLI::App* sweep = sub->add_subcommand("sweep", "train SzDense models over reduction ratios p");
  add_classifier_flags(sweep, f->classifier, false);
  sweep->add_option("--param-reduction", f->param_reductions, "the values of p, comma-separated")
      ->delimiter(',')
      ->capture_default_str();
  sweep->add_option("--form", f->form, "window form of the sz layer (default diagonal)");
  sweep->add_option("--runs", f->runs, "runs per value")->capture_default_str();
  sweep->add_option("--out", f->out, "experiment directory")->capture_default_str();


  Command mask = add_experiment_mask_command(*sub);

  return {sub, [f, compare, sweep, mask] {
            if (mask.app->parsed()) return mask.run();
            const bool is_sweep = sweep->parsed();
            const char* op = is_sweep ? "murine experiment sweep" : "murine experiment compare";
            ExperimentOptions o;
            o.base = classifier_run_config(f->classifier, op);
            o.base.model.form = f->form;
            o.runs = f->runs;
            o.dir = f->out;
            install_interrupt_handler();
            bool interrupted = false;
            if (is_sweep) {
              const auto runs = sweep_param_reduction(o, f->param_reductions, &interrupted);
              return finish(runs, interrupted, o.dir, "plot_sweep.py");
            }
            for (const std::string& v : f->layers) o.variants.push_back(Variant::parse(v));
            const auto runs = compare_variants(o, &interrupted);
            return finish(runs, interrupted, o.dir, "plot_compare.py");
          }};
}

}  // namespace murine::cli

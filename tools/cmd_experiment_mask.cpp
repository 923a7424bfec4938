// `murine experiment mask`: the post-training masking experiment (train/masking_experiment.h) on a
// trained classifier, from a run's checkpoint (--checkpoint) or trained first (--train, with the
// classifier flags of tools/classifier_options.h, into OUT/train). Writes OUT/mask.csv, OUT/mask.txt
// and, when python3 with matplotlib is there, OUT/mask.png (tools/plot_mask.py).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>

#include "io/atomic_file.h"
#include "layers/pruning_mask.h"
#include "tensor/error.h"
#include "tools/classifier_options.h"
#include "tools/command.h"
#include "tools/plot_script.h"
#include "train/classifier_trainer.h"
#include "train/masking_experiment.h"

namespace murine::cli {

namespace {

constexpr const char* kOp = "murine experiment mask";

struct MaskArgs {
  std::string checkpoint;
  bool train = false;
  int64_t layer_index = -1;  // −1: default_masked_layer
  std::vector<std::string> forms = {"diagonal", "centered", "gaussian", "random", "striping"};
  std::vector<double> widths = {0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5,
                                0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0};
  uint64_t mask_seed = 0;
  std::string out;
};

std::string form_list() {
  std::string s;
  for (const std::string& f : pruning_mask_forms()) s += (s.empty() ? "" : ", ") + f;
  return s;
}

// The sweep is checked before anything is loaded or trained.
void check_sweep(const MaskArgs& a) {
  MURINE_CHECK(!a.forms.empty(), kOp << ": --forms is empty (forms: " << form_list() << ")");
  for (const std::string& f : a.forms) {
    bool known = false;
    for (const std::string& g : pruning_mask_forms()) known = known || f == g;
    MURINE_CHECK(known, kOp << ": unknown form '" << f << "' in --forms (forms: " << form_list() << ")");
  }
  MURINE_CHECK(!a.widths.empty(), kOp << ": --widths is empty");
  for (double w : a.widths)
    MURINE_CHECK(std::isfinite(w) && w >= 0 && w <= 1,
                 kOp << ": --widths must lie in [0, 1] (1 keeps every weight), got " << w);
}

// The test set a checkpoint's run was evaluated on (or --data's), checked against the network.
LabeledImages test_set_of(const ClassifierRunConfig& run, const ClassifierFlags& f, bool data_given, bool limit_given) {
  std::string kind = run.data, dir = run.data_dir;
  if (data_given) kind = f.data[0], dir = f.data.size() > 1 ? f.data[1] : "";
  LabeledImages test = load_labeled_dataset(kind, dir, run.folder_image_size).test;
  const int64_t limit = limit_given ? f.run.test_limit : run.test_limit;
  if (limit > 0 && limit < test.size()) {
    std::vector<int64_t> first((size_t)limit);
    for (int64_t i = 0; i < limit; ++i) first[i] = i;
    test = subset(test, first);
  }
  MURINE_CHECK(test.size() > 0, kOp << ": the test split of " << kind << " is empty");
  const ClassifierConfig& m = run.model;
  const Shape& s = test.images.shape();
  MURINE_CHECK(s[1] == m.channels && s[2] == m.image_size && s[3] == m.image_size && test.classes() == m.classes,
               kOp << ": the network takes " << m.channels << "x" << m.image_size << "x" << m.image_size << " images of "
                   << m.classes << " classes; " << kind << " has " << shape_str(s) << " of " << test.classes());
  return test;
}

std::string layer_line(Sequential& net, int64_t index) {
  Dense& d = dense_layer_at(net, index, kOp);
  std::ostringstream s;
  s << "layer " << index << " (Dense " << d.weight.size(1) << " -> " << d.weight.size(0) << ")";
  return s.str();
}

// Runs the sweep on `net`, printing each row, and writes OUT/mask.csv, mask.txt, mask.png.
int run_sweep(Sequential& net, const MaskArgs& a, const LabeledImages& test, int64_t eval_batch, Device device,
              const std::string& source) {
  const int64_t index = a.layer_index >= 0 ? a.layer_index : default_masked_layer(net);
  const std::string layer = layer_line(net, index);
  const Evaluation unmasked = evaluate(net, test, eval_batch, device);
  std::printf("%s, %lld test samples: unmasked test loss %.4f, accuracy %.4f\n", layer.c_str(),
              (long long)test.size(), unmasked.loss, unmasked.accuracy);
  MaskingOptions options;
  options.forms = a.forms;
  options.widths = a.widths;
  options.seed = a.mask_seed;
  options.batch = eval_batch;
  const std::vector<MaskingRow> rows = run_masking_experiment(net, index, options, test, [](const MaskingRow& r) {
    std::printf("%-11s width %-6.4g kept %6.2f %%: test loss %.4f, accuracy %.4f\n", r.form.c_str(), r.width,
                r.kept_percent, r.test_loss, r.test_accuracy);
    std::fflush(stdout);
  });
  std::filesystem::create_directories(a.out);
  write_masking_csv(a.out + "/mask.csv", rows);
  char base[160];
  std::snprintf(base, sizeof base, "unmasked: test accuracy %.2f %%, loss %.4f (%lld test samples)",
                100.0 * unmasked.accuracy, unmasked.loss, (long long)test.size());
  const std::string title = "post-training masking of " + layer + " of " + source + "\n" + base;
  write_file_atomic(a.out + "/mask.txt", masking_table(rows, title), kOp);
  const bool plotted = run_plot_script("plot_mask.py", a.out);
  std::printf("wrote %s: mask.csv, mask.txt%s\n", a.out.c_str(), plotted ? ", mask.png" : "");
  return 0;
}

}  // namespace

Command add_experiment_mask_command(CLI::App& experiment) {
  auto a = std::make_shared<MaskArgs>();
  auto f = std::make_shared<ClassifierFlags>();
  CLI::App* sub = experiment.add_subcommand(
      "mask", "post-training masking (the MNIST_4layers*Nrm scripts): zero a trained Dense outside a window, "
              "rescale, evaluate, sweep the width");
  sub->add_option("--checkpoint", a->checkpoint, "a classifier run's checkpoint.safetensors to mask");
  sub->add_flag("--train", a->train, "train a standard network first (the classifier flags below) into OUT/train");
  sub->add_option("--layer-index", a->layer_index,
                  "index of the Dense to mask in the network (default: the last hidden Dense, as the scripts)");
  sub->add_option("--forms", a->forms, "mask forms, comma-separated: " + form_list())
      ->delimiter(',')
      ->capture_default_str();
  sub->add_option("--widths", a->widths, "mask widths in [0, 1], comma-separated (1 keeps every weight)")
      ->delimiter(',')
      ->capture_default_str();
  sub->add_option("--mask-seed", a->mask_seed, "seed of the 'random' form's masks")->capture_default_str();
  sub->add_option("--out", a->out, "output directory (mask.csv, mask.txt, mask.png; train/ with --train)")->required();
  // The classifier flags; only --data, --test-limit and --device apply to a --checkpoint.
  std::set<std::string> before;
  for (const CLI::Option* o : sub->get_options()) before.insert(o->get_name());
  add_classifier_flags(sub, *f, /*with_layer=*/false);
  auto classifier_flags = std::make_shared<std::vector<const CLI::Option*>>();
  for (const CLI::Option* o : sub->get_options())
    if (!before.count(o->get_name())) classifier_flags->push_back(o);

  return {sub, [a, f, sub, classifier_flags] {
            MURINE_CHECK(a->train != !a->checkpoint.empty(),
                         kOp << ": give either --checkpoint RUN/checkpoint.safetensors or --train (with the classifier "
                                "flags), not " << (a->train ? "both" : "neither"));
            check_sweep(*a);
            const bool data_given = sub->get_option("--data")->count() > 0;
            const bool limit_given = sub->get_option("--test-limit")->count() > 0;
            if (!a->train) {
              for (const CLI::Option* o : *classifier_flags)
                MURINE_CHECK(!o->count() || o->get_name() == "--data" || o->get_name() == "--test-limit" ||
                                 o->get_name() == "--device",
                             kOp << ": " << o->get_name() << " is a training flag: give it with --train (a --checkpoint "
                                    "takes only --data, --test-limit and --device)");
              LoadedClassifier c = load_classifier(a->checkpoint, parse_device(f->device, kOp));
              const LabeledImages test = test_set_of(c.config, *f, data_given, limit_given);
              return run_sweep(*c.network, *a, test, c.config.eval_batch, c.config.device,
                               c.config.model.architecture() + " (" + a->checkpoint + ")");
            }
            ClassifierRunConfig run = classifier_run_config(*f, kOp);
            // The scripts' network: Flatten → Dense(512) → Dense(512) → Dense(10); the second Dense is masked.
            if (run.model.model == "mlp" && run.model.hidden.empty()) run.model.hidden = {512, 512};
            ClassifierTrainer trainer(run, a->out + "/train", RunStart::Overwrite);  // the experiment's own folder
            // The layer index is checked before the training, not after it.
            dense_layer_at(trainer.network(), a->layer_index >= 0 ? a->layer_index : default_masked_layer(trainer.network()),
                           kOp);
            const RunOutcome outcome = trainer.run();
            if (outcome.interrupted) {
              std::fprintf(stderr, "\ninterrupted: the run is saved in %s/train (mask it later with --checkpoint "
                                   "%s/train/checkpoint.safetensors)\n", a->out.c_str(), a->out.c_str());
              return 130;
            }
            const LabeledImages& test = trainer.data().test.size() > 0 ? trainer.data().test : trainer.validation();
            MURINE_CHECK(test.size() > 0, kOp << ": the run has neither a test set nor a validation split to evaluate on");
            return run_sweep(trainer.network(), *a, test, trainer.config().eval_batch, trainer.config().device,
                             trainer.config().model.architecture() + " (trained in " + a->out + "/train)");
          }};
}

}  // namespace murine::cli

// The classification run flags (see classifier_options.h).
#include "tools/classifier_options.h"

#include "tensor/error.h"
#include "tools/command.h"

namespace murine::cli {

void add_classifier_flags(CLI::App* app, ClassifierFlags& f, bool with_layer) {
  ClassifierRunConfig& r = f.run;
  ClassifierConfig& m = r.model;
  app->add_option("--model", m.model, "mlp, cnn, lenet or vgg16")->capture_default_str();
  add_image_limit_option(app);
  app->add_option("--data", f.data,
                  "fashion-mnist (the Debian package), mnist DIR, cifar10 DIR or folder DIR (class subfolders)")
      ->expected(1, 2)
      ->capture_default_str();
  if (with_layer) {
    app->add_option("--layer", m.layer, "standard, sz (schizophrenia-mimicking) or mouse (mouse-mimetic)")
        ->capture_default_str();
    app->add_option("--form", m.form, "window form (sz: diagonal, gaussian, random; mouse: 2d); default: the script's");
    app->add_option("--param-reduction", m.param_reduction, "p of the sz layer (fraction of weights removed)")
        ->capture_default_str();
    app->add_option("--window2d-width", m.window2d_width, "r of the mouse layer")->capture_default_str();
  }
  app->add_option("--hidden", m.hidden, "mlp hidden widths, comma-separated (default 512; mouse 1024,512)")
      ->delimiter(',');
  app->add_option("--dropout", m.dropout, "cnn, vgg16: dropout rate (default the script's 0.25)");
  app->add_option("--convention", m.convention, "keras or torch initialisers and optimizers (default: the script's)");
  app->add_option("--window-seed", m.window_seed, "seed of the random window forms (default: --seed)")
      ->each([&f](const std::string&) { f.window_seed_given = true; });
  app->add_option("--epochs", r.epochs, "epochs")->capture_default_str();
  app->add_option("--batch", r.batch, "batch size")->capture_default_str();
  app->add_option("--optimizer", r.optimizer, "adam, rmsprop or sgd (default: the script's)");
  app->add_option("--lr", r.lr, "learning rate (default: the script's)");
  app->add_option("--momentum", r.momentum, "sgd / rmsprop momentum (default: the script's)");
  app->add_option("--schedule", r.schedule,
                  "learning-rate schedule: constant, step:EPOCHS:FACTOR (e.g. step:150:0.2), inverse-time:DECAY");
  app->add_option("--val-split", r.val_split, "fraction of the training set held out for validation")
      ->capture_default_str();
  app->add_option("--train-limit", r.train_limit, "train on the first N samples only");
  app->add_option("--test-limit", r.test_limit, "evaluate on the first N test samples only");
  app->add_option("--image-size", r.folder_image_size, "folder: resize images to this side")->capture_default_str();
  app->add_flag("--flip", r.augment.horizontal_flip, "augment: random horizontal flips");
  app->add_option("--shift", f.shift, "augment: random shifts up to this fraction of the size (e.g. 0.2)");
  app->add_option("--rotation", r.augment.rotation, "augment: random rotations up to this many degrees");
  app->add_option("--zoom", r.augment.zoom, "augment: random zoom in [1 - z, 1 + z]");
  app->add_option("--seed", r.seed, "seed of the weights, split, shuffles, dropout and augmentation")
      ->capture_default_str();
  app->add_option("--device", f.device, "cpu or cuda")->capture_default_str();
}

ClassifierRunConfig classifier_run_config(const ClassifierFlags& f, const std::string& op) {
  ClassifierRunConfig r = f.run;
  MURINE_CHECK(!f.data.empty() && f.data.size() <= 2, op << ": --data takes a kind and, except for fashion-mnist, a directory");
  r.data = f.data[0];
  r.data_dir = f.data.size() > 1 ? f.data[1] : "";
  MURINE_CHECK(r.data == "fashion-mnist" || !r.data_dir.empty(),
               op << ": --data " << r.data << " needs a directory (--data " << r.data << " DIR)");
  MURINE_CHECK(f.shift >= 0 && f.shift < 1, op << ": --shift must be in [0, 1), got " << f.shift);
  r.augment.width_shift = r.augment.height_shift = f.shift;
  if (!f.window_seed_given) r.model.window_seed = r.seed;
  r.device = parse_device(f.device, op);
  return r;
}

}  // namespace murine::cli

// Hostile files through the real CLI (issue 12's classes: images, folder walks, JSON, resume,
// numbers from files, IDX): each crafted input ends in one line `murine: error: …` naming what is
// wrong, a non-zero exit (not a signal), within 20 s and with the address space limited to 4 GiB
// (ulimit -v 4194304), and no line of output longer than 400 characters (no file content echoed).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/child_process.h"
#include "tests/crafted_files.h"
#include "tests/io_test_helpers.h"
#include "train/checkpoint.h"

namespace murine {
namespace {

namespace fs = std::filesystem;
using io_test::read_file;
using io_test::temp_path;
using io_test::write_file;
using testing::Child;

// ulimit -v 4194304 (KiB). Not under AddressSanitizer (make sanitize): its shadow memory reserves
// terabytes of address space at start, so a limited child cannot start at all.
#if defined(__SANITIZE_ADDRESS__)
constexpr long long kAddressSpace = 0;
#else
constexpr long long kAddressSpace = 4194304LL * 1024;
#endif

struct Hostile {
  std::string name;
  std::vector<std::string> args;
  std::vector<std::string> expected;  // substrings of the error line
  // `murine verify` reports a bad case as its "FAIL <case> <why>" line and exits 1; every other
  // command ends in one "murine: error: " line.
  bool verify = false;
};

// Runs one case and checks how it ended.
void expect_one_line_error(const Hostile& h, const std::string& dir) {
  const std::string log = dir + "/" + h.name + ".log";
  Child child(h.args, log, kAddressSpace);
  ASSERT_TRUE(child.started()) << h.name;
  const int code = child.wait_for(20);
  const std::string out = read_file(log);
  EXPECT_NE(code, -1) << h.name << ": still running after 20 s";
  EXPECT_TRUE(code > 0 && code < 128) << h.name << ": exit " << code << "\n" << out;
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line.find_first_not_of(" \r") != std::string::npos) lines.push_back(line);
  ASSERT_FALSE(lines.empty()) << h.name << ": no output";
  std::string last = lines.back();
  if (h.verify) {
    EXPECT_NE(last.find("0 passed, 1 failed"), std::string::npos) << h.name << ": last line '" << last << "'";
    for (const std::string& line : lines)
      if (line.rfind("FAIL ", 0) == 0) last = line;
  } else {
    EXPECT_EQ(last.rfind("murine: error: ", 0), 0u) << h.name << ": last line '" << last << "'";
  }
  for (const std::string& s : h.expected) EXPECT_NE(last.find(s), std::string::npos) << h.name << ": '" << last << "' lacks '" << s << "'";
  std::printf("  %-22s %s\n", h.name.c_str(), last.substr(0, 150).c_str());
  for (const std::string& line : lines) EXPECT_LE(line.size(), 400u) << h.name << ": a line of " << line.size() << " characters";
}

// A copy of the tiny run `base` whose checkpoint `change` altered.
template <class Change>
std::string altered_run(const std::string& base, const std::string& name, Change change) {
  const std::string dir = temp_path(name);
  fs::create_directories(dir);
  for (const auto& entry : fs::directory_iterator(base))
    if (entry.path().filename() != ".lock") fs::copy(entry.path(), dir / entry.path().filename());
  Checkpoint c = load_checkpoint(base + "/checkpoint.safetensors");
  change(c);
  save_checkpoint(dir + "/checkpoint.safetensors", c);
  return dir;
}

std::string with_config(Checkpoint& c, const char* key, const nlohmann::json& value) {
  nlohmann::json config = nlohmann::json::parse(c.config_json);
  config[key] = value;
  return c.config_json = config.dump();
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

std::string nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::string safetensors_with_header(const std::string& header) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = (char)((header.size() >> (8 * i)) & 0xFF);
  return bytes + header;
}

std::string idx_header(uint32_t magic, const std::vector<uint32_t>& dims) {
  std::string bytes;
  testing::put_u32_be(bytes, magic);
  for (uint32_t d : dims) testing::put_u32_be(bytes, d);
  return bytes;
}

// A reference case folder: the stdlib SzDense case's files with case.json replaced.
std::string case_dir(const std::string& name, const std::string& case_json) {
  const std::string dir = temp_path(name);
  fs::create_directories(dir);
  for (const auto& entry : fs::directory_iterator("tests/reference/stdlib/szdense_default_7_5"))
    fs::copy(entry.path(), dir / entry.path().filename());
  write_file(dir + "/case.json", case_json);
  return dir;
}

TEST(HostileInputs, EachEndsInOneLineErrorWithinBoundedTimeAndMemory) {
  ASSERT_TRUE(fs::exists(testing::murine_binary())) << "make builds the CLI with the tests";
  const std::string work = temp_path("hostile");
  fs::create_directories(work);

  // A tiny real run whose checkpoint the resume and sample cases alter.
  const std::string base = work + "/base";
  {
    Child run({"train", "dcgan", "--data", "synthetic-cats", "--synthetic-count", "16", "--image-size", "32", "--ngf", "8",
               "--ndf", "8", "--latent", "16", "--batch", "8", "--steps", "2", "--sample-every", "2", "--out", base},
              work + "/base.log");
    ASSERT_EQ(run.wait_for(120), 0) << read_file(work + "/base.log");
  }
  std::vector<Hostile> cases;
  auto resume = [&](const std::string& name, auto change, std::vector<std::string> expected) {
    cases.push_back({name, {"train", "dcgan", "--resume", altered_run(base, name, change), "--steps", "4"}, expected});
  };
  resume("batch_0", [](Checkpoint& c) { with_config(c, "batch", 0); }, {"batch must be positive"});
  resume("sample_every_0", [](Checkpoint& c) { with_config(c, "sample_every", 0); }, {"sample_every"});
  resume("ngf_200000", [](Checkpoint& c) { with_config(c, "ngf", 200000); }, {"ngf = 200000"});
  resume("synthetic_1e9", [](Checkpoint& c) { with_config(c, "synthetic_count", 1000000000); }, {"synthetic_count"});
  resume("batch_float", [](Checkpoint& c) { with_config(c, "batch", 8.5); }, {"batch"});
  resume("config_nested", [](Checkpoint& c) { c.config_json = "{\"a\":" + nested(100000) + "}"; }, {"nested", "32"});
  resume("nan_weight", [](Checkpoint& c) {
    Tensor& w = c.parts.begin()->second.begin()->second;
    w.data()[0] = std::nanf("");
  }, {"non-finite"});
  {
    const std::string dir = altered_run(base, "garbled_csv", [](Checkpoint&) {});
    std::string csv = read_file(dir + "/losses.csv");
    csv.insert(csv.find('\n') + 1, std::string(5000, 'x') + ",1,2\n");  // line 2, long
    write_file(dir + "/losses.csv", csv);
    cases.push_back({"garbled_csv", {"train", "dcgan", "--resume", dir, "--steps", "4"}, {"losses.csv", "line 2"}});
  }
  cases.push_back({"ddim_resume_of_dcgan", {"train", "ddim", "--resume", base, "--steps", "4"}, {"trains dcgan_torch, not a ddim"}});
  cases.push_back({"resume_finished", {"train", "dcgan", "--resume", base}, {"has finished its 2 steps"}});
  cases.push_back({"sample_nan", {"sample", "--checkpoint", altered_run(base, "sample_nan", [](Checkpoint& c) {
                     Tensor& w = c.parts.begin()->second.begin()->second;
                                      w.data()[0] = INFINITY;
                   }), "--out", work + "/nan.png"}, {"non-finite"}});

  // safetensors headers: deep nesting, a huge declared length, an absurd rank.
  write_file(work + "/nested.safetensors", safetensors_with_header("{\"a\":" + nested(200000) + "}"));
  write_file(work + "/long.safetensors", std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8) + "{}");
  write_file(work + "/rank.safetensors",
             safetensors_with_header("{\"w\":{\"dtype\":\"F32\",\"shape\":[1" + repeat(",1", 39) +
                                     "],\"data_offsets\":[0,4]}}    ") + "abcd");
  for (const char* f : {"nested", "long", "rank"})
    cases.push_back({std::string("safetensors_") + f,
                     {"sample", "--checkpoint", work + "/" + f + ".safetensors", "--out", work + "/x.png"},
                     {f + std::string(".safetensors")}});

  // Image folders: every file a lie, and links that make cycles.
  const std::string images = work + "/images";
  fs::create_directories(images + "/sub");
  write_file(images + "/huffman.jpg", testing::jpeg_with_512_huffman_codes());
  write_file(images + "/huge.png", testing::png_declaring(100000, 100000));
  write_file(images + "/thin.png", testing::png_declaring(100000, 1));
  write_file(images + "/tall.png", testing::png_declaring(16, 524304));
  write_file(images + "/gif.png", "GIF89a\x01\x00\x01\x00\x00\x00\x00;");
  write_file(images + "/bmp.png", "BM" + std::string(60, '\0'));
  write_file(images + "/cut.png", testing::png_declaring(64, 64).substr(0, 30));
  fs::create_directory_symlink("..", images + "/sub/up");
  fs::create_directory_symlink(".", images + "/self");
  fs::create_directory_symlink(images, images + "/sub/again");
  cases.push_back({"image_folder_entropy", {"data", "entropy", images}, {images}});
  cases.push_back({"image_folder_train",
                   {"train", "dcgan", "--data", images, "--image-size", "32", "--ngf", "8", "--ndf", "8", "--steps", "1",
                    "--out", work + "/img_run"},
                   {images}});

  // IDX: counts the file cannot hold (the fuzz finding), and a label count that does not match.
  const std::string mnist = work + "/mnist";
  fs::create_directories(mnist);
  write_file(mnist + "/train-images-idx3-ubyte", idx_header(0x803, {131074, 3, 1286}) + "\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11");
  write_file(mnist + "/train-labels-idx1-ubyte", idx_header(0x801, {4000000}) + "ab");
  write_file(mnist + "/t10k-images-idx3-ubyte", idx_header(0x803, {1, 28, 28}));
  write_file(mnist + "/t10k-labels-idx1-ubyte", idx_header(0x801, {1}) + "\x01");
  cases.push_back({"idx_oom", {"train", "classifier", "--data", "mnist", mnist, "--epochs", "1", "--out", work + "/idx_run"},
                   {"train-images-idx3-ubyte", "truncated"}});

  // case.json: nesting, absurd counts, a float for an integer, a tolerance that passes anything; an
  // npy whose shape multiplies past int64.
  cases.push_back({"case_nested", {"verify", case_dir("case_nested", "{\"layer\":" + nested(100000) + "}")}, {"case.json"}, true});
  cases.push_back({"case_power", {"verify", case_dir("case_power", R"({"layer":"SzDense","in_features":7,"out_features":5,"power_iterations":1e9})")},
                   {"power_iterations"}, true});
  cases.push_back({"case_float", {"verify", case_dir("case_float", R"({"layer":"SzDense","in_features":7.5,"out_features":5})")},
                   {"in_features"}, true});
  cases.push_back({"case_tolerance", {"verify", case_dir("case_tolerance", R"({"layer":"SzDense","in_features":7,"out_features":5,"tolerance":1e300})")},
                   {"tolerance"}, true});
  {
    const std::string dir = case_dir("case_npy", read_file("tests/reference/stdlib/szdense_default_7_5/case.json"));
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 1099511627776, 1099511627776), }";
    header.resize(118, ' ');
    header += '\n';
    write_file(dir + "/x.npy", std::string("\x93NUMPY\x01\x00", 8) + (char)(header.size() & 0xFF) + (char)(header.size() >> 8) + header);
    cases.push_back({"npy_overflow", {"verify", dir}, {"x.npy"}, true});
    // A folder of cases that links to itself: the search visits each real folder once.
    fs::create_directory_symlink(".", dir + "/self");
    const std::string outer = temp_path("case_loop");
    fs::create_directories(outer + "/inner");
    fs::create_directory_symlink("..", outer + "/inner/up");
    fs::create_directory_symlink(dir, outer + "/case");
    cases.push_back({"case_folder_loop", {"verify", outer}, {"x.npy"}, true});
  }

  for (const Hostile& h : cases) {
    SCOPED_TRACE(h.name);
    expect_one_line_error(h, work);
  }
}

}  // namespace
}  // namespace murine

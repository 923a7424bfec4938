// CIFAR-10, "binary version" (https://www.cs.toronto.edu/~kriz/cifar.html): data_batch_1.bin …
// data_batch_5.bin (training) and test_batch.bin, each a sequence of 3073-byte records: one label byte,
// then the 32 × 32 red, green and blue planes (row-major), 10000 records per file.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "data/labeled_images.h"
#include "tensor/tensor.h"

namespace murine {

inline constexpr int64_t kCifarSide = 32;
inline constexpr int64_t kCifarRecordBytes = 1 + 3 * kCifarSide * kCifarSide;  // 3073
inline constexpr int64_t kCifarMaxRecords = 1'000'000;                           // per file

// airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck.
std::vector<std::string> cifar10_class_names();

// The records of one batch file as (N, 3, 32, 32) in [0, 1] with their labels (class names left
// empty). Throws murine::Error naming the file when it is missing, its size is not a multiple of
// 3073 ("truncated"), or a label byte is not below 10 (naming the record and value).
LabeledImages read_cifar10_batch(const std::string& path);

// {train (the five data batches, in order), test (test_batch.bin)} from `dir`, or from
// `dir`/cifar-10-batches-bin when `dir` is the folder the archive was unpacked in. Class names come
// from batches.meta.txt when it is there (exactly 10 non-empty lines of at most 64 characters, else an
// error), otherwise cifar10_class_names().
std::pair<LabeledImages, LabeledImages> load_cifar10_dir(const std::string& dir);

}  // namespace murine

#!/usr/bin/env python3
"""Writes the seed corpus under fuzz/corpus/ (small valid inputs, one folder per harness), beside the
files copied from tests/. Run from the repository root; needs only the standard library."""
import glob, gzip, json, os, struct, zlib

C = "fuzz/corpus"

def put(harness, name, data):
    os.makedirs(f"{C}/{harness}", exist_ok=True)
    with open(f"{C}/{harness}/{name}", "wb") as f:
        f.write(data)

def safetensors(tensors, meta):
    header, blob = {}, b""
    for name, (dtype, shape, data) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(data)]}
        blob += data
    if meta:
        header["__metadata__"] = meta
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + blob

def png(w, h, rgb):
    raw = b"".join(b"\0" + bytes([(x * 40 + y * 20) % 256 for x in range(w) for _ in range(3 if rgb else 1)])
                   for y in range(h))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2 if rgb else 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")

for f in sorted(glob.glob("tests/fixtures/io/*.npy")):
    put("npy", os.path.basename(f), open(f, "rb").read())
put("safetensors", "mixed.safetensors", open("tests/fixtures/io/mixed.safetensors", "rb").read())
f32 = struct.pack("<6f", *range(6))
put("safetensors", "f32_meta.safetensors", safetensors({"w": ("F32", [2, 3], f32)}, {"k": "v"}))

meta = {"format": "murine-checkpoint-1", "step": "3", "rng_seed": "7", "rng_offset": "12",
        "architecture": "dcgan_torch ngf=8 ndf=8 image=16 r=0.4", "config": "{}", "stream:generator.9": "5 2"}
put("checkpoint", "tiny.safetensors", safetensors({"generator/0.weight": ("F32", [2, 3], f32),
                                                  "g_optimizer/adam.m.0": ("F32", [2, 3], f32)}, meta))

put("config", "dcgan.json", json.dumps({"model": "dcgan_torch", "image_size": 16, "ngf": 8, "ndf": 8,
                                        "window2d_width": 0.4, "standard": False, "lr": 2e-4}).encode())
put("config", "ddim.json", json.dumps({"model": "ddim", "widths": [8, 16], "block_depth": 1,
                                       "attention_resolution": -1, "sampling_steps": 2, "ema": 0.99}).encode())

for f in ["tests/reference/stdlib/szdense_default_7_5/case.json",
          "tests/reference/stdlib/szconv2d_default_k3_p1/case.json",
          "tests/reference/keras/maxpooling2d_p2_s2_same_even/case.json"]:
    put("reference_case", f.split("/")[-2] + ".json", open(f, "rb").read())

put("image", "rgb_4x3.png", png(4, 3, True))
put("image", "gray_2x2.png", png(2, 2, False))

images = struct.pack(">IIII", 0x803, 2, 3, 3) + bytes(range(18))
put("idx", "images_2x3x3.idx", images)
put("idx", "labels_4.idx", struct.pack(">II", 0x801, 4) + bytes([0, 1, 2, 9]))
put("idx", "images_1x2x2.idx.gz", gzip.compress(struct.pack(">IIII", 0x803, 1, 2, 2) + bytes(4), mtime=0))

put("cifar10", "two_records.bin", bytes([3]) + bytes(i % 256 for i in range(3072)) + bytes([9]) + bytes(3072))

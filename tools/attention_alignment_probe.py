#!/usr/bin/env python3
"""What aligned score rows save atman's explicit attention on this GPU.

On a GPU, atman pads every row of scores with zero keys (masked for every query) to a multiple of
8 keys, so that the matmuls and the softmax read and write 16-byte-aligned rows. This times the
explicit attention of one AtMan pass (scores, row minimum over the real keys, mask, softmax,
values; bfloat16, llama3-1b's 32 query and 8 key/value heads of 64 dimensions) with the prompt's
own odd key count and with the padded one. Run by tools/device-check.sh.
"""
import time

import torch

HEADS, KV_HEADS, DIM = 32, 8, 64
GROUP = HEADS // KV_HEADS


def timed(f, repeats=5):
    f()
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        f()
    torch.cuda.synchronize()
    return (time.perf_counter() - start) / repeats * 1e3


def explicit_attention(batch, queries, real_keys, padded_keys):
    """One layer's attention for `queries` after a cached prefix, over padded_keys >= real_keys."""
    q = torch.randn(batch, KV_HEADS, GROUP * queries, DIM, device="cuda", dtype=torch.bfloat16)
    k = torch.zeros(batch, KV_HEADS, padded_keys, DIM, device="cuda", dtype=torch.bfloat16)
    v = torch.zeros_like(k)
    k[:, :, :real_keys].normal_()
    v[:, :, :real_keys].normal_()
    position = torch.arange(real_keys - queries, real_keys, device="cuda").unsqueeze(1)
    blocked = torch.arange(padded_keys, device="cuda").unsqueeze(0) > position  # (queries, keys)

    def run():
        scores = (q @ k.transpose(2, 3)).view(batch, HEADS, queries, padded_keys)
        minimum = scores[..., :real_keys].amin(-1, keepdim=True)
        scores[..., :real_keys].sub_(minimum)
        scores.masked_fill_(blocked, float("-inf"))
        probabilities = torch.softmax(scores, -1).view(batch, KV_HEADS, GROUP * queries, padded_keys)
        return probabilities @ v

    return run


def main():
    print(f"torch {torch.__version__}, {torch.cuda.get_device_name()}; explicit attention of one layer, bfloat16")
    for batch, real_keys in [(1, 2055), (8, 519)]:
        padded = (real_keys + 7) // 8 * 8
        for queries in [real_keys, real_keys // 2]:
            odd = timed(explicit_attention(batch, queries, real_keys, real_keys))
            aligned = timed(explicit_attention(batch, queries, real_keys, padded))
            print(f"B {batch}, {queries} queries: {real_keys} keys {odd:7.3f} ms, padded to {padded} {aligned:7.3f} ms"
                  f" ({odd / aligned:4.2f}x)", flush=True)


if __name__ == "__main__":
    main()

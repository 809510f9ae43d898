#!/usr/bin/env python3
"""What a scaled_dot_product_attention call costs when its shape is new, per backend.

AtMan's fused passes (`--attention fused`) call the kernel with a query count that changes from
batch to batch. A backend that builds a plan per shape (cuDNN) pays that on nearly every call.
This prints, for atman's call (bool mask, scale 1, bfloat16, head dim 72), the mean time of a
call on a shape not seen before and of the same shapes again. Run by tools/device-check.sh.
"""
import contextlib
import time

import torch
from torch.nn.attention import SDPBackend, sdpa_kernel

BATCH, HEADS, KEYS, DIM = 2, 32, 2055, 72
QUERY_COUNTS = range(700, 1100, 20)  # 20 shapes


def call(queries):
    q = torch.randn(BATCH, HEADS, queries, DIM, device="cuda", dtype=torch.bfloat16)
    k = torch.randn(BATCH, HEADS, KEYS, DIM, device="cuda", dtype=torch.bfloat16)
    v = torch.randn_like(k)
    mask = torch.ones(queries, KEYS, device="cuda", dtype=torch.bool).tril(KEYS - queries)
    torch.cuda.synchronize()
    start = time.perf_counter()
    torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask.view(1, 1, queries, KEYS), scale=1.0)
    torch.cuda.synchronize()
    return (time.perf_counter() - start) * 1e3


def main():
    print(f"torch {torch.__version__}, cuDNN {torch.backends.cudnn.version()}, {torch.cuda.get_device_name()}")
    print(f"B {BATCH}, H {HEADS}, S {KEYS}, E {DIM}, {len(QUERY_COUNTS)} query counts {QUERY_COUNTS[0]}..{QUERY_COUNTS[-1]}")
    backends = [("default", None), ("cudnn", SDPBackend.CUDNN_ATTENTION), ("efficient", SDPBackend.EFFICIENT_ATTENTION)]
    for offset, (name, backend) in enumerate(backends):
        try:
            with sdpa_kernel([backend]) if backend else contextlib.nullcontext():
                # Each backend its own query counts, so that none reuses another's plans.
                counts = [t + offset for t in QUERY_COUNTS]
                call(counts[0] - 1)  # loads the kernels
                first = [call(t) for t in counts]
                again = [call(t) for t in counts]
        except RuntimeError as error:
            print(f"{name:9s} refused: {str(error).splitlines()[0]}")
            continue
        mean = lambda xs: sum(xs) / len(xs)
        print(f"{name:9s} new shape {mean(first):8.2f} ms/call, same shapes again {mean(again):6.2f} ms/call")


if __name__ == "__main__":
    main()

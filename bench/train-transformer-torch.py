"""PyTorch side of bench/train-transformer.ts: AdamW training steps of the same pre-LN transformer encoder
classifier as src/core/train/presets/transformer.ts (token embedding + learned positions, N layers of multi-head
self-attention with separate q/k/v/o projections and a GELU feed-forward, final LayerNorm, mean pooling, linear head).

A long-lived worker (bench/lib/torch-peers.ts): each stdin line {"batch", "threads", "seconds", "config": {dModel,
heads, layers, ffn, seq, vocab, classes}} is answered by one JSON line {"ms_per_step" (the median step: robust to
the shared machine's bursts), "samples_per_s", "torch", "attention"}. Attention uses torch's fused scaled_dot_product_attention where it exists (torch 2.x), the plain
softmax(q kᵀ/√d) v otherwise: each torch at its best.
"""
import json
import math
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

FUSED = hasattr(F, "scaled_dot_product_attention")


class Block(nn.Module):
    def __init__(self, d, heads, ffn):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.fc1, self.fc2 = nn.Linear(d, ffn), nn.Linear(ffn, d)

    def forward(self, h):
        batch, seq, d = h.shape
        a = self.ln1(h)
        q, k, v = (m(a).view(batch, seq, self.heads, d // self.heads).transpose(1, 2) for m in (self.q, self.k, self.v))
        if FUSED:
            context = F.scaled_dot_product_attention(q, k, v)
        else:
            context = torch.softmax(q @ k.transpose(-1, -2) * (1 / math.sqrt(d // self.heads)), dim=-1) @ v
        h = h + self.o(context.transpose(1, 2).reshape(batch, seq, d))
        return h + self.fc2(F.gelu(self.fc1(self.ln2(h))))


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed = nn.Embedding(c["vocab"], c["dModel"])
        self.pos = nn.Parameter(torch.zeros(c["seq"], c["dModel"]))
        self.blocks = nn.ModuleList(Block(c["dModel"], c["heads"], c["ffn"]) for _ in range(c["layers"]))
        self.ln = nn.LayerNorm(c["dModel"])
        self.head = nn.Linear(c["dModel"], c["classes"])

    def forward(self, x):
        h = self.embed(x) + self.pos
        for block in self.blocks:
            h = block(h)
        return self.head(self.ln(h).mean(dim=1))


def measure(batch, threads, seconds, c):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = Encoder(c)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    x = torch.randint(0, c["vocab"], (batch, c["seq"]))
    y = torch.randint(0, c["classes"], (batch,))

    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()

    for _ in range(5):
        step()
    times, start = [], time.perf_counter()
    while time.perf_counter() - start < seconds or len(times) < 3:
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


for line in sys.stdin:
    req = json.loads(line)
    seconds_per_step = measure(req["batch"], req["threads"], req["seconds"], req["config"])
    print(json.dumps({
        "ms_per_step": 1000 * seconds_per_step, "samples_per_s": req["batch"] / seconds_per_step,
        "torch": torch.__version__, "attention": "scaled_dot_product_attention" if FUSED else "softmax(q k^T) v",
    }), flush=True)

"""PyTorch side of bench/train-mlp.ts: SGD training steps/s of the same MLP 784-256-10 (softmax cross-entropy).

argv: batch threads seconds. The BLAS kernel is chosen by the environment (OPENBLAS_CORETYPE) before import.
Prints {"batch", "threads", "samples_per_s", "torch"}.
"""
import json
import sys
import time

import torch

batch, threads, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.01)
x = torch.rand(batch, 784)
y = torch.randint(0, 10, (batch,))
loss_fn = torch.nn.CrossEntropyLoss()


def step():
    opt.zero_grad(set_to_none=True)
    loss_fn(model(x), y).backward()
    opt.step()


for _ in range(20):
    step()
steps, start = 0, time.perf_counter()
while time.perf_counter() - start < seconds:
    for _ in range(10):
        step()
    steps += 10
elapsed = time.perf_counter() - start
print(json.dumps({"batch": batch, "threads": threads, "samples_per_s": steps * batch / elapsed, "torch": torch.__version__}))

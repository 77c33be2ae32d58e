"""PyTorch side of bench/train-mlp.ts: SGD training throughput of the same MLP 784-256-10 (softmax cross-entropy).

A long-lived worker (bench/lib/torch-peers.ts), so measurements can alternate with Lathe's under the same machine
load: each stdin line {"batch", "threads", "seconds"} is answered by one JSON line {"batch", "threads",
"samples_per_s", "torch"}. The BLAS kernel is fixed per process by the environment (OPENBLAS_CORETYPE).
"""
import json
import sys
import time

import torch


def measure(batch, threads, seconds):
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
    return steps * batch / (time.perf_counter() - start)


for line in sys.stdin:
    req = json.loads(line)
    rate = measure(req["batch"], req["threads"], req["seconds"])
    print(json.dumps({"batch": req["batch"], "threads": req["threads"], "samples_per_s": rate, "torch": torch.__version__}), flush=True)

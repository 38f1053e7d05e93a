"""lavin-tiny's training and checks (README.md); needs python3-torch."""
import os

import torch


def use_cpus():
    """Runs torch on the CPUs this process may use (what taskset or a cpuset
    leaves it), not on the machine's count, so that runs pinned to a core
    each can share a machine without oversubscribing it."""
    torch.set_num_threads(len(os.sched_getaffinity(0)))

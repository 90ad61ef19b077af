#!/usr/bin/env bash
# Distributed training with torchrun.
#   tools/dist_train.sh CONFIG GPUS [train.py options]
# One machine with 8 GPUs:   tools/dist_train.sh configs/hrnet_w32_coco_384x288.py 8
# Two machines (run on each): NNODES=2 NODE_RANK=0|1 MASTER_ADDR=10.0.0.1 PORT=29500 \
#                             tools/dist_train.sh configs/hrnet_w32_coco_384x288.py 8
# On a machine without GPUs, GPUS is the number of CPU processes and the gloo
# backend is chosen automatically (HRNET_DIST_BACKEND=nccl|gloo overrides).
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/dist_run.sh" train.py "$2" "$1" "${@:3}"

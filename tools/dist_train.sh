#!/usr/bin/env bash
# Distributed training with torchrun.
#   tools/dist_train.sh CONFIG GPUS [train.py options]
# One machine with 8 GPUs:   tools/dist_train.sh configs/hrnet_w32_coco_384x288.py 8
# Two machines (run on each): NNODES=2 NODE_RANK=0|1 MASTER_ADDR=10.0.0.1 \
#                             tools/dist_train.sh configs/hrnet_w32_coco_384x288.py 8
# On a machine without GPUs, GPUS is the number of CPU processes and the gloo
# backend is chosen automatically (HRNET_DIST_BACKEND=nccl|gloo overrides).
set -euo pipefail
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON=${PYTHON:-$( [ -x "$ROOT/.venv/bin/python" ] && echo "$ROOT/.venv/bin/python" || echo python )}

PYTHONPATH="$ROOT:${PYTHONPATH:-}" \
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$ROOT/tools/train.py" "$CONFIG" --launcher pytorch "${@:3}"

#!/usr/bin/env bash
# What dist_train.sh and dist_test.sh share: run a tool under torchrun.
#   tools/dist_run.sh TOOL NPROC [tool arguments]      (TOOL: train.py or test.py)
# NNODES, NODE_RANK, MASTER_ADDR, PORT from the environment for several machines;
# PYTHON defaults to the repository's .venv. Without GPUs the tools choose gloo.
set -euo pipefail
TOOL=$1
NPROC=$2
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON=${PYTHON:-$( [ -x "$ROOT/.venv/bin/python" ] && echo "$ROOT/.venv/bin/python" || echo python )}

PYTHONPATH="$ROOT:${PYTHONPATH:-}" \
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" \
    --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --nproc_per_node="$NPROC" \
    --master_port="${PORT:-29500}" \
    "$ROOT/tools/$TOOL" "${@:3}" --launcher pytorch

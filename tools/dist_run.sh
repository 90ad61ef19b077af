#!/usr/bin/env bash
# What dist_train.sh and dist_test.sh share: run a tool under torchrun.
#   tools/dist_run.sh TOOL NPROC [tool arguments]      (TOOL: train.py or test.py)
# NNODES, NODE_RANK, MASTER_ADDR, PORT from the environment for several machines;
# PYTHON defaults to the active virtual environment's, else the repository's .venv.
# Without GPUs the tools choose gloo.
set -euo pipefail
TOOL=$1
NPROC=$2
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -z "${PYTHON:-}" ]; then
  if [ -n "${VIRTUAL_ENV:-}" ] && [ -x "$VIRTUAL_ENV/bin/python" ]; then PYTHON=$VIRTUAL_ENV/bin/python
  elif [ -x "$ROOT/.venv/bin/python" ]; then PYTHON=$ROOT/.venv/bin/python
  else PYTHON=python; fi
fi

PYTHONPATH="$ROOT:${PYTHONPATH:-}" \
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" \
    --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --nproc_per_node="$NPROC" \
    --master_port="${PORT:-29500}" \
    "$ROOT/tools/$TOOL" "${@:3}" --launcher pytorch

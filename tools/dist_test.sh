#!/usr/bin/env bash
# Distributed testing with torchrun.
#   tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py options]
# NNODES, NODE_RANK, MASTER_ADDR and PORT as in tools/dist_train.sh; without
# GPUs the gloo backend is chosen automatically (HRNET_DIST_BACKEND overrides).
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/dist_run.sh" test.py "$3" "$1" "$2" "${@:4}"

#!/usr/bin/env bash
# One-command install of hrnet_ext and the OpenMMLab stack it needs.
#
#   bash tools/install.sh            # runtime into ./.venv
#   bash tools/install.sh --tests    # + test tools
#   bash tools/install.sh --onnx     # + ONNX export / ONNX Runtime
#
# Environment:
#   HRNET_ENV=/path/to/venv   install into this environment (created if absent);
#                             default: an active $VIRTUAL_ENV, else <repo>/.venv
#   HRNET_PYTHON=python3.11   interpreter used to create a new environment
#   HRNET_TORCH="torch==2.14.1 torchvision==0.29.1"   what to install when the
#                             environment has no torch (an existing torch is kept)
#   HRNET_TORCH_INDEX=cpu|cu121|cu124|<url>   take torch from the PyTorch index
#                             (default: whatever pip gives on this machine)
#   HRNET_MMCV_CUDA=auto|1|0  build mmcv's CUDA ops (auto: a CUDA torch, a visible
#                             GPU and nvcc of the same major version)
#   HRNET_CACHE=~/.cache/hrnet_ext   where built mmcv wheels are kept, keyed by
#                             mmcv + torch + Python + CUDA versions
#
# It is idempotent: a re-run on a ready environment takes seconds.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MMCV_VERSION=2.1.0
WITH_TESTS=0
WITH_ONNX=0
for arg in "$@"; do
  case "$arg" in
    --tests) WITH_TESTS=1 ;;
    --onnx) WITH_ONNX=1 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument '$arg' (use --tests, --onnx or --help)" >&2; exit 2 ;;
  esac
done

T0=$SECONDS
STEP="start"
step() { STEP="$1"; printf '[install %4ds] %s\n' "$((SECONDS - T0))" "$1"; }
fail() {
  printf '\n[install] FAILED at step "%s": %s\n' "$STEP" "$1" >&2
  exit 1
}
trap 'rc=$?; [ $rc -ne 0 ] && printf "\n[install] FAILED at step \"%s\" (exit %d). Read the output above; re-running is safe.\n" "$STEP" "$rc" >&2' EXIT

# ---------------------------------------------------------------- environment
step "environment"
ENV_DIR="${HRNET_ENV:-${VIRTUAL_ENV:-$REPO/.venv}}"
if [ ! -x "$ENV_DIR/bin/python" ]; then
  PY="${HRNET_PYTHON:-python3}"
  command -v "$PY" >/dev/null || fail "no '$PY' on PATH; set HRNET_PYTHON to a Python 3.10-3.12 interpreter"
  "$PY" -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 12) else 1)' \
    || fail "$("$PY" -V 2>&1) is not supported (3.10-3.12 are); set HRNET_PYTHON"
  "$PY" -m venv "$ENV_DIR" || fail "could not create a venv at $ENV_DIR (Debian: apt-get install python3-venv)"
  echo "  created $ENV_DIR"
fi
PYBIN="$ENV_DIR/bin/python"
"$PYBIN" -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 12) else 1)' \
  || fail "$ENV_DIR has $("$PYBIN" -V 2>&1); hrnet_ext supports Python 3.10-3.12"
PIP=("$PYBIN" -m pip --disable-pip-version-check)
CONSTRAINTS="$REPO/requirements/constraints.txt"
echo "  python: $("$PYBIN" -V 2>&1) in $ENV_DIR"

# Marker: the hash of every file that decides what gets installed. When it
# matches and the stack imports, there is nothing to do.
STAMP="$ENV_DIR/.hrnet_ext_install"
want_stamp() {
  cat "$REPO"/requirements/*.txt "$REPO/setup.py" "$REPO/tools/install.sh" | sha256sum | cut -c1-16
  echo "tests=$WITH_TESTS onnx=$WITH_ONNX"
}
stack_ok() {
  "$PYBIN" - <<'PY' 2>/dev/null
import hrnet_ext, mmpose.models, mmdet.models  # noqa: F401
from mmcv.ops import nms  # noqa: F401
PY
}
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(want_stamp)" ] && stack_ok; then
  step "already installed; nothing to do (delete $STAMP to force a re-install)"
  trap - EXIT
  exit 0
fi

# ---------------------------------------------------------------- torch
step "torch"
if "$PYBIN" -c 'import torch, torchvision' 2>/dev/null; then
  echo "  keeping the installed $("$PYBIN" -c 'import torch, torchvision; print("torch", torch.__version__, "torchvision", torchvision.__version__)')"
else
  TORCH_SPEC="${HRNET_TORCH:-torch==2.14.1 torchvision==0.29.1}"
  INDEX_ARGS=()
  case "${HRNET_TORCH_INDEX:-}" in
    "") ;;
    http*|file*) INDEX_ARGS=(--index-url "$HRNET_TORCH_INDEX") ;;
    *) INDEX_ARGS=(--index-url "https://download.pytorch.org/whl/$HRNET_TORCH_INDEX") ;;
  esac
  # shellcheck disable=SC2086
  # with the constraints, so that torch's own numpy requirement lands on numpy 1
  "${PIP[@]}" install -c "$CONSTRAINTS" ${INDEX_ARGS[@]+"${INDEX_ARGS[@]}"} $TORCH_SPEC \
    || fail "pip could not install '$TORCH_SPEC'; set HRNET_TORCH to a torch/torchvision pair available here"
fi
TORCH_INFO="$("$PYBIN" -c 'import torch, torchvision; print(torch.__version__, torchvision.__version__, torch.version.cuda or "cpu")')" \
  || fail "torch does not import in $ENV_DIR"
read -r TORCH_VER TV_VER TORCH_CUDA <<<"$TORCH_INFO"
PY_TAG="$("$PYBIN" -c 'import sys; print(f"py{sys.version_info[0]}{sys.version_info[1]}")')"
echo "  torch $TORCH_VER (CUDA: $TORCH_CUDA), torchvision $TV_VER, $PY_TAG"

# The environment's own pip.conf: every later pip call in this environment
# (the user's too) honours the tested constraints and the torch just chosen.
LOCKED="$ENV_DIR/hrnet_ext-constraints.txt"
{ cat "$CONSTRAINTS"; echo "torch==${TORCH_VER}"; echo "torchvision==${TV_VER}"; } > "$LOCKED"
printf '[global]\nconstraint = %s\n' "$LOCKED" > "$ENV_DIR/pip.conf"
export PIP_CONSTRAINT="$LOCKED"

# ---------------------------------------------------------------- build tools
step "build tools (setuptools<81, wheel, ninja)"
"${PIP[@]}" install -q "setuptools>=77,<81" wheel ninja || fail "could not install the build tools"

# ---------------------------------------------------------------- mmcv
step "mmcv $MMCV_VERSION with ops"
mmcv_ok() {
  "$PYBIN" - <<PY 2>/dev/null
import mmcv, sys
from mmcv.ops import nms  # noqa: F401  (needs the compiled ops)
sys.exit(0 if mmcv.__version__ == "$MMCV_VERSION" else 1)
PY
}
if mmcv_ok; then
  echo "  mmcv $MMCV_VERSION with ops already works against this torch"
else
  WANT_CUDA="${HRNET_MMCV_CUDA:-auto}"
  if [ "$WANT_CUDA" = auto ]; then
    WANT_CUDA=0
    if [ "$TORCH_CUDA" != cpu ] && command -v nvcc >/dev/null \
       && "$PYBIN" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)'; then
      NVCC_MAJOR="$(nvcc --version | sed -n 's/.*release \([0-9]*\)\..*/\1/p')"
      [ "$NVCC_MAJOR" = "${TORCH_CUDA%%.*}" ] && WANT_CUDA=1 \
        || echo "  nvcc $NVCC_MAJOR does not match torch's CUDA $TORCH_CUDA: building CPU ops only (set HRNET_MMCV_CUDA=1 to force)"
    fi
  fi
  OPS_TAG=cpuops; [ "$WANT_CUDA" = 1 ] && OPS_TAG="cu${TORCH_CUDA}ops"
  CACHE_DIR="${HRNET_CACHE:-$HOME/.cache/hrnet_ext}/wheels/mmcv-${MMCV_VERSION}-torch${TORCH_VER//+/_}-${PY_TAG}-cuda${TORCH_CUDA}-${OPS_TAG}"
  WHEEL="$(ls "$CACHE_DIR"/mmcv-*.whl 2>/dev/null | head -n1 || true)"
  if [ -n "$WHEEL" ]; then
    echo "  using the cached wheel $WHEEL"
  else
    echo "  no cached wheel for this torch/Python/CUDA: building from source (about 12 minutes on 2 cores)"
    SRC_DIR="$(mktemp -d)"
    "${PIP[@]}" download -q --no-deps --no-binary mmcv -d "$SRC_DIR" "mmcv==$MMCV_VERSION" \
      || fail "could not download the mmcv $MMCV_VERSION source archive"
    tar -xzf "$SRC_DIR"/mmcv-*.tar.gz -C "$SRC_DIR"
    MMCV_SRC="$(ls -d "$SRC_DIR"/mmcv-"$MMCV_VERSION")"
    # torch >= 2.13 headers need C++20; mmcv 2.1.0 hard-codes C++17.
    if "$PYBIN" -c 'import torch, sys; v = tuple(int(x) for x in torch.__version__.split("+")[0].split(".")[:2]); sys.exit(0 if v >= (2, 13) else 1)'; then
      sed -i 's/-std=c++17/-std=c++20/g' "$MMCV_SRC/setup.py"
    fi
    mkdir -p "$CACHE_DIR"
    ( cd "$MMCV_SRC" && MMCV_WITH_OPS=1 FORCE_CUDA="$WANT_CUDA" MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
        "${PIP[@]}" wheel --no-cache-dir --no-build-isolation --no-deps -w "$CACHE_DIR" . ) \
      || { rm -rf "$CACHE_DIR"; fail "building mmcv failed; needs gcc/g++ >= 10 and the Python headers (Debian: apt-get install build-essential python3-dev)"; }
    rm -rf "$SRC_DIR"
    WHEEL="$(ls "$CACHE_DIR"/mmcv-*.whl | head -n1)"
  fi
  "${PIP[@]}" install -q --no-deps --force-reinstall "$WHEEL" || fail "could not install $WHEEL"
fi

# ---------------------------------------------------------------- the rest
step "mmengine, mmdet, mmpose (no chumpy), COCO tools and their imports"
"${PIP[@]}" install -q -r "$REPO/requirements/runtime.txt" || fail "pip could not install requirements/runtime.txt"
"${PIP[@]}" install -q --no-deps "mmpose==1.3.2" || fail "could not install mmpose"
if [ "$WITH_TESTS" = 1 ]; then
  step "test tools"
  "${PIP[@]}" install -q -r "$REPO/requirements/tests.txt" || fail "could not install requirements/tests.txt"
fi
if [ "$WITH_ONNX" = 1 ] || [ "$WITH_TESTS" = 1 ]; then
  step "ONNX export and ONNX Runtime"
  "${PIP[@]}" install -q -r "$REPO/requirements/onnx.txt" || fail "could not install requirements/onnx.txt"
fi

step "hrnet_ext (editable)"
"${PIP[@]}" install -q --no-deps --no-build-isolation -e "$REPO" || fail "could not install hrnet_ext in editable mode"

step "check"
"$PYBIN" - <<'PY' || fail "the stack does not import; the message above says why"
import hrnet_ext, mmpose.models, mmdet.models  # noqa: F401
from mmcv.ops import nms  # noqa: F401
import numpy, torch, mmcv, mmdet, mmpose, mmengine
print(f"  ok: hrnet_ext {hrnet_ext.__version__}, torch {torch.__version__}, mmcv {mmcv.__version__}, "
      f"mmengine {mmengine.__version__}, mmdet {mmdet.__version__}, mmpose {mmpose.__version__}, numpy {numpy.__version__}")
PY
want_stamp > "$STAMP"
step "done: activate with 'source $ENV_DIR/bin/activate'"
trap - EXIT

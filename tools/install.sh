#!/usr/bin/env bash
# One-command install of hrnet_ext and the OpenMMLab stack it needs.
#
#   bash tools/install.sh            # runtime into ./.venv
#   bash tools/install.sh --tests    # + test tools and every optional extra
#   bash tools/install.sh --onnx     # + ONNX export / ONNX Runtime
#   bash tools/install.sh --seg      # + segmentation: MMSegmentation 1.2.2 (configs/seg/)
#   bash tools/install.sh --openvino # + CPU deployment: OpenVINO and NNCF (int8), with --onnx
#
# Two stacks are tested (README, "Tested matrix"); the interpreter picks the row:
#   tested   Python 3.10-3.12: numpy 1.26, torch 2.14.1 (requirements/constraints-tested.txt)
#   current  Python 3.13:      numpy 2, torch 2.15.0   (requirements/constraints-current.txt)
#
# Environment:
#   HRNET_ENV=/path/to/venv   install into this environment (created if absent);
#                             default: an active $VIRTUAL_ENV, else <repo>/.venv
#   HRNET_PYTHON=python3.13   interpreter used to create a new environment
#   HRNET_STACK=tested|current   the row, where the interpreter allows both
#                             (default: current on Python 3.13, tested below)
#   HRNET_TORCH="torch==X torchvision==Y"   what to install when the environment has no
#                             torch (default: the row's pair; an existing torch is kept)
#   HRNET_TORCH_INDEX=cpu|cu121|cu124|<url>   take torch from the PyTorch index
#                             (default: whatever pip gives on this machine)
#   HRNET_MMCV_CUDA=auto|1|0  build mmcv's CUDA ops (auto: a CUDA torch, a visible
#                             GPU and nvcc of the same major version)
#   HRNET_CACHE=~/.cache/hrnet_ext   where built wheels (mmcv, xtcocotools) are kept, keyed
#                             by their version and the torch / Python / numpy / CUDA they need
#
# It is idempotent: a re-run on a ready environment takes seconds.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MMCV_VERSION=2.1.0
XTCOCO_VERSION=1.14.3
MMSEG_VERSION=1.2.2
WITH_TESTS=0
WITH_ONNX=0
WITH_SEG=0
WITH_OPENVINO=0
for arg in "$@"; do
  case "$arg" in
    --tests) WITH_TESTS=1 ;;
    --onnx) WITH_ONNX=1 ;;
    --seg) WITH_SEG=1 ;;
    --openvino) WITH_OPENVINO=1 ;;
    -h|--help) sed -n '2,/^# It is idempotent/p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument '$arg' (use --tests, --onnx, --seg, --openvino or --help)" >&2; exit 2 ;;
  esac
done
if [ "$WITH_TESTS" = 1 ]; then  # the tests cover every optional extra
  WITH_ONNX=1
  WITH_SEG=1
  WITH_OPENVINO=1
fi
if [ "$WITH_OPENVINO" = 1 ]; then  # the models reach OpenVINO as ONNX files
  WITH_ONNX=1
fi

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
SUPPORTED_PY='import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 13) else 1)'
ENV_DIR="${HRNET_ENV:-${VIRTUAL_ENV:-$REPO/.venv}}"
case "$ENV_DIR" in /*) ;; *) ENV_DIR="$PWD/$ENV_DIR" ;; esac  # the builds below cd elsewhere
if [ ! -x "$ENV_DIR/bin/python" ]; then
  PY="${HRNET_PYTHON:-python3}"
  command -v "$PY" >/dev/null || fail "no '$PY' on PATH; set HRNET_PYTHON to a Python 3.10-3.13 interpreter (pyenv: also PYENV_VERSION=3.13.0)"
  "$PY" -c "$SUPPORTED_PY" || fail "$("$PY" -V 2>&1) is not supported (3.10-3.13 are); set HRNET_PYTHON"
  "$PY" -m venv "$ENV_DIR" || fail "could not create a venv at $ENV_DIR (Debian: apt-get install python3-venv)"
  echo "  created $ENV_DIR"
elif [ -n "${HRNET_PYTHON:-}" ] && command -v "$HRNET_PYTHON" >/dev/null; then
  WANT_PY="$("$HRNET_PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  HAVE_PY="$("$ENV_DIR/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  [ "$WANT_PY" = "$HAVE_PY" ] || fail "$ENV_DIR has Python $HAVE_PY but HRNET_PYTHON=$HRNET_PYTHON is $WANT_PY: remove $ENV_DIR, or set HRNET_ENV to another folder"
fi
PYBIN="$ENV_DIR/bin/python"
"$PYBIN" -c "$SUPPORTED_PY" || fail "$ENV_DIR has $("$PYBIN" -V 2>&1); hrnet_ext supports Python 3.10-3.13"
PIP=("$PYBIN" -m pip --disable-pip-version-check)
PY_MINOR="$("$PYBIN" -c 'import sys; print(sys.version_info[1])')"
PY_TAG="py3${PY_MINOR}"
STACK="${HRNET_STACK:-$([ "$PY_MINOR" -ge 13 ] && echo current || echo tested)}"
case "$STACK" in
  current) ;;
  tested) [ "$PY_MINOR" -le 12 ] || fail "the tested stack (numpy 1.26) has no wheels for Python 3.$PY_MINOR: use HRNET_STACK=current, or Python 3.10-3.12" ;;
  *) fail "HRNET_STACK must be 'tested' or 'current', not '$STACK'" ;;
esac
CONSTRAINTS="$REPO/requirements/constraints-$STACK.txt"
echo "  python: $("$PYBIN" -V 2>&1) in $ENV_DIR; stack: $STACK ($(basename "$CONSTRAINTS"))"

# Marker: the hash of every file that decides what gets installed. When it
# matches and the stack imports, there is nothing to do.
STAMP="$ENV_DIR/.hrnet_ext_install"
want_stamp() {
  cat "$REPO"/requirements/*.txt "$REPO/setup.py" "$REPO/tools/install.sh" | sha256sum | cut -c1-16
  echo "stack=$STACK tests=$WITH_TESTS onnx=$WITH_ONNX seg=$WITH_SEG openvino=$WITH_OPENVINO"
}
stack_ok() {
  "$PYBIN" - "$WITH_SEG" "$WITH_OPENVINO" <<'PY' 2>/dev/null
import sys
import hrnet_ext, mmpose.models, mmdet.models  # noqa: F401
from mmcv.ops import nms  # noqa: F401
if sys.argv[1] == '1':
    import hrnet_ext.segmentation, mmseg.apis  # noqa: F401
if sys.argv[2] == '1':
    import openvino, nncf  # noqa: F401
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
  TORCH_SPEC="${HRNET_TORCH:-$(grep -oE '^torch(vision)?==[^ ]+' "$CONSTRAINTS" | tr '\n' ' ')}"
  INDEX_ARGS=()
  case "${HRNET_TORCH_INDEX:-}" in
    "") ;;
    http*|file*) INDEX_ARGS=(--index-url "$HRNET_TORCH_INDEX") ;;
    *) INDEX_ARGS=(--index-url "https://download.pytorch.org/whl/$HRNET_TORCH_INDEX") ;;
  esac
  # with the row's other constraints, so that torch's own numpy requirement lands on the row's numpy
  # shellcheck disable=SC2086
  "${PIP[@]}" install -c <(grep -vE '^torch(vision)?==' "$CONSTRAINTS") \
      ${INDEX_ARGS[@]+"${INDEX_ARGS[@]}"} $TORCH_SPEC \
    || fail "pip could not install '$TORCH_SPEC'; set HRNET_TORCH to a torch/torchvision pair available here"
fi
TORCH_INFO="$("$PYBIN" -c 'import torch, torchvision; print(torch.__version__, torchvision.__version__, torch.version.cuda or "cpu")')" \
  || fail "torch does not import in $ENV_DIR"
read -r TORCH_VER TV_VER TORCH_CUDA <<<"$TORCH_INFO"
echo "  torch $TORCH_VER (CUDA: $TORCH_CUDA), torchvision $TV_VER, $PY_TAG"

# The environment's own pip.conf: every later pip call in this environment
# (the user's too) honours the row's constraints and the torch just chosen.
LOCKED="$ENV_DIR/hrnet_ext-constraints.txt"
{ grep -vE '^torch(vision)?==' "$CONSTRAINTS"; echo "torch==${TORCH_VER}"; echo "torchvision==${TV_VER}"; } > "$LOCKED"
printf '[global]\nconstraint = %s\n' "$LOCKED" > "$ENV_DIR/pip.conf"
export PIP_CONSTRAINT="$LOCKED"

# ---------------------------------------------------------------- build tools
step "build tools (setuptools<81, wheel, ninja, Cython) and numpy"
# setuptools < 81: mmcv's and xtcocotools' setup.py need pkg_resources / distutils
"${PIP[@]}" install -q "setuptools>=77,<81" wheel ninja Cython numpy || fail "could not install the build tools"
NUMPY_VER="$("$PYBIN" -c 'import numpy; print(numpy.__version__)')"
echo "  numpy $NUMPY_VER"

# cached_wheel NAME KEY: the wheel cached under KEY, or nothing
CACHE_ROOT="${HRNET_CACHE:-$HOME/.cache/hrnet_ext}/wheels"
cached_wheel() { ls "$CACHE_ROOT/$2"/"$1"-*.whl 2>/dev/null | head -n1 || true; }
# fix_exec_locals SETUP_PY: mmcv 2.1.0's and xtcocotools 1.14.3's setup.py read the names a
# version file exec'd through locals(), which Python 3.13 no longer updates (PEP 667; KeyError
# '__version__'): exec into a dict of their own (the same on older Pythons).
fix_exec_locals() {
  sed -i -e "s/exec(compile(f.read(), version_file, 'exec'))/ns = {}; exec(compile(f.read(), version_file, 'exec'), ns)/" \
         -e 's/locals()\[/ns[/g' "$1"
  grep -q "ns\['__version__'\]" "$1" && ! grep -q 'locals()' "$1" \
    || fail "$1 differs from the one install.sh patches (exec/locals)"
}
# unpacked_sdist NAME VERSION: download and unpack the source archive, print its folder
unpacked_sdist() {
  local dir
  dir="$(mktemp -d)"
  "$PYBIN" "$REPO/tools/fetch_sdist.py" "$1" "$2" "$dir" >/dev/null \
    || fail "could not download the $1 $2 source archive"
  tar -xzf "$dir/$1-$2.tar.gz" -C "$dir"
  echo "$dir/$1-$2"
}
# install_from_source NAME VERSION KEY PATCH [VAR=VALUE ...]: install the wheel of NAME cached
# under KEY; where there is none, build it first from the source archive, patched by the
# function PATCH (given the unpacked folder), with the VAR=VALUE settings in the environment.
install_from_source() {
  local name=$1 version=$2 key=$3 patch=$4 wheel src
  shift 4
  wheel="$(cached_wheel "$name" "$key")"
  if [ -n "$wheel" ]; then
    echo "  using the cached wheel $wheel"
  else
    echo "  no cached wheel $key: building $name $version from its source archive"
    src="$(unpacked_sdist "$name" "$version")"
    "$patch" "$src"
    mkdir -p "$CACHE_ROOT/$key"
    ( cd "$src" && env "$@" "${PIP[@]}" wheel --no-cache-dir --no-build-isolation --no-deps \
        -w "$CACHE_ROOT/$key" . ) \
      || { rm -rf "$CACHE_ROOT/$key"; fail "building $name failed: the compiler's output above says why (it needs gcc/g++ >= 10 and the Python headers; Debian: apt-get install build-essential python3-dev)"; }
    rm -rf "$(dirname "$src")"
    wheel="$(cached_wheel "$name" "$key")"
  fi
  "${PIP[@]}" install -q --no-deps --force-reinstall "$wheel" || fail "could not install $wheel"
}

# ---------------------------------------------------------------- xtcocotools
step "xtcocotools $XTCOCO_VERSION (MMPose's COCO metric)"
if "$PYBIN" -c "import sys, xtcocotools._mask; from importlib.metadata import version; sys.exit(version('xtcocotools') != '$XTCOCO_VERSION')" 2>/dev/null; then
  echo "  xtcocotools $XTCOCO_VERSION already loads with numpy $NUMPY_VER"
elif [ "${NUMPY_VER%%.*}" = 1 ] && [ "$PY_MINOR" -le 11 ]; then
  # PyPI's binary wheels exist for Python <= 3.11 and are built against numpy 1
  "${PIP[@]}" install -q --only-binary xtcocotools "xtcocotools==$XTCOCO_VERSION" \
    || fail "could not install the xtcocotools $XTCOCO_VERSION wheel"
else
  # Two fixes the upstream release lacks: its setup.py on Python 3.13 (fix_exec_locals), and
  # _mask.pyx's np.NPY_OWNDATA, gone in numpy >= 2.3 (np.NPY_ARRAY_OWNDATA is in numpy 1 and 2).
  patch_xtcocotools() {
    fix_exec_locals "$1/setup.py"
    sed -i 's/np\.NPY_OWNDATA/np.NPY_ARRAY_OWNDATA/g' "$1/xtcocotools/_mask.pyx"
    ! grep -v NPY_ARRAY_OWNDATA "$1/xtcocotools/_mask.pyx" | grep -q NPY_OWNDATA \
      || fail "the xtcocotools $XTCOCO_VERSION archive differs from the one install.sh patches"
  }
  install_from_source xtcocotools "$XTCOCO_VERSION" \
    "xtcocotools-$XTCOCO_VERSION-$PY_TAG-numpy$NUMPY_VER" patch_xtcocotools
fi

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
  patch_mmcv() {
    fix_exec_locals "$1/setup.py"
    # torch >= 2.13 headers need C++20; mmcv 2.1.0 hard-codes C++17.
    if "$PYBIN" -c 'import torch, sys; v = tuple(int(x) for x in torch.__version__.split("+")[0].split(".")[:2]); sys.exit(0 if v >= (2, 13) else 1)'; then
      sed -i 's/-std=c++17/-std=c++20/g' "$1/setup.py"
    fi
  }
  # about 12 minutes on 2 cores when it builds
  install_from_source mmcv "$MMCV_VERSION" \
    "mmcv-${MMCV_VERSION}-torch${TORCH_VER//+/_}-${PY_TAG}-cuda${TORCH_CUDA}-${OPS_TAG}" patch_mmcv \
    MMCV_WITH_OPS=1 FORCE_CUDA="$WANT_CUDA" MAX_JOBS="${MAX_JOBS:-$(nproc)}"
fi

# ---------------------------------------------------------------- the rest
step "mmengine, mmdet, mmpose (no chumpy), COCO tools and their imports"
"${PIP[@]}" install -q -r "$REPO/requirements/runtime.txt" || fail "pip could not install requirements/runtime.txt"
"${PIP[@]}" install -q --no-deps "mmpose==1.3.2" || fail "could not install mmpose"
if [ "$WITH_TESTS" = 1 ]; then
  step "test tools"
  "${PIP[@]}" install -q -r "$REPO/requirements/tests.txt" || fail "could not install requirements/tests.txt"
fi
if [ "$WITH_ONNX" = 1 ]; then
  step "ONNX export and ONNX Runtime"
  "${PIP[@]}" install -q -r "$REPO/requirements/onnx.txt" || fail "could not install requirements/onnx.txt"
fi
if [ "$WITH_SEG" = 1 ]; then
  step "segmentation: MMSegmentation $MMSEG_VERSION and what it imports"
  # --no-deps as mmpose: its own list is the stack's; requirements/seg.txt adds its imports
  "${PIP[@]}" install -q --no-deps "mmsegmentation==$MMSEG_VERSION" || fail "could not install mmsegmentation"
  "${PIP[@]}" install -q -r "$REPO/requirements/seg.txt" || fail "could not install requirements/seg.txt"
fi
if [ "$WITH_OPENVINO" = 1 ]; then
  step "CPU deployment: OpenVINO and NNCF"
  "${PIP[@]}" install -q -r "$REPO/requirements/openvino.txt" || fail "could not install requirements/openvino.txt"
fi

step "hrnet_ext (editable)"
"${PIP[@]}" install -q --no-deps --no-build-isolation -e "$REPO" || fail "could not install hrnet_ext in editable mode"

step "check"
"$PYBIN" - "$WITH_SEG" "$WITH_OPENVINO" <<'PY' || fail "the stack does not import; the message above says why"
import sys
import hrnet_ext, mmpose.models, mmdet.models  # noqa: F401
from mmcv.ops import nms  # noqa: F401
from hrnet_ext.utils.stack_check import stack_report
if sys.argv[1] == '1':
    import hrnet_ext.segmentation, mmseg.apis  # noqa: F401
if sys.argv[2] == '1':
    import openvino, nncf  # noqa: F401
print('  ok: ' + stack_report())
PY
want_stamp > "$STAMP"
step "done: activate with 'source $ENV_DIR/bin/activate'"
trap - EXIT

#!/usr/bin/env bash
# The GPU check: the pipeline, the service and the real-model benchmarks on one CUDA GPU, in under 8 minutes,
# ending in one table (naive transformers vs plain CTranslate2 float16 vs the project, per article and under
# 32 clients): OUT/table.md, beside each benchmark's JSON and log.
#
#   benchmarks/gpu_check.sh [OUT]            # on the GPU machine (default OUT: benchmarks/results/gpu)
#   benchmarks/gpu_check.sh --dry-run [OUT]  # the same steps on the CPU with tiny models: checks the script
#
# Needs the project's dependencies (ctranslate2 with CUDA 12's cuBLAS for the CTranslate2 rows; without them
# those rows say why they are missing and the others still come). Where packages cannot be installed, carry
# them as wheels in .whl/ (see the device notes): they are installed into /tmp/site first. The real-model rows
# need OPUS-MT zh-en (REAL_MODEL, default <python prefix>/test-models/opus-mt-zh-en) and NTREX-128 (NTREX);
# without them that step is skipped, saying so.
set -uo pipefail
cd "$(dirname "$0")/.."
DRY=0
if [ "${1:-}" = "--dry-run" ]; then DRY=1; shift; fi
OUT=${1:-benchmarks/results/gpu}
PY=${PYTHON:-python3}
mkdir -p "$OUT"
if [ -d .whl ] && ls .whl/*.whl >/dev/null 2>&1; then
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    && export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
if [ $DRY = 1 ]; then
  DEVICE=cpu; SIZE="--tiny --quick"; CLIENTS=4; SEGMENTS=8; SLOW=${SLOW:-6}  # a shared CPU: longer limits
else
  DEVICE=cuda; SIZE=""; CLIENTS=32; SEGMENTS=300; SLOW=1
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader > "$OUT/gpu.txt" 2>&1
fi
REAL=(--real-model "${REAL_MODEL:-$($PY -c 'import sys; print(sys.prefix)')/test-models/opus-mt-zh-en}")
[ -n "${NTREX:-}" ] && REAL+=(--ntrex "$NTREX")
WORK=${WORKDIR:-/tmp/summarizer-bench}

started=$(date +%s)
step() {  # step NAME SECONDS COMMAND...: runs it under a time limit, its output in OUT/NAME.log
  local name=$1 limit=$2; shift 2
  local t0; t0=$(date +%s)
  timeout $((limit * SLOW)) "$@" > "$OUT/$name.log" 2>&1
  local rc=$?
  echo "$name: exit $rc after $(( $(date +%s) - t0 )) s (total $(( $(date +%s) - started )) s)" | tee -a "$OUT/steps.txt"
}
: > "$OUT/steps.txt"
# 1. models (built once) and the three approaches on 32 articles; the naive loop on every 4th
step pipeline 200 $PY benchmarks/bench_pipeline.py --device $DEVICE $SIZE --workdir "$WORK" \
  --sections naive,ct2,project --json "$OUT/pipeline.json"
# 2. the project on CTranslate2 float16 (the default engine on CUDA is torch)
step pipeline-ct2 70 $PY benchmarks/bench_pipeline.py --device $DEVICE $SIZE --workdir "$WORK" \
  --engine ctranslate2 --sections project --json "$OUT/pipeline-ct2.json"
# 3. the server under 32 clients, each engine (batching off: one request at a time, then on)
for engine in auto ctranslate2; do
  step "service-$engine" 90 $PY benchmarks/bench_service.py --device $DEVICE $([ $DRY = 1 ] && echo --tiny) \
    --workdir "$WORK" --engine $engine --clients $CLIENTS --rounds 1 --json "$OUT/service-$engine.json"
done
# 4. the trained translator: the project's translate() against plain CTranslate2 on held-out NTREX news
step real 60 $PY benchmarks/bench_pipeline.py --device $DEVICE $SIZE --workdir "$WORK" "${REAL[@]}" \
  --real-segments $SEGMENTS --sections real --json "$OUT/real.json"
$PY benchmarks/gpu_table.py "$OUT" | tee "$OUT/table.md"
echo "total $(( $(date +%s) - started )) s" | tee -a "$OUT/steps.txt"

#!/usr/bin/env bash
# Fine-tuning methods side by side on `small` (B=16, T=128): step time, trainable parameters, optimizer state, peak RSS.
# Build first: mvn -q -B install -DskipTests
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
CP="${CP:-bench/target/classes:$(cat bench/target/classpath.txt)}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
for m in full "lora --rank 8" "smt --budget 0.01 --block 32"; do
  java -Xmx3g -XX:+UseParallelGC -Dorg.bytedeco.javacpp.maxbytes=8G -cp "$CP" dev.sinter.bench.TrainerBenchmark $m 2>/dev/null
done

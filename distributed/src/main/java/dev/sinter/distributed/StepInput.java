package dev.sinter.distributed;

import java.io.Serializable;
import java.util.List;

/**
 * One step's input to every worker, broadcast: the current values of the trainable variables (C order, in
 * {@link ReplicaSeed#trainable()} order) and all micro-batches of the step; worker {@code w} of {@code W} computes
 * micro-batches {@code [w·k, (w+1)·k)} with {@code k = microBatches.size() / W}.
 */
record StepInput(long step, float[][] parameters, List<int[][]> microBatches, int workers) implements Serializable {
    /** The first micro-batch of {@code worker}'s share. */
    int firstMicro(int worker) {
        return worker * perWorker();
    }

    int perWorker() {
        return microBatches.size() / workers;
    }
}

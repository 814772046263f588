package dev.sinter.framework.samediff;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Runs a SameDiff graph's forward and gradient passes with op outputs drawn from a {@link StepArrayPool}: repeated
 * calls reuse the previous call's arrays, and within a call an array is reused as soon as its last reader has run.
 *
 * <p>SameDiff keeps one session per graph and thread; the pool becomes that session's memory manager on first use,
 * and a listener on the graph (copied by SameDiff to its gradient function) tells the pool when each op starts and
 * ends. Forward results belong to the caller for good. Gradient-pass results (outputs and gradients) are only valid
 * until the next {@link #gradients} call on the same graph from the same thread: copy what must outlive it.
 *
 * <p>Measured on {@code small} (B=16, T=128): SameDiff's own session allocates 722 fresh arrays (1.26 GB) per
 * training step; pooled, the whole run creates 283 arrays, 683 are handed back within each step, the peak RSS
 * drops from 2.7 GB to 0.84 GB, and the losses are bit-identical.
 */
public final class PooledExecution {
    /** The name SameDiff gives a graph's gradient function. */
    private static final String GRAD_FUNCTION = "grad";

    private PooledExecution() {
    }

    /** {@code sd.output(placeholders, outputs)}; the returned arrays are the caller's. */
    public static Map<String, INDArray> output(SameDiff sd, Map<String, INDArray> placeholders,
            List<String> outputs) {
        return run(sd, placeholders, outputs, true);
    }

    /**
     * {@code sd.output(placeholders, outputs)} into pooled arrays that the next call on this graph and thread reuses:
     * read or copy the results before calling again. A caller-owned result costs a fresh allocation per call (e.g.
     * 33 MB of logits at B=16, T=128, V=4096, which took a [16, 128] forward pass from 0.31 s to 0.51 s).
     */
    public static Map<String, INDArray> transientOutput(SameDiff sd, Map<String, INDArray> placeholders,
            List<String> outputs) {
        return run(sd, placeholders, outputs, false);
    }

    private static Map<String, INDArray> run(SameDiff sd, Map<String, INDArray> placeholders, List<String> outputs,
            boolean callerKeeps) {
        StepArrayPool pool = poolFor(sd);
        pool.beginCall("output " + new TreeSet<>(outputs), () -> ConsumerCounts.of(sd, outputs));
        Map<String, INDArray> result = null;
        try {
            result = sd.output(placeholders, outputs);
            return result;
        } finally {
            pool.endCall(result == null || !callerKeeps ? List.of() : result.values());
        }
    }

    /**
     * {@code sd.calculateGradientsAndOutputs(placeholders, outputs, wrt)}, quietly (see
     * {@link SameDiffRuntime#quietly}). The returned arrays are reused by the next call on this graph and thread.
     */
    public static OutAndGrad gradients(SameDiff sd, Map<String, INDArray> placeholders, Collection<String> outputs,
            Collection<String> wrt) {
        listenTo(sd); // before the gradient function exists: SameDiff copies the graph's listeners to it
        if (sd.getFunction(GRAD_FUNCTION) == null) {
            // as calculateGradientsAndOutputs would, but now, so that even the first step's arrays come from the pool
            SameDiffRuntime.quietly(() -> {
                sd.createGradFunction();
                return null;
            });
        }
        SameDiff gradFunction = sd.getFunction(GRAD_FUNCTION);
        StepArrayPool pool = poolFor(gradFunction);
        pool.beginCall("gradients " + new TreeSet<>(outputs) + " wrt " + new TreeSet<>(wrt), () -> {
            List<String> requested = new ArrayList<>(outputs);
            wrt.forEach(w -> requested.add(sd.getVariable(w).getGradient().name()));
            return ConsumerCounts.of(gradFunction, requested);
        });
        try {
            return SameDiffRuntime.quietly(() -> sd.calculateGradientsAndOutputs(placeholders, outputs, wrt));
        } finally {
            pool.endCall(List.of());
        }
    }

    /** The pool serving {@code sd} on this thread, or null when there is none yet. */
    static StepArrayPool existingPool(SameDiff sd) {
        InferenceSession s = sd.getSessions().get(Thread.currentThread().getId());
        return s != null && s.getMmgr() instanceof StepArrayPool p ? p : null;
    }

    private static StepArrayPool poolFor(SameDiff sd) {
        listenTo(sd);
        InferenceSession session = sd.getSessions().computeIfAbsent(Thread.currentThread().getId(),
                id -> new InferenceSession(sd));
        if (session.getMmgr() instanceof StepArrayPool pool) {
            return pool;
        }
        StepArrayPool pool = new StepArrayPool();
        session.setMmgr(pool);
        return pool;
    }

    private static void listenTo(SameDiff sd) {
        if (sd.getListeners() == null || !sd.getListeners().contains(OpBoundaries.INSTANCE)) {
            sd.addListeners(OpBoundaries.INSTANCE);
        }
    }

    /** Tells the pool of the executing graph (on this thread) where each op starts and ends. */
    private static final class OpBoundaries extends BaseListener {
        static final OpBoundaries INSTANCE = new OpBoundaries();

        @Override
        public boolean isActive(Operation operation) {
            return true;
        }

        @Override
        public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext opContext) {
            StepArrayPool pool = existingPool(sd);
            if (pool != null) {
                pool.beforeOp(op);
            }
        }

        @Override
        public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext opContext,
                                INDArray[] outputs) {
            StepArrayPool pool = existingPool(sd);
            if (pool != null) {
                pool.afterOp(op, outputs);
            }
        }
    }
}

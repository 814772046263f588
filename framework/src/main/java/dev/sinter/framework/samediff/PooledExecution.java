package dev.sinter.framework.samediff;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runs a SameDiff graph's forward and gradient passes with op outputs drawn from a {@link StepArrayPool}, so that
 * repeated calls with the same shapes reuse the previous call's arrays instead of allocating fresh off-heap memory.
 *
 * <p>SameDiff keeps one session per graph and thread; the pool becomes that session's memory manager on first use.
 * Forward results belong to the caller for good. Gradient-pass results (outputs and gradients) are only valid until
 * the next {@link #gradients} call on the same graph from the same thread: copy what must outlive it.
 *
 * <p>Measured on {@code small} (B=16, T=128): 683 arrays (1.19 GB) per training step are reused rather than
 * allocated, and the losses are bit-identical to SameDiff's own session memory manager.
 */
public final class PooledExecution {
    /** The name SameDiff gives a graph's gradient function. */
    private static final String GRAD_FUNCTION = "grad";

    private PooledExecution() {
    }

    /** {@code sd.output(placeholders, outputs)}; the returned arrays are the caller's. */
    public static Map<String, INDArray> output(SameDiff sd, Map<String, INDArray> placeholders,
            List<String> outputs) {
        StepArrayPool pool = poolFor(sd);
        Map<String, INDArray> result;
        try {
            result = sd.output(placeholders, outputs);
        } catch (RuntimeException e) {
            pool.endCall(List.of());
            throw e;
        }
        pool.endCall(result.values());
        return result;
    }

    /**
     * {@code sd.calculateGradientsAndOutputs(placeholders, outputs, wrt)}, quietly (see
     * {@link SameDiffRuntime#quietly}). The returned arrays are reused by the next call on this graph and thread.
     */
    public static OutAndGrad gradients(SameDiff sd, Map<String, INDArray> placeholders, Collection<String> outputs,
            Collection<String> wrt) {
        if (sd.getFunction(GRAD_FUNCTION) == null) {
            // as calculateGradientsAndOutputs would, but now, so that even the first step's arrays come from the pool
            SameDiffRuntime.quietly(() -> {
                sd.createGradFunction();
                return null;
            });
        }
        StepArrayPool pool = poolFor(sd.getFunction(GRAD_FUNCTION));
        OutAndGrad r;
        try {
            r = SameDiffRuntime.quietly(() -> sd.calculateGradientsAndOutputs(placeholders, outputs, wrt));
        } finally {
            pool.endCall(List.of());
        }
        return r;
    }

    /** The pool serving {@code sd} on this thread, or null when there is none yet (for tests and benchmarks). */
    static StepArrayPool existingPool(SameDiff sd) {
        InferenceSession s = sd.getSessions().get(Thread.currentThread().getId());
        return s != null && s.getMmgr() instanceof StepArrayPool p ? p : null;
    }

    private static StepArrayPool poolFor(SameDiff sd) {
        InferenceSession session = sd.getSessions().computeIfAbsent(Thread.currentThread().getId(),
                id -> new InferenceSession(sd));
        if (session.getMmgr() instanceof StepArrayPool pool) {
            return pool;
        }
        StepArrayPool pool = new StepArrayPool();
        session.setMmgr(pool);
        return pool;
    }
}

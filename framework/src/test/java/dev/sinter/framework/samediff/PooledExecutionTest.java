package dev.sinter.framework.samediff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Pooled execution: same results as SameDiff's own sessions, no allocation once warm, caller-owned outputs kept. */
class PooledExecutionTest {

    @BeforeAll
    static void init() {
        SameDiffRuntime.init();
    }

    /** A two-layer MLP with a softmax cross-entropy loss; x [B, 6], y one-hot [B, 3]. */
    private static SameDiff mlp() {
        Nd4j.getRandom().setSeed(11);
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 6);
        SDVariable y = sd.placeHolder("y", DataType.FLOAT, -1, 3);
        SDVariable w1 = sd.var("w1", Nd4j.randn(DataType.FLOAT, 6, 8).muli(0.3));
        SDVariable w2 = sd.var("w2", Nd4j.randn(DataType.FLOAT, 8, 3).muli(0.3));
        SDVariable logits = sd.nn().tanh(x.mmul(w1)).mmul(w2).rename("logits");
        SDVariable loss = sd.loss().softmaxCrossEntropy("loss", y, logits, null);
        sd.setLossVariables(loss);
        return sd;
    }

    private static Map<String, INDArray> batch(int seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, 4, 3);
        for (int i = 0; i < 4; i++) {
            labels.putScalar(i, (i + seed) % 3, 1);
        }
        return Map.of("x", Nd4j.randn(DataType.FLOAT, 4, 6), "y", labels);
    }

    @Test
    void gradientsMatchSameDiffsOwnSessionBitForBitAndStopAllocating() {
        SameDiff pooled = mlp();
        SameDiff stock = mlp();
        List<String> wrt = List.of("w1", "w2");
        long createdAfterFirst = -1;
        long allocationsPerCall = -1;
        for (int step = 0; step < 4; step++) {
            Map<String, INDArray> ph = batch(step);
            OutAndGrad a = PooledExecution.gradients(pooled, ph, List.of("loss"), wrt);
            OutAndGrad b = SameDiffRuntime.quietly(() -> stock.calculateGradientsAndOutputs(ph, List.of("loss"), wrt));
            assertEquals(b.getOutputs().get("loss").getDouble(0), a.getOutputs().get("loss").getDouble(0), 0.0);
            for (String w : wrt) {
                assertEquals(b.getGradients().get(w), a.getGradients().get(w), "gradient of " + w + " at step " + step);
                // a plain SGD step on both, so later steps see different weights
                pooled.getVariable(w).getArr().subi(a.getGradients().get(w).mul(0.1));
                stock.getVariable(w).getArr().subi(b.getGradients().get(w).mul(0.1));
            }
            StepArrayPool pool = PooledExecution.existingPool(pooled.getFunction("grad"));
            assertTrue(pool != null, "the gradient function's session uses the pool");
            long allocations = pool.created() + pool.reused();
            if (step == 0) {
                createdAfterFirst = pool.created();
                allocationsPerCall = allocations;
                assertTrue(pool.releasedEarly() > 0, "arrays are reused within the first call already");
                assertTrue(createdAfterFirst < allocations, "fewer arrays than allocations");
            } else {
                assertEquals(createdAfterFirst, pool.created(), "no fresh arrays once the shapes repeat");
                assertEquals(allocationsPerCall * (step + 1), allocations);
            }
        }
    }

    @Test
    void forwardOutputsStayTheCallersAcrossLaterCalls() {
        SameDiff sd = mlp();
        INDArray first = PooledExecution.output(sd, batch(1), List.of("logits")).get("logits");
        INDArray copy = first.dup();
        for (int i = 2; i < 5; i++) {
            INDArray later = PooledExecution.output(sd, batch(i), List.of("logits")).get("logits");
            assertTrue(later != first && later.data().address() != first.data().address());
        }
        assertEquals(copy, first, "a kept output was overwritten by a later call");
        assertEquals(SameDiffRuntime.quietly(() -> mlp().output(batch(1), "logits")).get("logits"), first);
        // the session keeps the pool; a direct call outside PooledExecution must still be exact
        assertEquals(first, sd.output(batch(1), "logits").get("logits"));
    }
}

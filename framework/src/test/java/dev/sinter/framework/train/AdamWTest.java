package dev.sinter.framework.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link AdamW} against {@code torch.optim.AdamW} (PyTorch 1.13.1, float64): five steps with a changing learning
 * rate, weight decay on the matrix only (as training configures it), betas 0.9/0.95, eps 1e-8.
 *
 * <p>The expected values were printed by this script:
 * <pre>{@code
 * torch.set_default_dtype(torch.float64)
 * W = torch.tensor([[math.sin(1 + i * 4 + j) for j in range(4)] for i in range(3)], requires_grad=True)
 * b = torch.tensor([math.cos(2 + j) for j in range(4)], requires_grad=True)
 * opt = torch.optim.AdamW([{'params': [W], 'weight_decay': 0.1}, {'params': [b], 'weight_decay': 0.0}],
 *                         lr=1e-2, betas=(0.9, 0.95), eps=1e-8)
 * for t in range(1, 6):
 *     for g in opt.param_groups: g['lr'] = 1e-2 / t
 *     W.grad = torch.tensor([[math.cos(0.7 * (i * 4 + j) + t) * (1 + 0.5 * t) for j in range(4)] for i in range(3)])
 *     b.grad = torch.tensor([math.sin(0.3 * j - t) * 1e-3 for j in range(4)])
 *     opt.step()
 * }</pre>
 * The bias gradients are small (1e-3), so eps and the bias corrections matter for them.
 */
class AdamWTest {
    private static final double[] TORCH_W = {0.8345529939112228, 0.9260655496100951, 0.1587219959516478,
        -0.7405116579990129, -0.9477447934486817, -0.276660989420748, 0.6367666773753069, 0.9705907579594536,
        0.3991070997020382, -0.547594770277571, -0.9788495914140899, -0.517477363764309};
    private static final double[] TORCH_B = {-0.39777997028306256, -0.9707184103278059, -0.6339586910280972,
        0.30298289663239425};

    @Test
    void matchesTorchAdamW() {
        INDArray w = Nd4j.create(DataType.DOUBLE, 3, 4);
        INDArray b = Nd4j.create(DataType.DOUBLE, 4);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 4; j++) {
                w.putScalar(i, j, Math.sin(1 + i * 4 + j));
            }
        }
        for (int j = 0; j < 4; j++) {
            b.putScalar(j, Math.cos(2 + j));
        }
        Map<String, INDArray> params = new LinkedHashMap<>(Map.of("w", w, "b", b));
        AdamW adam = new AdamW(0.9, 0.95, 1e-8, 0.1); // decay applies to rank ≥ 2 only
        for (int t = 1; t <= 5; t++) {
            INDArray gw = Nd4j.create(DataType.DOUBLE, 3, 4);
            INDArray gb = Nd4j.create(DataType.DOUBLE, 4);
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 4; j++) {
                    gw.putScalar(i, j, Math.cos(0.7 * (i * 4 + j) + t) * (1 + 0.5 * t));
                }
            }
            for (int j = 0; j < 4; j++) {
                gb.putScalar(j, Math.sin(0.3 * j - t) * 1e-3);
            }
            adam.step(params, new LinkedHashMap<>(Map.of("w", gw, "b", gb)), 1e-2 / t);
        }
        assertEquals(5, adam.stepCount());
        assertArrayEquals(TORCH_W, w.reshape(12).toDoubleVector(), 1e-14);
        assertArrayEquals(TORCH_B, b.toDoubleVector(), 1e-14);
    }

    /**
     * Dense FLOAT tensors take the fused one-pass update; column-major ('f') copies of the same values take the
     * array-op sequence. Five steps with a changing learning rate, decayed matrix and undecayed vector: every float
     * of parameters and moments must be the same bits.
     */
    @Test
    void fusedFloatUpdateIsBitIdenticalToTheArrayOps() {
        Nd4j.getRandom().setSeed(7);
        INDArray w = Nd4j.randn(DataType.FLOAT, 37, 29).muli(0.3);
        INDArray b = Nd4j.randn(DataType.FLOAT, 29).muli(1e-3); // rank 1: not decayed
        INDArray rows = Nd4j.zeros(DataType.FLOAT, 2, 29);
        INDArray bView = rows.getRow(1).assign(b); // a view: the array-op path
        Map<String, INDArray> fused = new LinkedHashMap<>(Map.of("w", w.dup('c'), "b", b.dup('c')));
        Map<String, INDArray> ops = new LinkedHashMap<>(Map.of("w", w.dup('f'), "b", bView));
        AdamW fusedOpt = new AdamW(0.9, 0.95, 1e-8, 0.1);
        AdamW opsOpt = new AdamW(0.9, 0.95, 1e-8, 0.1);
        for (int t = 1; t <= 5; t++) {
            INDArray gw = Nd4j.randn(DataType.FLOAT, 37, 29).muli(t);
            INDArray gb = Nd4j.randn(DataType.FLOAT, 29).muli(1e-4);
            fusedOpt.step(fused, Map.of("w", gw.dup('c'), "b", gb.dup('c')), 1e-2 / t);
            opsOpt.step(ops, Map.of("w", gw.dup('f'), "b", gb), 1e-2 / t);
        }
        assertEquals('c', fused.get("w").ordering());
        assertEquals('f', ops.get("w").ordering());
        assertTrue(ops.get("b").isView());
        for (String name : fused.keySet()) {
            assertArrayEquals(ops.get(name).dup('c').data().asFloat(), fused.get(name).data().asFloat(), 0f, name);
        }
        Map<String, INDArray> fusedState = fusedOpt.state();
        Map<String, INDArray> opsState = opsOpt.state();
        for (String name : fusedState.keySet()) {
            assertArrayEquals(opsState.get(name).dup('c').data().asFloat(), fusedState.get(name).data().asFloat(), 0f,
                    name);
        }
    }
}

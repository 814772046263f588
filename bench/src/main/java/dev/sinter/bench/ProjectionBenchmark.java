package dev.sinter.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Kernel time of the products of one decoder layer at B·T = 2048 tokens, in the layouts that the graph could use
 * (issue 20, "fewer, larger GEMMs"): q, k and v (and gate and up) as separate products or as one product over
 * concatenated weights with its output split, forward and backward; and the attention products as ND4J runs them
 * (rank-4 batched {@code matmul}) against one 2-D product per head.
 *
 * <p>Every op runs on preallocated outputs and is timed in this thread's CPU time (median of {@code --rounds}), so
 * the numbers hold on a shared, busy machine; SameDiff's executor cost per op (~110–150 µs) comes on top and is
 * reported as the op count of each form. One JSON line per measurement on stdout.
 *
 * <p>Usage: {@code ProjectionBenchmark [--dim 256 --heads 8 --kv-heads 4 --hidden 688] [--tokens 2048]
 * [--batch 16] [--rounds 15]} (defaults: the {@code small} preset; d256 is {@code --heads 4 --kv-heads 4}).
 */
public final class ProjectionBenchmark {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private ProjectionBenchmark() {
    }

    public static void main(String[] args) {
        BenchArgs a = new BenchArgs(args);
        int d = a.num("--dim", 256);
        int heads = a.num("--heads", 8);
        int kvHeads = a.num("--kv-heads", 4);
        int hidden = a.num("--hidden", 688);
        int n = a.num("--tokens", 2048);
        int batch = a.num("--batch", 16);
        int rounds = a.num("--rounds", 15);
        int hd = d / heads;
        Nd4j.create(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, n, d); // [N, D]
        projections("qkv", x, new int[]{d, kvHeads * hd, kvHeads * hd}, rounds);
        projections("gate_up", x, new int[]{hidden, hidden}, rounds);
        attention(batch, kvHeads, heads / kvHeads * (n / batch), n / batch, hd, rounds);
    }

    /** Separate products against one product over the concatenated weights, forward + backward (dX and every dW). */
    private static void projections(String what, INDArray x, int[] outs, int rounds) {
        int n = (int) x.size(0);
        int d = (int) x.size(1);
        int total = Arrays.stream(outs).sum();
        INDArray[] w = new INDArray[outs.length];
        INDArray[] y = new INDArray[outs.length];
        INDArray[] dw = new INDArray[outs.length];
        for (int j = 0; j < outs.length; j++) {
            w[j] = Nd4j.rand(DataType.FLOAT, outs[j], d); // [out_j, D]
            y[j] = Nd4j.rand(DataType.FLOAT, n, outs[j]); // [N, out_j], also the upstream gradient
            dw[j] = Nd4j.create(DataType.FLOAT, outs[j], d);
        }
        INDArray dx = Nd4j.create(DataType.FLOAT, n, d);
        INDArray dxPart = Nd4j.create(DataType.FLOAT, n, d);
        INDArray wCat = Nd4j.create(DataType.FLOAT, total, d); // [Σ out, D]
        INDArray yCat = Nd4j.create(DataType.FLOAT, n, total); // [N, Σ out]
        INDArray dwCat = Nd4j.create(DataType.FLOAT, total, d);
        boolean equal = Arrays.stream(outs).allMatch(o -> o == outs[0]);
        double separateFwd = median(rounds, () -> {
            for (int j = 0; j < outs.length; j++) {
                mmul(x, w[j], y[j], false, true);
            }
        });
        double separateBwd = median(rounds, () -> {
            for (int j = 0; j < outs.length; j++) {
                mmul(y[j], w[j], j == 0 ? dx : dxPart, false, false);
                if (j > 0) {
                    dx.addi(dxPart);
                }
                mmul(y[j], x, dw[j], true, false);
            }
        });
        double concatW = median(rounds, () -> concat(0, w, wCat));
        double fusedMmul = median(rounds, () -> mmul(x, wCat, yCat, false, true));
        double split = median(rounds, () -> split(yCat, outs, equal, y));
        double concatDy = median(rounds, () -> concat(1, y, yCat));
        double fusedBwd = median(rounds, () -> {
            mmul(yCat, wCat, dx, false, false);
            mmul(yCat, x, dwCat, true, false);
        });
        double splitDw = median(rounds, () -> split(dwCat, outs, equal, dw, 0));
        double flop = 2.0 * n * d * total;
        System.out.printf(Locale.ROOT, "{\"what\": \"%s\", \"outs\": \"%s\", \"separate_fwd_ms\": %.3f,"
                        + " \"separate_bwd_ms\": %.3f, \"separate_ops\": %d, \"fused_mmul_ms\": %.3f, \"fused_bwd_ms\": %.3f,"
                        + " \"concat_w_ms\": %.3f, \"split_y_ms\": %.3f, \"concat_dy_ms\": %.3f, \"split_dw_ms\": %.3f,"
                        + " \"fused_ops\": 7, \"separate_total_ms\": %.3f, \"fused_total_ms\": %.3f,"
                        + " \"separate_gflops\": %.0f, \"fused_gemm_gflops\": %.0f}%n",
                what, Arrays.toString(outs), separateFwd, separateBwd, 3 * outs.length + outs.length - 1, fusedMmul,
                fusedBwd, concatW, split, concatDy, splitDw, separateFwd + separateBwd,
                concatW + fusedMmul + split + concatDy + fusedBwd + splitDw, 3 * flop / (separateFwd + separateBwd) / 1e6,
                3 * flop / (fusedMmul + fusedBwd) / 1e6);
    }

    /** The attention products {@code [B, KV, g·T, hd]·[B, KV, T, hd]ᵀ} and {@code probs·V}: batched vs per head. */
    private static void attention(int b, int kv, int rows, int t, int hd, int rounds) {
        INDArray q = Nd4j.rand(DataType.FLOAT, b, kv, rows, hd); // [B, KV, g·T, hd]
        INDArray k = Nd4j.rand(DataType.FLOAT, b, kv, t, hd); // [B, KV, T, hd]
        INDArray scores = Nd4j.create(DataType.FLOAT, b, kv, rows, t); // [B, KV, g·T, T]
        INDArray ctx = Nd4j.create(DataType.FLOAT, b, kv, rows, hd);
        double flop = 2.0 * b * kv * rows * t * hd;
        double batchedScores = median(rounds, () -> mmul(q, k, scores, false, true));
        double batchedCtx = median(rounds, () -> mmul(scores, k, ctx, false, false));
        INDArray q3 = q.reshape(b * kv, rows, hd);
        INDArray k3 = k.reshape(b * kv, t, hd);
        INDArray s3 = scores.reshape(b * kv, rows, t);
        double perHead = median(rounds, () -> {
            for (int i = 0; i < b * kv; i++) {
                mmul(q3.slice(i), k3.slice(i), s3.slice(i), false, true);
            }
        });
        System.out.printf(Locale.ROOT, "{\"what\": \"attention\", \"shape\": \"[%d, %d, %d, %d]x[%d, %d, %d, %d]T\","
                        + " \"batched_scores_ms\": %.3f, \"batched_scores_gflops\": %.0f, \"batched_ctx_ms\": %.3f,"
                        + " \"batched_ctx_gflops\": %.0f, \"per_head_2d_scores_ms\": %.3f, \"per_head_2d_gflops\": %.0f}%n",
                b, kv, rows, hd, b, kv, t, hd, batchedScores, flop / batchedScores / 1e6, batchedCtx,
                flop / batchedCtx / 1e6, perHead, flop / perHead / 1e6);
    }

    private static void mmul(INDArray a, INDArray b, INDArray out, boolean ta, boolean tb) {
        Nd4j.exec(new Mmul(a, b, out, MMulTranspose.builder().transposeA(ta).transposeB(tb).build()));
    }

    private static void concat(int axis, INDArray[] parts, INDArray out) {
        Nd4j.exec(DynamicCustomOp.builder("concat").addInputs(parts).addIntegerArguments(axis).addOutputs(out).build());
    }

    private static void split(INDArray in, int[] sizes, boolean equal, INDArray[] out) {
        split(in, sizes, equal, out, 1);
    }

    /** {@code split} (equal parts) or {@code split_v} along {@code axis}, as the fused graph would run it. */
    private static void split(INDArray in, int[] sizes, boolean equal, INDArray[] out, int axis) {
        DynamicCustomOp op = equal
                ? DynamicCustomOp.builder("split").addInputs(in).addIntegerArguments(sizes.length, axis).addOutputs(out)
                .build()
                : DynamicCustomOp.builder("split_v").addInputs(in, Nd4j.createFromArray(sizes))
                .addIntegerArguments(axis, sizes.length).addOutputs(out).build();
        Nd4j.exec(op);
    }

    /** Median thread CPU time of {@code work} in ms, after three untimed runs. */
    private static double median(int rounds, Runnable work) {
        for (int i = 0; i < 3; i++) {
            work.run();
        }
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            long c = CPU.getCurrentThreadCpuTime();
            work.run();
            ms.add((CPU.getCurrentThreadCpuTime() - c) / 1e6);
        }
        Collections.sort(ms);
        return ms.get(ms.size() / 2);
    }

}

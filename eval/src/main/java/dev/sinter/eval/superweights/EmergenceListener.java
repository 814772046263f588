package dev.sinter.eval.superweights;

import dev.sinter.eval.superweights.ActivationScan.LayerStats;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.framework.train.MetricsJsonl;
import dev.sinter.framework.train.StepMetrics;
import dev.sinter.framework.train.TrainingListener;
import dev.sinter.models.transformer.TransformerModel;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tracks super activations while a model trains: every {@code every} steps (and at step 1 and the end) one forward
 * pass over a fixed probe prompt, and a {@code metrics.jsonl} row with, per layer {@code l}, the largest
 * |down_proj input| and |output| with their channels (in MoE layers over every expert and the residual MLP, with
 * {@code sw.{l}.in_expert}/{@code out_expert} naming the expert, -1 for the residual MLP), and the largest |residual
 * stream| with its channel and ratio to the median: keys {@code sw.{l}.in_max}, {@code sw.{l}.in_ch},
 * {@code sw.{l}.out_max}, {@code sw.{l}.out_ch},
 * {@code sw.{l}.res_max}, {@code sw.{l}.res_ch}, {@code sw.{l}.res_ratio} (rows without a {@code loss} key, so the
 * run report's loss curves ignore them).
 */
public final class EmergenceListener implements TrainingListener {
    /** Prefix of every key this listener writes. */
    public static final String PREFIX = "sw.";

    private final TransformerModel model;
    private final int[] probe;
    private final int every;
    private final MetricsJsonl sink;
    private long last = -1;

    public EmergenceListener(TransformerModel model, int[] probe, int every, MetricsJsonl sink) {
        if (every < 1) {
            throw new IllegalArgumentException("emergence cadence must be >= 1 step, got " + every);
        }
        ActivationScan.checkPrompt(model.config(), probe);
        this.model = model;
        this.probe = probe.clone();
        this.every = every;
        this.sink = sink;
    }

    @Override
    public void onStep(StepMetrics m) {
        if (m.step() == 1 || m.step() % every == 0) {
            record(m.step());
        }
    }

    @Override
    public void onFinish(long step) {
        if (step != last) {
            record(step);
        }
    }

    private void record(long step) {
        ActivationScan scan = ActivationScan.of(model, probe);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("step", step);
        for (LayerStats l : scan.layers()) {
            String p = PREFIX + l.layer() + ".";
            ActivationScan.DownProj in = null;
            ActivationScan.DownProj out = null;
            for (ActivationScan.DownProj d : l.projections()) {
                in = in == null || d.input().abs() > in.input().abs() ? d : in;
                out = out == null || d.output().abs() > out.output().abs() ? d : out;
            }
            row.put(p + "in_max", in.input().abs());
            row.put(p + "in_ch", in.input().channel());
            row.put(p + "out_max", out.output().abs());
            row.put(p + "out_ch", out.output().channel());
            if (l.downInput() == null) { // MoE layer: which expert (-1: the residual MLP) holds each maximum
                row.put(p + "in_expert", in.expert());
                row.put(p + "out_expert", out.expert());
            }
            row.put(p + "res_max", l.residual().abs());
            row.put(p + "res_ch", l.residual().channel());
            row.put(p + "res_ratio", l.residual().ratio());
        }
        sink.append(row);
        last = step;
        SameDiffRuntime.releaseMemory();
    }
}

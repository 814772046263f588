package dev.sinter.framework.train;

import dev.sinter.framework.config.TrainingConfig;
import dev.sinter.framework.data.BatchSampler;
import dev.sinter.framework.samediff.PooledExecution;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.framework.util.FaultInjection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The training engine: a manual loop over {@code calculateGradientsAndOutputs} with gradient accumulation
 * (global batch = micro batch × accumulation steps), global-norm clipping, AdamW, warm-up + cosine schedule,
 * periodic validation, a NaN/Inf guard and checkpoint callbacks. Methods plug in through {@link TrainingHooks}.
 *
 * <p>Order within a step: listeners hear {@code onStep}, then {@code onValidation} when validation is due, then
 * {@code onFinish} after the last step, and only then is the step's checkpoint written. So everything listeners record
 * for a step precedes its checkpoint, and a run resumed from that checkpoint repeats none of it.
 */
public final class TrainingLoop {
    /** Steps between garbage collections (which free off-heap arrays nobody references any more). */
    private static final int RELEASE_EVERY = 8;

    private final TrainableModel model;
    private final TrainingConfig cfg;
    private final TrainingHooks hooks;
    private final BatchSampler sampler;
    private final int[][] validationWindows;
    private final List<String> trainable;
    private final AdamW optimizer;
    private LearningRateSchedule schedule;
    private long scheduleStart; // the step AdamW's count starts from (0, or a restarting phase's)
    private long scheduleOffset; // step s trains with schedule.at(s − offset): 0 for the run's 1-based schedule
    private final List<TrainingListener> listeners = new ArrayList<>();
    private Consumer<TrainingLoop> checkpointer = loop -> { };
    private StepGradients gradients;
    private int checkpointEvery = Integer.MAX_VALUE;
    private long step;
    private long tokensSeen;
    private double lastValidationLoss = Double.NaN;

    public TrainingLoop(TrainableModel model, TrainingConfig cfg, TrainingHooks hooks, BatchSampler sampler,
                        int[][] validationWindows) {
        this.model = model;
        this.cfg = cfg;
        this.hooks = hooks;
        this.sampler = sampler;
        this.validationWindows = validationWindows;
        this.trainable = List.copyOf(hooks.trainableParameters(model));
        this.optimizer = new AdamW(cfg.beta1(), cfg.beta2(), cfg.eps(), cfg.weightDecay());
        this.schedule = new LearningRateSchedule(cfg.lr(), cfg.minLr(), cfg.warmupSteps(), cfg.steps());
        this.gradients = new ModelGradients(model, hooks);
    }

    public TrainingLoop addListener(TrainingListener l) {
        listeners.add(l);
        return this;
    }

    /**
     * Computes each step's summed gradients with {@code engine} instead of this loop's own model (a data-parallel
     * engine: replicas of the model elsewhere); averaging, clipping, hooks and AdamW stay here.
     */
    public TrainingLoop computeGradientsWith(StepGradients engine) {
        this.gradients = engine;
        return this;
    }

    /** Calls {@code checkpointer} every {@code every} steps and after the last step. */
    public TrainingLoop checkpointEvery(int every, Consumer<TrainingLoop> checkpointer) {
        this.checkpointEvery = every;
        this.checkpointer = checkpointer;
        return this;
    }

    /**
     * Makes this loop a phase that restarts the learning-rate schedule and the optimizer at {@code start}, as a new
     * PyTorch optimizer and scheduler would (SMT's sparse phase): the scheduler counts from 0, so step
     * {@code start + 1 + k} trains with {@code restarted.at(k)} (the first step with the scheduler's initial value),
     * and AdamW's bias correction counts steps from {@code start}. Call before {@link #restore}.
     */
    public TrainingLoop restartScheduleAt(long start, LearningRateSchedule restarted) {
        this.scheduleStart = start;
        this.scheduleOffset = start + 1;
        this.schedule = restarted;
        return this;
    }

    /** Continues from a checkpoint: step, data cursor, tokens seen, latest validation loss, optimizer state. */
    public void restore(long step, long samplerCursor, long tokensSeen, double lastValidationLoss,
                        Map<String, INDArray> optimizerState) {
        this.step = step;
        this.tokensSeen = tokensSeen;
        this.lastValidationLoss = lastValidationLoss;
        sampler.seek(samplerCursor);
        optimizer.restore(optimizerState, step - scheduleStart, trainableArrays());
    }

    /** Runs until {@code training.steps}; returns the final validation loss. */
    public double run() {
        return runUntil(cfg.steps());
    }

    /**
     * Runs until {@code stopStep} (at most {@code training.steps}); validation and checkpoints follow the configured
     * cadence, and listeners hear {@code onFinish} when this call runs the last configured step (a loop restored at
     * the last step runs nothing and notifies nobody: its listeners' rows were written before that checkpoint).
     */
    public double runUntil(long stopStep) {
        int accumulation = cfg.batchSize() / cfg.microBatchSize();
        long stop = Math.min(stopStep, cfg.steps());
        while (step < stop) {
            long t0 = System.nanoTime();
            List<int[][]> microBatches = new ArrayList<>(accumulation);
            long tokens = 0;
            for (int micro = 0; micro < accumulation; micro++) {
                int[][] windows = sampler.next(cfg.microBatchSize());
                microBatches.add(windows);
                tokens += (long) windows.length * (windows[0].length - 1);
            }
            StepGradients.Sums sums = gradients.compute(step + 1, microBatches, trainable);
            Map<String, INDArray> grads = sums.gradients();
            Map<String, INDArray> metricSums = sums.metrics();
            double loss = sums.loss() / accumulation;
            if (accumulation > 1) {
                grads.values().forEach(g -> g.divi(accumulation));
            }
            long next = step + 1;
            hooks.transformGradients(next, grads);
            double norm = globalNorm(grads);
            if (!Double.isFinite(loss) || !Double.isFinite(norm)) {
                throw new TrainingDivergedException("training diverged at step " + next + ": loss " + loss
                        + ", gradient norm " + norm + "; parameters were not updated and the last good checkpoint is"
                        + " kept. Lower training.lr or set training.grad_clip");
            }
            if (cfg.gradClip() > 0 && norm > cfg.gradClip()) {
                double scale = cfg.gradClip() / norm;
                grads.values().forEach(g -> g.muli(scale));
            }
            double lr = schedule.at((int) (next - scheduleOffset));
            optimizer.step(trainableArrays(), grads, lr);
            grads.clear();
            if (next % RELEASE_EVERY == 0) {
                SameDiffRuntime.releaseMemory(); // the pooled session leaves little garbage: a collection now and then
            }
            step = next;
            tokensSeen += tokens;
            double secs = (System.nanoTime() - t0) / 1e9;
            StepMetrics m = new StepMetrics(step, loss, lr, norm, tokens / secs, secs, tokensSeen,
                    model.stepMetrics(metricSums, accumulation));
            listeners.forEach(l -> l.onStep(m));
            if (step % cfg.evalEvery() == 0 || step == cfg.steps()) {
                validate();
            }
            if (step == cfg.steps()) {
                listeners.forEach(l -> l.onFinish(step));
            }
            if (step % checkpointEvery == 0 || step == cfg.steps()) {
                checkpointer.accept(this);
            }
        }
        return lastValidationLoss;
    }

    /** Mean loss over the validation windows, in micro-batch chunks; notifies listeners. */
    public double validate() {
        double sum = 0;
        int n = 0;
        for (int i = 0; i < validationWindows.length; i += cfg.microBatchSize()) {
            int end = Math.min(validationWindows.length, i + cfg.microBatchSize());
            int[][] chunk = java.util.Arrays.copyOfRange(validationWindows, i, end);
            Map<String, INDArray> ph = model.validationPlaceholders(chunk);
            hooks.addPlaceholders(step, 0, false, ph);
            double l = PooledExecution.output(model.graph(), ph, List.of(model.lossName())).get(model.lossName()).getDouble(0);
            sum += l * chunk.length;
            n += chunk.length;
            SameDiffRuntime.releaseMemory();
            if (i == 0) {
                FaultInjection.pause("validation", step);
            }
        }
        lastValidationLoss = n == 0 ? Double.NaN : sum / n;
        listeners.forEach(l -> l.onValidation(step, lastValidationLoss));
        return lastValidationLoss;
    }

    /** The live arrays of the trainable variables (parameters or method-added variables such as adapters). */
    private Map<String, INDArray> trainableArrays() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String name : trainable) {
            out.put(name, model.graph().getVariable(name).getArr());
        }
        return out;
    }

    static double globalNorm(Map<String, INDArray> grads) {
        double sq = 0;
        for (INDArray g : grads.values()) {
            double n = g.norm2Number().doubleValue();
            sq += n * n;
        }
        return Math.sqrt(sq);
    }

    public long step() {
        return step;
    }

    public long tokensSeen() {
        return tokensSeen;
    }

    public long samplerCursor() {
        return sampler.cursor();
    }

    public AdamW optimizer() {
        return optimizer;
    }

    public TrainableModel model() {
        return model;
    }

    public List<String> trainableParameters() {
        return trainable;
    }

    public double lastValidationLoss() {
        return lastValidationLoss;
    }
}

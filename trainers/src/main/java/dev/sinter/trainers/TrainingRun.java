package dev.sinter.trainers;

import dev.sinter.framework.checkpoint.Checkpoint;
import dev.sinter.framework.checkpoint.CheckpointManager;
import dev.sinter.framework.checkpoint.TrainerState;
import dev.sinter.framework.config.ConfigLoader;
import dev.sinter.framework.util.Json;
import dev.sinter.framework.config.SamplesConfig;
import dev.sinter.framework.data.BatchSampler;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.train.MetricsJsonl;
import dev.sinter.framework.train.ProgressListener;
import dev.sinter.framework.train.TrainingListener;
import dev.sinter.framework.train.TrainingLoop;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.framework.util.Provenance;
import dev.sinter.models.ModelIO;
import dev.sinter.models.family.FamilyModel;
import dev.sinter.models.generate.Generator;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.nd4j.autodiff.samediff.VariableType;

/**
 * One training run from a resolved {@link RunConfig}: creates the run directory (resolved config and provenance
 * first), opens its {@link TrainingTask} (language modelling on {@code data:}, or a registered {@code task:}), builds
 * the model, resumes from the newest checkpoint when asked, trains with the configured {@link Trainer} through its
 * {@link Phase}s, checkpoints, and lets the task finish (sample generations, a saved classifier). The CLI's {@code train} and the Java API both
 * call {@link #execute()}.
 *
 * <p>Crash safety: the run holds {@link RunLock} on its directory while it executes; it resumes from the newest
 * checkpoint that verifies (damaged ones are skipped with a warning), and rewrites {@code metrics.jsonl} to the rows
 * of the steps that checkpoint covers (none on a fresh start), so a run killed at any moment and started again ends
 * with every row exactly once. Checkpoints newer than the resume point (damaged, or left by an explicit
 * {@code checkpoint.resume} of an older one) are moved into {@code checkpoints/superseded/}.
 */
public final class TrainingRun {
    private static final Logger LOG = LogManager.getLogger(TrainingRun.class);
    private static final String METRICS_FILE = "metrics.jsonl";

    private final RunConfig config;
    private final Path runDir;
    private final List<TrainingListener> extraListeners = new ArrayList<>();
    private final List<Function<TransformerModel, TrainingListener>> modelListeners = new ArrayList<>();
    private final List<Finisher> finishers = new ArrayList<>();
    private DataParallel dataParallel;

    public TrainingRun(RunConfig config) {
        this.config = config;
        this.runDir = Path.of(config.outputDir()).resolve(config.name());
    }

    /** Adds a listener (metrics, analyses) to the loop. */
    public TrainingRun addListener(TrainingListener l) {
        extraListeners.add(l);
        return this;
    }

    /**
     * Adds a listener that needs the decoder being trained (e.g. activation analyses); {@code factory} is called with
     * the model of each training loop (each {@link Phase} has its own); runs of other families do not call it.
     */
    public TrainingRun addModelListener(Function<TransformerModel, TrainingListener> factory) {
        modelListeners.add(factory);
        return this;
    }

    /** Work on a finished run (reports, end-of-run analyses) that writes into its directory. */
    @FunctionalInterface
    public interface Finisher {
        void finish(Result result) throws IOException;
    }

    /**
     * Adds work to do on the finished run before its directory is unlocked, so a second run on the same directory
     * cannot start while reports and analyses are still being written.
     */
    public TrainingRun addFinisher(Finisher f) {
        finishers.add(f);
        return this;
    }

    /**
     * Trains data-parallel: every training loop of the run gets its step gradients from {@code engine} (replicas of
     * the loop's model) instead of its own passes; everything else (update, validation, checkpoints, resume) is as in
     * one process.
     */
    public TrainingRun distributeWith(DataParallel engine) {
        this.dataParallel = engine;
        return this;
    }

    public Path runDirectory() {
        return runDir;
    }

    /**
     * What a finished run reports; {@code model} is the dense result (LoRA merged, SMT written back) and
     * {@code samples} what the task printed (a decoder's generations).
     */
    public record Result(Path runDir, long steps, double validationLoss, double wallSeconds, long parameters,
                         List<String> samples, FamilyModel model) {
        /** The result of a decoder run (language modelling); fails for another family. */
        public TransformerModel decoder() {
            if (!(model instanceof TransformerModel d)) {
                throw new IllegalStateException("the run trained a " + model.family().name() + ", not a decoder");
            }
            return d;
        }
    }

    /**
     * Runs the whole job, then the finishers, holding the run directory's lock throughout; throws
     * {@link dev.sinter.framework.train.TrainingDivergedException} on NaN/Inf.
     */
    public Result execute() throws IOException {
        try (RunLock lock = RunLock.acquire(runDir)) {
            Result result = executeLocked();
            for (Finisher f : finishers) {
                f.finish(result);
            }
            return result;
        }
    }

    private Result executeLocked() throws IOException {
        long t0 = System.nanoTime();
        String resolvedYaml = ConfigLoader.toYaml(config);
        Files.writeString(runDir.resolve("config.yaml"), resolvedYaml);

        TrainingTask task = openTask(config);
        Provenance.write(runDir.resolve("provenance.json"),
                Provenance.collect(resolvedYaml, config.seed(), task.provenance()));

        Trainer trainer = Trainer.of(config);
        FamilyModel model = task.buildModel(trainer);
        LOG.info("run {}: {} {} parameters, {}, trainer {}", runDir, model.parameterCount(), model.family().name(),
                task.describe(), trainer.type());

        BatchSampler sampler = task.sampler();
        int[][] validation = task.validationWindows();
        CheckpointManager checkpoints = new CheckpointManager(runDir.resolve("checkpoints"), config.checkpoint().keepLast());
        Map<String, byte[]> runFiles = new LinkedHashMap<>(task.runFiles());
        runFiles.put("config.yaml", resolvedYaml.getBytes(StandardCharsets.UTF_8));
        Loops loops = new Loops(trainer, task, sampler, validation, checkpoints, runFiles);

        checkpoints.removeUnfinished();
        Optional<Checkpoint> resumeFrom = resumePoint(checkpoints);
        long resumeStep = resumeFrom.map(cp -> cp.state().step()).orElse(0L);
        checkpoints.supersedeNewerThan(resumeStep); // a newer (damaged or abandoned) timeline must not be kept
        MetricsJsonl.keepThrough(runDir.resolve(METRICS_FILE), resumeStep);
        if (resumeFrom.isPresent()) {
            model = trainer.resume(model, resumeFrom.get()); // the model of the phase the checkpoint lies in
        }
        TrainingLoop loop = loops.create(model, Phase.at(trainer.phases(), resumeStep));
        if (resumeFrom.isPresent()) {
            Checkpoint cp = resumeFrom.get();
            loop.restore(cp.state().step(), cp.state().samplerCursor(), cp.state().tokensSeen(),
                    cp.state().lastValidationLoss(), trainer.optimizerState(cp));
            LOG.info("resumed from {} at step {}", cp.directory(), cp.state().step());
        }
        for (Phase phase : trainer.phases()) {
            if (phase.start() <= loop.step() || phase.start() >= config.training().steps()) {
                continue; // the phase a resumed run is in was entered by Trainer.resume; a phase past the end never is
            }
            loop.runUntil(phase.start());
            LOG.info("{}: entering phase {} at step {}", trainer.type(), phase.name(), loop.step());
            model = phase.enter().apply(model);
            TrainingLoop next = loops.create(model, phase);
            next.restore(loop.step(), loop.samplerCursor(), loop.tokensSeen(), loop.lastValidationLoss(), Map.of());
            loop = next; // the previous phase's graph, gradients and optimizer state can now be collected
            SameDiffRuntime.releaseMemory();
        }
        loop.run();
        double valLoss = Double.isNaN(loop.lastValidationLoss()) ? loop.validate() : loop.lastValidationLoss();
        writeSummary(loop, model);
        trainer.writeArtifacts(runDir);
        FamilyModel result = trainer.finalModel(model);
        List<String> samples = task.finish(result, runDir);
        double wall = (System.nanoTime() - t0) / 1e9;
        return new Result(runDir, loop.step(), valLoss, wall, result.parameterCount(), samples, result);
    }

    /** The run's task: the registered {@code task:} type, or language modelling on {@code data:}. */
    static TrainingTask openTask(RunConfig config) throws IOException {
        if (config.task() == null) {
            return new LanguageModelTask(config);
        }
        return TrainingTaskType.registry().get(config.task().type()).open(config);
    }

    /** Builds the training loop of each phase's model with the run's listeners and checkpointing. */
    private final class Loops {
        private final Trainer trainer;
        private final TrainingTask task;
        private final BatchSampler sampler;
        private final int[][] validation;
        private final CheckpointManager checkpoints;
        private final Map<String, byte[]> runFiles;

        Loops(Trainer trainer, TrainingTask task, BatchSampler sampler, int[][] validation,
              CheckpointManager checkpoints, Map<String, byte[]> runFiles) {
            this.trainer = trainer;
            this.task = task;
            this.sampler = sampler;
            this.validation = validation;
            this.checkpoints = checkpoints;
            this.runFiles = runFiles;
        }

        /** The loop of {@code phase}'s model, with the phase's own schedule when it restarts one. */
        TrainingLoop create(FamilyModel model, Phase phase) {
            TrainingLoop loop = newLoop(model, trainer, task, sampler, validation, checkpoints, runFiles);
            if (phase.schedule() != null) {
                loop.restartScheduleAt(phase.start(), phase.schedule());
            }
            return loop;
        }
    }

    private TrainingLoop newLoop(FamilyModel model, Trainer trainer, TrainingTask task, BatchSampler sampler,
                                 int[][] validation, CheckpointManager checkpoints, Map<String, byte[]> runFiles) {
        TrainingLoop loop = new TrainingLoop(trainer.trainable(model), config.training(), trainer, sampler, validation);
        if (dataParallel != null) {
            loop.computeGradientsWith(dataParallel.engine(new ReplicaSource(config, trainer, model)));
        }
        loop.addListener(new MetricsJsonl(runDir.resolve(METRICS_FILE)));
        task.listeners(model, runDir.resolve(METRICS_FILE)).forEach(loop::addListener);
        extraListeners.forEach(loop::addListener);
        if (model instanceof TransformerModel decoder) {
            modelListeners.forEach(f -> loop.addListener(f.apply(decoder)));
        }
        loop.addListener(new ProgressListener("train " + config.name(), config.training().steps(), 0,
                config.training().logEvery()));
        loop.checkpointEvery(config.checkpoint().every(), l -> {
            Map<String, byte[]> files = new LinkedHashMap<>(runFiles);
            files.putAll(trainer.checkpointFiles());
            checkpoints.save(new TrainerState(l.step(), l.samplerCursor(), l.tokensSeen(), config.seed(),
                            l.lastValidationLoss(), stateExtras(trainer, l.step())),
                    trainer.checkpointTensors(model), trainer.checkpointMetadata(model), l.optimizer().state(), files);
        });
        long trainable = loop.trainableParameters().stream()
                .mapToLong(n -> model.graph().getVariable(n).getArr().length()).sum();
        LOG.info("{}: {} trainable parameters ({} variables)", trainer.type(), trainable,
                loop.trainableParameters().size());
        return loop;
    }

    private static Map<String, String> stateExtras(Trainer trainer, long step) {
        Map<String, String> extra = new LinkedHashMap<>(trainer.stateExtras(step));
        extra.put("trainer", trainer.type());
        return extra;
    }

    private void writeSummary(TrainingLoop loop, FamilyModel model) throws IOException {
        long trainable = loop.trainableParameters().stream()
                .mapToLong(n -> model.graph().getVariable(n).getArr().length()).sum();
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("trainer", config.trainer().type());
        s.put("parameters", model.graph().variables().stream()
                .filter(v -> v.getVariableType() == VariableType.VARIABLE)
                .mapToLong(v -> v.getArr().length()).sum());
        s.put("trainable_parameters", trainable);
        s.put("optimizer_state_bytes", loop.optimizer().stateBytes());
        s.put("validation_loss", loop.lastValidationLoss());
        s.put("peak_rss_mb", PeakRss.megabytes());
        String architecture = model.metadata().get(ModelIO.CONFIG_KEY);
        if (architecture != null) {
            s.put("model", Json.read(architecture));
        }
        Files.writeString(runDir.resolve("summary.json"),
                Json.pretty().writeValueAsString(s));
        LOG.info("{}: {} trainable parameters, optimizer state {} bytes, peak RSS {} MB", config.trainer().type(),
                trainable, loop.optimizer().stateBytes(), String.format("%.0f", PeakRss.megabytes()));
    }

    private Optional<Checkpoint> resumePoint(CheckpointManager checkpoints) throws IOException {
        String resume = config.checkpoint().resume();
        Optional<Path> from = switch (resume) {
            case "none" -> Optional.empty();
            case "auto" -> checkpoints.latest();
            default -> Optional.of(Path.of(resume));
        };
        if (from.isEmpty() && resume.equals("none") && !checkpoints.list().isEmpty()) {
            throw new dev.sinter.framework.config.UsageException(runDir + " already holds checkpoints and checkpoint.resume is"
                    + " 'none'; set checkpoint.resume=auto to continue, or choose another run name");
        }
        if (from.isEmpty() && resume.equals("auto") && !checkpoints.list().isEmpty()) {
            LOG.warn("no complete checkpoint in {}: starting from step 0", runDir.resolve("checkpoints"));
        }
        if (from.isPresent() && !resume.equals("auto")) {
            try {
                CheckpointManager.verify(from.get());
            } catch (IOException e) {
                throw new IOException("checkpoint.resume: " + from.get() + " is not a complete checkpoint: "
                        + e.getMessage(), e);
            }
        }
        return from.isEmpty() ? Optional.empty() : Optional.of(CheckpointManager.read(from.get()));
    }

    /**
     * Sample generations (also used by the CLI after training): sample i continues prompt i mod |prompts| with seed i,
     * within the tokenizer's ids (a model's vocabulary may be larger than its tokenizer's).
     */
    public static List<String> samples(TransformerModel model, Tokenizer tokenizer, SamplesConfig s) {
        List<String> prompts = new ArrayList<>();
        List<int[]> ids = new ArrayList<>();
        for (int i = 0; i < s.count(); i++) {
            String prompt = s.prompts().get(i % s.prompts().size());
            int[] encoded = tokenizer.encode(prompt, true, false);
            prompts.add(prompt);
            ids.add(encoded.length == 0 ? new int[]{tokenizer.bos()} : encoded);
        }
        List<int[]> generated = new Generator(model).generateEach(ids, new Generator.Settings(s.maxNewTokens(),
                s.temperature(), s.topP(), 0, tokenizer.eos()).withVocabLimit(tokenizer.vocabSize()));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < s.count(); i++) {
            out.add(prompts.get(i) + tokenizer.decode(generated.get(i)));
        }
        return out;
    }
}

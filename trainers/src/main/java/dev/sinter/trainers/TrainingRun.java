package dev.sinter.trainers;

import dev.sinter.framework.checkpoint.Checkpoint;
import dev.sinter.framework.checkpoint.CheckpointManager;
import dev.sinter.framework.checkpoint.TrainerState;
import dev.sinter.framework.config.ConfigLoader;
import dev.sinter.framework.config.DataConfig;
import dev.sinter.framework.util.Json;
import dev.sinter.trainers.RunConfig;
import dev.sinter.framework.config.SamplesConfig;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.data.BatchSampler;
import dev.sinter.framework.data.TextSource;
import dev.sinter.framework.data.TokenCorpus;
import dev.sinter.framework.data.TokenSequence;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.data.shards.ShardIndex;
import dev.sinter.framework.data.shards.ShardedTokens;
import dev.sinter.framework.data.shards.TokenizerFingerprint;
import dev.sinter.framework.train.MetricsJsonl;
import dev.sinter.framework.train.ProgressListener;
import dev.sinter.framework.train.TrainingListener;
import dev.sinter.framework.train.TrainingLoop;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.framework.util.Provenance;
import dev.sinter.models.ModelIO;
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
import org.nd4j.linalg.api.buffer.DataType;

/**
 * One training run from a resolved {@link RunConfig}: creates the run directory (resolved config and provenance
 * first), loads data and model, resumes from the newest checkpoint when asked, trains with the configured
 * {@link Trainer}, checkpoints, and prints sample generations. The CLI's {@code train} and the Java API both
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
     * Adds a listener that needs the model being trained (e.g. activation analyses); {@code factory} is called with
     * the model of each training loop (a method that switches models mid-run, like SMT, calls it again).
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

    public Path runDirectory() {
        return runDir;
    }

    /** What a finished run reports; {@code model} is the dense result (LoRA merged, SMT written back). */
    public record Result(Path runDir, long steps, double validationLoss, double wallSeconds, long parameters,
                         List<String> samples, TransformerModel model) {
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

        DataConfig data = config.data();
        Path tokPath = data.tokenizer().path() == null ? null : Path.of(data.tokenizer().path());
        Tokenizer tokenizer = data.tokenizer().load();
        Map<String, Object> dataFacts = new LinkedHashMap<>();
        TokenSequence[] splits = data.shards() == null ? tokenizeInMemory(data, tokenizer, dataFacts)
                : openShards(data, tokenizer, dataFacts); // [train, validation]
        dataFacts.put("tokenizer", tokenizer.describe());
        Provenance.write(runDir.resolve("provenance.json"), Provenance.collect(resolvedYaml, config.seed(), dataFacts));

        Trainer trainer = Trainer.of(config);
        TransformerModel model = buildModel(trainer);
        checkCompatible(model, tokenizer, data);
        LOG.info("run {}: {} parameters, {} train / {} validation tokens, tokenizer {}, trainer {}", runDir,
                model.parameterCount(), splits[0].length(), splits[1].length(), tokenizer.describe(), trainer.type());

        BatchSampler sampler = new BatchSampler(requireWindow("train", splits[0], data.seqLen()), data.seqLen(),
                config.seed());
        int[][] validation = BatchSampler.sequentialWindows(requireWindow("validation", splits[1], data.seqLen()),
                data.seqLen(), config.training().evalBatches() * config.training().microBatchSize());
        CheckpointManager checkpoints = new CheckpointManager(runDir.resolve("checkpoints"), config.checkpoint().keepLast());
        Map<String, byte[]> runFiles = new LinkedHashMap<>(ModelIO.tokenizerFiles(data.tokenizer().type(), tokPath));
        runFiles.put("config.yaml", resolvedYaml.getBytes(StandardCharsets.UTF_8));

        checkpoints.removeUnfinished();
        Optional<Checkpoint> resumeFrom = resumePoint(checkpoints);
        long resumeStep = resumeFrom.map(cp -> cp.state().step()).orElse(0L);
        checkpoints.supersedeNewerThan(resumeStep); // a newer (damaged or abandoned) timeline must not be kept
        MetricsJsonl.keepThrough(runDir.resolve(METRICS_FILE), resumeStep);
        if (resumeFrom.isPresent()) {
            model = trainer.resume(model, resumeFrom.get());
        }
        TrainingLoop loop = newLoop(model, trainer, sampler, validation, checkpoints, runFiles);
        if (resumeFrom.isPresent()) {
            Checkpoint cp = resumeFrom.get();
            loop.restore(cp.state().step(), cp.state().samplerCursor(), cp.state().tokensSeen(),
                    cp.state().lastValidationLoss(), trainer.optimizerState(cp));
            LOG.info("resumed from {} at step {}", cp.directory(), cp.state().step());
        }
        if (loop.step() < trainer.switchStep() && trainer.switchStep() < config.training().steps()) {
            loop.runUntil(trainer.switchStep());
            model = trainer.switchModel(model);
            TrainingLoop next = newLoop(model, trainer, sampler, validation, checkpoints, runFiles);
            next.restore(loop.step(), loop.samplerCursor(), loop.tokensSeen(), loop.lastValidationLoss(), Map.of());
            loop = next; // the first phase's graph, gradients and optimizer state can now be collected
            SameDiffRuntime.releaseMemory();
        }
        loop.run();
        double valLoss = Double.isNaN(loop.lastValidationLoss()) ? loop.validate() : loop.lastValidationLoss();
        writeSummary(loop, model);
        trainer.writeArtifacts(runDir);
        TransformerModel result = trainer.finalModel(model);
        List<String> samples = samples(result, tokenizer, config.samples());
        Files.write(runDir.resolve("samples.txt"), samples, StandardCharsets.UTF_8);
        double wall = (System.nanoTime() - t0) / 1e9;
        return new Result(runDir, loop.step(), valLoss, wall, result.parameterCount(), samples, result);
    }

    /** Reads and tokenizes {@code data.train} (and {@code data.validation}) in memory: {train, validation}. */
    private static TokenSequence[] tokenizeInMemory(DataConfig data, Tokenizer tokenizer, Map<String, Object> facts)
            throws IOException {
        String trainText = TextSource.read(data.train());
        String valText = data.validation() == null ? null : TextSource.read(data.validation());
        facts.put("train_data", data.train());
        facts.put("train_data_sha256", Provenance.sha256(trainText));
        if (valText != null) {
            facts.put("validation_data", data.validation());
            facts.put("validation_data_sha256", Provenance.sha256(valText));
        }
        TokenCorpus corpus = valText == null
                ? TokenCorpus.fromText(trainText, tokenizer, data.valFraction(), data.maxTokens())
                : TokenCorpus.fromTexts(trainText, valText, tokenizer, data.maxTokens());
        return new TokenSequence[] {TokenSequence.of(corpus.train()), TokenSequence.of(corpus.validation())};
    }

    /** Memory-maps the shards of {@code data.shards}, refusing another tokenizer's: {train, validation}. */
    private static TokenSequence[] openShards(DataConfig data, Tokenizer tokenizer, Map<String, Object> facts)
            throws IOException {
        Path dir = Path.of(data.shards());
        ShardedTokens shards = ShardedTokens.open(dir);
        shards.requireTokenizer(tokenizer.describe(), TokenizerFingerprint.of(data.tokenizer()));
        facts.put("shards", data.shards());
        facts.put("shards_index_sha256", Provenance.sha256(Files.readAllBytes(dir.resolve(ShardIndex.FILE))));
        return new TokenSequence[] {shards.train(), shards.validation()};
    }

    private static TokenSequence requireWindow(String split, TokenSequence tokens, int seqLen) {
        if (tokens.length() < seqLen + 1) {
            throw new UsageException("corpus " + split + " has " + tokens.length() + " tokens, too few for seq_len "
                    + seqLen + " (need at least " + (seqLen + 1) + ")");
        }
        return tokens;
    }

    /** The model to train: the method's projections, base weights from {@code model.from} or a seeded init. */
    private TransformerModel buildModel(Trainer trainer) throws IOException {
        String from = config.model().from();
        if (from == null) {
            TransformerModel model = TransformerModel.create(trainer.architecture().orElseGet(config.model()::resolve),
                    DataType.FLOAT, config.seed(), trainer.linearLayer());
            trainer.initialise(model);
            return model;
        }
        TransformerModel base = ModelIO.load(Path.of(from));
        TransformerModel model = TransformerModel.create(base.config(), DataType.FLOAT, config.seed(),
                trainer.linearLayer());
        model.loadParameters(base.parameters(), from);
        return model;
    }

    private TrainingLoop newLoop(TransformerModel model, Trainer trainer, BatchSampler sampler, int[][] validation,
                                 CheckpointManager checkpoints, Map<String, byte[]> runFiles) {
        TrainingLoop loop = new TrainingLoop(trainer.trainable(model), config.training(), trainer, sampler, validation);
        loop.addListener(new MetricsJsonl(runDir.resolve(METRICS_FILE)));
        extraListeners.forEach(loop::addListener);
        modelListeners.forEach(f -> loop.addListener(f.apply(model)));
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

    private void writeSummary(TrainingLoop loop, TransformerModel model) throws IOException {
        long trainable = loop.trainableParameters().stream()
                .mapToLong(n -> model.graph().getVariable(n).getArr().length()).sum();
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("trainer", config.trainer().type());
        s.put("trainable_parameters", trainable);
        s.put("optimizer_state_bytes", loop.optimizer().stateBytes());
        s.put("validation_loss", loop.lastValidationLoss());
        s.put("peak_rss_mb", PeakRss.megabytes());
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

    private static void checkCompatible(TransformerModel model, Tokenizer tokenizer, DataConfig data) {
        if (tokenizer.vocabSize() > model.config().vocabSize()) {
            throw new dev.sinter.framework.config.UsageException("tokenizer " + tokenizer.describe() + " has " + tokenizer.vocabSize()
                    + " ids but the model's vocab_size is " + model.config().vocabSize()
                    + "; set model.vocab_size >= " + tokenizer.vocabSize());
        }
        if (data.seqLen() > model.config().maxSeqLen()) {
            throw new dev.sinter.framework.config.UsageException("data.seq_len " + data.seqLen() + " exceeds the model's max_seq_len "
                    + model.config().maxSeqLen());
        }
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

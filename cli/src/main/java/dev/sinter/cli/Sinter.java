package dev.sinter.cli;

import dev.sinter.encoders.ClassifierEvaluation;
import dev.sinter.cli.study.StudyPlan;
import dev.sinter.cli.study.StudyRunner;
import dev.sinter.encoders.continual.ContinualConfig;
import dev.sinter.encoders.continual.ContinualRunner;
import dev.sinter.encoders.continual.lm.LmContinualConfig;
import dev.sinter.encoders.continual.lm.LmContinualRunner;
import dev.sinter.eval.continual.BenchmarkSources;
import dev.sinter.eval.continual.SourceIdentificationBenchmark;
import dev.sinter.encoders.PretrainedEncoder;
import dev.sinter.eval.Evaluator;
import dev.sinter.eval.report.RunReport;
import dev.sinter.eval.results.EvalResults;
import dev.sinter.eval.results.ResultsWriter;
import dev.sinter.eval.tasks.PerplexityTask;
import dev.sinter.eval.tasks.Task;
import dev.sinter.framework.checkpoint.CheckpointManager;
import dev.sinter.distributed.SparkSessions;
import dev.sinter.distributed.eval.SparkBatchScorer;
import dev.sinter.distributed.eval.ThreadBatchScorer;
import dev.sinter.eval.lm.BatchScorer;
import dev.sinter.framework.config.DistributedConfig;
import dev.sinter.distributed.prepare.SparkPrepare;
import dev.sinter.framework.config.DataConfig;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.data.TextSource;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.data.shards.ShardIndex;
import dev.sinter.framework.data.shards.ShardWriter;
import dev.sinter.framework.data.shards.TokenizerFingerprint;
import dev.sinter.framework.util.Json;
import dev.sinter.models.ModelIO;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.eval.report.SweepReport;
import dev.sinter.eval.superweights.SuperWeightDetector;
import dev.sinter.framework.config.ConfigException;
import dev.sinter.models.transformer.TransformerModel;
import dev.sinter.trainers.RunConfig;
import dev.sinter.trainers.TrainingRun;
import dev.sinter.distributed.DistributedEngine;
import dev.sinter.distributed.SparkTraining;
import dev.sinter.trainers.lora.LoraTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Sinter's Java API, and the CLI's path: {@code sinter train}, {@code sweep}, {@code study}, {@code prepare}, {@code eval},
 * {@code analyze}, {@code quantize}, {@code merge} and {@code report} parse their options, call one method here and
 * print the result. {@link #train(RunConfig)} runs what {@code sinter train} runs, with the analyses and reports the
 * config's {@code analysis:} section switches on.
 * <pre>{@code
 * Sinter.RunResult r = Sinter.train(Path.of("configs/quickstart.yaml"), "training.steps=50");
 * System.out.println(r.validationLoss() + " " + r.superWeights().map(o -> o.verdict()).orElse("off"));
 * }</pre>
 * The quickstart's corpus ({@code classpath:raw_sentences.txt}) comes with the trainers module, so the same config
 * runs from any program that has Sinter on its classpath.
 */
public final class Sinter {
    private static final Logger LOG = LogManager.getLogger(Sinter.class);
    /** The run config a checkpoint keeps, carried over by {@link #merge} with the tokenizer files. */
    private static final String RUN_CONFIG = "config.yaml";

    private Sinter() {
    }

    /**
     * A finished run.
     *
     * @param run               what the training itself reports (run directory, steps, validation loss, samples,
     *                          the dense model)
     * @param superWeights      the end-of-run super-weight verdict ({@code analysis.super_weights})
     * @param report            {@code report.html} ({@code analysis.report})
     * @param superWeightReport {@code super_weights/super_weights.html} ({@code analysis.super_weights})
     */
    public record RunResult(TrainingRun.Result run, Optional<SuperWeightDetector.Outcome> superWeights,
                            Optional<Path> report, Optional<Path> superWeightReport) {
        public Path runDir() {
            return run.runDir();
        }

        public long steps() {
            return run.steps();
        }

        public double validationLoss() {
            return run.validationLoss();
        }

        public List<String> samples() {
            return run.samples();
        }

        /** The trained dense decoder (LoRA merged, SMT written back); fails for a {@code task:} run's encoder. */
        public TransformerModel model() {
            return run.decoder();
        }
    }

    /** Loads a run config file, applies {@code key.path=value} overrides and runs it: {@link #train(RunConfig)}. */
    public static RunResult train(Path yaml, String... overrides) throws IOException {
        return train(RunConfig.load(yaml, List.of(overrides)));
    }

    /**
     * Runs one training run in {@code <output_dir>/<name>} (resuming from its newest checkpoint when
     * {@code checkpoint.resume: auto}; data-parallel with a {@code distributed:} section), then the analyses and reports its {@code analysis:} section switches on.
     */
    public static RunResult train(RunConfig config) throws IOException {
        TrainingRun run = new TrainingRun(config);
        RunAnalyses analyses = RunAnalyses.install(run, config);
        DistributedEngine dataParallel = config.distributed() == null ? null : SparkTraining.attach(run, config);
        TrainingRun.Result r;
        try {
            r = run.execute();
        } finally {
            if (dataParallel != null) {
                dataParallel.close();
            }
        }
        return new RunResult(r, analyses.verdict(), analyses.report(), analyses.superWeightReport());
    }

    /**
     * A finished sweep.
     *
     * @param dir     {@code <output_dir>/<sweep name>}: one run directory per variant, and the sweep report
     * @param runs    variant → its run directory, in the sweep file's order
     * @param trained the variants trained by this call (the others had already finished and were skipped)
     * @param report  {@code sweep.html} (with {@code sweep.json} and {@code sweep.png} beside it)
     */
    public record SweepResult(Path dir, Map<String, Path> runs, List<String> trained, Path report) {
    }

    /**
     * Runs every variant of a sweep file ({@link SweepFile}) as a normal run in
     * {@code <output_dir>/<sweep name>/<variant>}, then writes the sweep report into {@code <output_dir>/<sweep name>}.
     * {@code overrides} apply to every variant, after its own. Every variant's config is resolved and validated before
     * the first run starts; a variant whose run directory already holds a finished run of the same config is skipped.
     *
     * @throws ConfigException naming the sweep file, the variant and the key, for any invalid variant
     */
    public static SweepResult sweep(Path sweepFile, String... overrides) throws IOException {
        Map<String, RunConfig> configs = Sweeps.resolve(sweepFile, List.of(overrides));
        Map<String, Path> runs = new LinkedHashMap<>();
        List<String> trained = new ArrayList<>();
        for (Map.Entry<String, RunConfig> v : configs.entrySet()) {
            RunConfig cfg = v.getValue();
            Path runDir = Path.of(cfg.outputDir()).resolve(cfg.name());
            runs.put(v.getKey(), runDir);
            if (RunAnalyses.finished(runDir, cfg)) {
                LOG.info("sweep: {} already finished in {}; skipped", v.getKey(), runDir);
                continue;
            }
            train(cfg);
            trained.add(v.getKey());
            SameDiffRuntime.releaseMemory(); // the finished run's graph and arrays, before the next run allocates
        }
        Path dir = Path.of(configs.values().iterator().next().outputDir());
        return new SweepResult(dir, runs, trained, SweepReport.write(List.copyOf(runs.values()), dir));
    }

    /**
     * Runs a study file ({@link dev.sinter.cli.study.StudyFile}): every stage for every seed through this facade, in
     * {@code <output_dir>/<study name>/seed-<S>/<stage>}, skipping the stages already complete with the same
     * configuration, then writes {@code study.json} and {@code study.html} (each claim, our numbers as mean ± std over
     * seeds, and a verdict). Every reference, run config and claim is validated before the first stage runs.
     * {@code overrides} starting with {@code study.} change the study file's keys ({@code study.seeds=[1]}); the
     * others apply to every run of every stage, after the stage's own.
     *
     * @throws ConfigException naming the study file, the line or stage, and the key, for any invalid part
     */
    public static StudyRunner.Result study(Path studyFile, String... overrides) throws IOException {
        return StudyRunner.run(StudyPlan.resolve(studyFile, List.of(overrides)));
    }

    /**
     * How an evaluation runs.
     *
     * @param limit     score only the first N items of each task (0 = all)
     * @param batchSize sequences per forward pass
     * @param output      results folder; null = {@code runs/eval/<model name>}
     * @param distributed workers that run the forward passes (same results): threads of this JVM for engine threads
     *                    (the default for a local master), Spark tasks for engine spark; null = this process
     */
    public record EvalOptions(int limit, int batchSize, Path output, DistributedConfig distributed) {
        public EvalOptions {
            if (limit < 0 || batchSize < 1) {
                throw new UsageException("limit must be >= 0 and batch size >= 1, got " + limit + " and " + batchSize);
            }
        }

        /** In this process. */
        public EvalOptions(int limit, int batchSize, Path output) {
            this(limit, batchSize, output, null);
        }

        /** Every item, batches of 16, the default results folder. */
        public static EvalOptions defaults() {
            return new EvalOptions(0, 16, null);
        }
    }

    /**
     * A finished evaluation.
     *
     * @param results     per task: metrics, item counts, chance level (lm-evaluation-harness shaped)
     * @param outputDir   the results folder
     * @param resultsFile {@code results.json} (with {@code samples_<task>.jsonl} beside it)
     */
    public record Evaluation(EvalResults results, Path outputDir, Path resultsFile) {
    }

    /**
     * Scores a model on tasks ({@link dev.sinter.eval.tasks.Tasks#parse} turns names and YAML task files into tasks).
     * With {@code options.distributed()} set, its workers run the forward passes: model copies on threads of this JVM
     * for {@code engine: threads} ({@link ThreadBatchScorer}), Spark tasks for {@code engine: spark}
     * ({@link SparkBatchScorer}); the results are those of one process, bit for bit.
     *
     * @param model     run directory, checkpoint directory, HF model directory or llama2.c {@code .bin}
     * @param tokenizer tokenizer path or {@code byte}; null = the model's own
     */
    public static Evaluation evaluate(Path model, String tokenizer, List<Task> tasks, EvalOptions options)
            throws IOException {
        SameDiffRuntime.init();
        ModelAndTokenizer loaded = ModelAndTokenizer.load(model, tokenizer);
        Path out = options.output() != null ? options.output()
                : Path.of("runs", "eval", loaded.path().getFileName().toString().replaceAll("\\.bin$", ""));
        DistributedConfig d = options.distributed();
        try (ThreadBatchScorer threads = d != null && d.isThreads()
                ? new ThreadBatchScorer(loaded.model(), loaded.path(), d.workers()) : null) {
            BatchScorer scorer = threads != null ? threads : d == null ? null
                    : new SparkBatchScorer(SparkSessions.open(d, "sinter eval"), loaded.path(), d.workers());
            Evaluator evaluator = Evaluator.of(loaded.model(), loaded.tokenizer(), options.batchSize(), scorer)
                    .limit(options.limit())
                    .config("model_path", loaded.path().toString()).config("tokenizer", loaded.tokenizer().describe());
            if (d != null) {
                Map<String, Object> where = new LinkedHashMap<>();
                where.put("engine", d.engine());
                where.put("master", d.master());
                where.put("workers", d.workers());
                evaluator.config("distributed", where);
            }
            EvalResults r = evaluator.run(tasks);
            return new Evaluation(r, out, ResultsWriter.write(r, out));
        }
    }

    /**
     * The mean token NLL, token and word perplexity of a text file (split at {@code <|endoftext|>} or WikiText
     * headings when present): an {@link #evaluate} of one {@link PerplexityTask}, plus {@code perplexity.json}
     * ({@code file} and the metrics) in the results folder; returns that file.
     */
    public static Path perplexity(Path model, String tokenizer, Path text, EvalOptions options) throws IOException {
        if (!Files.isRegularFile(text)) {
            throw new UsageException("perplexity: file not found: " + text.toAbsolutePath());
        }
        Evaluation e = evaluate(model, tokenizer, List.of(PerplexityTask.of(text)), options);
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("file", text.toString());
        p.putAll(e.results().tasks().get(0).metrics());
        Path json = e.outputDir().resolve("perplexity.json");
        Files.writeString(json, Json.pretty().writeValueAsString(p));
        return json;
    }

    /**
     * Scores the saved classifier of a classification run ({@code run}: the run directory or its
     * {@code classifier/}) on the labelled examples of {@code file} (the run's task format): accuracy, macro-F1 and
     * the classifier's Tribuo provenance, also written to {@code classification.json} in the results folder.
     */
    public static Map<String, Object> evaluateClassifier(Path run, Path file, EvalOptions options)
            throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new UsageException("classification: file not found: " + file.toAbsolutePath());
        }
        SameDiffRuntime.init();
        Map<String, Object> scores = ClassifierEvaluation.evaluate(run, file);
        Path out = options.output() != null ? options.output() : Path.of("runs", "eval", run.getFileName().toString());
        Files.createDirectories(out);
        Files.writeString(out.resolve("classification.json"), Json.write(scores));
        return scores;
    }

    /**
     * The super-weight analysis of a decoder: the detector and, as {@code request} asks, the ablation table, the
     * scaling sweep, the quantization table and the stopword shift, in one report.
     */
    public static SuperWeightAnalysis.Result analyzeSuperWeights(SuperWeightAnalysis.Request request)
            throws IOException {
        return SuperWeightAnalysis.run(request);
    }

    /**
     * The activation scan of an imported encoder (FFN output projection in down_proj's role): per-layer extremes and
     * the verdict, as a report in {@code output} (null = {@code runs/analysis/<encoder>}); empty prompts = the
     * detector's defaults.
     */
    public static SuperWeightAnalysis.EncoderScan scanEncoder(PretrainedEncoder encoder, List<String> prompts,
                                                              double thresholdAbs, double thresholdRel, Path output)
            throws IOException {
        return SuperWeightAnalysis.scanEncoder(encoder, prompts, thresholdAbs, thresholdRel, output);
    }

    /** Quantizes a model: writes one fake-quantized model and/or scores the quantization table, as {@code request} says. */
    public static Quantization.Result quantize(Quantization.Request request) throws IOException {
        return Quantization.run(request);
    }

    /**
     * Tokenizes a run config's {@code data.train} (a file or a directory of files) with its tokenizer into the token
     * shards at {@code data.shards}, as {@code data.prepare} says; a later {@link #train} of the same config then
     * memory-maps them. With {@code distributed:} set, Spark tokenizes the files in parallel ({@link SparkPrepare}):
     * same shards, and {@code data.train} may also be any URI Spark reads and Parquet files.
     */
    public static PreparedShards prepare(Path yaml, String... overrides) throws IOException {
        RunConfig config = RunConfig.load(yaml, List.of(overrides));
        DataConfig data = config.data();
        if (data.shards() == null) {
            throw new UsageException("data.shards is not set; set it to the directory the shards go to, "
                    + "e.g. data.shards=shards/corpus");
        }
        if (data.train().startsWith(TextSource.CLASSPATH_PREFIX)) {
            throw new UsageException("prepare reads files, not " + data.train()
                    + "; set data.train to a file or a directory of files");
        }
        Path dir = Path.of(data.shards());
        if (config.distributed() != null) {
            return new PreparedShards(dir, SparkPrepare.prepare(SparkSessions.open(config.distributed(),
                    "sinter prepare"), data.tokenizer(), data.prepare(), data.train(), data.valFraction(), dir));
        }
        Tokenizer tokenizer = data.tokenizer().load();
        return new PreparedShards(dir, new ShardWriter(tokenizer, TokenizerFingerprint.of(data.tokenizer()),
                data.prepare()).prepare(Path.of(data.train()), data.valFraction(), dir));
    }

    /** Token shards written by {@link #prepare}: their directory and index. */
    public record PreparedShards(Path directory, ShardIndex index) {
    }

    /**
     * Folds a LoRA run's adapters into a dense model ({@code W + alpha/r · B·A}) written to {@code output} with the
     * run's tokenizer files and config; {@code base} null = the base recorded at training. Returns the merged model.
     */
    public static TransformerModel merge(Path adapter, Path base, Path output) throws IOException {
        TransformerModel merged = LoraTrainer.mergeCheckpoint(adapter, base);
        Files.createDirectories(output);
        CheckpointManager.writeModel(output, merged.parameters(), ModelIO.metadata(merged.config()));
        Path source = ModelIO.resolve(adapter);
        Map<String, Path> carried = new LinkedHashMap<>(ModelIO.tokenizerFilesOf(source));
        if (Files.isRegularFile(source.resolve(RUN_CONFIG))) {
            carried.put(RUN_CONFIG, source.resolve(RUN_CONFIG));
        }
        for (Map.Entry<String, Path> f : carried.entrySet()) {
            Files.copy(f.getValue(), output.resolve(f.getKey()), StandardCopyOption.REPLACE_EXISTING);
        }
        return merged;
    }

    /** Writes a finished run's report ({@code report.html}, {@code report.json}, {@code loss.png}); returns the HTML. */
    public static Path report(Path runDir) throws IOException {
        return RunReport.write(runDir);
    }

    /** Compares finished runs: validation loss against trainable parameters, into {@code outDir/sweep.html}. */
    public static Path compare(List<Path> runDirs, Path outDir) throws IOException {
        return SweepReport.write(runDirs, outDir);
    }

    /**
     * Builds the class-incremental source-identification benchmark into {@code out}: the twelve default sources of
     * {@code dataDir}, or those a {@code sources} file lists ({@link BenchmarkSources}; null = the defaults),
     * {@code classesPerTask} new classes per task, {@code perClass} texts per class and split. Every check (files,
     * kinds, sizes, an {@code out} that holds something else) runs before anything is written.
     */
    public static SourceIdentificationBenchmark.Result continualData(Path dataDir, Path sources, Path out, long seed,
                                                                     int classesPerTask,
                                                                     SourceIdentificationBenchmark.Split perClass)
            throws IOException {
        if (sources != null && !Files.isRegularFile(sources)) {
            throw new UsageException("--sources: file not found: " + sources);
        }
        if (sources == null && !Files.isDirectory(dataDir)) {
            throw new UsageException("--data: no such folder " + dataDir.toAbsolutePath() + "; point it at the shared"
                    + " data folder (../shared/data) or give --sources FILE");
        }
        if (Files.isDirectory(out) && !Files.isRegularFile(out.resolve("benchmark.json"))) {
            try (var entries = Files.list(out)) {
                if (entries.findAny().isPresent()) {
                    throw new UsageException("--out " + out + " is a non-empty folder without benchmark.json; give an "
                            + "empty or new folder (or a benchmark folder to rebuild)");
                }
            }
        }
        List<SourceIdentificationBenchmark.Source> list = sources != null ? BenchmarkSources.read(sources)
                : SourceIdentificationBenchmark.defaultSources(dataDir);
        try {
            return SourceIdentificationBenchmark.build(list, classesPerTask, perClass, seed, out);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /**
     * Runs (or resumes) a continual-learning config ({@link ContinualConfig}): its tasks in order with its method,
     * the accuracy matrix after each, {@code continual.json}, {@code metrics.jsonl} and {@code continual.html} in
     * {@code output_dir/name}.
     */
    public static ContinualRunner.Result continual(Path yaml, String... overrides) throws IOException {
        return ContinualRunner.run(ContinualConfig.load(yaml, List.of(overrides)));
    }

    /**
     * Runs (or resumes) a decoder continual config ({@link LmContinualConfig}: prompt sets on a frozen causal LM over
     * text domains): the NLL and perplexity matrices, {@code continual.json} and {@code metrics.jsonl} in
     * {@code output_dir/name}.
     */
    public static LmContinualRunner.Result continualLm(Path yaml, String... overrides) throws IOException {
        return LmContinualRunner.run(LmContinualConfig.load(yaml, List.of(overrides)));
    }
}

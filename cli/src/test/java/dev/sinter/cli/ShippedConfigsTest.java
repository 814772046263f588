package dev.sinter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.cli.CliHarness.Outcome;
import dev.sinter.cli.study.StudyFile;
import dev.sinter.encoders.BertEncoder;
import dev.sinter.encoders.EncoderConfig;
import dev.sinter.encoders.EncoderSource;
import dev.sinter.encoders.Pooling;
import dev.sinter.encoders.PretrainedEncoder;
import dev.sinter.encoders.continual.ContinualConfig;
import dev.sinter.encoders.continual.lm.LmContinualConfig;
import dev.sinter.eval.tasks.TaskSpec;
import dev.sinter.framework.data.ByteTokenizer;
import dev.sinter.framework.data.TextSource;
import dev.sinter.framework.data.TokenCorpus;
import dev.sinter.framework.testing.TestData;
import dev.sinter.framework.util.Json;
import dev.sinter.models.ModelIO;
import dev.sinter.models.transformer.LinearLayer;
import dev.sinter.trainers.RunConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Every config under {@code configs/} is run, not only validated: run configs train for two steps through
 * {@code sinter train} with their architecture shrunk to d 32 (layer count, MoE layout and trainer settings kept),
 * on a corpus written by the test; a config that starts from {@code model.from} gets a base trained here from the
 * quickstart config, and distillation gets a teacher trained here from {@code moe/prmoe4-8.yaml}. Task definitions
 * under {@code configs/eval/} are scored by {@code sinter eval} on items written where their {@code file:} points.
 * A sweep file's variants are each run the same way (its base config with the variant's overrides); a study file
 * ({@code configs/studies/}) runs whole through {@code sinter study}, shrunk the same way, with one seed. Continual
 * configs under {@code configs/continual/} run through {@code sinter continual} on a benchmark built from the committed
 * fixtures. New configs and variants are picked up by listing the folder.
 */
class ShippedConfigsTest {
    /** d 32 (8 heads of 4, 4 key/value heads), SwiGLU hidden 64; the preset's layers and MoE layout stay. */
    static final List<String> SHRINK = List.of("model.dim=32", "model.hidden_dim=64", "model.n_heads=8",
            "model.n_kv_heads=4");
    static final int STEPS = 2;

    @TempDir
    static Path dir;
    static Path corpus;
    static Path base;
    static Path teacher;

    static Stream<Path> configs() throws IOException {
        try (Stream<Path> s = Files.walk(CliHarness.CONFIGS)) {
            List<Path> all = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
            assertFalse(all.isEmpty(), "no configs under " + CliHarness.CONFIGS.toAbsolutePath());
            return all.stream();
        }
    }

    static boolean isTaskDefinition(Path config) {
        return config.startsWith(CliHarness.CONFIGS.resolve("eval"));
    }

    @BeforeAll
    static void trainBaseAndTeacher() throws IOException {
        corpus = CliHarness.corpus(dir);
        base = train(CliHarness.CONFIGS.resolve("quickstart.yaml"), "base", List.of());
        teacher = train(CliHarness.CONFIGS.resolve("moe/prmoe4-8.yaml"), "teacher", List.of());
    }

    static Path train(Path config, String name, List<String> extra) {
        List<String> args = new ArrayList<>(List.of("train", config.toString()));
        args.addAll(extra); // a sweep variant's overrides come first, as in a sweep; the shrinking ones win
        args.addAll(SHRINK);
        args.addAll(CliHarness.quick(dir.resolve("runs"), name, corpus, STEPS));
        Outcome o = CliHarness.run(args.toArray(String[]::new));
        assertEquals(0, o.code(), config + ": " + o.err());
        return dir.resolve("runs").resolve(name);
    }

    /** {@code sinter prepare} of {@code config} with {@code extra} on the quick corpus, shrunk as {@link #train}. */
    static void prepare(Path config, List<String> extra) {
        List<String> args = new ArrayList<>(List.of("prepare", config.toString()));
        args.addAll(extra);
        args.addAll(SHRINK);
        args.add("data.train=" + corpus);
        Outcome o = CliHarness.run(args.toArray(String[]::new));
        assertEquals(0, o.code(), config + ": " + o.err());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void runs(Path config) throws IOException {
        if (isTaskDefinition(config)) {
            scoreTaskDefinition(config);
            return;
        }
        String name = CliHarness.CONFIGS.relativize(config).toString().replace(".yaml", "").replace('/', '-');
        if (ValidateCommand.isStudyFile(config)) {
            runStudyShrunk(config, name);
            return;
        }
        if (LmContinualConfig.isLmFile(config)) {
            runDecoderContinual(config, name);
            return;
        }
        if (ContinualConfig.isContinualFile(config)) {
            runContinual(config, name);
            return;
        }
        if (!Sweeps.isSweepFile(config)) {
            runBriefly(config, List.of(), name);
            return;
        }
        SweepFile sweep = SweepFile.load(config);
        Sweeps.resolve(config, List.of()); // every variant validates before any runs
        for (var run : sweep.runs().entrySet()) { // each variant as the sweep runs it: base + its overrides
            runBriefly(sweep.basePath(config), run.getValue(), name + "-" + run.getKey());
        }
    }

    /** Trains {@code config} with {@code overrides} for two steps, shrunk, and checks the run directory. */
    void runBriefly(Path config, List<String> overrides, String name) throws IOException {
        RunConfig shipped = RunConfig.load(config, overrides);
        if (shipped.task() != null) {
            runClassification(config, shipped);
            return;
        }
        List<String> extra = new ArrayList<>(overrides);
        String type = shipped.trainer().type();
        if (type.equals("smt")) {
            extra.addAll(List.of("trainer.warmup_steps=1", "trainer.num_blocks=2")); // d 32 holds few 16×16 blocks
        }
        if (type.equals("kd") || type.equals("mos")) {
            extra.add("trainer.teacher=" + teacher);
        }
        if (shipped.model().from() != null) {
            extra.add("model.from=" + base);
        }
        if (shipped.distributed() != null) {
            extra.add("distributed.workers=1"); // the quick runs' batch is one micro-batch: one worker holds it
        }
        String tokenizerPath = shipped.data().tokenizer().path();
        if (tokenizerPath != null && !Path.of(tokenizerPath).isAbsolute()) { // shipped paths start at the repo root
            extra.add("data.tokenizer.path=" + CliHarness.CONFIGS.getParent().resolve(tokenizerPath));
        }
        if (shipped.data().shards() != null) { // a config that trains on prepared shards: prepare them first
            extra.add("data.shards=" + dir.resolve("shards").resolve(name));
            prepare(config, extra);
        }
        Path run = train(config, name, extra);
        List<JsonNode> rows = CliHarness.trainRows(run);
        assertEquals(List.of(1L, 2L), rows.stream().map(r -> r.get("step").asLong()).toList(), name);
        for (String f : List.of("report.html", "samples.txt", "super_weights.txt", "summary.json")) {
            assertTrue(Files.isRegularFile(run.resolve(f)), name + ": missing " + f);
        }
        assertEquals(type, Json.read(run.resolve("summary.json")).get("trainer").asText());
        if (shipped.model().from() != null) {
            assertStartsFromTheBase(run, rows.get(0).get("loss").asDouble());
        }
    }

    /**
     * A study ({@code configs/studies/}) runs end to end through {@code sinter study} with one seed, every run shrunk
     * as above (SMT variants to 2 blocks, and 2 MLP blocks where a variant sets them, after 1 warm-up step, through study-file overrides of those variants), the
     * super-weight analyses off; every stage runs and every claim gets a verdict.
     */
    void runStudyShrunk(Path config, String name) throws IOException {
        StudyFile study = StudyFile.load(config, List.of());
        List<String> args = new ArrayList<>(List.of("study", config.toString(), "study.seeds=[1]",
                "study.output_dir=" + dir.resolve("studies")));
        study.stages().forEach((stage, s) -> {
            s.variants().forEach((variant, overrides) -> {
                JsonNode trainer = overrides.get("trainer");
                if (trainer != null && trainer.path("type").asText().equals("smt")) {
                    String at = "study.stages." + stage + ".variants." + variant + ".trainer.";
                    args.addAll(List.of(at + "warmup_steps=1", at + "num_blocks=2"));
                    if (trainer.has("mlp_num_blocks")) {
                        args.add(at + "mlp_num_blocks=2");
                    }
                }
            });
            JsonNode trainer = s.set().get("trainer");
            if (trainer != null && trainer.path("type").asText().equals("smt")) {
                String at = "study.stages." + stage + ".set.trainer.";
                args.addAll(List.of(at + "warmup_steps=1", at + "num_blocks=2", at + "mlp_num_blocks=2"));
            }
            if (s.kind().equals("analyze")) {
                args.addAll(shrunkAnalysis("study.stages." + stage + ".", s));
            }
        });
        args.addAll(SHRINK);
        args.addAll(List.of("data.train=" + corpus, "data.seq_len=32", "training.steps=" + STEPS,
                "training.batch_size=2", "training.micro_batch_size=2", "training.warmup_steps=0",
                "training.eval_every=" + STEPS, "training.eval_batches=1", "checkpoint.every=" + STEPS,
                "samples.count=1", "samples.max_new_tokens=2", "analysis.super_weights=false",
                "analysis.emergence=false"));
        Outcome o = CliHarness.run(args.toArray(String[]::new));
        assertEquals(0, o.code(), config + ": " + o.err());
        JsonNode report = Json.read(dir.resolve("studies").resolve(study.name()).resolve("study.json"));
        assertEquals(study.claims().keySet(), iterable(report.get("claims").fieldNames()));
        report.get("claims").forEach(c -> assertTrue(List.of("reproduced", "not at this scale", "contradicted")
                .contains(c.get("verdict").asText()), name + ": " + c));
        assertTrue(o.out().lines().noneMatch(l -> l.endsWith("skipped")), o.out());
    }

    /**
     * An analyze stage on the committed fixtures: a shared-data model ({@code ../shared/data/models/…}) from
     * {@code testdata/}, its perplexity text from {@code testdata/} when there (else the test corpus), LAMBADA from
     * {@code testdata/eval}, 5 stopword contexts and 2 documents per condition.
     */
    static List<String> shrunkAnalysis(String at, StudyFile.Stage s) {
        String shared = "../shared/data/";
        Path fixtures = TestData.fixture("eval/piqa.jsonl").getParent().getParent();
        List<String> out = new ArrayList<>();
        if (s.model().startsWith(shared)) {
            out.add(at + "model=" + fixtures.resolve(s.model().substring(shared.length())));
        }
        if (s.perplexity() != null) {
            Path fixture = fixtures.resolve(s.perplexity().substring(shared.length()));
            out.add(at + "perplexity=" + (Files.isRegularFile(fixture) ? fixture : corpus));
        }
        if (s.stopwords() != null) {
            out.add(at + "stopwords=5");
        }
        out.addAll(List.of(at + "data_dir=" + fixtures, at + "limit=2"));
        return out;
    }

    private static java.util.Set<String> iterable(java.util.Iterator<String> names) {
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        names.forEachRemaining(out::add);
        return out;
    }

    /**
     * A classification config ({@code configs/encoders/}) trains a tiny random BERT with MiniLM's vocabulary on the
     * committed BoolQ slice for two steps through {@code sinter train}, with its trainer settings kept (SMT's blocks
     * shrunk to the tiny matrices); then {@code sinter eval --classification} scores the saved classifier.
     */
    void runClassification(Path config, RunConfig shipped) throws IOException {
        Path encoder = dir.resolve("tiny-bert");
        if (!Files.isDirectory(encoder)) {
            EncoderConfig cfg = new EncoderConfig(2, 32, 4, 64, 30522, 64, 2, 1e-12, Pooling.MEAN);
            EncoderSource.save(encoder, BertEncoder.create(cfg, 0, DataType.FLOAT, 7, LinearLayer.DENSE),
                    PretrainedEncoder.ALL_MINILM_L6_V2.tokenizerJson(), Map.of());
        }
        String name = CliHarness.CONFIGS.relativize(config).toString().replace(".yaml", "").replace('/', '-');
        Path boolq = TestData.fixture("eval/boolq.jsonl");
        List<String> args = new ArrayList<>(List.of("train", config.toString(), "name=" + name,
                "output_dir=" + dir.resolve("runs"), "model.from=encoder:" + encoder, "task.train=" + boolq,
                "task.limit=0", "task.validation_size=6", "task.max_length=48", "training.steps=" + STEPS,
                "training.warmup_steps=0", "training.eval_every=" + STEPS, "checkpoint.every=" + STEPS));
        if (shipped.trainer().type().equals("smt")) {
            args.addAll(List.of("trainer.warmup_steps=1", "trainer.block_size=8", "trainer.num_blocks=2"));
        }
        Outcome o = CliHarness.run(args.toArray(String[]::new));
        assertEquals(0, o.code(), config + ": " + o.err());
        Path run = dir.resolve("runs").resolve(name);
        assertEquals(List.of(1L, 2L), CliHarness.trainRows(run).stream().map(r -> r.get("step").asLong()).toList());
        assertTrue(Files.readString(run.resolve("metrics.jsonl")).contains("\"val_macro_f1\""), config.toString());
        Path out = dir.resolve("eval-" + name);
        Outcome eval = CliHarness.run("eval", "--model", run.toString(), "--classification", boolq.toString(),
                "--output", out.toString());
        assertEquals(0, eval.code(), config + ": " + eval.err());
        JsonNode scores = Json.read(out.resolve("classification.json"));
        assertEquals(30, scores.get("examples").asInt(), scores.toString());
        assertTrue(scores.get("accuracy").asDouble() >= 0 && scores.get("provenance").asText()
                .contains(shipped.trainer().type()), scores.toString());
    }

    /**
     * A continual config ({@code configs/continual/}) learns the fixture benchmark ({@code sinter continual-data
     * --sources testdata/continual/sources.yaml}: 3 tasks) with the tiny BERT, two steps per task, its method and
     * trainer kept.
     */
    void runContinual(Path config, String name) throws IOException {
        Path bench = dir.resolve("continual-bench");
        if (!Files.isDirectory(bench)) {
            Outcome built = ContinualCliTest.build(bench);
            assertEquals(0, built.code(), built.err());
        }
        Outcome o = CliHarness.run("continual", config.toString(), "name=" + name,
                "output_dir=" + dir.resolve("runs"), "model.from=encoder:" + ContinualCliTest.tinyBert(dir),
                "continual.benchmark=" + bench, "training.steps=" + STEPS, "training.warmup_steps=0",
                "training.eval_every=" + STEPS);
        assertEquals(0, o.code(), config + ": " + o.err());
        JsonNode json = Json.read(dir.resolve("runs").resolve(name).resolve("continual.json"));
        assertEquals(3, json.get("accuracy_matrix").size(), name);
        assertEquals(ContinualConfig.load(config, List.of()).continual().method().type(),
                json.get("method").asText());
    }

    /**
     * A decoder continual config ({@code configs/continual/decoder-*.yaml}) learns the three fixture text domains on
     * the committed stories260K, two steps per domain, its method and prompt settings kept.
     */
    void runDecoderContinual(Path config, String name) throws IOException {
        String domains = "[{name: stories, file: " + TestData.fixture("corpora/tinystories_sample.txt") + "}, {name:"
                + " shakespeare, file: " + TestData.fixture("corpora/tinyshakespeare_slice.txt") + "}, {name: wikitext,"
                + " file: " + TestData.fixture("corpora/wikitext2_test_slice.txt") + "}]";
        Outcome o = CliHarness.run("continual", config.toString(), "name=" + name,
                "output_dir=" + dir.resolve("runs"), "model=" + TestData.fixture("models/stories260K/stories260K.bin"),
                "continual.domains=" + domains, "continual.seq_len=32", "continual.test_windows=2",
                "continual.max_train_tokens=400", "training.steps=" + STEPS, "training.warmup_steps=0",
                "training.batch_size=4");
        assertEquals(0, o.code(), config + ": " + o.err());
        assertTrue(o.out().contains("final average perplexity"), o.out());
        JsonNode json = Json.read(dir.resolve("runs").resolve(name).resolve("continual.json"));
        assertEquals(3, json.get("perplexity_matrix").size(), name);
        assertEquals(LmContinualConfig.load(config, List.of()).method().type(), json.get("method").asText());
    }

    /**
     * A fine-tuning run starts from the base's weights: its first logged loss (before any update; LoRA's B starts
     * at zero, SMT's warm-up is full fine-tuning) equals the base model's loss on the run's first batch.
     */
    void assertStartsFromTheBase(Path run, double firstLoss) throws IOException {
        RunConfig rc = RunConfig.load(run.resolve("config.yaml"), List.of());
        TokenCorpus tokens = TokenCorpus.fromText(TextSource.read(rc.data().train()), new ByteTokenizer(),
                rc.data().valFraction(), rc.data().maxTokens());
        int[][] firstBatch = tokens.trainSampler(rc.data().seqLen(), rc.seed()).next(rc.training().microBatchSize());
        double baseLoss = ModelIO.load(base).loss(firstBatch);
        assertEquals(baseLoss, firstLoss, 1e-5, run + " starts from " + base);
    }

    /** Writes three items where the task's {@code file:} points (in a copy of its folder layout) and scores them. */
    void scoreTaskDefinition(Path config) throws IOException {
        Path copy = dir.resolve("tasks/a/b/c").resolve(CliHarness.CONFIGS.relativize(config));
        Files.createDirectories(copy.getParent());
        Files.copy(config, copy);
        TaskSpec spec = TaskSpec.fromYaml(copy);
        Path items = copy.getParent().resolve(spec.file()).normalize();
        assertTrue(items.startsWith(dir), config + ": file " + spec.file() + " leaves the test folder");
        Files.createDirectories(items.getParent());
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Map<String, Object> item = spec.type().equals(TaskSpec.PARTIAL)
                    ? Map.of(spec.contextOptionsField(), List.of("The cat sat", "The dog ran"),
                    spec.continuationField(), "on the mat.", spec.goldField(), i % 2)
                    : Map.of(spec.queryField(), "Question: Where did the cat sit " + i + "?",
                    spec.choicesField(), List.of("On the mat.", "In the sky.", "Under a tree."), spec.goldField(), i % 3);
            lines.add(Json.write(item));
        }
        Files.write(items, lines);
        Path out = dir.resolve("eval-" + spec.name());
        Outcome o = CliHarness.run("eval", "--model", base.toString(), "--tasks", copy.toString(), "--output",
                out.toString());
        assertEquals(0, o.code(), config + ": " + o.err());
        JsonNode results = Json.read(out.resolve("results.json"));
        assertEquals(3, results.at("/n-samples/" + spec.name() + "/effective").asInt(), results.toString());
        assertTrue(results.at("/results/" + spec.name()).has("acc"), results.toString());
        assertEquals(3, Files.readAllLines(out.resolve("samples_" + spec.name() + ".jsonl")).size());
    }
}

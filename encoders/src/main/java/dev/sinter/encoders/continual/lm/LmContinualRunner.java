package dev.sinter.encoders.continual.lm;

import dev.sinter.encoders.continual.ContinualLearner.LearnReport;
import dev.sinter.encoders.continual.ContinualMetrics;
import dev.sinter.encoders.continual.ContinualRunDirectory;
import dev.sinter.framework.config.TokenizerConfig;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.data.BatchSampler;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.data.TokenizerType;
import dev.sinter.framework.util.Json;
import dev.sinter.models.ModelIO;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Runs a decoder continual config: the prompt learner learns the domains in order; after domain i it measures the
 * mean next-token NLL of every domain seen so far on that domain's test windows, each window with the set it
 * retrieves (row i of the NLL and perplexity matrices), and PRA (the share of test windows that retrieved the set
 * their domain was learned into). Before the first domain, the frozen model's NLL of every domain is the zero-shot
 * row. After each domain the learner's state is saved and the row appended to {@code progress.json}, so a stopped run
 * restarts at the next domain. At the end: {@code continual.json}, {@code metrics.jsonl} and {@code continual.html}
 * ({@link LmContinualReport}).
 *
 * <p>Forgetting and BWT are in NLL terms (nats; lower NLL is better, so forgetting = mean over domains 1..n−1 of
 * final NLL − lowest earlier NLL, BWT = mean of final NLL − NLL just after learning: positive BWT is forgetting).
 */
public final class LmContinualRunner {
    private static final Logger LOG = LogManager.getLogger(LmContinualRunner.class);

    private LmContinualRunner() {
    }

    /**
     * One learned domain.
     *
     * @param domain     its name
     * @param nll        mean next-token NLL on domains 0..i's test windows (with retrieval)
     * @param pra        prompt-retrieval accuracy over those windows
     * @param promptSets sets after the domain
     * @param promptSet  the set it was learned into
     * @param grew       whether a set was added
     * @param details    the method's facts (LW2G's angles)
     * @param seconds    wall time of learning and testing
     */
    public record Row(String domain, List<Double> nll, double pra, int promptSets, int promptSet, boolean grew,
                      Map<String, Object> details, double seconds) {
    }

    /** A run's rows and its {@code continual.json} summary. */
    public record Result(Path runDir, List<Row> rows, Map<String, Object> summary) {
    }

    /** A domain's token splits. */
    record DomainData(String name, String file, int[] train, int[][] test) {
    }

    /** Runs (or resumes) {@code config}. */
    public static Result run(LmContinualConfig config) throws IOException {
        return run(config, Integer.MAX_VALUE);
    }

    /** Runs (or resumes) {@code config}, stopping after {@code stopAfter} domains in all (a stand-in for a kill). */
    static Result run(LmContinualConfig config, int stopAfter) throws IOException {
        ContinualRunDirectory<Row> runDir = directory(config.runDirectory()).prepare(config.toYaml());
        Path modelPath = Path.of(config.model());
        TransformerModel frozen = ModelIO.load(modelPath);
        Tokenizer tokenizer = tokenizerFor(modelPath);
        var section = config.continual();
        List<DomainData> domains = new ArrayList<>();
        for (int d = 0; d < section.domains().size(); d++) {
            domains.add(split(section.domains().get(d), "continual.domains[" + d + "]", tokenizer, section.seqLen(),
                    section.maxTrainTokens(), section.testWindows()));
        }
        LmPromptLearner learner = LmPromptLearner.of(config.method(), frozen, config.training(), section.seqLen(),
                config.seed());
        List<Row> rows = runDir.resume(domains.size(),
                () -> learner.preview(domains.stream().map(DomainData::train).toList()), learner::restore);
        List<Double> zeroShot = new ArrayList<>();
        for (DomainData d : domains) {
            zeroShot.add(frozenNll(frozen, d.test(), config.training().batchSize()));
        }
        for (int t = rows.size(); t < Math.min(domains.size(), stopAfter); t++) {
            long t0 = System.nanoTime();
            LearnReport report = learner.learn(t, domains.get(t).train());
            List<Integer> setOfDomain = new ArrayList<>(rows.stream().map(Row::promptSet).toList());
            setOfDomain.add(report.promptSet());
            List<Double> nll = new ArrayList<>();
            int retrieved = 0;
            int tested = 0;
            for (int j = 0; j <= t; j++) {
                LmPromptLearner.Evaluation e = learner.evaluate(domains.get(j).test());
                nll.add(e.nll());
                for (int s : e.sets()) {
                    retrieved += s == setOfDomain.get(j) ? 1 : 0;
                }
                tested += e.sets().length;
            }
            rows.add(new Row(domains.get(t).name(), nll, (double) retrieved / tested, learner.promptSets(),
                    report.promptSet(), report.grew(), report.details(), (System.nanoTime() - t0) / 1e9));
            runDir.commit(t, rows, learner::save);
            LOG.info("continual run {}: after {} NLL {}", runDir.path(), domains.get(t).name(), nll);
        }
        if (rows.size() < domains.size()) {
            return new Result(runDir.path(), List.copyOf(rows), Map.of());
        }
        Map<String, Object> summary = summary(config, domains, learner.name(), zeroShot, rows);
        Json.writePretty(runDir.path().resolve("continual.json"), summary);
        runDir.writeJsonLines("metrics.jsonl", metrics(rows));
        LmContinualReport.write(runDir.path(), summary, zeroShot, rows);
        return new Result(runDir.path(), List.copyOf(rows), summary);
    }

    /**
     * A domain's tokens (BOS first): the last {@code testWindows} windows of {@code seqLen + 1} tokens at stride
     * {@code seqLen} are its test split, the tokens before them (at most {@code maxTrain}) its training split.
     */
    static DomainData split(LmContinualConfig.Domain domain, String key, Tokenizer tokenizer, int seqLen,
                            int maxTrain, int testWindows) throws IOException {
        Path file = Path.of(domain.file());
        if (!Files.isRegularFile(file)) {
            throw new UsageException(key + ".file: no such file " + file.toAbsolutePath());
        }
        int[] tokens = tokenizer.encode(Files.readString(file), true, false);
        int testTokens = testWindows * seqLen + 1;
        int trainEnd = tokens.length - testTokens;
        if (trainEnd < seqLen + 1) {
            throw new UsageException(key + ": " + file + " has " + tokens.length + " tokens, too few for "
                    + testWindows + " test windows of seq_len " + seqLen + " plus one training window ("
                    + (testTokens + seqLen + 1) + "); lower continual.test_windows or continual.seq_len");
        }
        int[] train = Arrays.copyOf(tokens, Math.min(trainEnd, maxTrain));
        int[][] test = BatchSampler.sequentialWindows(Arrays.copyOfRange(tokens, trainEnd, tokens.length), seqLen,
                testWindows);
        return new DomainData(domain.name(), domain.file(), train, test);
    }

    /** The frozen model's mean NLL of {@code windows}. */
    private static double frozenNll(TransformerModel frozen, int[][] windows, int batch) {
        double sum = 0;
        for (int i = 0; i < windows.length; i += batch) {
            int[][] part = Arrays.copyOfRange(windows, i, Math.min(windows.length, i + batch));
            sum += frozen.loss(part) * part.length;
        }
        return sum / windows.length;
    }

    /** The tokenizer of a model path: a llama2.c {@code tok*.bin} beside a {@code .bin}, else the checkpoint's. */
    static Tokenizer tokenizerFor(Path model) throws IOException {
        Path resolved = ModelIO.resolve(model);
        if (Files.isRegularFile(resolved)) {
            Path tok = ModelIO.llama2cTokenizerBeside(resolved).orElseThrow(() -> new UsageException("model: no"
                    + " tok*.bin tokenizer beside " + resolved + "; put the llama2.c tokenizer next to the model file"));
            return TokenizerType.registry().get(TokenizerConfig.LLAMA2C).load(tok);
        }
        return ModelIO.tokenizerOf(resolved).orElseThrow(() -> new UsageException("model: " + resolved
                + " has no saved tokenizer (tokenizer.json or tokenizer.bin)"));
    }

    /** The run directory {@code dir} of a decoder continual run. */
    static ContinualRunDirectory<Row> directory(Path dir) {
        return new ContinualRunDirectory<>(dir, "domain", Row.class);
    }

    static Map<String, Object> summary(LmContinualConfig config, List<DomainData> domains, String method,
                                       List<Double> zeroShot, List<Row> rows) {
        List<double[]> negNll = rows.stream().map(r -> r.nll().stream().mapToDouble(v -> -v).toArray()).toList();
        List<Double> last = rows.get(rows.size() - 1).nll();
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("name", config.name());
        s.put("method", method);
        s.put("settings", ContinualRunDirectory.asMap(config.continual().method()));
        s.put("model", config.model());
        s.put("seed", config.seed());
        s.put("training", ContinualRunDirectory.asMap(config.training()));
        s.put("seq_len", config.continual().seqLen());
        List<Map<String, Object>> described = new ArrayList<>();
        for (DomainData d : domains) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", d.name());
            m.put("file", d.file());
            m.put("train_tokens", d.train().length);
            m.put("test_windows", d.test().length);
            described.add(m);
        }
        s.put("domains", described);
        s.put("zero_shot_nll", zeroShot);
        s.put("zero_shot_perplexity", zeroShot.stream().map(Math::exp).toList());
        s.put("nll_matrix", rows.stream().map(Row::nll).toList());
        s.put("perplexity_matrix", rows.stream().map(r -> r.nll().stream().map(Math::exp).toList()).toList());
        s.put("final_average_nll", last.stream().mapToDouble(Double::doubleValue).average().orElseThrow());
        s.put("final_average_perplexity", last.stream().mapToDouble(Math::exp).average().orElseThrow());
        s.put("average_forgetting_nll", ContinualRunDirectory.finiteOrNull(ContinualMetrics.averageForgetting(negNll)));
        s.put("backward_transfer_nll", ContinualRunDirectory.finiteOrNull(-ContinualMetrics.backwardTransfer(negNll)));
        s.put("prompt_sets", rows.get(rows.size() - 1).promptSets());
        s.put("pra", rows.get(rows.size() - 1).pra());
        List<Map<String, Object>> perTask = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("domain", r.domain());
            m.put("nll", r.nll());
            m.put("pra", r.pra());
            m.put("prompt_sets", r.promptSets());
            m.put("prompt_set", r.promptSet());
            m.put("grew", r.grew());
            m.put("details", r.details());
            m.put("seconds", r.seconds());
            perTask.add(m);
        }
        s.put("per_task", perTask);
        return s;
    }

    /** One line per learned domain: its NLLs and perplexities, the prompt sets and PRA. */
    private static List<Map<String, Object>> metrics(List<Row> rows) {
        List<Map<String, Object>> lines = new ArrayList<>();
        for (int t = 0; t < rows.size(); t++) {
            Row r = rows.get(t);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("task", t + 1);
            m.put("domain", r.domain());
            m.put("nll", r.nll());
            m.put("perplexity", r.nll().stream().map(Math::exp).toList());
            m.put("prompt_sets", r.promptSets());
            m.put("pra", r.pra());
            m.put("seconds", r.seconds());
            lines.add(m);
        }
        return lines;
    }
}

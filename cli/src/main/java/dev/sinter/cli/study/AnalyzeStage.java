package dev.sinter.cli.study;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.cli.Sinter;
import dev.sinter.cli.SuperWeightAnalysis;
import dev.sinter.eval.quant.QuantizationStudy;
import dev.sinter.eval.superweights.ActivationScan;
import dev.sinter.eval.superweights.Ablations;
import dev.sinter.eval.superweights.StopwordShift;
import dev.sinter.eval.superweights.SuperWeight;
import dev.sinter.eval.superweights.SuperWeightDetector;
import dev.sinter.eval.tasks.PerplexityTask;
import dev.sinter.eval.tasks.Task;
import dev.sinter.eval.tasks.Tasks;
import dev.sinter.framework.config.ConfigException;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * An {@code analyze} stage: the super-weight analysis of one model ({@link SuperWeightAnalysis}) with the study's
 * numbers written to {@code super_weights.json}, so metrics can point at them:
 * <pre>
 * verdict, count, super_weights            the detector (count = super weights found)
 * candidate, ablated                       whether the strongest early-layer read-out stood in, what was ablated
 * strongest {layer, site, expert, row, col, output}   the largest early-layer down_proj output and its read-out
 * max_down_input, max_down_output          largest |down_proj input| / |output| over every layer and prompt
 * sites {mlp|expert|residual_mlp: {max_down_input, max_down_output}}   the same per kind of MLP
 * ablation {original|prune_sw|prune_non_sw|prune_random|prune_sw_restore_sa|scale_F: {score, metrics}}
 * stopwords {original, pruned, ratio}      summed probability of the stopwords, without and with the weights zeroed
 * quantization {fp32|w4_tensor|w4_tensor_z9_sw|...|a8_per_tensor_naive|...: {score, metrics}}
 * reference {same_strongest, same_strongest_channel, same_output_channel, shared_super_weights}   against an
 *                                          earlier analyze stage: 1 when the strongest read-out is the same weight,
 *                                          in the same layer, MLP and output channel, or only on the same output
 *                                          (hidden-state) channel in any layer; super weights detected in both
 * </pre>
 * {@code score} is the condition's token perplexity when a perplexity file is scored, else its first metric.
 */
final class AnalyzeStage {
    /** The file the stage writes. */
    static final String FILE = "super_weights.json";

    private AnalyzeStage() {
    }

    /**
     * The quantization table of an analyze stage: naive round-to-nearest against clipping + super-weight restore, per
     * block size, and INT activations with and without the super activation held out.
     *
     * @param bits           weight bits (4 or 8; default 4)
     * @param blockSizes     block sizes, {@code tensor} for per-tensor (default [tensor])
     * @param clipZ          z of the clipping threshold (default 9)
     * @param activationBits bits of the activation rows, 0 = none (default 8)
     */
    record Quantization(Integer bits, List<String> blockSizes, Double clipZ, Integer activationBits) {
        Quantization {
            bits = bits == null ? 4 : bits;
            blockSizes = blockSizes == null ? List.of("tensor") : List.copyOf(blockSizes);
            clipZ = clipZ == null ? 9 : clipZ;
            activationBits = activationBits == null ? 8 : activationBits;
            if (bits != 4 && bits != 8 || activationBits != 0 && activationBits != 8 || !(clipZ > 0)
                    || blockSizes.isEmpty() || blockSizes.stream().anyMatch(b -> !b.matches("tensor|[1-9][0-9]*"))) {
                throw new IllegalArgumentException("quantization must have bits 4 or 8, activation_bits 0 or 8,"
                        + " clip_z > 0 and block_sizes of positive integers or 'tensor', e.g. {bits: 4, block_sizes:"
                        + " [1024, tensor], clip_z: 9, activation_bits: 8}");
            }
        }

        @JsonCreator
        static Quantization of(@JsonProperty("bits") Integer bits,
                               @JsonProperty("block_sizes") List<String> blockSizes,
                               @JsonProperty("clip_z") Double clipZ,
                               @JsonProperty("activation_bits") Integer activationBits) {
            return new Quantization(bits, blockSizes, clipZ, activationBits);
        }

        QuantizationStudy study() {
            return new QuantizationStudy(bits, blockSizes.stream().map(b -> b.equals("tensor") ? 0
                    : Integer.parseInt(b)).toList(), clipZ, activationBits);
        }
    }

    /** Checks an analyze stage's own keys (called when the study file is read). */
    static void check(StudyFile.Stage s) {
        boolean scored = Boolean.TRUE.equals(s.ablate()) || s.quantization() != null;
        if (scored && s.tasks().isEmpty() && s.perplexity() == null) {
            throw new IllegalArgumentException("ablate and quantization score the model in every condition: give"
                    + " tasks (e.g. tasks: [lambada_openai]) and/or perplexity (a text file)");
        }
        if (!scored && (!s.tasks().isEmpty() || s.perplexity() != null)) {
            throw new IllegalArgumentException("tasks and perplexity score the ablations and the quantization table;"
                    + " set ablate: true and/or quantization, or remove them");
        }
        if (s.pruneFraction() != null && !(s.pruneFraction() >= 0 && s.pruneFraction() < 1)) {
            throw new IllegalArgumentException("prune_fraction must be in [0, 1) (the paper's 1e-6), got "
                    + s.pruneFraction());
        }
        if (s.stopwords() != null && s.stopwords() < 1) {
            throw new IllegalArgumentException("stopwords must be the number of LAMBADA contexts (>= 1), got "
                    + s.stopwords());
        }
        if (!s.scales().isEmpty() && !Boolean.TRUE.equals(s.ablate())) {
            throw new IllegalArgumentException("scales is the ablations' scaling sweep; set ablate: true");
        }
    }

    /** The stage's settings besides its model, for the stage hash. */
    static String describe(StudyFile.Stage s) {
        return "prompts: " + s.prompts() + "\ntasks: " + s.tasks() + "\nperplexity: " + s.perplexity() + "\nlimit: "
                + s.limit() + "\nbatch_size: " + s.batchSize() + "\ndata_dir: " + StudyPlan.dataDir(s) + "\nablate: "
                + s.ablate() + "\nprune_fraction: " + s.pruneFraction() + "\nscales: " + s.scales()
                + "\nstopwords: " + s.stopwords() + "\nquantization: " + s.quantization()
                + "\nstrongest_candidate: " + s.strongestCandidate() + "\nreference: " + s.reference() + "\n";
    }

    /** The scoring tasks, or null when nothing is scored; unknown tasks and missing files fail here. */
    static SuperWeightAnalysis.Scoring scoring(StudyFile.Stage s) throws IOException {
        if (!Boolean.TRUE.equals(s.ablate()) && s.quantization() == null) {
            return null;
        }
        List<Task> tasks = new ArrayList<>();
        if (!s.tasks().isEmpty()) {
            tasks.addAll(Tasks.parse(String.join(",", s.tasks()), StudyPlan.dataDir(s)));
        }
        if (s.perplexity() != null) {
            tasks.add(PerplexityTask.of(existing(Path.of(s.perplexity()), "perplexity")));
        }
        return new SuperWeightAnalysis.Scoring(tasks, s.limit() == null ? 0 : s.limit(),
                s.batchSize() == null ? 16 : s.batchSize());
    }

    /** The LAMBADA file of the stopword shift, or null when not asked for. */
    static Path lambada(StudyFile.Stage s) {
        return s.stopwords() == null ? null
                : existing(StudyPlan.dataDir(s).resolve("eval/lambada_openai.jsonl"), "stopwords");
    }

    /** {@code file} if it exists; else a one-line error naming the key, the path and where shared data lives. */
    static Path existing(Path file, String key) {
        if (!Files.exists(file)) {
            throw new ConfigException(key + ": file not found: " + file.toAbsolutePath().normalize() + "; paths are"
                    + " relative to the working directory (run from the project root, where ../shared/data is the"
                    + " shared data; -Dsinter.shared=DIR or data_dir points elsewhere)");
        }
        return file;
    }

    /** Runs the analysis of one seed's stage and writes {@value #FILE}. */
    static void run(StudyPlan.Step step) throws IOException {
        StudyFile.Stage s = step.spec();
        SuperWeightAnalysis.Result r = Sinter.analyzeSuperWeights(new SuperWeightAnalysis.Request(step.model(), null,
                s.prompts(), SuperWeightDetector.Options.DEFAULT, List.of(), scoring(s),
                Boolean.TRUE.equals(s.ablate()), s.pruneFraction() == null ? Ablations.PAPER_PRUNE_FRACTION : s.pruneFraction(), s.scales(),
                OptionalLong.of(step.seed()), Boolean.TRUE.equals(s.strongestCandidate()),
                s.quantization() == null ? null : s.quantization().study(), lambada(s),
                s.stopwords() == null ? 0 : s.stopwords(), step.dir()));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("verdict", r.outcome().verdict());
        out.put("count", r.outcome().superWeights().size());
        out.put("super_weights", r.outcome().superWeights().stream().map(AnalyzeStage::coordinates).toList());
        out.put("candidate", r.candidate());
        out.put("ablated", r.superWeights().stream().map(AnalyzeStage::coordinates).toList());
        if (r.outcome() instanceof SuperWeightDetector.Detection d) {
            out.putAll(maxima(d));
            SuperWeightDetector.strongestCandidate(d).ifPresent(w -> out.put("strongest", coordinates(w)));
        }
        r.ablations().ifPresent(t -> {
            Map<String, Object> rows = new LinkedHashMap<>();
            t.conditions().forEach(row -> rows.put(conditionKey(row.condition()), scored(row)));
            t.scaling().forEach(row -> rows.put(conditionKey(row.condition()), scored(row)));
            out.put("ablation", rows);
        });
        r.stopwords().ifPresent(sh -> out.put("stopwords", stopwords(sh)));
        if (!r.quantization().isEmpty()) {
            Map<String, Object> rows = new LinkedHashMap<>();
            r.quantization().forEach(row -> rows.put(slug(row.condition()), scored(row)));
            out.put("quantization", rows);
        }
        if (s.reference() != null) {
            out.put("reference", compare(out, Json.read(Path.of(StageRef.substitute(s.reference(),
                    ref -> step.dir().resolveSibling(ref.stage()).toString())).resolve(FILE))));
        }
        out.put("skipped", r.skipped());
        out.put("report", r.report().toString());
        Json.writePretty(step.dir().resolve(FILE), out);
    }

    /** Largest |down_proj input| and |output| over every prompt and layer, overall and per kind of MLP. */
    private static Map<String, Object> maxima(SuperWeightDetector.Detection d) {
        Map<String, double[]> bySite = new LinkedHashMap<>(); // site → {max |input|, max |output|}
        for (SuperWeightDetector.PromptResult p : d.prompts()) {
            for (ActivationScan.LayerStats l : p.original().layers()) {
                for (ActivationScan.DownProj proj : l.projections()) {
                    double[] m = bySite.computeIfAbsent(siteKey(proj.site()), k -> new double[2]);
                    m[0] = Math.max(m[0], proj.input().abs());
                    m[1] = Math.max(m[1], proj.output().abs());
                }
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("max_down_input", bySite.values().stream().mapToDouble(m -> m[0]).max().orElse(0));
        out.put("max_down_output", bySite.values().stream().mapToDouble(m -> m[1]).max().orElse(0));
        Map<String, Object> sites = new LinkedHashMap<>();
        bySite.forEach((k, m) -> sites.put(k, Map.of("max_down_input", m[0], "max_down_output", m[1])));
        out.put("sites", sites);
        return out;
    }

    /** Whether the strongest read-out and the super weights are where the reference's are (1 = yes, 0 = no). */
    static Map<String, Object> compare(Map<String, Object> mine, JsonNode reference) {
        Map<String, Object> out = new LinkedHashMap<>();
        JsonNode mineJson = Json.mapper().valueToTree(mine);
        JsonNode a = mineJson.path("strongest");
        JsonNode b = reference.path("strongest");
        boolean channel = !a.isMissingNode() && !b.isMissingNode() && a.path("layer").equals(b.path("layer"))
                && a.path("site").equals(b.path("site")) && a.path("expert").equals(b.path("expert"))
                && a.path("row").equals(b.path("row"));
        out.put("same_output_channel", !a.isMissingNode() && a.path("row").equals(b.path("row")) ? 1 : 0);
        out.put("same_strongest_channel", channel ? 1 : 0);
        out.put("same_strongest", channel && a.path("col").equals(b.path("col")) ? 1 : 0);
        int shared = 0;
        for (JsonNode w : mineJson.path("super_weights")) {
            for (JsonNode v : reference.path("super_weights")) {
                if (sameWeight(w, v)) {
                    shared++;
                }
            }
        }
        out.put("shared_super_weights", shared);
        out.put("reference_count", reference.path("count").asInt());
        out.put("reference_strongest", b);
        return out;
    }

    private static boolean sameWeight(JsonNode a, JsonNode b) {
        return List.of("layer", "site", "expert", "row", "col").stream().allMatch(k -> a.path(k).equals(b.path(k)));
    }

    private static Map<String, Object> coordinates(SuperWeight w) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layer", w.layer());
        m.put("site", siteKey(w.site()));
        m.put("expert", w.expert());
        m.put("row", w.row());
        m.put("col", w.col());
        m.put("value", Double.isNaN(w.value()) ? null : w.value());
        m.put("coordinate", w.coordinate());
        return m;
    }

    private static String siteKey(SuperWeight.Site s) {
        return switch (s) {
            case DENSE -> "mlp";
            case EXPERT -> "expert";
            case SHARED -> "residual_mlp";
        };
    }

    private static Map<String, Object> stopwords(StopwordShift.Result sh) {
        double original = sh.stopwords().stream().mapToDouble(StopwordShift.Entry::original).sum();
        double pruned = sh.stopwords().stream().mapToDouble(StopwordShift.Entry::pruned).sum();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("contexts", sh.prompts());
        m.put("original", original);
        m.put("pruned", pruned);
        m.put("ratio", original == 0 ? null : pruned / original);
        Map<String, Object> words = new LinkedHashMap<>();
        sh.stopwords().forEach(e -> words.put(e.token(), Map.of("original", e.original(), "pruned", e.pruned())));
        m.put("words", words);
        m.put("missing", sh.missingStopwords());
        return m;
    }

    private static Map<String, Object> scored(Ablations.Row row) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("condition", row.condition());
        m.put("score", score(row.metrics()).orElse(null));
        m.put("weights_changed", row.weightsChanged());
        m.put("metrics", row.metrics());
        return m;
    }

    /** A perplexity file's token perplexity, else the first metric. */
    static Optional<Double> score(Map<String, Double> metrics) {
        return metrics.entrySet().stream().filter(e -> e.getKey().endsWith(".token_perplexity"))
                .map(Map.Entry::getValue).findFirst().or(() -> metrics.values().stream().findFirst());
    }

    /** The JSON key of an ablation condition: original, prune_sw, prune_non_sw, prune_random, …, scale_0.5. */
    static String conditionKey(String condition) {
        if (condition.startsWith("prune non-SW")) {
            return "prune_non_sw";
        }
        if (condition.startsWith(Ablations.RANDOM_PRUNE)) {
            return "prune_random";
        }
        if (condition.equals("prune SW, +SA")) {
            return "prune_sw_restore_sa";
        }
        if (condition.startsWith("scale SW ×")) {
            return "scale_" + condition.substring("scale SW ×".length());
        }
        return slug(condition);
    }

    /** Lower case, runs of other characters as one '_': {@code W4 b1024 z9 +SW} → {@code w4_b1024_z9_sw}. */
    static String slug(String label) {
        return label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]+", "_").replaceAll("^_|_$", "");
    }
}

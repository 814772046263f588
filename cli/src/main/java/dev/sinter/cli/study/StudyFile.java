package dev.sinter.cli.study;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.cli.SweepFile;
import dev.sinter.framework.config.ConfigLoader;
import dev.sinter.framework.config.Suggest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A study file: named stages run in file order for every seed, metrics read from their outputs, and the paper's
 * claims about those metrics.
 * <pre>
 * name: toy                 # the study directory: &lt;output_dir&gt;/&lt;name&gt;
 * seeds: [1, 2]             # the whole pipeline runs once per seed; the seed goes into every run's seed
 * stages:                   # run in this order; a value may refer to an earlier stage: ${stages.NAME.OUTPUT}
 *   base: {kind: train, config: base.yaml}
 *   ft:
 *     kind: sweep
 *     config: ft.yaml
 *     set: {model.from: "${stages.base.run}"}
 *     variants: {full: {}, lora: {trainer: {type: lora}}}
 * metrics:                  # name: REFERENCE/FILE#/JSON/POINTER, one number per seed
 *   full: "${stages.ft.runs.full}/summary.json#/validation_loss"
 *   lora: "${stages.ft.runs.lora}/summary.json#/validation_loss"
 * claims:
 *   full_beats_lora: {paper: "full fine-tuning reaches a lower loss than LoRA", holds: "full < lora"}
 * </pre>
 * Every reference, metric and claim is checked when the file is read, so a mistake stops the study before any work
 * with the file, line and key.
 *
 * @param name      the study's name: a folder name
 * @param outputDir the parent of the study directory (default {@code runs})
 * @param seeds     the seeds, at least one, distinct
 * @param stages    stage name (lower-case identifier) → stage, in run order
 * @param metrics   metric name (identifier) → where its number is
 * @param claims    claim id (identifier) → claim
 */
public record StudyFile(String name, String outputDir, List<Long> seeds, Map<String, Stage> stages,
                        Map<String, String> metrics, Map<String, Claim> claims) {
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z][a-z0-9_]*");
    private static final Pattern FOLDER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    /** A metric: a reference, an optional path inside it, and a JSON pointer after '#'. */
    static final Pattern METRIC = Pattern.compile("(\\$\\{[^}]*})(/[^#]*)?#(/.*)");

    public StudyFile {
        if (name == null || !FOLDER_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name must be a folder name (letters, digits, '.', '_', '-'), e.g."
                    + " name: moe-ablation");
        }
        outputDir = outputDir == null ? "runs" : outputDir;
        if (seeds == null || seeds.isEmpty()) {
            throw new IllegalArgumentException("seeds must list at least one seed (each runs the whole pipeline),"
                    + " e.g. seeds: [1, 2, 3]");
        }
        if (seeds.contains(null) || new HashSet<>(seeds).size() != seeds.size()) {
            throw new IllegalArgumentException("seeds must be distinct integers, got " + seeds);
        }
        seeds = List.copyOf(seeds);
        if (stages == null || stages.isEmpty()) {
            throw new IllegalArgumentException("stages must name at least one stage, e.g. stages: {base: {kind:"
                    + " train, config: base.yaml}}");
        }
        stages = Collections.unmodifiableMap(new LinkedHashMap<>(stages));
        metrics = metrics == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        claims = claims == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(claims));
        List<String> earlier = new ArrayList<>();
        for (Map.Entry<String, Stage> s : stages.entrySet()) {
            requireIdentifier("stages", s.getKey());
            String at = "stages." + s.getKey();
            if (s.getValue() == null) {
                throw new IllegalArgumentException(at + " must be a stage, e.g. {kind: train, config: base.yaml}");
            }
            for (Map.Entry<String, JsonNode> r : s.getValue().references().entrySet()) {
                checkReferences(at + "." + r.getKey(), r.getValue(), s.getKey(), earlier, stages);
            }
            if (s.getValue().kind().equals("analyze")) {
                try {
                    AnalyzeStage.check(s.getValue());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(at + "." + e.getMessage());
                }
            }
            if (s.getValue().reference() != null) {
                List<StageRef> refs = StageRef.find(s.getValue().reference());
                if (refs.size() != 1 || !s.getValue().reference().equals(refs.get(0).text())
                        || !stages.get(refs.get(0).stage()).kind().equals("analyze")
                        || !refs.get(0).output().equals("dir")) {
                    throw new IllegalArgumentException(at + ".reference must be an earlier analyze stage's folder,"
                            + " e.g. reference: ${stages.sw_base.dir}, got '" + s.getValue().reference() + "'");
                }
            }
            earlier.add(s.getKey());
        }
        for (Map.Entry<String, String> m : metrics.entrySet()) {
            requireIdentifier("metrics", m.getKey());
            checkMetric("metrics." + m.getKey(), m.getValue(), stages);
        }
        for (Map.Entry<String, Claim> c : claims.entrySet()) {
            requireIdentifier("claims", c.getKey());
            String at = "claims." + c.getKey();
            if (c.getValue() == null) {
                throw new IllegalArgumentException(at + " must be a claim, e.g. {paper: \"...\", holds: \"a < b\"}");
            }
            try {
                ClaimExpression.parse(c.getValue().holds(), metrics.keySet());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(at + ".holds must be a comparison of declared metrics: "
                        + e.getMessage());
            }
        }
    }

    /** Binds the YAML document (unknown keys rejected, errors name the file, line and key). */
    @JsonCreator
    public static StudyFile of(@JsonProperty("name") String name, @JsonProperty("output_dir") String outputDir,
                               @JsonProperty("seeds") List<Long> seeds,
                               @JsonProperty("stages") Map<String, Stage> stages,
                               @JsonProperty("metrics") Map<String, String> metrics,
                               @JsonProperty("claims") Map<String, Claim> claims) {
        return new StudyFile(name, outputDir, seeds, stages, metrics, claims);
    }

    /** Reads a study file with {@code key.path=value} overrides of its own keys (e.g. {@code seeds=[1]}). */
    public static StudyFile load(Path file, List<String> overrides) {
        return ConfigLoader.bind(file, StudyFile.class, overrides);
    }

    /** The claim's compiled comparison (checked when the file was read). */
    public ClaimExpression expression(String claim) {
        return ClaimExpression.parse(claims.get(claim).holds(), metrics.keySet());
    }

    /**
     * A claim from the paper.
     *
     * @param paper  the paper's statement, in words
     * @param source where it is stated (e.g. {@code papers.md §3.2, DeepSpeed-MoE Fig. 4}); optional
     * @param holds  the comparison over metrics that the statement means at our scale ({@link ClaimExpression})
     */
    public record Claim(String paper, String source, String holds) {
        public Claim {
            if (paper == null || paper.isBlank()) {
                throw new IllegalArgumentException("paper must state the paper's claim in words");
            }
            if (holds == null || holds.isBlank()) {
                throw new IllegalArgumentException("holds must be the comparison the claim means, "
                        + ClaimExpression.EXAMPLE);
            }
        }

        @JsonCreator
        static Claim of(@JsonProperty("paper") String paper, @JsonProperty("source") String source,
                        @JsonProperty("holds") String holds) {
            return new Claim(paper, source, holds);
        }
    }

    private static void requireIdentifier(String section, String key) {
        if (!IDENTIFIER.matcher(key).matches()) {
            throw new IllegalArgumentException(section + " must be named by lower-case identifiers (a-z, 0-9, _;"
                    + " references and claims use the names), got '" + key + "'");
        }
    }

    /** Every reference in {@code value} (any YAML; strings inside lists and sections too) names a stage before it. */
    private static void checkReferences(String at, JsonNode value, String stage, List<String> earlier,
                                        Map<String, Stage> stages) {
        if (value.isTextual()) {
            List<StageRef> refs;
            try {
                refs = StageRef.find(value.asText());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(at + " must hold well-formed references: " + e.getMessage());
            }
            for (StageRef r : refs) {
                checkReference(at, r, stage, earlier, stages);
            }
        } else if (value.isArray()) {
            for (JsonNode item : value) {
                checkReferences(at, item, stage, earlier, stages);
            }
        } else if (value.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                checkReferences(at + "." + f.getKey(), f.getValue(), stage, earlier, stages);
            }
        }
    }

    private static void checkReference(String at, StageRef r, String stage, List<String> earlier,
                                       Map<String, Stage> stages) {
        if (!stages.containsKey(r.stage())) {
            throw new IllegalArgumentException(at + " must refer to a stage: " + r.text() + " names no stage '"
                    + r.stage() + "'" + Suggest.didYouMean(r.stage(), earlier) + "; stages before '" + stage + "': "
                    + (earlier.isEmpty() ? "none" : String.join(", ", earlier)));
        }
        if (!earlier.contains(r.stage())) {
            throw new IllegalArgumentException(at + " must refer to an earlier stage: " + r.text() + " names '"
                    + r.stage() + "', which " + (r.stage().equals(stage) ? "is this stage" : "runs after '" + stage
                    + "'") + " (stages run in file order); move '" + r.stage() + "' above '" + stage
                    + "' or refer to one of: " + (earlier.isEmpty() ? "none" : String.join(", ", earlier)));
        }
        checkOutput(at, r, stages.get(r.stage()));
    }

    private static void checkOutput(String at, StageRef r, Stage target) {
        List<String> outputs = target.outputs();
        if (!outputs.contains(r.output())) {
            throw new IllegalArgumentException(at + " must name an output of stage '" + r.stage() + "': " + r.text()
                    + " asks for '" + r.output() + "', but a " + target.kind() + " stage has: "
                    + String.join(", ", outputs.stream().map(o -> o.equals("runs") ? "runs.VARIANT" : o).toList()));
        }
        if (r.variant() != null && !target.variantNames().contains(r.variant())) {
            throw new IllegalArgumentException(at + " must name a variant of stage '" + r.stage() + "': " + r.text()
                    + " asks for '" + r.variant() + "'" + Suggest.didYouMean(r.variant(), target.variantNames())
                    + "; its runs: " + String.join(", ", target.variantNames()));
        }
    }

    private static void checkMetric(String at, String value, Map<String, Stage> stages) {
        var m = value == null ? null : METRIC.matcher(value);
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException(at + " must be REFERENCE[/FILE]#/JSON/POINTER, e.g."
                    + " \"${stages.base.run}/summary.json#/validation_loss\" or"
                    + " \"${stages.eval.results}#/results/piqa/acc\", got '" + value + "'");
        }
        List<StageRef> refs;
        try {
            refs = StageRef.find(m.group(1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(at + " must start with a stage reference: " + e.getMessage());
        }
        StageRef r = refs.get(0);
        if (!stages.containsKey(r.stage())) {
            throw new IllegalArgumentException(at + " must refer to a stage: " + r.text() + " names no stage '"
                    + r.stage() + "'" + Suggest.didYouMean(r.stage(), stages.keySet()) + "; stages: "
                    + String.join(", ", stages.keySet()));
        }
        checkOutput(at, r, stages.get(r.stage()));
    }

    /** The stage kinds and the facade call each makes. */
    public static final List<String> KINDS = List.of("train", "sweep", "evaluate", "analyze", "quantize");

    /**
     * One stage: a normal Sinter run, sweep, evaluation or analysis. Which keys apply depends on {@code kind}:
     * <ul>
     *   <li>{@code train} ({@code Sinter.train}): {@code config} (a run config, relative to the study file) and
     *       {@code set} (its overrides, {@code key.path: value}); output {@code run}. Distillation is a train stage
     *       whose {@code set} names a teacher: {@code trainer.teacher: ${stages.base.run}}.</li>
     *   <li>{@code sweep} ({@code Sinter.sweep}): {@code config} as the base, {@code variants} and/or {@code grid}
     *       as in a sweep file, and {@code set} applied to every variant after its own overrides; outputs
     *       {@code runs.VARIANT}.</li>
     *   <li>{@code evaluate} ({@code Sinter.evaluate}): {@code model}, {@code tasks}, {@code limit},
     *       {@code batch_size}, {@code data_dir}; output {@code results} ({@code results.json}).</li>
     *   <li>{@code analyze} ({@code Sinter.analyzeSuperWeights}): {@code model}, {@code prompts}, and on request the
     *       ablations, the stopword shift and the quantization table ({@link AnalyzeStage}); its {@code dir} holds the
     *       report and {@code super_weights.json}.</li>
     *   <li>{@code quantize} ({@code Sinter.quantize}): {@code model}, {@code bits}, {@code block_size},
     *       {@code clip_z}, {@code naive}; output {@code model} (the fake-quantized model).</li>
     * </ul>
     * Every stage also has the output {@code dir}, its folder in the study directory.
     */
    public record Stage(String kind, String config, Map<String, JsonNode> set,
                        Map<String, Map<String, JsonNode>> variants, Map<String, List<JsonNode>> grid,
                        String model, List<String> tasks, Integer limit, Integer batchSize, String dataDir,
                        List<String> prompts, Integer bits, String blockSize, Double clipZ, Boolean naive,
                        String perplexity, Boolean ablate, Double pruneFraction, List<Double> scales, Integer stopwords,
                        AnalyzeStage.Quantization quantization, Boolean strongestCandidate, String reference) {
        public Stage {
            if (kind == null || !KINDS.contains(kind)) {
                throw new IllegalArgumentException("kind must be one of " + String.join(", ", KINDS)
                        + (kind == null ? "" : ", got '" + kind + "'" + Suggest.didYouMean(kind, KINDS)));
            }
            set = set == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(set));
            variants = variants == null ? Map.of() : variants;
            grid = grid == null ? Map.of() : grid;
            tasks = tasks == null ? List.of() : List.copyOf(tasks);
            prompts = prompts == null ? List.of() : List.copyOf(prompts);
            scales = scales == null ? List.of() : List.copyOf(scales);
            Map<String, Object> given = new LinkedHashMap<>();
            given.put("config", config);
            given.put("set", set.isEmpty() ? null : set);
            given.put("variants", variants.isEmpty() ? null : variants);
            given.put("grid", grid.isEmpty() ? null : grid);
            given.put("model", model);
            given.put("tasks", tasks.isEmpty() ? null : tasks);
            given.put("limit", limit);
            given.put("batch_size", batchSize);
            given.put("data_dir", dataDir);
            given.put("prompts", prompts.isEmpty() ? null : prompts);
            given.put("bits", bits);
            given.put("block_size", blockSize);
            given.put("clip_z", clipZ);
            given.put("naive", naive);
            given.put("perplexity", perplexity);
            given.put("ablate", ablate);
            given.put("prune_fraction", pruneFraction);
            given.put("scales", scales.isEmpty() ? null : scales);
            given.put("stopwords", stopwords);
            given.put("quantization", quantization);
            given.put("strongest_candidate", strongestCandidate);
            given.put("reference", reference);
            List<String> allowed = keysOf(kind);
            for (Map.Entry<String, Object> g : given.entrySet()) {
                if (g.getValue() != null && !allowed.contains(g.getKey())) {
                    throw new IllegalArgumentException(g.getKey() + " must not be set on a " + kind + " stage; its"
                            + " keys: kind, " + String.join(", ", allowed));
                }
            }
            boolean run = kind.equals("train") || kind.equals("sweep");
            if (run && (config == null || config.isBlank())) {
                throw new IllegalArgumentException("config must name the run config (relative to the study file)"
                        + " of a " + kind + " stage, e.g. config: base.yaml");
            }
            if (!run && (model == null || model.isBlank())) {
                throw new IllegalArgumentException("model must name the model of a " + kind + " stage: a reference"
                        + " such as ${stages.base.run}, or a path");
            }
            if (kind.equals("sweep")) {
                new SweepFile("sweep", config, variants, grid); // a sweep needs variants and/or a grid; folder names
                for (Map.Entry<String, List<JsonNode>> axis : grid.entrySet()) {
                    if (axis.getValue() != null && axis.getValue().stream()
                            .anyMatch(v -> v != null && v.toString().contains("${"))) {
                        throw new IllegalArgumentException("grid must not hold references (a grid value names its"
                                + " runs); put the reference under set: or in a variant, got grid." + axis.getKey()
                                + ": " + axis.getValue());
                    }
                }
            }
            if (kind.equals("evaluate") && tasks.isEmpty()) {
                throw new IllegalArgumentException("tasks must list the tasks to score, e.g. tasks: [arc_easy, piqa]");
            }
            if (limit != null && limit < 0 || batchSize != null && batchSize < 1) {
                throw new IllegalArgumentException("limit must be >= 0 and batch_size >= 1");
            }
            if (bits != null && bits != 4 && bits != 8) {
                throw new IllegalArgumentException("bits must be 4 or 8, got " + bits);
            }
            if (blockSize != null && !blockSize.equals("tensor") && !blockSize.matches("[1-9][0-9]*")) {
                throw new IllegalArgumentException("block_size must be a positive integer or 'tensor', got '"
                        + blockSize + "'");
            }
        }

        @JsonCreator
        static Stage of(@JsonProperty("kind") String kind, @JsonProperty("config") String config,
                        @JsonProperty("set") Map<String, JsonNode> set,
                        @JsonProperty("variants") Map<String, Map<String, JsonNode>> variants,
                        @JsonProperty("grid") Map<String, List<JsonNode>> grid, @JsonProperty("model") String model,
                        @JsonProperty("tasks") List<String> tasks, @JsonProperty("limit") Integer limit,
                        @JsonProperty("batch_size") Integer batchSize, @JsonProperty("data_dir") String dataDir,
                        @JsonProperty("prompts") List<String> prompts, @JsonProperty("bits") Integer bits,
                        @JsonProperty("block_size") String blockSize, @JsonProperty("clip_z") Double clipZ,
                        @JsonProperty("naive") Boolean naive, @JsonProperty("perplexity") String perplexity,
                        @JsonProperty("ablate") Boolean ablate, @JsonProperty("prune_fraction") Double pruneFraction,
                        @JsonProperty("scales") List<Double> scales, @JsonProperty("stopwords") Integer stopwords,
                        @JsonProperty("quantization") AnalyzeStage.Quantization quantization,
                        @JsonProperty("strongest_candidate") Boolean strongestCandidate,
                        @JsonProperty("reference") String reference) {
            return new Stage(kind, config, set, variants, grid, model, tasks, limit, batchSize, dataDir, prompts,
                    bits, blockSize, clipZ, naive, perplexity, ablate, pruneFraction, scales, stopwords, quantization,
                    strongestCandidate, reference);
        }

        /** The keys (besides {@code kind}) a stage of this kind takes. */
        static List<String> keysOf(String kind) {
            return switch (kind) {
                case "train" -> List.of("config", "set");
                case "sweep" -> List.of("config", "set", "variants", "grid");
                case "evaluate" -> List.of("model", "tasks", "limit", "batch_size", "data_dir");
                case "analyze" -> List.of("model", "prompts", "tasks", "perplexity", "limit", "batch_size", "data_dir",
                        "ablate", "prune_fraction", "scales", "stopwords", "quantization", "strongest_candidate",
                        "reference");
                case "quantize" -> List.of("model", "bits", "block_size", "clip_z", "naive");
                default -> throw new IllegalStateException(kind);
            };
        }

        /** The outputs a reference can name ({@code runs} stands for {@code runs.VARIANT}). */
        public List<String> outputs() {
            return switch (kind) {
                case "train" -> List.of("run", "dir");
                case "sweep" -> List.of("runs", "dir");
                case "evaluate" -> List.of("results", "dir");
                case "quantize" -> List.of("model", "dir");
                default -> List.of("dir");
            };
        }

        /** A sweep stage's run names (variants × grid points); empty for the other kinds. */
        public Set<String> variantNames() {
            return kind.equals("sweep") ? new SweepFile("sweep", config, variants, grid).runs().keySet() : Set.of();
        }

        /** The values that may hold references: key (relative to the stage) → value. */
        Map<String, JsonNode> references() {
            Map<String, JsonNode> out = new LinkedHashMap<>();
            set.forEach((k, v) -> out.put("set." + k, v));
            variants.forEach((variant, overrides) -> overrides.forEach((k, v) ->
                    out.put("variants." + variant + "." + k, v)));
            if (model != null) {
                out.put("model", com.fasterxml.jackson.databind.node.TextNode.valueOf(model));
            }
            if (reference != null) {
                out.put("reference", com.fasterxml.jackson.databind.node.TextNode.valueOf(reference));
            }
            return out;
        }
    }
}

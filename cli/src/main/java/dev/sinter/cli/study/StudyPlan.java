package dev.sinter.cli.study;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.sinter.cli.SweepFile;
import dev.sinter.eval.tasks.Tasks;
import dev.sinter.framework.config.ConfigException;
import dev.sinter.trainers.RunConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A study file resolved for every seed before any work: each stage's directory, its references replaced by paths,
 * every run config loaded and validated (as {@code sinter train} would), and each stage's hash. The hash covers the
 * stage's resolved configuration and the hash of the stage before it, so a change re-runs that stage and every later
 * one.
 *
 * <p>Layout: {@code <output_dir>/<name>/seed-<S>/<stage>/}: a train stage's run directory; a sweep stage's sweep
 * directory (one run per variant, the sweep report); an evaluate stage's {@code results.json}; an analyze stage's
 * report; a quantize stage's {@code model/}.
 *
 * @param file      the study file
 * @param study     the study file's content (with its overrides)
 * @param dir       the study directory
 * @param overrides run overrides ({@code key.path=value}) applied to every run of every stage, after the stage's own
 * @param steps     per seed, the stages in run order
 */
public record StudyPlan(Path file, StudyFile study, Path dir, List<String> overrides, Map<Long, List<Step>> steps) {
    /** Run keys the study sets itself. */
    static final List<String> RESERVED = List.of("name", "output_dir", "seed");
    /** Command-line overrides with this prefix change the study file's own keys ({@code study.seeds=[1]}). */
    public static final String STUDY_PREFIX = "study.";

    /**
     * One stage for one seed.
     *
     * @param stage       the stage's name
     * @param spec        the stage as declared
     * @param seed        the seed
     * @param dir         the stage's directory
     * @param outputs     what references to this stage resolve to ({@code run}, {@code runs.V}, {@code results}, …)
     * @param runConfigs  train and sweep stages: run name → its validated config (a train stage: one)
     * @param sweepFile   sweep stages: the sweep file (references resolved) to write and run; else null
     * @param sweepOverrides sweep stages: the overrides {@code Sinter.sweep} applies to every variant; else empty
     * @param model       evaluate, analyze and quantize stages: the model path; else null
     * @param description the resolved configuration, as hashed
     * @param hash        SHA-256 of the previous step's hash and this step's kind and description
     */
    public record Step(String stage, StudyFile.Stage spec, long seed, Path dir, Map<String, Path> outputs,
                       Map<String, RunConfig> runConfigs, SweepFile sweepFile, List<String> sweepOverrides, Path model, String description,
                       String hash) {
    }

    /**
     * Reads and resolves a study. {@code overrides} starting with {@value #STUDY_PREFIX} change the study file's own
     * keys ({@code study.seeds=[1]}, {@code study.stages.eval.limit=20}); the others apply to every run.
     *
     * @throws ConfigException naming the file, line or stage and key, for any problem
     */
    public static StudyPlan resolve(Path file, List<String> overrides) throws IOException {
        List<String> studyOverrides = new ArrayList<>();
        List<String> runOverrides = new ArrayList<>();
        for (String o : overrides) {
            if (o.startsWith(STUDY_PREFIX)) {
                studyOverrides.add(o.substring(STUDY_PREFIX.length()));
            } else {
                String key = o.substring(0, Math.max(0, o.indexOf('='))).strip();
                if (RESERVED.contains(key)) {
                    throw new ConfigException(file + " (override " + o + "): " + key + ": a study names, places and"
                            + " seeds every run itself; remove it (study.output_dir=DIR moves the study, "
                            + "study.seeds=[..] sets the seeds)");
                }
                runOverrides.add(o);
            }
        }
        StudyFile study = StudyFile.load(file, studyOverrides);
        Path dir = Path.of(study.outputDir()).resolve(study.name());
        Map<Long, List<Step>> steps = new LinkedHashMap<>();
        for (long seed : study.seeds()) {
            steps.put(seed, resolveSeed(file, study, dir.resolve("seed-" + seed), seed, runOverrides));
        }
        return new StudyPlan(file, study, dir, List.copyOf(runOverrides), steps);
    }

    private static List<Step> resolveSeed(Path file, StudyFile study, Path seedDir, long seed, List<String> runOverrides)
            throws IOException {
        Map<String, Map<String, Path>> outputs = new LinkedHashMap<>();
        List<Step> steps = new ArrayList<>();
        String previous = "";
        for (Map.Entry<String, StudyFile.Stage> e : study.stages().entrySet()) {
            String name = e.getKey();
            StudyFile.Stage s = e.getValue();
            Path stageDir = seedDir.resolve(name);
            String where = file + ": stages." + name + " (seed " + seed + ")";
            Map<String, Path> out = outputsOf(s, stageDir);
            Map<String, RunConfig> configs = new LinkedHashMap<>();
            SweepFile sweep = null;
            List<String> sweepOverrides = List.of();
            Path model = null;
            StringBuilder description = new StringBuilder();
            try {
                switch (s.kind()) {
                    case "train" -> {
                        List<String> o = new ArrayList<>(assignments(s.set(), outputs));
                        o.addAll(runOverrides);
                        o.addAll(placement(seedDir.toString(), name, seed));
                        RunConfig cfg = RunConfig.load(configPath(file, s), o);
                        configs.put(name, cfg);
                        description.append(cfg.toYaml());
                    }
                    case "sweep" -> {
                        Map<String, Map<String, JsonNode>> variants = new LinkedHashMap<>();
                        s.variants().forEach((v, ov) -> {
                            Map<String, JsonNode> resolved = new LinkedHashMap<>();
                            ov.forEach((k, val) -> resolved.put(k, substitute(val, outputs)));
                            variants.put(v, resolved);
                        });
                        sweep = new SweepFile(name, configPath(file, s).toString(), variants, s.grid());
                        List<String> common = new ArrayList<>(assignments(s.set(), outputs));
                        common.addAll(runOverrides);
                        sweepOverrides = new ArrayList<>(common);
                        sweepOverrides.addAll(List.of("output_dir=" + quoted(seedDir.toString()), "seed=" + seed));
                        for (Map.Entry<String, List<String>> run : sweep.runs().entrySet()) {
                            List<String> o = new ArrayList<>(run.getValue()); // as Sinter.sweep: variant, then common
                            o.addAll(common);
                            o.addAll(placement(stageDir.toString(), run.getKey(), seed));
                            RunConfig cfg = RunConfig.load(configPath(file, s), o);
                            configs.put(run.getKey(), cfg);
                            description.append("# ").append(run.getKey()).append('\n').append(cfg.toYaml());
                        }
                    }
                    default -> {
                        model = Path.of(StageRef.substitute(s.model(), r -> pathOf(r, outputs).toString()));
                        description.append("model: ").append(model.toAbsolutePath().normalize()).append('\n')
                                .append(s.kind().equals("analyze") ? AnalyzeStage.describe(s) : describe(s));
                        if (!s.tasks().isEmpty()) {
                            Tasks.parse(String.join(",", s.tasks()), dataDir(s)); // unknown tasks stop the study now
                        }
                    }
                }
            } catch (ConfigException | IllegalArgumentException ex) {
                throw new ConfigException(where + ": " + ex.getMessage());
            } catch (NoSuchFileException ex) {
                throw new ConfigException(where + ": file not found: " + ex.getFile());
            }
            String hash = sha256(previous + "\n" + s.kind() + "\n" + description);
            steps.add(new Step(name, s, seed, stageDir, out, configs, sweep, List.copyOf(sweepOverrides), model,
                    description.toString(), hash));
            outputs.put(name, out);
            previous = hash;
        }
        return steps;
    }

    /**
     * Checks that the files the stages read from outside the study exist: a model given as a path (not an earlier
     * stage's output), an analyze stage's perplexity text and, for its stopword shift, LAMBADA. {@link StudyRunner}
     * calls it before any stage runs; validation does not, so a study validates without the shared data.
     *
     * @throws ConfigException naming the file, the stage and the key of the first missing file
     */
    public void checkInputFiles() {
        for (Map.Entry<Long, List<Step>> seed : steps.entrySet()) {
            for (Step step : seed.getValue()) {
                StudyFile.Stage s = step.spec();
                try {
                    if (step.model() != null && StageRef.find(s.model()).isEmpty()) {
                        AnalyzeStage.existing(step.model(), "model");
                    }
                    if (s.perplexity() != null) {
                        AnalyzeStage.existing(Path.of(s.perplexity()), "perplexity");
                    }
                    AnalyzeStage.lambada(s);
                } catch (ConfigException e) {
                    throw new ConfigException(file + ": stages." + step.stage() + " (seed " + seed.getKey() + "): "
                            + e.getMessage());
                }
            }
        }
    }

    /** An evaluate or analyze stage's data folder: its {@code data_dir}, else the default ({@code ../shared/data}). */
    static Path dataDir(StudyFile.Stage s) {
        return s.dataDir() != null ? Path.of(s.dataDir()) : Tasks.defaultDataDir();
    }

    /** The stage's own settings besides its model, for the hash. */
    private static String describe(StudyFile.Stage s) {
        return "kind: " + s.kind() + "\ntasks: " + s.tasks() + "\nlimit: " + s.limit() + "\nbatch_size: "
                + s.batchSize() + "\ndata_dir: " + (s.kind().equals("evaluate") ? dataDir(s) : null) + "\nbits: "
                + s.bits() + "\nblock_size: " + s.blockSize() + "\nclip_z: " + s.clipZ() + "\nnaive: " + s.naive()
                + "\n";
    }

    private static Path configPath(Path file, StudyFile.Stage s) {
        Path c = Path.of(s.config());
        Path resolved = c.isAbsolute() ? c : file.toAbsolutePath().getParent().resolve(c).normalize();
        if (!Files.isRegularFile(resolved)) {
            throw new ConfigException("config: file not found: " + resolved + "; give the run config's path relative"
                    + " to the study file");
        }
        return resolved;
    }

    private static Map<String, Path> outputsOf(StudyFile.Stage s, Path stageDir) {
        Map<String, Path> out = new LinkedHashMap<>();
        out.put("dir", stageDir);
        switch (s.kind()) {
            case "train" -> out.put("run", stageDir);
            case "sweep" -> s.variantNames().forEach(v -> out.put("runs." + v, stageDir.resolve(v)));
            case "evaluate" -> out.put("results", stageDir.resolve("results.json"));
            case "quantize" -> out.put("model", stageDir.resolve("model"));
            default -> {
            }
        }
        return out;
    }

    /** The study's placement of a run: its folder, name and seed (after every other override). */
    private static List<String> placement(String outputDir, String name, long seed) {
        return List.of("output_dir=" + quoted(outputDir), "name=" + quoted(name), "seed=" + seed);
    }

    /** {@code set:} as {@code key.path=value} assignments, references resolved. */
    private static List<String> assignments(Map<String, JsonNode> set, Map<String, Map<String, Path>> outputs) {
        List<String> out = new ArrayList<>();
        set.forEach((k, v) -> out.add(k + "=" + substitute(v, outputs)));
        return out;
    }

    /** {@code value} with every reference in its strings replaced by the path it names. */
    static JsonNode substitute(JsonNode value, Map<String, Map<String, Path>> outputs) {
        if (value.isTextual()) {
            return TextNode.valueOf(StageRef.substitute(value.asText(), r -> pathOf(r, outputs).toString()));
        }
        if (value.isArray()) {
            ArrayNode a = JsonNodeFactory.instance.arrayNode();
            value.forEach(item -> a.add(substitute(item, outputs)));
            return a;
        }
        if (value.isObject()) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                o.set(f.getKey(), substitute(f.getValue(), outputs));
            }
            return o;
        }
        return value;
    }

    /** The path a (validated) reference names. */
    static Path pathOf(StageRef r, Map<String, Map<String, Path>> outputs) {
        return outputs.get(r.stage()).get(r.variant() == null ? r.output() : "runs." + r.variant());
    }

    private static String quoted(String s) {
        return TextNode.valueOf(s).toString();
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.sinter.cli.study;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.cli.Quantization;
import dev.sinter.cli.Sinter;
import dev.sinter.eval.quant.QuantizationStudy;
import dev.sinter.eval.superweights.SuperWeight;
import dev.sinter.eval.tasks.Tasks;
import dev.sinter.framework.config.ConfigLoader;
import dev.sinter.framework.samediff.SameDiffRuntime;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Runs a {@link StudyPlan}: for every seed, every stage in order through the {@link Sinter} facade, then the study
 * report. A stage is complete when its marker ({@value #MARKER} in its directory) says so with the stage's current
 * hash and its outputs exist; a complete stage is skipped, so running the same study again resumes where it stopped.
 * A stage that was started with the same hash but not finished is continued (a run resumes from its newest
 * checkpoint, a sweep skips its finished variants). A stage whose hash changed (its configuration, or any earlier
 * stage's) has its directory removed and runs again, and so does every later stage of that seed.
 */
public final class StudyRunner {
    private static final Logger LOG = LogManager.getLogger(StudyRunner.class);
    /** The stage marker: stage, kind, seed, hash, status ({@code running} or {@code complete}). */
    public static final String MARKER = "study-stage.json";

    private StudyRunner() {
    }

    /**
     * A finished study.
     *
     * @param dir     the study directory
     * @param ran     the stages run by this call, as {@code seed-S/stage}
     * @param skipped the stages that were already complete
     * @param report  the study report's content
     * @param html    {@code study.html} ({@code study.json} beside it)
     */
    public record Result(Path dir, List<String> ran, List<String> skipped, StudyReport report, Path html) {
    }

    /**
     * Checks the study's input files ({@link StudyPlan#checkInputFiles}), runs every incomplete stage of every seed,
     * then writes {@code study.json} and {@code study.html}.
     */
    public static Result run(StudyPlan plan) throws IOException {
        plan.checkInputFiles();
        List<String> ran = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (Map.Entry<Long, List<StudyPlan.Step>> seed : plan.steps().entrySet()) {
            boolean upstreamRan = false;
            for (StudyPlan.Step step : seed.getValue()) {
                String label = "seed-" + step.seed() + "/" + step.stage();
                JsonNode marker = readMarker(step.dir());
                boolean sameHash = marker != null && step.hash().equals(marker.path("hash").asText());
                if (!upstreamRan && sameHash && marker.path("status").asText().equals("complete")
                        && outputsExist(step)) {
                    LOG.info("study: {} complete; skipped", label);
                    skipped.add(label);
                    continue;
                }
                boolean resumable = !upstreamRan && sameHash && marker.path("status").asText().equals("running");
                if (Files.exists(step.dir()) && !resumable) {
                    LOG.warn("study: {}: {}; removing {} and running it again", label, marker == null
                            ? "no stage marker" : !sameHash ? "its configuration changed"
                            : upstreamRan ? "an earlier stage ran again" : "its outputs are incomplete", step.dir());
                    deleteTree(step.dir(), plan.dir());
                }
                writeMarker(step, "running");
                LOG.info("study: {} ({})", label, step.spec().kind());
                execute(step);
                writeMarker(step, "complete");
                SameDiffRuntime.releaseMemory();
                ran.add(label);
                upstreamRan = true;
            }
        }
        StudyReport report = StudyReport.compute(plan);
        return new Result(plan.dir(), ran, skipped, report, report.write(plan.dir()));
    }

    /** One stage, through the facade. */
    private static void execute(StudyPlan.Step step) throws IOException {
        StudyFile.Stage s = step.spec();
        switch (s.kind()) {
            case "train" -> Sinter.train(step.runConfigs().values().iterator().next());
            case "sweep" -> {
                Files.createDirectories(step.dir());
                Path file = step.dir().resolve("sweep.yaml");
                Files.writeString(file, ConfigLoader.toYaml(step.sweepFile()));
                Sinter.sweep(file, step.sweepOverrides().toArray(String[]::new));
            }
            case "evaluate" -> Sinter.evaluate(step.model(), null,
                    Tasks.parse(String.join(",", s.tasks()), StudyPlan.dataDir(s)),
                    new Sinter.EvalOptions(s.limit() == null ? 0 : s.limit(),
                            s.batchSize() == null ? 16 : s.batchSize(), step.dir()));
            case "analyze" -> AnalyzeStage.run(step);
            case "quantize" -> {
                String block = s.blockSize() == null ? "tensor" : s.blockSize();
                Quantization.Result r = Sinter.quantize(new Quantization.Request(step.model(), null, List.of(),
                        new QuantizationStudy(s.bits() == null ? 4 : s.bits(),
                                List.of(block.equals("tensor") ? 0 : Integer.parseInt(block)),
                                s.clipZ() == null ? 9 : s.clipZ(), 0),
                        s.naive() != null && s.naive(), step.outputs().get("model"), null, step.dir()));
                Quantization.Saved saved = r.saved().orElseThrow();
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("quantizer", saved.label());
                out.put("weights", saved.elements());
                out.put("matrices", saved.matrices());
                out.put("clipped", saved.clipped());
                out.put("super_weights", r.superWeights().stream().map(StudyRunner::coordinates).toList());
                Json.writePretty(step.dir().resolve("quantization.json"), out);
            }
            default -> throw new IllegalStateException("unknown stage kind " + s.kind());
        }
    }

    private static Map<String, Object> coordinates(SuperWeight w) {
        return Map.of("layer", w.layer(), "row", w.row(), "col", w.col(), "value", w.value());
    }

    /** Whether the files a complete stage leaves are all there. */
    static boolean outputsExist(StudyPlan.Step step) {
        Path d = step.dir();
        return switch (step.spec().kind()) {
            case "train" -> Files.isRegularFile(d.resolve("summary.json"));
            case "sweep" -> Files.isRegularFile(d.resolve("sweep.json")) && step.runConfigs().keySet().stream()
                    .allMatch(v -> Files.isRegularFile(d.resolve(v).resolve("summary.json")));
            case "evaluate" -> Files.isRegularFile(d.resolve("results.json"));
            case "analyze" -> Files.isRegularFile(d.resolve(AnalyzeStage.FILE));
            case "quantize" -> Files.isRegularFile(d.resolve("quantization.json"))
                    && Files.isDirectory(step.outputs().get("model"));
            default -> false;
        };
    }

    private static JsonNode readMarker(Path dir) throws IOException {
        Path f = dir.resolve(MARKER);
        return Files.isRegularFile(f) ? Json.read(f) : null;
    }

    private static void writeMarker(StudyPlan.Step step, String status) throws IOException {
        Files.createDirectories(step.dir());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("stage", step.stage());
        m.put("kind", step.spec().kind());
        m.put("seed", step.seed());
        m.put("hash", step.hash());
        m.put("status", status);
        m.put("time", Instant.now().toString());
        Path tmp = step.dir().resolve(MARKER + ".tmp");
        Json.writePretty(tmp, m);
        Files.move(tmp, step.dir().resolve(MARKER), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Removes a stage directory; refuses anything outside the study directory. */
    private static void deleteTree(Path dir, Path studyDir) throws IOException {
        Path d = dir.toAbsolutePath().normalize();
        if (!d.startsWith(studyDir.toAbsolutePath().normalize()) || d.equals(studyDir.toAbsolutePath().normalize())) {
            throw new IllegalStateException("refusing to remove " + d + ": not a stage folder of " + studyDir);
        }
        try (Stream<Path> s = Files.walk(d)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}

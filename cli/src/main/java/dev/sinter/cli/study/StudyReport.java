package dev.sinter.cli.study;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.framework.config.ConfigException;
import dev.sinter.framework.report.HtmlPage;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/**
 * The study's answer: every metric's number per seed with mean ± std, and every claim next to its numbers and its
 * {@link Verdict}. Written as {@code study.json} and {@code study.html} in the study directory.
 *
 * @param plan    the study
 * @param metrics metric name → its numbers
 * @param claims  claim id → its outcome, in file order
 */
public record StudyReport(StudyPlan plan, Map<String, Numbers> metrics, Map<String, ClaimOutcome> claims) {
    /**
     * One number per seed, with its mean and sample standard deviation.
     *
     * @param values seed → value
     */
    public record Numbers(Map<Long, Double> values) {
        public double mean() {
            return Verdict.mean(array());
        }

        public double std() {
            return Verdict.std(array());
        }

        double[] array() {
            return values.values().stream().mapToDouble(Double::doubleValue).toArray();
        }

        /** {@code mean ± std} with four decimals. */
        public String summary() {
            return String.format(Locale.ROOT, "%.4f ± %.4f", mean(), std());
        }

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            Map<String, Double> bySeed = new LinkedHashMap<>();
            values.forEach((k, v) -> bySeed.put(String.valueOf(k), v));
            m.put("values", bySeed);
            m.put("mean", mean());
            m.put("std", std());
            return m;
        }
    }

    /**
     * A claim against our numbers.
     *
     * @param claim   the claim as declared
     * @param left    the comparison's left side per seed
     * @param right   its right side per seed
     * @param margin  how far the comparison holds per seed ({@link ClaimExpression#margin})
     * @param holding the seeds where it holds
     * @param verdict the verdict ({@link Verdict#RULE})
     */
    public record ClaimOutcome(StudyFile.Claim claim, Numbers left, Numbers right, Numbers margin, int holding,
                               Verdict verdict) {
    }

    /** Reads every metric of every seed from the stages' outputs and judges every claim. */
    public static StudyReport compute(StudyPlan plan) throws IOException {
        StudyFile study = plan.study();
        Map<String, Numbers> metrics = new LinkedHashMap<>();
        for (Map.Entry<String, String> m : study.metrics().entrySet()) {
            Map<Long, Double> values = new LinkedHashMap<>();
            for (Map.Entry<Long, List<StudyPlan.Step>> seed : plan.steps().entrySet()) {
                values.put(seed.getKey(), read(plan, m.getKey(), m.getValue(), seed.getValue()));
            }
            metrics.put(m.getKey(), new Numbers(values));
        }
        Map<String, ClaimOutcome> claims = new LinkedHashMap<>();
        for (String id : study.claims().keySet()) {
            ClaimExpression e = study.expression(id);
            Map<Long, Double> left = new LinkedHashMap<>();
            Map<Long, Double> right = new LinkedHashMap<>();
            Map<Long, Double> margin = new LinkedHashMap<>();
            int holding = 0;
            for (long seed : study.seeds()) {
                Map<String, Double> v = new LinkedHashMap<>();
                metrics.forEach((name, n) -> v.put(name, n.values().get(seed)));
                left.put(seed, e.left().applyAsDouble(v));
                right.put(seed, e.right().applyAsDouble(v));
                margin.put(seed, e.margin(e.difference(v)));
                holding += e.holds(margin.get(seed)) ? 1 : 0;
            }
            Numbers m = new Numbers(margin);
            double scale = study.seeds().stream()
                    .mapToDouble(s -> Math.max(Math.abs(left.get(s)), Math.abs(right.get(s)))).average().orElse(0);
            claims.put(id, new ClaimOutcome(study.claims().get(id), new Numbers(left), new Numbers(right), m,
                    holding, Verdict.of(e, m.array(), scale)));
        }
        return new StudyReport(plan, metrics, claims);
    }

    /** One metric's number for one seed: the JSON file its reference names, at its pointer. */
    private static double read(StudyPlan plan, String name, String spec, List<StudyPlan.Step> steps)
            throws IOException {
        Matcher m = StudyFile.METRIC.matcher(spec);
        if (!m.matches()) {
            throw new IllegalStateException("metric " + name + " was not checked: " + spec);
        }
        StageRef ref = StageRef.find(m.group(1)).get(0);
        Map<String, Map<String, Path>> outputs = new LinkedHashMap<>();
        steps.forEach(s -> outputs.put(s.stage(), s.outputs()));
        Path base = StudyPlan.pathOf(ref, outputs);
        Path file = m.group(2) == null ? base : Path.of(base + m.group(2));
        String where = plan.file() + ": metrics." + name;
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(where + ": " + file + " does not exist; point the metric at a JSON file the"
                    + " stage writes (a run's summary.json or report.json, an evaluation's results.json)");
        }
        JsonNode json = Json.read(file);
        JsonNode value = json.at(m.group(3));
        if (!value.isNumber()) {
            JsonNode parent = json.at(m.group(3).substring(0, Math.max(0, m.group(3).lastIndexOf('/'))));
            List<String> keys = new ArrayList<>();
            parent.fieldNames().forEachRemaining(keys::add);
            throw new ConfigException(where + ": " + file + " has no number at " + m.group(3)
                    + (value.isMissingNode() ? "" : " (found " + value + ")") + "; keys there: " + keys);
        }
        return value.asDouble();
    }

    /** Writes {@code study.json} and {@code study.html} into {@code dir}; returns the HTML file. */
    public Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Json.writePretty(dir.resolve("study.json"), json());
        HtmlPage page = new HtmlPage("Study " + plan.study().name()).title("Study: " + plan.study().name())
                .paragraph("File: " + plan.file() + ". Seeds: " + plan.study().seeds() + ". Numbers are mean ± sample"
                        + " standard deviation over the seeds.");
        page.heading("Claims");
        if (!claims.isEmpty()) {
            writeMargins(dir.resolve("margins.png"));
            page.image("margins.png", "margin of each claim, mean and standard deviation over the seeds")
                    .paragraph("Margin: how far each claim's comparison holds in our numbers (above 0: holds), mean ±"
                            + " standard deviation over the seeds; in the units of its comparison.");
        }
        List<List<String>> rows = new ArrayList<>();
        claims.forEach((id, c) -> rows.add(List.of(id, c.claim().paper() + (c.claim().source() == null ? ""
                : " (" + c.claim().source() + ")"), c.claim().holds(), c.left().summary(), c.right().summary(),
                c.margin().summary(), c.holding() + " / " + plan.study().seeds().size(), c.verdict().label())));
        page.table(List.of("claim", "the paper", "comparison", "left", "right", "margin", "seeds holding",
                "verdict"), rows);
        page.paragraph("Verdict rule: " + Verdict.RULE);
        page.heading("Metrics");
        List<List<String>> metricRows = new ArrayList<>();
        metrics.forEach((name, n) -> {
            List<String> row = new ArrayList<>(List.of(name, plan.study().metrics().get(name)));
            n.values().values().forEach(v -> row.add(String.format(Locale.ROOT, "%.4f", v)));
            row.add(n.summary());
            metricRows.add(row);
        });
        List<String> columns = new ArrayList<>(List.of("metric", "from"));
        plan.study().seeds().forEach(s -> columns.add("seed " + s));
        columns.add("mean ± std");
        page.table(columns, metricRows);
        page.heading("Stages");
        List<List<String>> stageRows = new ArrayList<>();
        plan.steps().forEach((seed, steps) -> steps.forEach(s -> stageRows.add(List.of(s.stage(), s.spec().kind(),
                String.valueOf(seed), dir.toAbsolutePath().relativize(s.dir().toAbsolutePath()).toString(),
                s.hash().substring(0, 12)))));
        page.table(List.of("stage", "kind", "seed", "folder", "config hash"), stageRows);
        return page.write(dir.resolve("study.html"));
    }

    /** The claims' margins as bars with the seeds' standard deviation as error bars. */
    private void writeMargins(Path png) throws IOException {
        CategoryChart c = new CategoryChartBuilder().width(900).height(420).title("Claims: margin (> 0: holds)")
                .xAxisTitle("claim").yAxisTitle("margin").build();
        c.getStyler().setLegendVisible(false);
        c.getStyler().setXAxisLabelRotation(30);
        c.addSeries("margin", List.copyOf(claims.keySet()), claims.values().stream().map(o -> o.margin().mean())
                .toList(), claims.values().stream().map(o -> Double.isNaN(o.margin().std()) ? 0.0 : o.margin().std())
                .toList());
        BitmapEncoder.saveBitmap(c, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** The content of {@code study.json}. */
    Map<String, Object> json() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("study", plan.study().name());
        j.put("file", plan.file().toString());
        j.put("seeds", plan.study().seeds());
        j.put("verdict_rule", Verdict.RULE);
        Map<String, Object> ms = new LinkedHashMap<>();
        metrics.forEach((name, n) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("from", plan.study().metrics().get(name));
            m.putAll(n.json());
            ms.put(name, m);
        });
        j.put("metrics", ms);
        Map<String, Object> cs = new LinkedHashMap<>();
        claims.forEach((id, c) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("paper", c.claim().paper());
            m.put("source", c.claim().source());
            m.put("holds", c.claim().holds());
            m.put("left", c.left().json());
            m.put("right", c.right().json());
            m.put("margin", c.margin().json());
            m.put("seeds_holding", c.holding());
            m.put("verdict", c.verdict().label());
            cs.put(id, m);
        });
        j.put("claims", cs);
        Map<String, Object> stages = new LinkedHashMap<>();
        plan.steps().forEach((seed, steps) -> steps.forEach(s -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> st = (Map<String, Object>) stages.computeIfAbsent(s.stage(), k -> {
                Map<String, Object> x = new LinkedHashMap<>();
                x.put("kind", s.spec().kind());
                x.put("seeds", new LinkedHashMap<String, Object>());
                return x;
            });
            @SuppressWarnings("unchecked")
            Map<String, Object> seeds = (Map<String, Object>) st.get("seeds");
            seeds.put(String.valueOf(seed), Map.of("dir", s.dir().toString(), "hash", s.hash()));
        }));
        j.put("stages", stages);
        return j;
    }
}

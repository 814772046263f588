package dev.sinter.encoders.continual.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.config.ConfigException;
import dev.sinter.framework.config.UsageException;
import dev.sinter.framework.testing.TestData;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prompt sets on the frozen stories260K over three fixture text domains, from YAML through the runner. */
class LmContinualRunnerTest {
    @TempDir
    Path dir;

    private String yaml(String name, String method) {
        return String.join("\n",
                "name: " + name,
                "output_dir: " + dir.resolve("runs"),
                "seed: 3",
                "model: " + TestData.fixture("models/stories260K/stories260K.bin"),
                "continual:",
                "  seq_len: 32",
                "  max_train_tokens: 600",
                "  test_windows: 4",
                "  domains:",
                "    - {name: stories, file: " + TestData.fixture("corpora/tinystories_sample.txt") + "}",
                "    - {name: shakespeare, file: " + TestData.fixture("corpora/tinyshakespeare_slice.txt") + "}",
                "    - {name: wikitext, file: " + TestData.fixture("corpora/wikitext2_test_slice.txt") + "}",
                "  method: " + method,
                "training: {steps: 4, batch_size: 4, lr: 5.0e-3, warmup_steps: 1}");
    }

    private LmContinualConfig config(String name, String method) {
        return LmContinualConfig.loadString(yaml(name, method), name + ".yaml", List.of());
    }

    @Test
    void lw2gRunGivesThePerplexityMatrixAndResumesExactly() throws IOException {
        String method = "{type: lw2g, prompt: {length: 3}}";
        LmContinualRunner.Result straight = LmContinualRunner.run(config("straight", method));
        List<LmContinualRunner.Row> rows = straight.rows();
        assertEquals(3, rows.size());
        for (int t = 0; t < 3; t++) {
            assertEquals(t + 1, rows.get(t).nll().size(), "row " + t + " covers domains 0.." + t);
            rows.get(t).nll().forEach(v -> assertTrue(Double.isFinite(v) && v > 0, "NLL " + v));
        }
        assertTrue(rows.get(0).grew());
        for (int t = 1; t < 3; t++) {
            Map<String, Object> d = rows.get(t).details();
            assertTrue(d.containsKey("angles") && d.containsKey("epsilon"), "LW2G's decision facts: " + d);
            assertEquals(rows.get(t).grew() ? "grow" : "reuse", d.get("decision"));
        }
        Map<String, Object> s = straight.summary();
        @SuppressWarnings("unchecked")
        List<List<Double>> nll = (List<List<Double>>) s.get("nll_matrix");
        @SuppressWarnings("unchecked")
        List<List<Double>> ppl = (List<List<Double>>) s.get("perplexity_matrix");
        assertEquals(Math.exp(nll.get(2).get(1)), ppl.get(2).get(1), 1e-12);
        double forgetting = (nll.get(2).get(0) - Math.min(nll.get(0).get(0), nll.get(1).get(0))
                + nll.get(2).get(1) - nll.get(1).get(1)) / 2;
        assertEquals(forgetting, (Double) s.get("average_forgetting_nll"), 1e-12);
        assertEquals(3, ((List<?>) s.get("zero_shot_nll")).size());
        assertTrue(Files.isRegularFile(straight.runDir().resolve("continual.json")));
        assertEquals(3, Files.readAllLines(straight.runDir().resolve("metrics.jsonl")).size());
        assertReportShows(straight, s);

        LmContinualConfig killed = config("killed", method);
        LmContinualRunner.Result partial = LmContinualRunner.run(killed, 2);
        assertEquals(2, partial.rows().size());
        assertFalse(Files.exists(partial.runDir().resolve("continual.json")));
        LmContinualRunner.Result resumed = LmContinualRunner.run(killed);
        assertEquals(Json.write(partial.rows()), Json.write(resumed.rows().subList(0, 2)),
                "the rows written before the stop are kept");
        assertEquals(s.get("nll_matrix"), resumed.summary().get("nll_matrix"), "bit-identical NLLs after the resume");
        assertEquals(s.get("pra"), resumed.summary().get("pra"));
        assertEquals(rows.get(2).details(), resumed.rows().get(2).details(), "the same HFC angles and decision");
        assertEquals(s.get("prompt_sets"), resumed.summary().get("prompt_sets"));
    }

    /** {@code continual.html} holds the heat map, the zero-shot and learned perplexity rows and every decision. */
    @SuppressWarnings("unchecked")
    private static void assertReportShows(LmContinualRunner.Result r, Map<String, Object> s) throws IOException {
        String html = Files.readString(r.runDir().resolve(LmContinualReport.PAGE));
        assertTrue(Files.size(r.runDir().resolve(LmContinualReport.HEAT_MAP)) > 1000);
        assertTrue(html.contains("<img src=\"" + LmContinualReport.HEAT_MAP + "\""), html);
        List<Double> zeroShot = (List<Double>) s.get("zero_shot_perplexity");
        assertTrue(html.contains("<td>" + LmContinualReport.ZERO_SHOT + "</td><td>" + f3(zeroShot.get(0)) + "</td><td>"
                + f3(zeroShot.get(1)) + "</td><td>" + f3(zeroShot.get(2)) + "</td>"), html);
        List<List<Double>> ppl = (List<List<Double>>) s.get("perplexity_matrix");
        List<List<Double>> nll = (List<List<Double>>) s.get("nll_matrix");
        assertTrue(html.contains("<td>stories</td><td>" + f3(ppl.get(0).get(0)) + "</td><td></td><td></td>"), html);
        assertTrue(html.contains("<td>wikitext</td><td>" + f3(ppl.get(2).get(0)) + "</td><td>" + f3(ppl.get(2).get(1))
                + "</td><td>" + f3(ppl.get(2).get(2)) + "</td>"), html);
        assertTrue(html.contains("<td>wikitext</td><td>" + f3(nll.get(2).get(0)) + "</td>"), html);
        assertTrue(html.contains("<th>average_forgetting_nll</th><td>" + f3((Double) s.get("average_forgetting_nll"))
                + "</td>"), html);
        for (LmContinualRunner.Row row : r.rows()) {
            String decision = "<td>" + row.domain() + "</td><td>" + row.promptSet() + "</td><td>"
                    + (row.grew() ? "grow" : "reuse") + "</td><td>" + row.promptSets() + "</td>";
            assertTrue(html.contains(decision), decision + " missing from " + html);
        }
        Map<String, Object> hfc = r.rows().get(2).details();
        Map<?, ?> angles = (Map<?, ?>) hfc.get("angles");
        assertEquals(r.rows().get(1).promptSets(), angles.size(), "one angle per existing set: " + hfc);
        String shown = "{angles={" + angles.entrySet().stream().map(e -> e.getKey() + "=" + round2((Double) e.getValue()))
                .collect(Collectors.joining(", ")) + "}, epsilon=" + round2((Double) hfc.get("epsilon")) + ", decision="
                + hfc.get("decision") + "}";
        assertTrue(html.contains("<td>" + shown + "</td>"), shown + " missing from " + html);
    }

    private static String f3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }

    @Test
    void alwaysGrowAddsASetPerDomainAndSequentialSharesOne() throws IOException {
        LmContinualRunner.Result grow = LmContinualRunner.run(config("grow", "{type: always-grow, prompt: {length: 2}}"));
        assertEquals(List.of(0, 1, 2), grow.rows().stream().map(LmContinualRunner.Row::promptSet).toList());
        assertEquals(3, grow.summary().get("prompt_sets"));
        double pra = (Double) grow.summary().get("pra");
        assertTrue(pra > 1.0 / 3, "three distinct domains are retrieved better than chance: " + pra);
        LmContinualRunner.Result seq = LmContinualRunner.run(config("seq", "{type: sequential-prompt}"));
        assertEquals(List.of(0, 0, 0), seq.rows().stream().map(LmContinualRunner.Row::promptSet).toList());
        assertEquals(1.0, (Double) seq.summary().get("pra"), 0.0, "one set: every window retrieves it");
    }

    @Test
    void badDecoderConfigsGiveOneClearError() {
        UsageException missing = assertThrows(UsageException.class, () -> LmContinualRunner.run(
                LmContinualConfig.loadString(yaml("m", "{type: always-grow}").replace(
                        TestData.fixture("corpora/wikitext2_test_slice.txt").toString(), "no/such.txt"), "m.yaml",
                        List.of())));
        assertTrue(missing.getMessage().startsWith("continual.domains[2].file: no such file"), missing.getMessage());
        UsageException tooShort = assertThrows(UsageException.class, () -> LmContinualRunner.run(
                LmContinualConfig.loadString(yaml("s", "{type: always-grow}").replace("test_windows: 4",
                        "test_windows: 400"), "s.yaml", List.of())));
        assertTrue(tooShort.getMessage().startsWith("continual.domains[0]: ") && tooShort.getMessage().endsWith(
                "lower continual.test_windows or continual.seq_len"), tooShort.getMessage());
        ConfigException notPrompt = assertThrows(ConfigException.class, () -> config("j", "{type: joint}"));
        assertTrue(notPrompt.getMessage().contains("has no decoder variant"), notPrompt.getMessage());
        assertFalse(notPrompt.getMessage().contains("\n"));
        ConfigException threshold = assertThrows(ConfigException.class, () -> config("t",
                "{type: lw2g, lw2g: {threshold: 1.5}}"));
        assertTrue(threshold.getMessage().contains("lw2g.threshold: must be in (0, 1], got 1.5"), threshold.getMessage());
        ConfigException one = assertThrows(ConfigException.class, () -> LmContinualConfig.loadString(
                yaml("o", "{type: always-grow}").replaceAll("(?s)    - \\{name: shakespeare.*?\\n    - \\{name: wiki"
                        + "text[^\\n]*\\n", ""), "o.yaml", List.of()));
        assertTrue(one.getMessage().contains("at least 2 text domains"), one.getMessage());
    }
}

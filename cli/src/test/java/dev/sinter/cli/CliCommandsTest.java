package dev.sinter.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.cli.CliHarness.Outcome;
import dev.sinter.framework.checkpoint.CheckpointManager;
import dev.sinter.framework.data.ByteTokenizer;
import dev.sinter.framework.data.Tokenizer;
import dev.sinter.framework.report.HtmlPage;
import dev.sinter.framework.util.Json;
import dev.sinter.models.ModelIO;
import dev.sinter.models.transformer.ParameterNames;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The CLI's main user paths on a tiny model trained by the test, with task data written by the test and found
 * through {@code --data-dir}: eval (multiple-choice tasks and a perplexity file, checked against an independent
 * computation from the model's logits), analyze super-weights (decoder and imported encoder, with --output),
 * quantize, merge of a LoRA run, report, and ls.
 */
class CliCommandsTest {
    static final Tokenizer BYTES = new ByteTokenizer();
    /** {query, choices, gold} items of a COPA-like task (query → " " + choice). */
    static final List<Map<String, Object>> COPA = List.of(
            Map.of("query", "The cat sat on the mat because", "choices", List.of("it was tired", "the sky was green"), "gold", 0),
            Map.of("query", "Tom ran to the house therefore", "choices", List.of("he was late", "he liked the ball"), "gold", 1),
            Map.of("query", "Lily found a box because", "choices", List.of("she looked", "the tree was red"), "gold", 0),
            Map.of("query", "The dog played with the ball therefore", "choices", List.of("it was happy", "a big tree"), "gold", 0),
            Map.of("query", "My sister walked past the garden because", "choices", List.of("the old man", "she went home"), "gold", 1));
    /** {query, choices, gold} items of a PIQA-like task (query + "\nAnswer:" → " " + choice). */
    static final List<Map<String, Object>> PIQA = List.of(
            Map.of("query", "Question: How do you find a ball?", "choices", List.of("Look in the garden.", "Sit on the mat."), "gold", 0),
            Map.of("query", "Question: How do you open a box?", "choices", List.of("Walk past it.", "Lift the lid."), "gold", 1),
            Map.of("query", "Question: How does a bird fly?", "choices", List.of("With its wings.", "With a red ball."), "gold", 0),
            Map.of("query", "Question: Where does the cat sit?", "choices", List.of("On the mat.", "In the sky."), "gold", 0));

    @TempDir
    static Path dir;
    static Path data;
    static Path run;
    static Path loraRun;

    @BeforeAll
    static void trainAndWriteData() throws IOException {
        Path corpus = CliHarness.corpus(dir);
        run = CliHarness.trainTiny(dir, "base", corpus, 6, "training.lr=1e-2");
        loraRun = CliHarness.trainTiny(dir, "lora", corpus, 2, "model.from=" + run, "training.lr=1e-2",
                "trainer={type: lora, rank: 2, alpha: 4, dropout: 0.0, targets: [q, v]}");
        data = dir.resolve("data");
        Files.createDirectories(data.resolve("eval"));
        writeJsonl(data.resolve("eval/copa.jsonl"), COPA);
        writeJsonl(data.resolve("eval/piqa.jsonl"), PIQA);
    }

    static void writeJsonl(Path f, List<Map<String, Object>> items) throws IOException {
        List<String> lines = new ArrayList<>();
        for (Map<String, Object> item : items) {
            lines.add(Json.write(item));
        }
        Files.write(f, lines);
    }

    /** Σ log p(continuation | context) from the model's logits, context with BOS: lm-eval's loglikelihood. */
    static double loglikelihood(TransformerModel m, String context, String continuation) {
        int[] ctx = BYTES.encode(context, true, false);
        int[] cont = BYTES.encode(continuation, false, false);
        int[] full = Arrays.copyOf(ctx, ctx.length + cont.length);
        System.arraycopy(cont, 0, full, ctx.length, cont.length);
        double[][] logits = m.logits(new int[][]{full}).slice(0).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)
                .toDoubleMatrix(); // [T, V]
        double ll = 0;
        for (int t = ctx.length - 1; t < full.length - 1; t++) {
            double max = Arrays.stream(logits[t]).max().orElseThrow();
            double lse = max + Math.log(Arrays.stream(logits[t]).map(x -> Math.exp(x - max)).sum());
            ll += logits[t][full[t + 1]] - lse;
        }
        return ll;
    }

    /** Accuracy of the model on items, each choice scored by {@link #loglikelihood} after {@code query + suffix}. */
    @SuppressWarnings("unchecked")
    static double accuracy(TransformerModel m, List<Map<String, Object>> items, String suffix) {
        int right = 0;
        for (Map<String, Object> item : items) {
            List<String> choices = (List<String>) item.get("choices");
            int best = 0;
            double bestLl = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < choices.size(); c++) {
                double ll = loglikelihood(m, item.get("query") + suffix, " " + choices.get(c));
                if (ll > bestLl) {
                    bestLl = ll;
                    best = c;
                }
            }
            right += best == (int) item.get("gold") ? 1 : 0;
        }
        return (double) right / items.size();
    }

    @Test
    void evalScoresTasksFromTheDataDirAsAnIndependentComputationDoes() throws IOException {
        Path out = dir.resolve("eval-tasks");
        Outcome o = CliHarness.run("eval", "--model", run.toString(), "--tasks", "copa,piqa", "--data-dir",
                data.toString(), "--batch-size", "3", "--output", out.toString());
        assertEquals(0, o.code(), o.err());
        JsonNode results = Json.read(out.resolve("results.json"));
        assertEquals(COPA.size(), results.at("/n-samples/copa/effective").asInt(), "items of --data-dir, not ../shared");
        assertEquals(PIQA.size(), results.at("/n-samples/piqa/effective").asInt());
        TransformerModel m = ModelIO.load(run);
        assertEquals(accuracy(m, COPA, ""), results.at("/results/copa/acc").asDouble(), 1e-12);
        assertEquals(accuracy(m, PIQA, "\nAnswer:"), results.at("/results/piqa/acc").asDouble(), 1e-12);
        assertTrue(o.out().contains("copa") && o.out().contains("piqa"), o.out());
    }

    @Test
    void evalWithDistributedGivesTheSameResultsOnTwoThreadsAndOnTwoSparkWorkers() throws IOException {
        Path spark = Files.writeString(dir.resolve("spark.yaml"),
                "distributed: {engine: spark, master: 'local[2]', workers: 2}\n");
        Path threads = Files.writeString(dir.resolve("threads.yaml"), "distributed: {workers: 2}\n");
        Path one = dir.resolve("eval-one");
        Path two = dir.resolve("eval-two");
        Path onThreads = dir.resolve("eval-threads");
        String[] common = {"eval", "--model", run.toString(), "--tasks", "copa,piqa", "--data-dir", data.toString(),
            "--batch-size", "2", "--output"};
        Outcome a = CliHarness.run(concat(common, one.toString()));
        Outcome b = CliHarness.run(concat(common, two.toString(), "--distributed", spark.toString()));
        Outcome t = CliHarness.run(concat(common, onThreads.toString(), "--distributed", threads.toString()));
        assertEquals(0, a.code(), a.err());
        assertEquals(0, b.code(), b.err());
        assertEquals(0, t.code(), t.err());
        JsonNode ra = Json.read(one.resolve("results.json"));
        JsonNode rb = Json.read(two.resolve("results.json"));
        JsonNode rt = Json.read(onThreads.resolve("results.json"));
        assertEquals(ra.get("results"), rb.get("results"));
        assertEquals(ra.get("results"), rt.get("results"));
        assertEquals("local[2]", rb.at("/config/distributed/master").asText());
        assertEquals("spark", rb.at("/config/distributed/engine").asText());
        assertEquals("threads", rt.at("/config/distributed/engine").asText(), "the default for a local master");
        assertEquals(2, rt.at("/config/distributed/workers").asInt());
        assertEquals(Files.readString(one.resolve("samples_copa.jsonl")), Files.readString(two.resolve("samples_copa.jsonl")));
        assertEquals(Files.readString(one.resolve("samples_piqa.jsonl")),
                Files.readString(onThreads.resolve("samples_piqa.jsonl")));

        Path bad = Files.writeString(dir.resolve("bad.yaml"), "distributed: {master: 'local[2]', workers: 3}\n");
        Outcome c = CliHarness.run(concat(common, two.toString(), "--distributed", bad.toString()));
        assertEquals(2, c.code(), c.err());
        assertTrue(c.err().contains("distributed.workers 3 exceeds the 2 cores master 'local[2]' gives"), c.err());
    }

    private static String[] concat(String[] head, String... tail) {
        String[] out = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, out, head.length, tail.length);
        return out;
    }

    @Test
    void evalPerplexityEqualsTheModelsOwnLossOnTheText() throws IOException {
        String text = "The cat sat on the mat. Tom ran to the house.";
        Path file = Files.writeString(dir.resolve("ppl.txt"), text);
        Path out = dir.resolve("eval-ppl");
        Outcome o = CliHarness.run("eval", "--model", run.toString(), "--perplexity", file.toString(), "--output",
                out.toString());
        assertEquals(0, o.code(), o.err());
        JsonNode p = Json.read(out.resolve("perplexity.json"));
        double nll = ModelIO.load(run).loss(new int[][]{BYTES.encode(text, true, false)}); // BOS + 45 bytes
        assertEquals(nll, p.get("mean_token_nll").asDouble(), 1e-5);
        assertEquals(Math.exp(nll), p.get("token_perplexity").asDouble(), 1e-4 * Math.exp(nll));
        assertEquals(text.length(), p.get("tokens").asInt());
        assertEquals(11, p.get("words").asInt());
        assertEquals(p, Json.read(o.out()), "stdout holds the same JSON");
    }

    @Test
    void analyzeWritesItsReportToOutputAndRunsTheAblationsOnDataDirTasks() throws IOException {
        Path out = dir.resolve("analysis");
        Outcome o = CliHarness.run("analyze", "super-weights", "--model", run.toString(), "--output", out.toString(),
                "--ablate", "--super-weight", "1,2,3", "--tasks", "copa", "--data-dir", data.toString());
        assertEquals(0, o.code(), o.err());
        JsonNode report = Json.read(out.resolve("super_weights.json"));
        String verdict = report.get("verdict").asText();
        assertTrue(o.out().startsWith(verdict + "\n"), o.out());
        assertTrue(Files.readString(out.resolve("super_weights.html")).contains(HtmlPage.escape(verdict)));
        assertEquals(3, report.at("/detection/prompts").size());
        JsonNode original = report.at("/ablations/conditions/0/metrics");
        assertEquals(accuracy(ModelIO.load(run), COPA, ""), original.get("copa.acc").asDouble(), 1e-12,
                "the ablation table scores the --data-dir items");
        assertTrue(o.out().contains("report: " + out.resolve("super_weights.html")), o.out());
    }

    @Test
    void analyzeAnImportedEncoderWritesItsReportToOutput() throws IOException {
        Path out = dir.resolve("analysis-encoder");
        Outcome o = CliHarness.run("analyze", "super-weights", "--model", "encoder:all-minilm-l6-v2", "--prompt",
                "Apple Inc. is a worldwide tech company.", "--output", out.toString());
        assertEquals(0, o.code(), o.err());
        JsonNode report = Json.read(out.resolve("super_weights.json"));
        assertEquals("encoder:all-minilm-l6-v2", report.get("model").asText());
        JsonNode layers = report.get("encoder_layers");
        assertEquals(6, layers.size());
        for (int i = 0; i < 6; i++) {
            assertEquals(i, layers.get(i).get("layer").asInt());
            assertTrue(layers.get(i).get("max |hidden|").asDouble() > 0);
        }
        String verdict = report.get("verdict").asText();
        assertTrue(o.out().contains(verdict), o.out());
        assertTrue(Files.isRegularFile(out.resolve("encoder_layers.png")));
        assertTrue(Files.readString(out.resolve("super_weights.html")).contains(HtmlPage.escape(verdict)));
    }

    @Test
    void quantizeSavesAFourBitModelAndScoresTheTableOnDataDirTasks() throws IOException {
        Path saved = dir.resolve("q4");
        Path out = dir.resolve("quant-report");
        Outcome o = CliHarness.run("quantize", "--model", run.toString(), "--naive", "--bits", "4", "--block-sizes",
                "tensor,256", "--save", saved.toString(), "--tasks", "copa", "--data-dir", data.toString(), "--output",
                out.toString());
        assertEquals(0, o.code(), o.err());
        TransformerModel original = ModelIO.load(run);
        TransformerModel q = ModelIO.load(saved);
        String proj = ParameterNames.mlp(0, "down");
        assertTrue(distinct(original.parameters().get(proj)) > 16);
        assertTrue(distinct(q.parameters().get(proj)) <= 16, "4-bit per-tensor RTN leaves at most 16 values");
        assertNotEquals(original.parameters().get(proj), q.parameters().get(proj));
        assertEquals(original.parameters().get(ParameterNames.EMBED), q.parameters().get(ParameterNames.EMBED));
        assertTrue(Files.isRegularFile(saved.resolve(ModelIO.TOKENIZER_FILE)), "the saved model keeps its tokenizer");
        JsonNode rows = Json.read(out.resolve("super_weights.json")).at("/quantization/rows");
        // fp32, then naive and clip+restore for each of the two block sizes, A8 naive (and A8 with the super
        // activation held out when the detector found a super weight)
        assertEquals(o.out().contains("super weights: none") ? 6 : 7, rows.size(), rows.toString());
        assertEquals("fp32", rows.get(0).get("condition").asText());
        assertEquals(accuracy(original, COPA, ""), rows.get(0).at("/metrics/copa.acc").asDouble(), 1e-12);
    }

    static long distinct(INDArray a) {
        return Arrays.stream(a.dup().data().asDouble()).boxed().collect(Collectors.toSet()).size();
    }

    @Test
    void mergeFoldsTheLoraRunsAdaptersIntoItsBase() throws IOException {
        Path merged = dir.resolve("merged");
        Outcome o = CliHarness.run("merge", "--adapter", loraRun.toString(), "--output", merged.toString());
        assertEquals(0, o.code(), o.err());
        TransformerModel base = ModelIO.load(run);
        TransformerModel dense = ModelIO.load(merged);
        Map<String, INDArray> adapters = CheckpointManager.read(ModelIO.resolve(loraRun)).parameters();
        for (String module : List.of("q_proj", "v_proj")) {
            String w = ParameterNames.attn(0, module.substring(0, 1));
            String m = w.substring(0, w.length() - ".weight".length());
            INDArray a = adapters.get(m + ".lora_A.weight"); // [r, in]
            INDArray b = adapters.get(m + ".lora_B.weight"); // [out, r]
            INDArray expected = base.parameters().get(w).add(b.mmul(a).muli(4.0 / 2)); // W + alpha/r · B·A
            assertTrue(b.norm2Number().doubleValue() > 0, "B trained away from its zero init");
            assertArrayEquals(expected.data().asFloat(), dense.parameters().get(w).data().asFloat(), 1e-6f, w);
        }
        String k = ParameterNames.attn(0, "k");
        assertEquals(base.parameters().get(k), dense.parameters().get(k), "untargeted weights are the base's");
        assertTrue(Files.isRegularFile(merged.resolve(ModelIO.TOKENIZER_FILE)));
        assertTrue(o.out().startsWith("merged "), o.out());
    }

    @Test
    void reportRewritesARunsReportAndComparesRuns() throws IOException {
        Files.delete(run.resolve("report.html"));
        Outcome o = CliHarness.run("report", run.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(Files.isRegularFile(run.resolve("report.html")));
        JsonNode report = Json.read(run.resolve("report.json"));
        assertEquals(6, report.get("steps").asLong());
        assertEquals(CliHarness.trainRows(run).get(5).get("loss").asDouble(), report.get("last_train_loss").asDouble(),
                1e-12);
        Path sweep = dir.resolve("sweep");
        Outcome s = CliHarness.run("report", "--sweep", sweep.toString(), run.toString(), loraRun.toString());
        assertEquals(0, s.code(), s.err());
        String html = Files.readString(sweep.resolve("sweep.html"));
        assertTrue(html.contains("base") && html.contains("lora"), html);
    }

    @Test
    void listShowsTheImportedEncoders() {
        Outcome o = CliHarness.run("ls", "--configs", CliHarness.CONFIGS.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("encoder:all-minilm-l6-v2") && o.out().contains("encoder:bge-small-en-v1.5"),
                o.out());
        assertFalse(o.out().contains("encoder:all_minilm"), o.out());
    }
}

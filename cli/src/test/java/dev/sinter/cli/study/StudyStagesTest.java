package dev.sinter.cli.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.cli.Sinter;
import dev.sinter.framework.testing.TestCorpus;
import dev.sinter.framework.testing.TestData;
import dev.sinter.framework.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The analysis stages of a study, one seed: train a tiny model, detect its super weights, quantize it, and evaluate the
 * quantized model (a reference to the quantize stage's output) on the committed PIQA items; the metrics read all
 * three stages' files.
 */
class StudyStagesTest {
    @TempDir
    Path dir;

    @Test
    void analyzeQuantizeAndEvaluateStagesReadEarlierOutputs() throws IOException {
        Path corpus = dir.resolve("corpus.txt");
        Files.writeString(corpus, TestCorpus.sentences(4_000, 7));
        Files.writeString(dir.resolve("run.yaml"), """
                name: x
                model: {name: tiny}
                data: {train: %s, seq_len: 32}
                training: {steps: 2, batch_size: 2, lr: 3.0e-3, eval_every: 2, eval_batches: 1}
                checkpoint: {every: 2}
                samples: {count: 1, max_new_tokens: 2}
                analysis: {super_weights: false, emergence: false}
                """.formatted(corpus));
        Path data = TestData.fixture("eval/piqa.jsonl").getParent().getParent();
        Path study = dir.resolve("stages.yaml");
        Files.writeString(study, """
                name: stages
                output_dir: %s
                seeds: [5]
                stages:
                  base: {kind: train, config: run.yaml}
                  sw: {kind: analyze, model: "${stages.base.run}"}
                  q: {kind: quantize, model: "${stages.base.run}", bits: 8, naive: true}
                  ev: {kind: evaluate, model: "${stages.q.model}", tasks: [piqa], limit: 5, batch_size: 5, data_dir: %s}
                metrics:
                  acc: ${stages.ev.results}#/results/piqa/acc
                  super_weights: ${stages.sw.dir}/super_weights.json#/count
                  loss: ${stages.base.run}/summary.json#/validation_loss
                claims:
                  above_zero: {paper: accuracy is not negative, holds: acc >= 0}
                """.formatted(dir.resolve("runs"), data));
        StudyRunner.Result r = Sinter.study(study);
        assertEquals(List.of("seed-5/base", "seed-5/sw", "seed-5/q", "seed-5/ev"), r.ran());
        Path seed = dir.resolve("runs/stages/seed-5");
        JsonNode sw = Json.read(seed.resolve("sw/super_weights.json"));
        assertEquals(sw.get("super_weights").size(), sw.get("count").asInt());
        assertTrue(Files.isRegularFile(Path.of(sw.get("report").asText())), sw.toString());
        JsonNode q = Json.read(seed.resolve("q/quantization.json"));
        assertTrue(q.get("quantizer").asText().contains("8"), q.toString());
        assertTrue(q.get("weights").asLong() > 0, q.toString());
        JsonNode results = Json.read(seed.resolve("ev/results.json"));
        assertEquals(5, results.at("/n-samples/piqa/effective").asInt(), results.toString());
        assertTrue(results.toString().contains(seed.resolve("q/model").toString()), "scored the quantized model");
        JsonNode report = Json.read(dir.resolve("runs/stages/study.json"));
        assertEquals(results.at("/results/piqa/acc").asDouble(), report.at("/metrics/acc/values/5").asDouble(), 0);
        assertEquals(sw.get("count").asDouble(), report.at("/metrics/super_weights/values/5").asDouble(), 0);
        assertEquals("reproduced", report.at("/claims/above_zero/verdict").asText());
        assertEquals(List.of(), Sinter.study(study).ran()); // all four complete
    }

    @Test
    void anUnknownTaskStopsTheStudyBeforeAnyWork() throws IOException {
        Files.writeString(dir.resolve("run.yaml"), "name: x\nmodel: {name: tiny}\ndata: {train: c.txt, seq_len: 32}\n"
                + "training: {steps: 2, batch_size: 2, lr: 3.0e-3}\n");
        Path study = dir.resolve("bad.yaml");
        Files.writeString(study, """
                name: bad
                output_dir: %s
                seeds: [1]
                stages:
                  base: {kind: train, config: run.yaml}
                  ev: {kind: evaluate, model: "${stages.base.run}", tasks: [arc_easyy]}
                """.formatted(dir.resolve("runs")));
        String message = org.junit.jupiter.api.Assertions.assertThrows(
                dev.sinter.framework.config.ConfigException.class, () -> Sinter.study(study)).getMessage();
        assertTrue(message.startsWith(study + ": stages.ev (seed 1): unknown task 'arc_easyy'"), message);
        assertTrue(Files.notExists(dir.resolve("runs")), "nothing ran");
    }
}

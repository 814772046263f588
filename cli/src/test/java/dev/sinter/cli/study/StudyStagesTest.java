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

    /**
     * An analyze stage with the ablations, the scaling sweep and the quantization table on a tiny model without a
     * super weight: the strongest read-out stands in, every condition is in super_weights.json under its key, the
     * random baseline zeroes one weight, and a second analysis of the same model compared with the first finds the
     * same strongest weight.
     */
    @Test
    void anAnalyzeStageAblatesTheStrongestCandidateAndComparesWithAReference() throws IOException {
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
        Path text = dir.resolve("text.txt");
        Files.writeString(text, TestCorpus.sentences(300, 3));
        Path study = dir.resolve("sw.yaml");
        Files.writeString(study, """
                name: sw
                output_dir: %s
                seeds: [4]
                stages:
                  base: {kind: train, config: run.yaml}
                  a: {kind: analyze, model: "${stages.base.run}", perplexity: %s, ablate: true, prune_fraction: 0.01,
                      scales: [2.0], strongest_candidate: true, quantization: {bits: 8, block_sizes: [tensor]}}
                  b: {kind: analyze, model: "${stages.base.run}", reference: "${stages.a.dir}"}
                metrics:
                  original: ${stages.a.dir}/super_weights.json#/ablation/original/score
                  pruned: ${stages.a.dir}/super_weights.json#/ablation/prune_sw/score
                  same: ${stages.b.dir}/super_weights.json#/reference/same_strongest
                claims:
                  same_weight: {paper: the same model has the same strongest weight, holds: same > 0.5}
                """.formatted(dir.resolve("runs"), text));
        StudyRunner.Result r = Sinter.study(study);
        assertEquals(List.of("seed-4/base", "seed-4/a", "seed-4/b"), r.ran());
        JsonNode a = Json.read(dir.resolve("runs/sw/seed-4/a/super_weights.json"));
        assertEquals(0, a.get("count").asInt(), a.toString());
        assertTrue(a.get("candidate").asBoolean(), a.toString());
        assertEquals(a.get("strongest").get("coordinate"), a.get("ablated").get(0).get("coordinate"));
        assertEquals(List.of("original", "prune_sw", "prune_non_sw", "prune_random", "prune_sw_restore_sa",
                "scale_2.0"), names(a.get("ablation")));
        assertEquals("prune random (seed 4)", a.at("/ablation/prune_random/condition").asText());
        assertEquals(1, a.at("/ablation/prune_random/weights_changed").asInt());
        assertEquals(a.at("/ablation/original/metrics/text.txt.token_perplexity").asDouble(),
                a.at("/ablation/original/score").asDouble(), 0);
        assertTrue(a.at("/ablation/prune_sw/score").asDouble() != a.at("/ablation/original/score").asDouble());
        assertEquals(List.of("fp32", "w8_tensor", "w8_tensor_z9_sw", "a8_per_tensor_naive",
                "a8_per_tensor_sa_held_out"), names(a.get("quantization")));
        assertTrue(a.at("/max_down_output").asDouble() > 0);
        assertEquals(a.at("/max_down_output").asDouble(), a.at("/sites/mlp/max_down_output").asDouble(), 0);
        JsonNode b = Json.read(dir.resolve("runs/sw/seed-4/b/super_weights.json"));
        assertEquals(1, b.at("/reference/same_strongest").asInt(), b.toString());
        assertEquals(1, b.at("/reference/same_output_channel").asInt());
        assertTrue(b.path("ablation").isMissingNode(), "nothing asked for, nothing scored");
        JsonNode report = Json.read(dir.resolve("runs/sw/study.json"));
        assertEquals("reproduced", report.at("/claims/same_weight/verdict").asText());
    }

    private static List<String> names(JsonNode object) {
        List<String> out = new java.util.ArrayList<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void aMissingModelFileOrAnAblationWithoutScoringStopsTheStudyBeforeAnyWork() throws IOException {
        Path study = dir.resolve("missing.yaml");
        Files.writeString(study, """
                name: missing
                output_dir: %s
                seeds: [1]
                stages:
                  sw: {kind: analyze, model: %s}
                """.formatted(dir.resolve("runs"), dir.resolve("shared/data/models/stories260K/stories260K.bin")));
        String message = org.junit.jupiter.api.Assertions.assertThrows(
                dev.sinter.framework.config.ConfigException.class, () -> Sinter.study(study)).getMessage();
        assertTrue(message.startsWith(study + ": stages.sw (seed 1): model: file not found: "
                + dir.resolve("shared/data/models/stories260K/stories260K.bin")), message);
        assertTrue(message.contains("../shared/data"), message);
        Files.writeString(study, """
                name: missing
                seeds: [1]
                stages:
                  sw: {kind: analyze, model: m.bin, ablate: true}
                """);
        message = org.junit.jupiter.api.Assertions.assertThrows(
                dev.sinter.framework.config.ConfigException.class, () -> Sinter.study(study)).getMessage();
        assertTrue(message.contains("stages.sw.ablate and quantization score the model in every condition: give"
                + " tasks"), message);
        assertTrue(Files.notExists(dir.resolve("runs")), "nothing ran");
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

package dev.sinter.models.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sinter.framework.testing.TestData;
import dev.sinter.framework.util.Json;
import dev.sinter.models.ModelIO;
import dev.sinter.models.llama2c.Llama2cWriter;
import dev.sinter.models.transformer.ParameterNames;
import dev.sinter.models.transformer.TransformerModel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A random tiny Qwen2ForCausalLM (q/k/v biases, GQA 4/2, untied head, rope_theta 1e6, BF16 in two shards with an
 * index) made by {@code bench/hf_llama_twin.py}: the import equals the NumPy and PyTorch twins of HF's forward, and
 * round-trips.
 */
class TinyQwen2HfTest {
    @TempDir
    Path tmp;

    @Test
    void importMatchesTheNumpyTwinAndRoundTripsBitIdentically() throws Exception {
        Path dir = TestData.fixture("models/hf/tiny-qwen2/config.json").getParent();
        TransformerModel m = ModelIO.load(dir);
        assertTrue(m.config().attentionBias());
        assertFalse(m.config().tieEmbeddings());
        assertEquals(2, m.config().nKvHeads());
        assertEquals(1e6, m.config().ropeTheta());
        assertEquals("half", m.config().ropeStyle());
        assertTrue(m.parameters().get(ParameterNames.attnBias(1, "k")).amaxNumber().doubleValue() > 0.1,
                "biases are loaded");

        int[][] ids = null;
        for (String file : new String[]{"tiny-qwen2-twin-logits.json", "tiny-qwen2-torch-logits.json"}) {
            JsonNode twin = Json.read(TestData.fixture("models/hf/" + file));
            ids = new int[][]{Stories260KHfTest.ids(twin)};
            double diff = Stories260KHfTest.maxAbsDiff(m.logits(ids), Stories260KHfTest.twinLogits(twin));
            System.err.printf("tiny Qwen2 (BF16, sharded) vs HF twin (%s): max |Δlogit| %.3g%n",
                    twin.get("backend").textValue(), diff);
            assertTrue(diff <= 1e-4, file + ": max |Δlogit| " + diff);
        }

        Path out = tmp.resolve("qwen2-export");
        HfExporter.export(m, out, null, null);
        JsonNode cfg = Json.read(out.resolve("config.json"));
        assertEquals("Qwen2ForCausalLM", cfg.get("architectures").get(0).textValue());
        assertEquals(0.0, Stories260KHfTest.maxAbsDiff(m.logits(ids), ModelIO.load(out).logits(ids)));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Llama2cWriter.write(m, tmp.resolve("x.bin")));
        assertEquals("a llama2.c v0 file cannot express q/k/v biases; use --format hf", e.getMessage());
    }
}

package dev.sinter.models.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sinter.framework.checkpoint.SafetensorsIO;
import dev.sinter.framework.util.Json;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.models.ModelIO;
import dev.sinter.models.transformer.ParameterNames;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Bad HF directories fail in {@link HfLlamaImporter#inspect}, which reads only config.json, the index and the
 * safetensors headers (no tensor is read or allocated), with one line naming the file and the fix; {@code ModelIO.load}
 * fails with the same line.
 */
class HfImportErrorsTest {
    static final ModelConfig TINY = ModelConfig.builder().dim(16).nLayers(1).nHeads(2).nKvHeads(1).hiddenDim(24)
            .vocabSize(32).maxSeqLen(16).normEps(1e-6).ropeStyle("half").tieEmbeddings(false).initStd(0.1).build();

    @TempDir
    Path tmp;
    Path dir;
    Map<String, INDArray> weights;

    @BeforeEach
    void writeAValidTinyLlama() throws IOException {
        dir = tmp.resolve("tiny-llama");
        TransformerModel m = TransformerModel.create(TINY, DataType.FLOAT, 7);
        HfExporter.export(m, dir, 1, 2);
        weights = new LinkedHashMap<>(HfExporter.hfTensors(m));
        assertEquals(TINY, HfLlamaImporter.inspect(dir).config());
    }

    @Test
    void unknownArchitecture() throws IOException {
        editConfig(c -> c.putArray("architectures").add("GPT2LMHeadModel"));
        assertFails(dir.resolve("config.json") + ": architecture 'GPT2LMHeadModel' is not supported; Sinter imports"
                + " [LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM]");
    }

    @Test
    void ropeScalingSet() throws IOException {
        editConfig(c -> c.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0));
        assertFails(dir.resolve("config.json") + ": rope_scaling {\"rope_type\":\"llama3\",\"factor\":8.0} is not"
                + " supported");
    }

    @Test
    void hiddenActOtherThanSiluAndHeadDimOtherThanHiddenOverHeads() throws IOException {
        editConfig(c -> c.put("hidden_act", "gelu_pytorch_tanh"));
        assertFails("hidden_act 'gelu_pytorch_tanh' is not supported");
        editConfig(c -> c.put("hidden_act", "silu").put("head_dim", 16));
        assertFails("head_dim 16 differs from hidden_size / num_attention_heads = 8");
    }

    @Test
    void mistralWithASlidingWindowShorterThanTheContext() throws IOException {
        editConfig(c -> c.put("sliding_window", 8).putArray("architectures").add("MistralForCausalLM"));
        assertFails("sliding_window 8 is shorter than max_position_embeddings 16; Sinter has no sliding-window"
                + " attention");
        editConfig(c -> c.putNull("sliding_window"));
        assertEquals(TINY, HfLlamaImporter.inspect(dir).config());
        editConfig(c -> c.put("sliding_window", 4096));
        assertEquals(TINY, ModelIO.load(dir).config());
    }

    @Test
    void indexNamingAShardOutsideTheDirectory() throws IOException {
        Files.move(dir.resolve("model.safetensors"), tmp.resolve("x.safetensors")); // exists, but outside
        writeIndex("../x.safetensors");
        assertFails(dir.resolve("model.safetensors.index.json") + ": shard '../x.safetensors' lies outside the model"
                + " directory");
        writeIndex(tmp.resolve("x.safetensors").toAbsolutePath().toString());
        assertFails("lies outside the model directory; an index may only name files inside");
        Files.createSymbolicLink(dir.resolve("link.safetensors"), tmp.resolve("x.safetensors").toAbsolutePath());
        writeIndex("link.safetensors");
        assertFails("shard 'link.safetensors' is a symlink to " + tmp.resolve("x.safetensors").toRealPath()
                + ", outside the model directory");
        Files.delete(dir.resolve("link.safetensors"));
        Files.move(tmp.resolve("x.safetensors"), dir.resolve("model-00001-of-00001.safetensors"));
        writeIndex("model-00001-of-00001.safetensors");
        assertEquals(TINY, ModelIO.load(dir).config()); // the same shard inside the directory loads
    }

    /** The symlink rule holds for every file the importer reads, not only index shards. */
    @Test
    void singleFilesSymlinkedOutsideTheDirectoryAreRefused() throws IOException {
        for (String name : new String[]{"model.safetensors", "config.json"}) {
            Path outside = tmp.resolve("outside-" + name);
            Files.move(dir.resolve(name), outside);
            Files.createSymbolicLink(dir.resolve(name), outside.toAbsolutePath());
            assertFails(dir + ": " + name + " is a symlink to " + outside.toRealPath() + ", outside the model"
                    + " directory; copy the model files into " + dir + " (e.g. huggingface-cli download --local-dir)");
            Files.delete(dir.resolve(name));
            Files.move(outside, dir.resolve(name));
        }
        Files.createDirectories(dir.resolve("blobs"));
        Files.move(dir.resolve("model.safetensors"), dir.resolve("blobs/w"));
        Files.createSymbolicLink(dir.resolve("model.safetensors"), Path.of("blobs/w"));
        assertEquals(TINY, ModelIO.load(dir).config()); // a symlink that stays inside is fine
    }

    @Test
    void oversizedConfigIsRefusedBeforeParsing() throws IOException {
        Path config = dir.resolve("config.json");
        Files.writeString(config, "{" + " ".repeat(1 << 20) + "}");
        assertFails(config + ": is " + ((1 << 20) + 2) + " bytes, more than the 1048576 bytes allowed for config.json");
    }

    @Test
    void oversizedIndexIsRefusedBeforeParsing() throws IOException {
        Files.move(dir.resolve("model.safetensors"), dir.resolve("a.safetensors"));
        writeIndex("a.safetensors");
        Path index = dir.resolve("model.safetensors.index.json");
        Files.writeString(index, "{" + " ".repeat(16 << 20) + "}");
        assertFails(index + ": is " + ((16 << 20) + 2) + " bytes, more than the 16777216 bytes allowed for"
                + " model.safetensors.index.json");
    }

    @Test
    void maxPositionEmbeddingsAboveTheCapIsRefused() throws IOException {
        editConfig(c -> c.put("max_position_embeddings", Integer.MAX_VALUE));
        assertFails(dir.resolve("config.json") + ": max_position_embeddings 2147483647 is above Sinter's limit of"
                + " 1048576 positions");
        editConfig(c -> c.put("max_position_embeddings", 1 << 20));
        assertEquals(1 << 20, HfLlamaImporter.inspect(dir).config().maxSeqLen());
    }

    @Test
    void tensorWithAWrongShape() throws IOException {
        weights.put(ParameterNames.attn(0, "k"), Nd4j.zeros(DataType.FLOAT, 16, 16));
        writeWeights();
        assertFails(dir.resolve("model.safetensors") + ": tensor 'model.layers.0.self_attn.k_proj.weight' has shape"
                + " [16, 16] but config.json implies [8, 16]; the weights do not match config.json");
    }

    @Test
    void missingAndUnknownTensorsAreNamed() throws IOException {
        weights.remove(ParameterNames.mlp(0, "up"));
        writeWeights();
        assertFails(dir + ": missing tensors [model.layers.0.mlp.up_proj.weight] of a 1-layer Llama (untied lm_head)"
                + " model");
        weights.put(ParameterNames.mlp(0, "up"), Nd4j.zeros(DataType.FLOAT, 24, 16));
        weights.put("model.layers.0.self_attn.o_proj.bias", Nd4j.zeros(DataType.FLOAT, 16));
        writeWeights();
        assertFails(dir + ": unknown tensors [model.layers.0.self_attn.o_proj.bias] are not part of a");
    }

    @Test
    void truncatedSafetensorsFile() throws IOException {
        Path f = dir.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(all, all.length - 100));
        assertFails(f + ": tensor 'lm_head.weight': data_offsets");
    }

    @Test
    void unsupportedDtypes() throws IOException {
        weights.put(ParameterNames.FINAL_NORM + ".weight", Nd4j.zeros(DataType.INT32, 16));
        writeWeights();
        assertFails(dir.resolve("model.safetensors") + ": tensor 'model.norm.weight' has dtype I32; model weights must"
                + " be F32, F16 or BF16");
        String header = "{\"model.norm.weight\":{\"dtype\":\"F8_E4M3\",\"shape\":[16],\"data_offsets\":[0,16]}}";
        byte[] json = (header + " ".repeat((8 - header.length() % 8) % 8)).getBytes(StandardCharsets.UTF_8);
        ByteBuffer file = ByteBuffer.allocate(8 + json.length + 16).order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(json.length).put(json);
        Files.write(dir.resolve("model.safetensors"), file.array());
        assertFails("tensor 'model.norm.weight': dtype \"F8_E4M3\" is not supported (expected F32, F16, BF16, F64, I32"
                + " or I64)");
    }

    /**
     * A 2 GB model (vocabulary 8M × 64, a sparse file that takes no disk) with one mis-shaped tensor fails in the header
     * check: had any tensor been allocated and read first, the process would have grown by gigabytes.
     */
    @Test
    void aHugeModelWithOneBadTensorFailsBeforeAnyTensorIsAllocatedOrRead() throws IOException {
        ModelConfig huge = ModelConfig.builder().dim(64).nLayers(1).nHeads(2).nKvHeads(1).hiddenDim(24)
                .vocabSize(8_000_000).maxSeqLen(16).normEps(1e-6).ropeStyle("half").build();
        dir = tmp.resolve("huge");
        Files.createDirectories(dir);
        Json.mapper().writeValue(dir.resolve("config.json").toFile(), HfConfig.toJson(huge, null, null));
        Map<String, long[]> shapes = HfLlamaImporter.expectedShapes(huge);
        shapes.put(ParameterNames.FINAL_NORM + ".weight", new long[]{63});
        ObjectNode header = Json.mapper().createObjectNode();
        long offset = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long bytes = 4 * Arrays.stream(e.getValue()).reduce(1, Math::multiplyExact);
            ObjectNode t = header.putObject(e.getKey()).put("dtype", "F32");
            Arrays.stream(e.getValue()).forEach(t.putArray("shape")::add);
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = Json.mapper().writeValueAsBytes(header);
        byte[] padded = Arrays.copyOf(json, (json.length + 7) / 8 * 8);
        Arrays.fill(padded, json.length, padded.length, (byte) ' ');
        Path f = dir.resolve("model.safetensors");
        try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(f.toFile(), "rw")) {
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded.length).array());
            raf.write(padded);
            raf.setLength(8 + padded.length + offset); // a hole: no data on disk
        }
        assertTrue(offset > 2_000_000_000L);
        long rss = org.bytedeco.javacpp.Pointer.physicalBytes();
        assertFails(f + ": tensor 'model.norm.weight' has shape [63] but config.json implies [64]");
        long grown = org.bytedeco.javacpp.Pointer.physicalBytes() - rss;
        assertTrue(grown < 200L << 20, "the process grew by " + grown + " bytes");
    }

    @Test
    void indexThatDoesNotMatchItsShard() throws IOException {
        Files.move(dir.resolve("model.safetensors"), dir.resolve("a.safetensors"));
        writeIndex("a.safetensors");
        ObjectNode index = (ObjectNode) Json.read(dir.resolve("model.safetensors.index.json"));
        ((ObjectNode) index.get("weight_map")).put("model.layers.0.mlp.extra.weight", "a.safetensors");
        Json.mapper().writeValue(dir.resolve("model.safetensors.index.json").toFile(), index);
        assertFails("names 'model.layers.0.mlp.extra.weight' in a.safetensors but that shard does not hold it");
    }

    private void assertFails(String expected) {
        IOException inspect = assertThrows(IOException.class, () -> HfLlamaImporter.inspect(dir));
        IOException load = assertThrows(IOException.class, () -> ModelIO.load(dir));
        assertEquals(inspect.getMessage(), load.getMessage());
        assertTrue(inspect.getMessage().contains(expected), "expected '" + expected + "' in: " + inspect.getMessage());
        assertTrue(inspect.getMessage().startsWith(dir.toString()), inspect.getMessage());
        assertFalse(inspect.getMessage().contains("\n"), "one line: " + inspect.getMessage());
    }

    private void editConfig(Consumer<ObjectNode> edit) throws IOException {
        Path f = dir.resolve("config.json");
        ObjectNode c = (ObjectNode) Json.read(f);
        edit.accept(c);
        Json.mapper().writeValue(f.toFile(), c);
    }

    private void writeWeights() throws IOException {
        SafetensorsIO.write(dir.resolve("model.safetensors"), weights, Map.of("format", "pt"));
    }

    /** An index mapping every tensor to {@code shard}, with model.safetensors removed. */
    private void writeIndex(String shard) throws IOException {
        Files.deleteIfExists(dir.resolve("model.safetensors"));
        ObjectNode index = Json.mapper().createObjectNode();
        ObjectNode map = index.putObject("weight_map");
        weights.keySet().forEach(n -> map.put(n, shard));
        Json.mapper().writeValue(dir.resolve("model.safetensors.index.json").toFile(), index);
    }
}

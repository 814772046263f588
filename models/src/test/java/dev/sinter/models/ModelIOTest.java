package dev.sinter.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sinter.framework.checkpoint.CheckpointManager;
import dev.sinter.framework.checkpoint.TrainerState;
import dev.sinter.models.config.ModelConfig;
import dev.sinter.framework.testing.TestData;
import dev.sinter.models.transformer.TransformerModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Checkpoints written by {@link CheckpointManager} load back into identical models. */
class ModelIOTest {
    static final ModelConfig UNTIED_LEARNED = ModelConfig.builder().dim(24).nLayers(2).nHeads(4).nKvHeads(1)
            .hiddenDim(40).vocabSize(50).maxSeqLen(16).norm("layernorm").positions("learned").mlp("gelu")
            .tieEmbeddings(false).initStd(0.05).build();

    @Test
    void saveThenLoadGivesIdenticalLogits(@TempDir Path dir) throws IOException {
        for (ModelConfig cfg : new ModelConfig[]{UNTIED_LEARNED,
                dev.sinter.models.config.ModelPreset.registry().get("tiny").config()}) {
            TransformerModel m = TransformerModel.create(cfg, DataType.FLOAT, 9);
            Path cp = new CheckpointManager(dir.resolve(cfg.norm() + "/checkpoints"), 1).save(
                    new TrainerState(3, 0, 0, 1, Double.NaN, Map.of()), m.parameters(), ModelIO.metadata(cfg),
                    Map.of(), ModelIO.tokenizerFiles("byte", null));
            TransformerModel loaded = ModelIO.load(dir.resolve(cfg.norm())); // run directory → newest checkpoint
            assertEquals(cfg, loaded.config());
            int[][] ids = {{1, 2, 3, 4, 5, 6}, {7, 8, 9, 10, 11, 12}};
            INDArray a = m.logits(ids);
            INDArray b = loaded.logits(ids);
            assertEquals(a, b, "logits must be bit-identical after a round trip");
            assertTrue(ModelIO.tokenizerOf(cp).isPresent());
        }
    }

    /** A checkpoint's tokenizer descriptor may only name a file inside the checkpoint directory. */
    @Test
    void tokenizerDescriptorNamingAFileOutsideTheCheckpointIsRefused(@TempDir Path dir) throws IOException {
        Path tok512 = TestData.fixture("models/stories260K/tok512.bin");
        Path cp = Files.createDirectories(dir.resolve("cp"));
        Files.copy(tok512, dir.resolve("outside.bin"));
        for (String file : new String[]{"../outside.bin", dir.resolve("outside.bin").toAbsolutePath().toString(),
                "link.bin"}) {
            if (file.equals("link.bin")) {
                Files.createSymbolicLink(cp.resolve("link.bin"), dir.resolve("outside.bin").toAbsolutePath());
            }
            Files.writeString(cp.resolve(ModelIO.TOKENIZER_FILE), "{\"type\": \"llama2c\", \"file\": \""
                    + file + "\"}");
            IOException e = assertThrows(IOException.class, () -> ModelIO.tokenizerOf(cp));
            assertEquals(cp.resolve(ModelIO.TOKENIZER_FILE) + ": tokenizer file '" + file + "' lies outside " + cp
                    + "; a checkpoint's tokenizer file must be inside its directory (e.g. \"tokenizer.bin\")",
                    e.getMessage());
        }
        Files.copy(tok512, cp.resolve(ModelIO.TOKENIZER_BIN));
        Files.writeString(cp.resolve(ModelIO.TOKENIZER_FILE), "{\"type\": \"llama2c\", \"file\": \"tokenizer.bin\"}");
        assertEquals(512, ModelIO.tokenizerOf(cp).orElseThrow().vocabSize());
    }

    /** The tok*.bin beside a llama2.c file is chosen by name, whatever order the directory lists. */
    @Test
    void llama2cTokenizerBesideIsTheFirstTokBinByName(@TempDir Path dir) throws IOException {
        Path bin = Files.writeString(dir.resolve("model.bin"), "x");
        assertTrue(ModelIO.llama2cTokenizerBeside(bin).isEmpty());
        for (String name : new String[]{"tok4096.bin", "tokenizer.bin", "tok512.bin", "vocab.bin", "tok.txt"}) {
            Files.writeString(dir.resolve(name), name);
        }
        assertEquals(dir.resolve("tok4096.bin").toAbsolutePath(), ModelIO.llama2cTokenizerBeside(bin).orElseThrow());
        Path tokBin = dir.resolve("tok.bin");
        Files.writeString(tokBin, "model named tok*.bin");
        assertEquals(dir.resolve("tok4096.bin").toAbsolutePath(), ModelIO.llama2cTokenizerBeside(tokBin).orElseThrow(),
                "never the model file itself");
    }

    /** The tokenizer files a model directory carries along, in {@link ModelIO#TOKENIZER_FILES} order. */
    @Test
    void tokenizerFilesOfListsThePresentOnesInOrder(@TempDir Path dir) throws IOException {
        for (String name : new String[]{"tokenizer.bin", "special_tokens_map.json", "tokenizer.json", "config.json",
                "model.safetensors"}) {
            Files.writeString(dir.resolve(name), name);
        }
        Files.createDirectories(dir.resolve("tokenizer_config.json")); // a directory is not a file
        assertEquals(java.util.List.of("tokenizer.json", "special_tokens_map.json", "tokenizer.bin"),
                java.util.List.copyOf(ModelIO.tokenizerFilesOf(dir).keySet()));
        assertEquals(dir.resolve("tokenizer.bin"), ModelIO.tokenizerFilesOf(dir).get("tokenizer.bin"));
    }

    @Test
    void aRunDirectoryResolvesByTheCheapCheckWithoutHashing(@TempDir Path dir) throws IOException {
        CheckpointManager checkpoints = new CheckpointManager(dir.resolve("checkpoints"), 5);
        TransformerModel m = TransformerModel.create(UNTIED_LEARNED, DataType.FLOAT, 9);
        Path older = checkpoints.save(new TrainerState(2, 0, 0, 1, Double.NaN, Map.of()), m.parameters(),
                ModelIO.metadata(UNTIED_LEARNED), Map.of(), Map.of());
        Path newest = checkpoints.save(new TrainerState(4, 0, 0, 1, Double.NaN, Map.of()), m.parameters(),
                ModelIO.metadata(UNTIED_LEARNED), Map.of(), Map.of());
        Path model = newest.resolve(CheckpointManager.MODEL_FILE);
        byte[] b = Files.readAllBytes(model);
        b[b.length - 1] ^= 1; // same size: only a hash would notice, and loading a model does not hash
        Files.write(model, b);
        assertEquals(newest, ModelIO.resolve(dir));
        assertEquals(older, checkpoints.latest().orElseThrow(), "resuming training hashes");

        Files.write(model, java.util.Arrays.copyOf(b, b.length - 8)); // a torn write is still caught
        assertEquals(older, ModelIO.resolve(dir));
    }

    @Test
    void pathsThatAreNoModelGiveClearErrors(@TempDir Path dir) throws IOException {
        IOException missing = assertThrows(IOException.class, () -> ModelIO.load(dir.resolve("nope")));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
        Files.createDirectories(dir.resolve("empty"));
        IOException empty = assertThrows(IOException.class, () -> ModelIO.load(dir.resolve("empty")));
        assertTrue(empty.getMessage().contains("llama2.c .bin"), empty.getMessage());
    }
}

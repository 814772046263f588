package dev.sinter.cli;

import dev.sinter.framework.checkpoint.CheckpointManager;
import dev.sinter.models.ModelIO;
import dev.sinter.models.transformer.TransformerModel;
import dev.sinter.trainers.lora.LoraTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sinter merge --adapter PATH --output DIR}: folds LoRA adapters into a dense model. */
@Command(name = "merge", description = "Merge a LoRA adapter checkpoint into a dense model (W + alpha/r · B·A).")
final class MergeCommand implements Callable<Integer> {
    /** The run config a checkpoint keeps, carried over with the tokenizer files. */
    private static final String RUN_CONFIG = "config.yaml";

    @Option(names = "--adapter", required = true, paramLabel = "PATH",
            description = "LoRA run directory or adapter checkpoint directory")
    Path adapter;

    @Option(names = "--base", paramLabel = "PATH", description = "base model (default: the one recorded at training)")
    Path base;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "directory for the dense model")
    Path output;

    @Override
    public Integer call() throws Exception {
        TransformerModel merged = LoraTrainer.mergeCheckpoint(adapter, base);
        Files.createDirectories(output);
        CheckpointManager.writeModel(output, merged.parameters(), ModelIO.metadata(merged.config()));
        Path source = ModelIO.resolve(adapter);
        Map<String, Path> carried = new LinkedHashMap<>(ModelIO.tokenizerFilesOf(source));
        if (Files.isRegularFile(source.resolve(RUN_CONFIG))) {
            carried.put(RUN_CONFIG, source.resolve(RUN_CONFIG));
        }
        for (Map.Entry<String, Path> f : carried.entrySet()) {
            Files.copy(f.getValue(), output.resolve(f.getKey()), StandardCopyOption.REPLACE_EXISTING);
        }
        System.out.println("merged " + source + " into " + output.resolve(CheckpointManager.MODEL_FILE) + " ("
                + merged.parameterCount() + " parameters)");
        return 0;
    }
}

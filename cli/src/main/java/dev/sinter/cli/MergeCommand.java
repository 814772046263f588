package dev.sinter.cli;

import dev.sinter.framework.checkpoint.CheckpointManager;
import dev.sinter.models.ModelIO;
import dev.sinter.models.transformer.TransformerModel;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sinter merge --adapter PATH --output DIR}: folds LoRA adapters into a dense model ({@link Sinter#merge}). */
@Command(name = "merge", description = "Merge a LoRA adapter checkpoint into a dense model (W + alpha/r · B·A).")
final class MergeCommand implements Callable<Integer> {
    @Option(names = "--adapter", required = true, paramLabel = "PATH",
            description = "LoRA run directory or adapter checkpoint directory")
    Path adapter;

    @Option(names = "--base", paramLabel = "PATH", description = "base model (default: the one recorded at training)")
    Path base;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "directory for the dense model")
    Path output;

    @Override
    public Integer call() throws Exception {
        TransformerModel merged = Sinter.merge(adapter, base, output);
        System.out.println("merged " + ModelIO.resolve(adapter) + " into " + output.resolve(CheckpointManager.MODEL_FILE)
                + " (" + merged.parameterCount() + " parameters)");
        return 0;
    }
}

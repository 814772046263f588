package dev.sinter.cli;

import dev.sinter.framework.data.shards.ShardIndex;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code sinter prepare CONFIG [key.path=value …]}: tokenizes {@code data.train} (a file or a directory of files) with
 * the run's tokenizer into the token shards at {@code data.shards}, as set in {@code data.prepare}; a later
 * {@code sinter train} of the same config then memory-maps them ({@link Sinter#prepare}).
 */
@Command(name = "prepare", description = "Tokenize data.train once into memory-mappable token shards at data.shards.")
final class PrepareCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CONFIG", description = "YAML run file with data.shards set")
    Path config;

    @Parameters(index = "1..*", paramLabel = "KEY=VALUE", description = "overrides, e.g. data.shards=shards/corpus")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        Sinter.PreparedShards prepared = Sinter.prepare(config, overrides.toArray(String[]::new));
        ShardIndex index = prepared.index();
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("prepared %s: %d tokens (%d validation) in %d %s shards from %d files, %.1f s, %.0f tokens/s%n",
                prepared.directory(), index.totalTokens(), index.validationTokens(), index.shards().size(), index.dtype(),
                index.sources().size(), seconds, index.totalTokens() / seconds);
        return 0;
    }
}
